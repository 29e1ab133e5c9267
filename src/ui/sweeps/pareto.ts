/**
 * The accuracy-against-cost trade-off of a sweep: which points are on the Pareto front, and the cost
 * figures a chart can put on its x axis (estimates, src/sim/cost). Pure, for the chart and its tests.
 */
import type { SweepPointResult } from '../../engine/protocol';
import { DISPLAY_UNITS, type CostTotals } from '../../sim/cost';

export interface TradeOff {
  /** Lower is better (energy, area or latency). */
  cost: number;
  /** Higher is better. */
  accuracy: number;
}

/**
 * Whether each point is on the Pareto front: no other point has at least its accuracy at no more than its
 * cost and is better in one of them. Equal points do not dominate each other (both stay on the front).
 */
export function paretoFront(points: readonly TradeOff[]): boolean[] {
  return points.map(
    (p) =>
      !points.some(
        (q) => q.accuracy >= p.accuracy && q.cost <= p.cost && (q.accuracy > p.accuracy || q.cost < p.cost),
      ),
  );
}

export type CostMetric = 'energy' | 'area' | 'latency';

/** Each cost figure in display units: µJ per image, mm², µs per image. */
export const COST_METRICS: Record<
  CostMetric,
  { label: string; unit: string; of: (c: CostTotals) => number }
> = {
  energy: {
    label: 'Energy per image',
    unit: `${DISPLAY_UNITS.energy.unit}/image`,
    of: (c) => c.energyPerImageJoules * DISPLAY_UNITS.energy.factor,
  },
  area: {
    label: 'Chip area',
    unit: DISPLAY_UNITS.area.unit,
    of: (c) => c.areaSquareMicrons * DISPLAY_UNITS.area.factor,
  },
  latency: {
    label: 'Latency per image',
    unit: `${DISPLAY_UNITS.latency.unit}/image`,
    of: (c) => c.latencyPerImageSeconds * DISPLAY_UNITS.latency.factor,
  },
};

export interface TradeOffPoint extends TradeOff {
  index: number;
  values: SweepPointResult['values'];
  /** Accuracy in % and its sample std in % (0 for one run). */
  accuracyPct: number;
  stdPct: number;
  onFront: boolean;
}

/** The finished points with a mean accuracy, their cost on `metric`, and whether each is on the front. */
export function tradeOffPoints(points: readonly SweepPointResult[], metric: CostMetric): TradeOffPoint[] {
  const measured = points.filter((p) => p.meanAccuracy !== null);
  const base = measured.map((p) => ({
    index: p.index,
    values: p.values,
    cost: COST_METRICS[metric].of(p.cost),
    accuracy: p.meanAccuracy!,
    accuracyPct: 100 * p.meanAccuracy!,
    stdPct: 100 * (p.stdAccuracy ?? 0),
  }));
  const front = paretoFront(base);
  return base.map((p, i) => ({ ...p, onFront: front[i]! }));
}

/**
 * Whether the cost model gives the points different costs on some metric. It does not when only read
 * settings are swept (read time, noises): the hardware is the same, so there is no trade-off to chart.
 */
export function costVaries(points: readonly SweepPointResult[]): boolean {
  return (Object.keys(COST_METRICS) as CostMetric[]).some(
    (metric) => new Set(points.map((p) => COST_METRICS[metric].of(p.cost))).size > 1,
  );
}
