import { describe, expect, it } from 'vitest';
import { defaultExperimentConfig } from './config';
import { presets } from './presets';
import { MAX_RUNNER_SWEEP_POINTS, PRESET_AXIS, chipKey, expandSweep, shardOf } from './sweep';

const base = defaultExperimentConfig();

describe('sweeps', () => {
  it('expands a grid row-major, the first axis outermost, each point its own valid config', () => {
    const points = expandSweep(base, {
      axes: [
        { path: 'crossbar.tileRows', values: [16, 64] },
        { path: 'periphery.adcBits', values: [4, 6, 8] },
      ],
    });
    expect(points.map((p) => p.values)).toEqual([
      [16, 4],
      [16, 6],
      [16, 8],
      [64, 4],
      [64, 6],
      [64, 8],
    ]);
    expect(points.map((p) => p.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(points[4]!.config.crossbar.tileRows).toBe(64);
    expect(points[4]!.config.periphery.adcBits).toBe(6);
    // Everything else is the base config's.
    expect(points[4]!.config.device).toEqual(base.device);
  });

  it('applies a preset on the preset axis', () => {
    const [memtorch] = expandSweep(base, { axes: [{ path: PRESET_AXIS, values: ['memtorch'] }] });
    const expected = presets.find((p) => p.id === 'memtorch')!.patch.crossbar!;
    expect(memtorch!.config.crossbar.tileRows).toBe(expected.tileRows);
  });

  it('refuses bad axes and values with one plain sentence', () => {
    const refusal = (axes: { path: string; values: (number | string | boolean)[] }[]) => {
      try {
        expandSweep(base, { axes });
        return null;
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(refusal([{ path: 'periphery.adcBits', values: [4, 40] }])).toMatch(
      /40 for periphery\.adcBits is not valid/,
    );
    expect(refusal([{ path: 'periphery.nope', values: [1] }])).toMatch(/not a setting/);
    expect(refusal([{ path: 'periphery', values: [1] }])).toMatch(/not a setting/);
    expect(refusal([{ path: PRESET_AXIS, values: ['resnet'] }])).toMatch(/no preset “resnet”/);
    expect(refusal([])).toMatch(/one or two axes/);
    expect(refusal([{ path: 'periphery.adcBits', values: [] }])).toMatch(/no values/);
    expect(
      refusal([
        { path: 'periphery.adcBits', values: [4] },
        { path: 'periphery.adcBits', values: [5] },
      ]),
    ).toMatch(/different settings/);
    // 40 × 40 = 1,600 points: too many for the lab, not for the command-line runner.
    const big = Array.from({ length: 40 }, (_, i) => i + 1);
    const grid = [
      { path: 'experiment.runs', values: big },
      { path: 'experiment.images', values: big },
    ];
    expect(refusal(grid)).toMatch(/1600 points; at most 1000 run in the lab/);
    expect(expandSweep(base, { axes: grid }, MAX_RUNNER_SWEEP_POINTS)).toHaveLength(1600);
    expect(() => expandSweep(base, { axes: grid }, 1599)).toThrow('at most 1599 run in one sweep');
  });

  it('gives points that program the same chip the same chip key, and others a different one', () => {
    const keys = (path: string, values: number[]) =>
      expandSweep(base, { axes: [{ path, values }] }).map((p) => chipKey(p.config));
    // Images and ADC bits only change how the tiles are read; tile rows and DAC bits change the chip.
    for (const [path, values] of [
      ['experiment.images', [10, 20]],
      ['periphery.adcBits', [4, 6]],
    ] as const) {
      const [a, b] = keys(path, [...values]);
      expect(a, path).toBe(b);
    }
    for (const [path, values] of [
      ['crossbar.tileRows', [64, 128]],
      ['periphery.dacBits', [4, 6]],
    ] as const) {
      const [a, b] = keys(path, [...values]);
      expect(a, path).not.toBe(b);
    }
  });

  it('splits the points into shards that together hold each exactly once', () => {
    const points = Array.from({ length: 10 }, (_, index) => ({ index }));
    const shards = [0, 1, 2].map((i) => shardOf(points, i, 3).map((p) => p.index));
    expect(shards).toEqual([
      [0, 3, 6, 9],
      [1, 4, 7],
      [2, 5, 8],
    ]);
    expect(() => shardOf(points, 3, 3)).toThrow(/numbered 0 to 2/);
    expect(() => shardOf(points, 0, 0)).toThrow(/1 or more/);
  });
});
