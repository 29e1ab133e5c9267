/**
 * Main-thread side of the engine: starts the worker and wraps it with Comlink. If the worker dies
 * (an uncaught error, a lost GPU device that takes it down), `onCrash` is told and a fresh worker is
 * started on the next `restart()`.
 */
import * as Comlink from 'comlink';
import type { EngineApi } from './protocol';

export interface EngineHandle {
  api: Comlink.Remote<EngineApi>;
  terminate(): void;
}

export function startEngine(onCrash: (message: string) => void): EngineHandle {
  // Vite detects the worker only when `new URL(...)` is written inside `new Worker(...)` (§2.8).
  const worker = new Worker(new URL('./worker.ts', import.meta.url), {
    type: 'module',
    name: 'crossbar-engine',
  });
  worker.addEventListener('error', (event) => {
    event.preventDefault();
    onCrash(event.message || 'the engine worker failed to start');
  });
  worker.addEventListener('messageerror', () =>
    onCrash('the engine worker sent a message that could not be read'),
  );
  const api = Comlink.wrap<EngineApi>(worker);
  return {
    api,
    terminate: () => {
      api[Comlink.releaseProxy]();
      worker.terminate();
    },
  };
}
