/**
 * The engine's state on the main thread: which backend runs and which CIFAR-10 data is available.
 * Components subscribe to parts of it; it starts the worker (and restarts it after a crash).
 */
import { create } from 'zustand';
import { startEngine, type EngineHandle } from '../engine/client';
import type { BackendName, BackendReport, DataStatus } from '../engine/protocol';

export type RunStatus =
  'idle' | 'starting' | 'running' | 'paused' | 'stopping' | 'finished' | 'stopped' | 'failed';

export interface EngineState {
  backend: BackendReport | null;
  /** The backend asked for in the URL (`?backend=`); a restarted worker asks for it again. */
  forcedBackend: BackendName | null;
  engineError: string | null;
  data: DataStatus | null;
  importing: boolean;
  /** Why the last archive import failed, if it did. */
  importError: string | null;
  init(forced: BackendName | null): Promise<void>;
  importArchive(file: File): Promise<void>;
  /** Asks the worker again which data is available (e.g. after `npm run data` finished). */
  refreshData(): Promise<void>;
  /** Starts the worker if it is not running (and re-starts it after a crash). */
  ensureEngine(): EngineHandle;
}

let engine: EngineHandle | null = null;

/** The running engine, started on first use (shared by the stores that talk to the worker). */
export function getEngine(): EngineHandle {
  return useEngineStore.getState().ensureEngine();
}

/** The worker's API once a backend is chosen (the first job starts and initialises the engine). */
export async function readyEngineApi(): Promise<EngineHandle['api']> {
  const { api } = getEngine();
  const state = useEngineStore.getState();
  if (!state.backend) await state.init(state.forcedBackend);
  return api;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export const useEngineStore = create<EngineState>()((set) => {
  const ensureEngine = (): EngineHandle => {
    engine ??= startEngine((message) => {
      // The worker died: drop it so the next action starts a fresh one, and say what happened.
      engine = null;
      set({
        engineError: `The simulation worker stopped unexpectedly (${message}). It will restart on the next run.`,
        backend: null,
      });
    });
    return engine;
  };

  return {
    backend: null,
    forcedBackend: null,
    engineError: null,
    data: null,
    importing: false,
    importError: null,
    ensureEngine,

    async init(forced) {
      set({ forcedBackend: forced });
      try {
        const { api } = ensureEngine();
        const backend = await api.init(forced);
        set({ backend, engineError: null });
        set({ data: await api.dataStatus() });
      } catch (error) {
        set({ engineError: describe(error) });
      }
    },

    async importArchive(file) {
      set({ importing: true, importError: null });
      try {
        set({ data: await ensureEngine().api.importArchive(file) });
      } catch (error) {
        set({ importError: describe(error) });
      } finally {
        set({ importing: false });
      }
    },

    async refreshData() {
      try {
        set({ data: await ensureEngine().api.dataStatus() });
      } catch (error) {
        set({ engineError: describe(error) });
      }
    },
  };
});
