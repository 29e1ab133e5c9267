import { describe, expect, it } from 'vitest';
import type { SweepPointResult } from '../engine/protocol';
import { defaultExperimentConfig, withOverrides } from '../sim/config';
import type { SweepSpec, SweepValue } from '../sim/sweep';
import {
  firstDifference,
  mergeSweepFiles,
  parseSweepFile,
  sweepFileOf,
  sweepFileToJson,
  type SweepFile,
  type SweepShard,
} from './sweepFile';

const config = withOverrides(defaultExperimentConfig(), { experiment: { images: 8, runs: 2, seed: 5 } });
/** 2 × 2 grid, row-major: 0 = (4, 32), 1 = (4, 64), 2 = (6, 32), 3 = (6, 64). */
const sweep: SweepSpec = {
  axes: [
    { path: 'periphery.adcBits', values: [4, 6] },
    { path: 'crossbar.tileRows', values: [32, 64] },
  ],
};
const VALUES: SweepValue[][] = [
  [4, 32],
  [4, 64],
  [6, 32],
  [6, 64],
];

/** A made-up finished point (its numbers only need to be told apart). */
const point = (index: number): SweepPointResult => ({
  index,
  values: VALUES[index]!,
  runs: [
    { run: 0, point: index, accuracy: 0.5 + index / 16, images: 8 },
    { run: 1, point: index, accuracy: 0.5 + index / 32, images: 8 },
  ],
  meanAccuracy: 0.5 + (3 * index) / 64,
  stdAccuracy: 0.01 * index,
  layerSnr: [{ layer: 'conv1', snrDb: 20 + index }],
  cost: { areaSquareMicrons: 1e6 * (index + 1), energyPerImageJoules: 1e-6, latencyPerImageSeconds: 1e-4 },
});

const fileOf = (shard: SweepShard | null, indices: number[], extra: Partial<SweepFile> = {}) =>
  sweepFileOf({
    config,
    sweep,
    shard,
    points: indices.map(point),
    baselineAccuracy: 0.875,
    data: { testImages: 8, testSet: 'full' },
    weights: { source: 'shipped', sha256: 'ab'.repeat(32) },
    backend: 'wasm',
    outcome: 'finished',
    seconds: 10,
    ...extra,
  });

