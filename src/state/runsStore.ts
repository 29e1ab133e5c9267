/**
 * Experiment runs on the main thread: every run the user starts, with its config and the points the
 * worker streams back, kept in full resolution for the chart, the results table and export. One run
 * is active at a time; finished runs stay for comparison until removed.
 */
import * as Comlink from 'comlink';
import { create } from 'zustand';
import type { ExperimentConfig } from '../sim/config';
import type {
  BatchPoint,
  EpochPoint,
  ExperimentProgress,
  ExperimentProgressSummary,
  ExperimentResult,
  LayerSnr,
  RunSummary,
} from '../engine/protocol';
import type { TileInspectionWithInputs } from '../engine/protocol';
import { SHIPPED_WEIGHTS } from '../engine/protocol';
import { MODEL_LABEL } from '../models/labels';
import { getEngine, readyEngineApi, type RunStatus } from './engineStore';
import { useWeightsStore } from './weightsStore';

export interface RunRecord {
  id: string;
  /** "Run 3 · GoogLeNet inference" — the user may rename it. */
  label: string;
  config: ExperimentConfig;
  status: RunStatus;
  batchPoints: BatchPoint[];
  epochPoints: EpochPoint[];
  runSummaries: RunSummary[];
  layerSnr: LayerSnr[];
  /** Inference: the digital network's top-1 on the same images, once measured. */
  baselineAccuracy: number | null;
  progress: ExperimentProgressSummary | null;
  result: ExperimentResult | null;
  error: string | null;
  startedAt: string;
}

export interface RunsState {
  runs: RunRecord[];
  activeId: string | null;
  start(config: ExperimentConfig): Promise<void>;
  pause(): void;
  resume(): void;
  stop(): void;
  remove(id: string): void;
  rename(id: string, label: string): void;
  /** Programs the layer of `config` on a simulated chip in the worker and returns one tile's view. */
  inspectTile(
    config: ExperimentConfig,
    layer: string,
    rowTile: number,
    colTile: number,
  ): Promise<TileInspectionWithInputs>;
}

const LIVE: readonly RunStatus[] = ['starting', 'running', 'paused', 'stopping'];
export const isLive = (status: RunStatus) => LIVE.includes(status);

let counter = 0;

/** Inference with weights other than the shipped ones says so in the run's name. */
function weightsNote(config: ExperimentConfig): string {
  const source = useWeightsStore.getState().inUse[config.experiment.model]?.source;
  return config.experiment.routine === 'inference' && source && source !== SHIPPED_WEIGHTS
    ? ` · ${source}`
    : '';
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export const useRunsStore = create<RunsState>()((set, get) => {
  const update = (id: string, change: (run: RunRecord) => Partial<RunRecord>) =>
    set((s) => ({ runs: s.runs.map((r) => (r.id === id ? { ...r, ...change(r) } : r)) }));

  return {
    runs: [],
    activeId: null,

    async start(config) {
      const active = get().runs.find((r) => r.id === get().activeId);
      if (active && isLive(active.status)) return;
      counter += 1;
      const id = `run-${counter}`;
      const record: RunRecord = {
        id,
        label: `Run ${counter} · ${MODEL_LABEL[config.experiment.model]} ${config.experiment.routine}${weightsNote(config)}`,
        config,
        status: 'starting',
        batchPoints: [],
        epochPoints: [],
        runSummaries: [],
        layerSnr: [],
        baselineAccuracy: null,
        progress: null,
        result: null,
        error: null,
        startedAt: new Date().toISOString(),
      };
      set((s) => ({ runs: [...s.runs, record], activeId: id }));
      const onProgress = Comlink.proxy((progress: ExperimentProgress) => {
        const { batchPoints, epochPoints, runSummaries, layerSnr, baselineAccuracy, ...summary } = progress;
        // Callback messages use their own port and may land after the result: they add data but
        // never move a finished run back to 'running'.
        update(id, (r) => {
          const live = r.status === 'starting' || r.status === 'running' || r.status === 'paused';
          return {
            status: live ? (summary.phase === 'paused' ? 'paused' : 'running') : r.status,
            batchPoints: batchPoints.length > 0 ? [...r.batchPoints, ...batchPoints] : r.batchPoints,
            epochPoints: epochPoints.length > 0 ? [...r.epochPoints, ...epochPoints] : r.epochPoints,
            runSummaries: runSummaries.length > 0 ? [...r.runSummaries, ...runSummaries] : r.runSummaries,
            layerSnr: layerSnr ?? r.layerSnr,
            baselineAccuracy: baselineAccuracy ?? r.baselineAccuracy,
            progress: live || !r.progress ? summary : r.progress,
          };
        });
      });
      try {
        const result = await (await readyEngineApi()).runExperiment(config, onProgress);
        update(id, () => ({
          status: result.outcome,
          result,
          layerSnr: result.layerSnr,
          baselineAccuracy: result.baselineAccuracy,
        }));
      } catch (error) {
        update(id, () => ({ status: 'failed', error: describe(error) }));
      }
    },

    pause() {
      const id = get().activeId;
      if (id) update(id, (r) => (r.status === 'running' ? { status: 'paused' } : {}));
      void getEngine().api.pause();
    },

    resume() {
      const id = get().activeId;
      if (id) update(id, (r) => (r.status === 'paused' ? { status: 'running' } : {}));
      void getEngine().api.resume();
    },

    stop() {
      const id = get().activeId;
      if (id) update(id, (r) => (isLive(r.status) ? { status: 'stopping' } : {}));
      void getEngine().api.stop();
    },

    remove(id) {
      const run = get().runs.find((r) => r.id === id);
      if (!run || isLive(run.status)) return;
      set((s) => ({
        runs: s.runs.filter((r) => r.id !== id),
        activeId: s.activeId === id ? null : s.activeId,
      }));
    },

    rename(id, label) {
      update(id, () => ({ label }));
    },

    async inspectTile(config, layer, rowTile, colTile) {
      return getEngine().api.inspectTile(config, layer, rowTile, colTile);
    },
  };
});
