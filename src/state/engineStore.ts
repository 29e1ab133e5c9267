/**
 * The engine's state on the main thread: which backend runs, whether CIFAR-10 is available, and the
 * current run's streamed points. Components subscribe to slices of it; only this store talks to the
 * worker.
 */
import * as Comlink from 'comlink';
import { create } from 'zustand';
import { startEngine, type EngineHandle } from '../engine/client';
import type {
  BackendName,
  BackendReport,
  BatchPoint,
  DataStatus,
  JobProgress,
  SliceRequest,
  SliceResult,
} from '../engine/protocol';

export type RunStatus =
  'idle' | 'starting' | 'running' | 'paused' | 'stopping' | 'finished' | 'stopped' | 'failed';

export interface RunState {
  status: RunStatus;
  request: SliceRequest | null;
  points: BatchPoint[];
  progress: Omit<JobProgress, 'points'> | null;
  result: SliceResult | null;
  error: string | null;
}

export interface EngineState {
  backend: BackendReport | null;
  engineError: string | null;
  data: DataStatus | null;
  importing: boolean;
  run: RunState;
  init(forced: BackendName | null): Promise<void>;
  importArchive(file: File): Promise<void>;
  runSlice(request: SliceRequest): Promise<void>;
  stop(): void;
  /** Starts the worker if it is not running (and re-starts it after a crash). */
  ensureEngine(): EngineHandle;
}

const idleRun: RunState = {
  status: 'idle',
  request: null,
  points: [],
  progress: null,
  result: null,
  error: null,
};

let engine: EngineHandle | null = null;

/** The running engine, started on first use (shared by the stores that talk to the worker). */
export function getEngine(): EngineHandle {
  return useEngineStore.getState().ensureEngine();
}

/** The worker's API once a backend is chosen (the first job starts and initialises the engine). */
export async function readyEngineApi(): Promise<EngineHandle['api']> {
  const { api } = getEngine();
  if (!useEngineStore.getState().backend) await useEngineStore.getState().init(null);
  return api;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export const useEngineStore = create<EngineState>()((set, get) => {
  const ensureEngine = (): EngineHandle => {
    engine ??= startEngine((message) => {
      // The worker died: drop it so the next action starts a fresh one, and say what happened.
      engine = null;
      set((s) => ({
        engineError: `The simulation worker stopped unexpectedly (${message}). It will restart on the next run.`,
        backend: null,
        run: s.run.status === 'running' ? { ...s.run, status: 'failed', error: message } : s.run,
      }));
    });
    return engine;
  };

  return {
    backend: null,
    engineError: null,
    data: null,
    importing: false,
    run: idleRun,
    ensureEngine,

    async init(forced) {
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
      set({ importing: true });
      try {
        set({ data: await ensureEngine().api.importArchive(file) });
      } catch (error) {
        set({ data: { state: 'error', message: describe(error) } });
      } finally {
        set({ importing: false });
      }
    },

    async runSlice(request) {
      const status = get().run.status;
      if (status === 'running' || status === 'starting' || status === 'stopping') return;
      set({ run: { ...idleRun, status: 'starting', request } });
      const onProgress = Comlink.proxy((progress: JobProgress) => {
        const { points, ...summary } = progress;
        // Callback messages travel on their own port and may arrive after the job's result: they
        // add points but never move a finished run back to 'running'.
        set((s) => {
          const live = s.run.status === 'starting' || s.run.status === 'running' || s.run.status === 'paused';
          return {
            run: {
              ...s.run,
              status: live ? (summary.phase === 'paused' ? 'paused' : 'running') : s.run.status,
              points: points.length > 0 ? [...s.run.points, ...points] : s.run.points,
              progress: live || !s.run.progress ? summary : s.run.progress,
            },
          };
        });
      });
      try {
        const { api } = ensureEngine();
        if (!get().backend) await get().init(null);
        const result = await api.runSlice(request, onProgress);
        set((s) => ({ run: { ...s.run, status: result.outcome, result } }));
      } catch (error) {
        set((s) => ({ run: { ...s.run, status: 'failed', error: describe(error) } }));
      }
    },

    stop() {
      if (!engine) return;
      set((s) => ({ run: { ...s.run, status: 'stopping' } }));
      void engine.api.stop();
    },
  };
});
