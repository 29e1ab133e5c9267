import { describe, expect, it } from 'vitest';
import type { SweepPointResult } from '../../engine/protocol';
import { costVaries, paretoFront, tradeOffPoints } from './pareto';

describe('paretoFront', () => {
  it('keeps exactly the points nothing beats on both accuracy and cost (checked by hand)', () => {
    // cost, accuracy:         A        B        C         D         E        F        G
    const points = [
      { cost: 1, accuracy: 0.5 }, // A: cheapest                             → front
      { cost: 2, accuracy: 0.7 }, // B: better than A for more               → front
      { cost: 3, accuracy: 0.6 }, // C: B is cheaper and better              → dominated
      { cost: 4, accuracy: 0.9 }, // D: the most accurate                    → front
      { cost: 5, accuracy: 0.9 }, // E: as accurate as D, costs more         → dominated
      { cost: 2, accuracy: 0.7 }, // F: the same as B: neither beats the other → front
      { cost: 1, accuracy: 0.4 }, // G: as cheap as A, less accurate         → dominated
    ];
    expect(paretoFront(points)).toEqual([true, true, false, true, false, true, false]);
  });

  it('handles no points and one point', () => {
    expect(paretoFront([])).toEqual([]);
    expect(paretoFront([{ cost: 3, accuracy: 0.1 }])).toEqual([true]);
  });
});

describe('tradeOffPoints', () => {
  const point = (index: number, mean: number | null, energyJ: number, areaUm2: number): SweepPointResult => ({
    index,
    values: [index + 3],
    runs: [],
    meanAccuracy: mean,
    stdAccuracy: mean === null ? null : 0.01,
    layerSnr: [],
    cost: { energyPerImageJoules: energyJ, areaSquareMicrons: areaUm2, latencyPerImageSeconds: 2e-5 },
  });
  const points = [point(0, 0.2, 1e-6, 3e6), point(1, 0.8, 2e-6, 1e6), point(2, null, 0.5e-6, 1e5)];

  it('puts the chosen cost in display units and finds the front on it; unmeasured points are left out', () => {
    const energy = tradeOffPoints(points, 'energy');
    expect(energy.map((p) => [p.index, p.cost, p.accuracyPct, p.stdPct, p.onFront])).toEqual([
      [0, 1, 20, 1, true],
      [1, 2, 80, 1, true],
    ]);
    // On area, point 1 is both smaller (1 mm² vs 3) and more accurate: point 0 leaves the front.
    const area = tradeOffPoints(points, 'area');
    expect(area.map((p) => [p.cost, p.onFront])).toEqual([
      [3, false],
      [1, true],
    ]);
    // The same latency for both: only the more accurate is on the front.
    expect(tradeOffPoints(points, 'latency').map((p) => [p.cost, p.onFront])).toEqual([
      [20, false],
      [20, true],
    ]);
  });

  it('says whether any cost differs between points (a read-time sweep: none does)', () => {
    expect(costVaries(points)).toBe(true);
    const sameHardware = [point(0, 0.9, 1e-6, 3e6), point(1, 0.5, 1e-6, 3e6)];
    expect(costVaries(sameHardware)).toBe(false);
    expect(costVaries([point(0, 0.9, 1e-6, 3e6), point(1, 0.5, 1e-6, 3e6 + 1)])).toBe(true);
  });
});
