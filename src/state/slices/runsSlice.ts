/**
 * Experiment runs: every run the person starts, with its config and what the worker streams back, kept
 * in full resolution for the charts, the results table and export. One run is live at a time; finished
 * runs stay for comparison until removed (and survive a reload: runsPersistence.ts).
 */
import * as Comlink from 'comlink';
import type {
  BatchPoint,
  EpochPoint,
  ExperimentProgress,
  ExperimentProgressSummary,
  ExperimentResult,
  LayerSnr,
  RunSummary,
  SweepPointResult,
  TileInspectionWithInputs,
} from '../../engine/protocol';
import { SHIPPED_WEIGHTS } from '../../engine/protocol';
import { MODEL_LABEL } from '../../models/labels';
import type { ExperimentConfig } from '../../sim/config';
import type { SweepSpec } from '../../sim/sweep';
import { errorMessage } from '../../sim/errors';
import type { LabSlice, LabState } from '../store';
import { EngineLost } from './engineSlice';

/** `interrupted`: the engine went away mid-run (a crash, a lost GPU); the run's points so far are kept. */
export type RunStatus =
  'idle' | 'starting' | 'running' | 'paused' | 'stopping' | 'finished' | 'stopped' | 'failed' | 'interrupted';

/**
 * What a run has measured so far. Replaced only when something new arrives (not on every progress
 * message), so a chart that selects it re-renders only then.
 */
export interface RunSeries {
  readonly batchPoints: readonly BatchPoint[];
  readonly epochPoints: readonly EpochPoint[];
  readonly runSummaries: readonly RunSummary[];
  /** Sweep: its finished points. */
  readonly sweepPoints: readonly SweepPointResult[];
  /** Inference: the digital network's top-1 on the same images, once measured. */
  readonly baselineAccuracy: number | null;
}

export interface RunRecord {
  id: string;
  /** "Run 3 · GoogLeNet inference" — the person may rename it. */
  label: string;
  config: ExperimentConfig;
  /** The sweep over the config, or null for one setting. */
  sweep: SweepSpec | null;
  status: RunStatus;
  series: RunSeries;
  layerSnr: LayerSnr[];
  progress: ExperimentProgressSummary | null;
  result: ExperimentResult | null;
  error: string | null;
  startedAt: string;
}

