import { describe, expect, it } from 'vitest';
import type { SweepPointResult } from '../../engine/protocol';
import { heatmapOf } from './heatmap';
import { VIRIDIS } from './scales';

const point = (index: number, values: (number | string)[], mean: number | null): SweepPointResult => ({
  index,
  values,
  runs: [],
  meanAccuracy: mean,
  stdAccuracy: mean === null ? null : 0.02,
  layerSnr: [],
  cost: { areaSquareMicrons: 1, energyPerImageJoules: 1, latencyPerImageSeconds: 1 },
});

describe('heatmapOf', () => {
  const spec = {
    axes: [
      { path: 'periphery.adcBits', values: [4, 8] },
      { path: 'device.drift.readTimeSeconds', values: [3600, 86_400, 31_536_000] },
    ],
  };

  it('lays the points out row-major: rows the first axis, columns the second; unfinished cells are empty', () => {
    const map = heatmapOf(spec, [
      point(5, [8, 31_536_000], 0.9),
      point(0, [4, 3600], 0.5),
      point(4, [8, 86_400], 0.7),
    ])!;
    expect(map.rowLabels).toEqual(['4', '8']);
    expect(map.columnLabels).toEqual(['1 h', '1 d', '1 y']);
    expect(map.cells.map((row) => row.map((c) => c.meanPct))).toEqual([
      [50, null, null],
      [null, 70, 90],
    ]);
    expect(map.cells[1]![2]!.values).toEqual([8, 31_536_000]);
    expect(map.cells[1]![2]!.stdPct).toBe(2);
    expect(map.range).toEqual({ minPct: 50, maxPct: 90 });
    // Lowest → first viridis stop, highest → last, with readable text; empty cells have no colour.
    expect([map.cells[0]![0]!.background, map.cells[0]![0]!.text]).toEqual([VIRIDIS[0], '#ffffff']);
    expect([map.cells[1]![2]!.background, map.cells[1]![2]!.text]).toEqual([VIRIDIS[9], '#000000']);
    expect(map.cells[0]![1]!.background).toBeNull();
  });

  it('is null for a one-axis sweep and empty-ranged before any point has run', () => {
    expect(heatmapOf({ axes: [spec.axes[0]!] }, [])).toBeNull();
    expect(heatmapOf(spec, [])!.range).toBeNull();
  });
});