describe('the sweep file', () => {
  it('says which grid points a shard was to run, and keeps its points in grid order', () => {
    const file = fileOf({ index: 1, count: 2 }, [3, 1]);
    expect(file.gridSize).toBe(4);
    expect(file.assigned).toEqual([1, 3]);
    expect(file.points.map((p) => p.index)).toEqual([1, 3]);
    expect(fileOf(null, [0, 1, 2, 3]).assigned).toEqual([0, 1, 2, 3]);
  });

  it('reads back what it writes', () => {
    const file = fileOf({ index: 0, count: 2 }, [0, 2]);
    const back = parseSweepFile(sweepFileToJson(file), 'a.json');
    expect(back).toEqual({ ok: true, file });
  });

  it('refuses what is not a sweep file, or does not fit its own grid, in one sentence', () => {
    const json = (f: unknown) => JSON.stringify(f);
    const good = fileOf(null, [0, 1]);
    const refusal = (text: string) => {
      const r = parseSweepFile(text, 'x.json');
      return r.ok ? 'accepted' : r.message;
    };
    expect(refusal('{')).toBe('x.json was refused: it is not JSON.');
    expect(refusal(json({ ...good, format: 'crossbar-lab-runs' }))).toMatch(
      /^x\.json was refused: it is not a Crossbar Lab sweep file \(format: /,
    );
    expect(
      refusal(
        json({ ...good, config: { ...good.config, periphery: { ...good.config.periphery, adcBits: 99 } } }),
      ),
    ).toMatch(/its config is not valid \(periphery\.adcBits: /);
    expect(refusal(json({ ...good, gridSize: 6 }))).toBe('x.json was refused: its grid has 4 points, not 6.');
    expect(refusal(json({ ...good, points: [{ ...point(1), values: [6, 64] }] }))).toBe(
      "x.json was refused: its point 1 does not have the grid's values at that index.",
    );
    expect(
      refusal(json({ ...good, sweep: { axes: [{ path: 'periphery.nothing', values: [1] }] }, gridSize: 1 })),
    ).toMatch(/its sweep does not apply to its config/);
  });
});

describe('merging the slices of a sweep', () => {
  const shard0 = { name: 'shard-0.json', file: fileOf({ index: 0, count: 2 }, [0, 2]) };
  const shard1 = { name: 'shard-1.json', file: fileOf({ index: 1, count: 2 }, [1, 3]) };

  it('gives the whole grid: every point by index, the sum of the seconds, no shard', () => {
    const merged = mergeSweepFiles([shard1, shard0]);
    if (!merged.ok) throw new Error(merged.message);
    expect(merged.missing).toEqual([]);
    // The file one machine would have written for the whole grid, but for the summed seconds.
    expect(merged.file).toEqual({ ...fileOf(null, [0, 1, 2, 3]), seconds: 20 });
  });

  it('says which points no slice finished', () => {
    const stopped = { name: 's.json', file: fileOf({ index: 0, count: 3 }, [0], { outcome: 'stopped' }) };
    const merged = mergeSweepFiles([stopped, shard1]);
    if (!merged.ok) throw new Error(merged.message);
    expect(merged.missing).toEqual([2]);
    expect(merged.file.assigned).toEqual([0, 1, 3]);
    expect(merged.file.outcome).toBe('stopped');
  });

  it('refuses slices of other settings, seeds, sweeps, images, weights or backends', () => {
    const other = (extra: Partial<SweepFile>) => ({ name: 'b.json', file: { ...shard1.file, ...extra } });
    const message = (files: Parameters<typeof mergeSweepFiles>[0]) => {
      const r = mergeSweepFiles(files);
      return r.ok ? 'merged' : r.message;
    };
    const reseeded = withOverrides(config, { experiment: { seed: 6 } });
    expect(message([shard0, other({ config: reseeded })])).toBe(
      'shard-0.json and b.json are not slices of the same sweep: their configs differ (experiment.seed: 5 vs 6).',
    );
    const bits = { axes: [{ path: 'periphery.adcBits', values: [4, 7] }, sweep.axes[1]!] };
    expect(message([shard0, other({ sweep: bits })])).toContain(
      'their sweeps differ (axes.0.values.1: 6 vs 7)',
    );
    expect(message([shard0, other({ data: { testImages: 8, testSet: 'starter' } })])).toContain(
      'their images differ (testSet: "full" vs "starter")',
    );
    expect(message([shard0, other({ weights: { source: 'shipped', sha256: 'cd'.repeat(32) } })])).toContain(
      `their weights differ ("${'ab'.repeat(32)}" vs "${'cd'.repeat(32)}")`,
    );
    // The same weights from another folder are the same weights.
    expect(message([shard0, other({ weights: { source: '/mnt/w', sha256: 'ab'.repeat(32) } })])).toBe(
      'merged',
    );
    expect(message([shard0, other({ backend: 'cpu' })])).toContain('their backends differ ("wasm" vs "cpu")');
    expect(message([shard0, other({ baselineAccuracy: 0.75 })])).toBe(
      'shard-0.json and b.json measured different digital accuracies on the same images (0.875 vs 0.75): they did not compute alike.',
    );
    expect(message([])).toBe('Nothing to merge: give the sweep files of the slices.');
  });

  it('refuses slices that hold the same point twice', () => {
    const again = { name: 'again.json', file: shard0.file };
    expect(mergeSweepFiles([shard0, shard1, again])).toEqual({
      ok: false,
      message: 'Point 0 (4, 32) is in both shard-0.json and again.json: the slices overlap.',
    });
  });
});

describe('firstDifference', () => {
  it('names the first differing path, or null for equal values', () => {
    expect(firstDifference({ a: { b: [1, 2] } }, { a: { b: [1, 2] } })).toBeNull();
    expect(firstDifference({ a: { b: [1, 2] } }, { a: { b: [1, 3] } })).toBe('a.b.1: 2 vs 3');
    expect(firstDifference({ a: 1 }, { a: 1, c: null })).toBe('c: undefined vs null');
    expect(firstDifference(1, '1')).toBe('1 vs "1"');
  });
});
