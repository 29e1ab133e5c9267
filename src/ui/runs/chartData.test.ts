import { describe, expect, it } from 'vitest';
import { perRunRows } from './chartData';
import { EMPTY_SERIES } from '../../state/slices/runsSlice';

const series = (accuracies: number[]) => ({
  ...EMPTY_SERIES,
  runSummaries: accuracies.map((accuracy, run) => ({ run, accuracy, images: 40 })),
});

describe('perRunRows', () => {
  it('puts every run of every experiment on its own row, with the mean ± sample std of its runs', () => {
    const rows = perRunRows([series([0.9, 0.8, 0.7]), series([0.5])]);
    expect(rows.map((r) => r.x)).toEqual([1, 2, 3]);
    expect(rows.map((r) => r.run0)).toEqual([90, 80, 70]);
    // mean 80 %, sample std √((10² + 0 + 10²)/2) = 10 %.
    for (const row of rows) {
      expect(row.mean0).toBeCloseTo(80, 10);
      expect((row.band0 as [number, number])[0]).toBeCloseTo(70, 10);
      expect((row.band0 as [number, number])[1]).toBeCloseTo(90, 10);
    }
    // The one-run experiment is drawn at run 1 only, with no spread.
    expect(rows[0]!.run1).toBe(50);
    expect(rows[0]!.band1).toEqual([50, 50]);
    expect(rows[1]!.run1).toBeUndefined();
  });

  it('shows a run of a single batch as a point of its own (not a lone dot at the right edge)', () => {
    expect(perRunRows([series([0.25, 0.5])])).toHaveLength(2);
    expect(perRunRows([EMPTY_SERIES])).toEqual([]);
  });
});
