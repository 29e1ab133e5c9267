/**
 * A sweep's points as CSV, one row per point: its grid index, its value on each axis (columns named by
 * the fields' URL keys, or `preset`), the images and runs, mean and sample std of the accuracy (fractions
 * 0..1), each run's accuracy, and the cost estimate of its settings (area in mm², energy in µJ and
 * latency in µs per image — estimates, and the column names say so).
 */
import type { SweepPointResult } from '../engine/protocol';
import { DISPLAY_UNITS } from '../sim/cost';
import { PRESET_AXIS, type SweepSpec } from '../sim/sweep';
import { csvText } from './csv';
import { leafByPath } from '../sim/config';

/** An axis's column: the field's URL key (`adcBits`, `drift.readTimeSeconds`) or `preset`. */
export const axisColumn = (path: string): string =>
  path === PRESET_AXIS ? PRESET_AXIS : (leafByPath.get(path)?.key ?? path);

/** A unit conversion without its float noise (0.0012345000000000001 → 0.0012345). */
const scaled = (value: number, factor: number) => Number((value * factor).toPrecision(12));

export const COST_COLUMNS = [
  'estimated_area_mm2',
  'estimated_energy_uJ_per_image',
  'estimated_latency_us_per_image',
] as const;

export function sweepPointsToCsv(sweep: SweepSpec, points: readonly SweepPointResult[]): string {
  const runColumns = Math.max(0, ...points.flatMap((p) => p.runs.map((r) => r.run + 1)));
  const header = [
    'point',
    ...sweep.axes.map((a) => axisColumn(a.path)),
    'images',
    'runs',
    'mean_accuracy',
    'std_accuracy',
    ...Array.from({ length: runColumns }, (_, k) => `run_${k + 1}_accuracy`),
    ...COST_COLUMNS,
  ];
  const rows = [...points]
    .sort((a, b) => a.index - b.index)
    .map((p) => {
      const byRun = new Map(p.runs.map((r) => [r.run, r.accuracy]));
      return [
        p.index,
        ...p.values,
        p.runs[0]?.images ?? '',
        p.runs.length,
        p.meanAccuracy ?? '',
        p.stdAccuracy ?? '',
        ...Array.from({ length: runColumns }, (_, k) => byRun.get(k) ?? ''),
        scaled(p.cost.areaSquareMicrons, DISPLAY_UNITS.area.factor),
        scaled(p.cost.energyPerImageJoules, DISPLAY_UNITS.energy.factor),
        scaled(p.cost.latencyPerImageSeconds, DISPLAY_UNITS.latency.factor),
      ];
    });
  return csvText([header, ...rows]);
}
