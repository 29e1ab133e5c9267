/**
 * Main-thread side of the engine: starts the worker and wraps it with Comlink. The worker can die — an
 * uncaught error, a lost GPU device (the worker then says why and closes itself, see worker.ts), or a
 * terminate() — and a Comlink call in flight would then never settle: `lost` settles instead, with the
 * reason, so callers race it against their call, and `onLost` hears it once.
 */
import * as Comlink from 'comlink';
import { ENGINE_LOST_MESSAGE, type EngineApi, type EngineLostMessage } from './protocol';

export interface EngineHandle {
  api: Comlink.Remote<EngineApi>;
  /** Resolves, with the reason, when the worker is gone (it never rejects). */
  lost: Promise<string>;
  /** Stops the worker (as if it had crashed, with `reason`). */
  terminate(reason: string): void;
}

const isLostMessage = (data: unknown): data is EngineLostMessage =>
  typeof data === 'object' && data !== null && (data as { type?: unknown }).type === ENGINE_LOST_MESSAGE;

export function startEngine(onLost: (reason: string) => void): EngineHandle {
  // Vite detects the worker only when `new URL(...)` is written inside `new Worker(...)` (§2.8).
  const worker = new Worker(new URL('./worker.ts', import.meta.url), {
    type: 'module',
    name: 'crossbar-engine',
  });
  const api = Comlink.wrap<EngineApi>(worker);
  let gone = false;
  let resolveLost: (reason: string) => void = () => {};
  const lost = new Promise<string>((resolve) => (resolveLost = resolve));
  const lose = (reason: string) => {
    if (gone) return;
    gone = true;
    api[Comlink.releaseProxy]();
    worker.terminate();
    resolveLost(reason);
    onLost(reason);
  };
  worker.addEventListener('error', (event) => {
    event.preventDefault();
    lose(event.message || 'the engine worker failed to start');
  });
  worker.addEventListener('messageerror', () =>
    lose('the engine worker sent a message that could not be read'),
  );
  worker.addEventListener('message', (event: MessageEvent) => {
    if (isLostMessage(event.data)) lose(event.data.reason);
  });
  return { api, lost, terminate: lose };
}
