/**
 * Cooperative pause / stop for jobs running in the worker. A job calls `checkpoint()` between
 * batches: it yields a macrotask (so the worker's message loop can deliver a Comlink `stop()` or
 * `pause()` call, ux-and-web-stack.md §2.5), waits while paused, and throws `JobStopped` once stopped.
 * Tensors are owned by `tf.tidy` scopes inside each batch, so stopping between batches leaks nothing.
 */
export class JobStopped extends Error {
  constructor() {
    super('the job was stopped');
    this.name = 'JobStopped';
  }
}

const yieldMacrotask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export class JobControl {
  private stopped = false;
  private paused = false;
  private resumeWaiters: Array<() => void> = [];

  get isStopped(): boolean {
    return this.stopped;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  stop(): void {
    this.stopped = true;
    this.wake();
  }

  pause(): void {
    if (!this.stopped) this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.wake();
  }

  /** Yields, then blocks while paused; throws `JobStopped` when the job has been stopped. */
  async checkpoint(onPause?: () => void): Promise<void> {
    await yieldMacrotask();
    if (this.paused && !this.stopped) {
      onPause?.();
      await new Promise<void>((resolve) => this.resumeWaiters.push(resolve));
    }
    if (this.stopped) throw new JobStopped();
  }

  private wake(): void {
    const waiters = this.resumeWaiters;
    this.resumeWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
