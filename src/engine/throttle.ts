/**
 * Coalesces progress messages: a job reports every batch, but the main thread hears at most one
 * message per `intervalMs` (each Comlink call is a postMessage round trip; ux-and-web-stack.md §2.5).
 * Items are accumulated, never dropped; `flush()` sends whatever is pending (call it at the end).
 */
export class Coalescer<Item, Summary> {
  private pending: Item[] = [];
  private lastSentMs = -Infinity;

  constructor(
    private readonly send: (items: Item[], summary: Summary) => void,
    private readonly intervalMs: number,
    private readonly nowMs: () => number = () => performance.now(),
  ) {}

  push(item: Item, summary: Summary): void {
    this.pending.push(item);
    if (this.nowMs() - this.lastSentMs >= this.intervalMs) this.flush(summary);
  }

  /** Sends pending items (or only the summary, e.g. a phase change, when none are pending). */
  flush(summary: Summary): void {
    const items = this.pending;
    this.pending = [];
    this.lastSentMs = this.nowMs();
    this.send(items, summary);
  }
}
