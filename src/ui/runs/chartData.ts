/**
 * Chart rows from the runs' full-resolution points (kept in the store for export). Inference: per
 * batch, the mean ± std of the accuracy so far across the experiment's repeated runs. Training: per
 * epoch. Rows are decimated for display only (recharts draws every point as SVG, §2.7).
 */
import type { RunSeries } from '../../state/slices/runsSlice';

export type ChartRow = { x: number } & Record<string, number | [number, number]>;

const meanStd = (values: number[]) => {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  // Sample standard deviation (n − 1), as the worker's RunSummary reports it; 0 for one run.
  const std = n > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std };
};

/** Rows keyed by images evaluated: `mean{k}` (%) and `band{k}` ([mean − std, mean + std] in %). */
export function inferenceRows(runs: readonly RunSeries[]): ChartRow[] {
  const byX = new Map<number, ChartRow>();
  runs.forEach((run, k) => {
    const perBatch = new Map<number, { x: number; values: number[] }>();
    for (const p of run.batchPoints) {
      const entry = perBatch.get(p.batch) ?? { x: p.imagesDone, values: [] };
      entry.values.push(100 * p.runningAccuracy);
      perBatch.set(p.batch, entry);
    }
    for (const { x, values } of perBatch.values()) {
      const { mean, std } = meanStd(values);
      const row = byX.get(x) ?? { x };
      row[`mean${k}`] = mean;
      row[`band${k}`] = [mean - std, mean + std];
      byX.set(x, row);
    }
  });
  return [...byX.values()].sort((a, b) => a.x - b.x);
}

/**
 * Rows keyed by repeated run (1, 2, …): `run{k}` is experiment k's accuracy in that run (%), and
 * `mean{k}` / `band{k}` its mean ± std over the runs finished so far (the same on each of its rows, so
 * the chart draws them as flat lines). Every run shows, even one of a single batch.
 */
export function perRunRows(runs: readonly RunSeries[]): ChartRow[] {
  const byRun = new Map<number, ChartRow>();
  runs.forEach((experiment, k) => {
    const values = experiment.runSummaries.map((s) => 100 * s.accuracy);
    if (values.length === 0) return;
    const { mean, std } = meanStd(values);
    for (const s of experiment.runSummaries) {
      const row = byRun.get(s.run + 1) ?? { x: s.run + 1 };
      row[`run${k}`] = 100 * s.accuracy;
      row[`mean${k}`] = mean;
      row[`band${k}`] = [mean - std, mean + std];
      byRun.set(s.run + 1, row);
    }
  });
  return [...byRun.values()].sort((a, b) => a.x - b.x);
}

/** Rows keyed by epoch: `loss{k}`, `train{k}`, `test{k}` (accuracies in %). */
export function trainingRows(runs: readonly RunSeries[]): ChartRow[] {
  const byEpoch = new Map<number, ChartRow>();
  runs.forEach((run, k) => {
    for (const p of run.epochPoints) {
      const row = byEpoch.get(p.epoch) ?? { x: p.epoch };
      row[`loss${k}`] = p.trainLoss;
      row[`train${k}`] = 100 * p.trainAccuracy;
      row[`test${k}`] = 100 * p.testAccuracy;
      byEpoch.set(p.epoch, row);
    }
  });
  return [...byEpoch.values()].sort((a, b) => a.x - b.x);
}

/** At most `max` rows, evenly spaced, always keeping the first and the last. */
export function decimate<T>(rows: readonly T[], max = 300): T[] {
  if (rows.length <= max) return [...rows];
  const out: T[] = [];
  const step = (rows.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) out.push(rows[Math.round(i * step)]!);
  return out;
}
