/**
 * The engine worker as the main thread sees it: which backend runs and which CIFAR-10 data is
 * available. `engineApi()` starts the worker on first use (and again after a crash, asking for the same
 * backend) and resolves once a backend is chosen; every slice talks to the worker through it.
 */
import type * as Comlink from 'comlink';
import { startEngine, type EngineHandle } from '../../engine/client';
import type { BackendName, BackendReport, DataStatus, EngineApi } from '../../engine/protocol';
import { errorMessage } from '../../sim/errors';
import type { LabSlice } from '../store';

export interface EngineSlice {
  backend: BackendReport | null;
  /** The backend asked for in the URL (`?backend=`); a restarted worker asks for it again. */
  forcedBackend: BackendName | null;
  engineError: string | null;
  data: DataStatus | null;
  importing: boolean;
  /** Why the last archive import failed, if it did. */
  importError: string | null;
  /** Starts the worker and selects its backend (once; later calls return the same choice). */
  initEngine(forced: BackendName | null): Promise<void>;
  /** The worker's API with a backend chosen (starting the worker if needed). */
  engineApi(): Promise<Comlink.Remote<EngineApi>>;
  /** The worker's API as it is now, started if needed (for calls that need no backend: stop, memory). */
  engineNow(): Comlink.Remote<EngineApi>;
  /**
   * Runs `call` on the worker's API; if the worker is lost meanwhile (a crash, a lost GPU), rejects with
   * `EngineLost` and its reason instead of waiting forever.
   */
  engineCall<T>(call: (api: Comlink.Remote<EngineApi>) => Promise<T>): Promise<T>;
  /** Ends the worker as a crash would (a test hook). */
  terminateEngine(reason: string): void;
  importArchive(file: File): Promise<void>;
  /** Asks the worker again which data is available (e.g. after `npm run data` finished). */
  refreshData(): Promise<void>;
}

/** The worker went away while a call was in flight. */
export class EngineLost extends Error {
  constructor(readonly reason: string) {
    super(`the simulation engine stopped: ${reason}`);
    this.name = 'EngineLost';
  }
}

export const createEngineSlice: LabSlice<EngineSlice> = (set, get) => {
  let engine: EngineHandle | null = null;
  const handle = (): EngineHandle => {
    engine ??= startEngine((reason) => {
      // The worker died: say so, and start a fresh one at once (it selects its backend again, so a gone
      // GPU falls back to the next backend). Runs and settings live here, not in the worker: nothing is lost.
      engine = null;
      set({
        engineError: `The simulation engine stopped (${reason}) and was restarted; the run in flight was interrupted.`,
        backend: null,
      });
      void get().initEngine(get().forcedBackend);
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

    async initEngine(forced) {
      set({ forcedBackend: forced });
      try {
        const { api } = handle();
        const backend = await api.init(forced);
        set({ backend, engineError: null });
        set({ data: await api.dataStatus() });
      } catch (error) {
        set({ engineError: errorMessage(error) });
      }
    },

    async engineApi() {
      const { api } = handle();
      if (!get().backend) await get().initEngine(get().forcedBackend);
      return api;
    },

    engineNow: () => handle().api,

    async engineCall(call) {
      const { api, lost } = handle();
      const gone = lost.then((reason) => {
        throw new EngineLost(reason);
      });
      return Promise.race([call(api), gone]);
    },

    terminateEngine(reason) {
      engine?.terminate(reason);
    },

    async importArchive(file) {
      set({ importing: true, importError: null });
      try {
        set({ data: await handle().api.importArchive(file) });
      } catch (error) {
        set({ importError: errorMessage(error) });
      } finally {
        set({ importing: false });
      }
    },

    async refreshData() {
      try {
        set({ data: await handle().api.dataStatus() });
      } catch (error) {
        set({ engineError: errorMessage(error) });
      }
    },
  };
};