export interface RunsSlice {
  runs: RunRecord[];
  activeId: string | null;
  /** Why saved runs could not be read back or kept (IndexedDB), if so. */
  runsStorageMessage: string | null;
  /** Starts the experiment `config` describes (with a sweep: at every point of its grid). */
  startRun(config: ExperimentConfig, sweep?: SweepSpec | null, sweepName?: string): Promise<void>;
  pauseRun(): void;
  resumeRun(): void;
  stopRun(): void;
  removeRun(id: string): void;
  renameRun(id: string, label: string): void;
  /** Adds finished runs from elsewhere (a saved session, an imported runs JSON), with fresh ids. */
  addRuns(runs: readonly RunRecord[]): void;
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

export const EMPTY_SERIES: RunSeries = {
  batchPoints: [],
  epochPoints: [],
  runSummaries: [],
  sweepPoints: [],
  baselineAccuracy: null,
};

/** Inference with weights other than the shipped ones says so in the run's name. */
function weightsNote(state: LabState, config: ExperimentConfig): string {
  const source = state.weightsInUse[config.experiment.model]?.source;
  return config.experiment.routine === 'inference' && source && source !== SHIPPED_WEIGHTS
    ? ` · ${source}`
    : '';
}

/** The series with a progress message's new items (the same object when nothing new came). */
function extendSeries(series: RunSeries, p: ExperimentProgress): RunSeries {
  const nothingNew =
    p.batchPoints.length === 0 &&
    p.epochPoints.length === 0 &&
    p.runSummaries.length === 0 &&
    p.sweepPoints.length === 0 &&
    (p.baselineAccuracy === null || p.baselineAccuracy === series.baselineAccuracy);
  if (nothingNew) return series;
  return {
    batchPoints: p.batchPoints.length > 0 ? [...series.batchPoints, ...p.batchPoints] : series.batchPoints,
    epochPoints: p.epochPoints.length > 0 ? [...series.epochPoints, ...p.epochPoints] : series.epochPoints,
    runSummaries:
      p.runSummaries.length > 0 ? [...series.runSummaries, ...p.runSummaries] : series.runSummaries,
    sweepPoints: p.sweepPoints.length > 0 ? [...series.sweepPoints, ...p.sweepPoints] : series.sweepPoints,
    baselineAccuracy: p.baselineAccuracy ?? series.baselineAccuracy,
  };
}

/** A progress message without its streamed items: the run's current state. */
function summaryOf(p: ExperimentProgress): ExperimentProgressSummary {
  const { kind, imagesDone, imagesTotal, imagesPerSecond, phase, message } = p;
  return { kind, imagesDone, imagesTotal, imagesPerSecond, phase, message };
}

export const createRunsSlice: LabSlice<RunsSlice> = (set, get) => {
  let counter = 0;
  const update = (id: string, change: (run: RunRecord) => Partial<RunRecord>) =>
    set((s) => ({ runs: s.runs.map((r) => (r.id === id ? { ...r, ...change(r) } : r)) }));
  const nextId = () => {
    counter += 1;
    // Ids stay unique across saved and imported runs: skip any already taken.
    while (get().runs.some((r) => r.id === `run-${counter}`)) counter += 1;
    return `run-${counter}`;
  };

  return {
    runs: [],
    activeId: null,
    runsStorageMessage: null,

    async startRun(config, sweep = null, sweepName) {
      const active = get().runs.find((r) => r.id === get().activeId);
      if (active && isLive(active.status)) return;
      const id = nextId();
      const record: RunRecord = {
        id,
        label: `Run ${id.slice(4)} · ${MODEL_LABEL[config.experiment.model]} ${sweep ? `sweep over ${sweepName ?? sweep.axes.map((a) => a.path.split('.').pop()).join(' × ')}` : config.experiment.routine}${weightsNote(get(), config)}`,
        config,
        sweep,
        status: 'starting',
        series: EMPTY_SERIES,
        layerSnr: [],
        progress: null,
        result: null,
        error: null,
        startedAt: new Date().toISOString(),
      };
      set((s) => ({ runs: [...s.runs, record], activeId: id, engineError: null }));
      const onProgress = Comlink.proxy((progress: ExperimentProgress) => {
        const summary = summaryOf(progress);
        // Callback messages use their own port and may land after the result: they add data but
        // never move a finished run back to 'running'.
        update(id, (r) => {
          const live = r.status === 'starting' || r.status === 'running' || r.status === 'paused';
          return {
            status: live ? (summary.phase === 'paused' ? 'paused' : 'running') : r.status,
            series: extendSeries(r.series, progress),
            layerSnr: progress.layerSnr ?? r.layerSnr,
            progress: live || !r.progress ? summary : r.progress,
          };
        });
      });
      try {
        await get().engineApi();
        const result = await get().engineCall((api) => api.runExperiment(config, onProgress, sweep));
        update(id, (r) => ({
          status: result.outcome,
          result,
          layerSnr: result.layerSnr,
          series:
            result.baselineAccuracy === r.series.baselineAccuracy
              ? r.series
              : { ...r.series, baselineAccuracy: result.baselineAccuracy },
        }));
      } catch (error) {
        const interrupted = error instanceof EngineLost;
        update(id, () => ({
          status: interrupted ? 'interrupted' : 'failed',
          error: interrupted ? `interrupted: ${error.reason}` : errorMessage(error),
        }));
      }
    },

    pauseRun() {
      const id = get().activeId;
      if (id) update(id, (r) => (r.status === 'running' ? { status: 'paused' } : {}));
      void get().engineNow().pause();
    },

    resumeRun() {
      const id = get().activeId;
      if (id) update(id, (r) => (r.status === 'paused' ? { status: 'running' } : {}));
      void get().engineNow().resume();
    },

    stopRun() {
      const id = get().activeId;
      if (id) update(id, (r) => (isLive(r.status) ? { status: 'stopping' } : {}));
      void get().engineNow().stop();
    },

    removeRun(id) {
      const run = get().runs.find((r) => r.id === id);
      if (!run || isLive(run.status)) return;
      set((s) => ({
        runs: s.runs.filter((r) => r.id !== id),
        activeId: s.activeId === id ? null : s.activeId,
      }));
    },

    renameRun(id, label) {
      update(id, () => ({ label }));
    },

    addRuns(runs) {
      const added = runs.map((r) => ({ ...r, id: nextId() }));
      set((s) => ({ runs: [...s.runs, ...added] }));
    },

    async inspectTile(config, layer, rowTile, colTile) {
      return (await get().engineApi()).inspectTile(config, layer, rowTile, colTile);
    },
  };
};
