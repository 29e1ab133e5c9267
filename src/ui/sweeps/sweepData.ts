/**
 * Chart rows of a sweep's points: accuracy against the first axis's value, one series per value of the
 * second axis (or one series). Pure, for the charts and their tests.
 */
import type { SweepPointResult } from '../../engine/protocol';
import type { SweepSpec, SweepValue } from '../../sim/sweep';

export interface SweepRow {
  /** Position on the x axis: the value itself for numbers, its index for switches and choices. */
  x: number;
  /** The first axis's value, as text. */
  label: string;
  /** `mean{j}` (%) and `std{j}` (%) for series j (the second axis's j-th value). */
  [series: string]: number | string;
}

/** Whether an axis's values are numbers (a numeric x axis) rather than switches or choices. */
export const isNumericAxis = (values: readonly SweepValue[]) => values.every((v) => typeof v === 'number');

/** Log scale when every value is positive and they span two decades or more (read times, levels). */
export function wantsLogScale(values: readonly SweepValue[]): boolean {
  if (!isNumericAxis(values)) return false;
  const numbers = values as number[];
  return numbers.every((v) => v > 0) && Math.max(...numbers) / Math.min(...numbers) >= 100;
}

const SECONDS = [
  [315_360_000, '10 y'],
  [31_536_000, 'y'],
  [2_592_000, 'mo'],
  [86_400, 'd'],
  [3600, 'h'],
  [60, 'min'],
  [1, 's'],
] as const;

/** A value as the axis shows it; seconds get a human unit ("1 h", "30 d", "10 y"). */
export function formatAxisValue(path: string, value: SweepValue): string {
  if (typeof value !== 'number') return String(value);
  if (path.endsWith('Seconds') && value >= 1) {
    if (value === 315_360_000) return '10 y';
    for (const [size, unit] of SECONDS.slice(1))
      if (value >= size) return `${Number((value / size).toPrecision(3))} ${unit}`;
  }
  return String(value);
}

/** Rows by the first axis's value (in its order); series by the second axis's value. */
export function sweepRows(spec: SweepSpec, points: readonly SweepPointResult[]): SweepRow[] {
  const [first, second] = spec.axes;
  if (!first) return [];
  const numeric = isNumericAxis(first.values);
  return first.values.map((value, i) => {
    const row: SweepRow = {
      x: numeric ? (value as number) : i,
      label: formatAxisValue(first.path, value),
    };
    const seriesCount = second ? second.values.length : 1;
    for (let j = 0; j < seriesCount; j++) {
      const point = points.find((p) => p.index === i * seriesCount + j);
      if (!point || point.meanAccuracy === null) continue;
      row[`mean${j}`] = 100 * point.meanAccuracy;
      row[`std${j}`] = 100 * (point.stdAccuracy ?? 0);
    }
    return row;
  });
}
