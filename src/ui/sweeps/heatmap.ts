/**
 * The cells of a two-axis sweep's heat map: one row per value of the first axis, one column per value of
 * the second, each cell its point's mean accuracy (or null until it has run), coloured on the range of
 * the finished cells. Pure, for the heat map and its tests.
 */
import type { SweepPointResult } from '../../engine/protocol';
import type { SweepSpec, SweepValue } from '../../sim/sweep';
import { formatAxisValue } from './sweepData';
import { textOn, viridis } from './scales';

export interface HeatmapCell {
  index: number;
  values: SweepValue[];
  /** Mean accuracy in % and its sample std in % (null until the point has run; std null for one run). */
  meanPct: number | null;
  stdPct: number | null;
  background: string | null;
  text: string | null;
}

export interface Heatmap {
  rowLabels: string[];
  columnLabels: string[];
  cells: HeatmapCell[][];
  /** The colour scale's ends: lowest and highest finished mean (%), or null before any has run. */
  range: { minPct: number; maxPct: number } | null;
}

/** Null for a one-axis sweep. Points are found by their row-major index (row i, column j → i·columns + j). */
export function heatmapOf(spec: SweepSpec, points: readonly SweepPointResult[]): Heatmap | null {
  const [rows, columns] = spec.axes;
  if (!rows || !columns) return null;
  const byIndex = new Map(points.map((p) => [p.index, p]));
  const means = points.flatMap((p) => (p.meanAccuracy === null ? [] : [100 * p.meanAccuracy]));
  const range = means.length > 0 ? { minPct: Math.min(...means), maxPct: Math.max(...means) } : null;
  const cells = rows.values.map((r, i) =>
    columns.values.map((c, j): HeatmapCell => {
      const index = i * columns.values.length + j;
      const point = byIndex.get(index);
      const meanPct = point?.meanAccuracy == null ? null : 100 * point.meanAccuracy;
      // One finished value (or all equal): the middle of the scale.
      const t =
        meanPct === null || !range
          ? 0
          : range.maxPct > range.minPct
            ? (meanPct - range.minPct) / (range.maxPct - range.minPct)
            : 0.5;
      const background = meanPct === null ? null : viridis(t);
      return {
        index,
        values: [r, c],
        meanPct,
        stdPct: point?.stdAccuracy == null ? null : 100 * point.stdAccuracy,
        background,
        text: background && textOn(background),
      };
    }),
  );
  return {
    rowLabels: rows.values.map((v) => formatAxisValue(rows.path, v)),
    columnLabels: columns.values.map((v) => formatAxisValue(columns.path, v)),
    cells,
    range,
  };
}
