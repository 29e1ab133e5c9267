/** The bench's cases: the presets asked for, the default config once, and the paper's 16×16 tiles. */
import { describe, expect, it } from 'vitest';
import { defaultExperimentConfig } from '../../src/sim/config';
import { benchCases } from './measure';
import { parseBenchOptions, type BenchOptions } from './options';

const options = (...argv: string[]) => parseBenchOptions(argv) as BenchOptions;

describe('benchCases', () => {
  it('lets the ideal preset stand for the default config, and adds it on 16x16 tiles', () => {
    const cases = benchCases('vgg8', options('--presets', 'rram,ideal'));
    expect(cases.map((c) => [c.label, c.summary])).toEqual([
      ['rram', null],
      ['ideal', '128x128'],
      ['default 16x16', '16x16'],
    ]);
    const defaults = { ...defaultExperimentConfig(), experiment: cases[1]!.config.experiment };
    expect(cases[1]!.config).toEqual(defaults);
    expect(cases[2]!.config).toEqual({
      ...defaults,
      crossbar: { ...defaults.crossbar, tileRows: 16, tileCols: 16 },
    });
    expect(cases[1]!.config.crossbar).toMatchObject({ tileRows: 128, tileCols: 128 });
  });

  it('adds the default config itself when no preset is it', () => {
    const cases = benchCases('googlenet', options('--presets', 'memtorch', '--seed', '7'));
    expect(cases.map((c) => [c.label, c.summary])).toEqual([
      ['memtorch', null],
      ['default', '128x128'],
      ['default 16x16', '16x16'],
    ]);
    for (const c of cases) expect(c.config.experiment).toMatchObject({ model: 'googlenet', seed: 7 });
  });

  it('gives each case its cost target: 16x16 tiles 3x, bit-serial 2x per input cycle, else 1.5x', () => {
    const cases = benchCases('vgg8', options('--presets', 'ideal,neurosim,rram'));
    expect(cases.map((c) => [c.label, c.target.ratio])).toEqual([
      ['ideal', 1.5],
      ['neurosim', 12],
      ['rram', 1.5],
      ['default 16x16', 3],
    ]);
    expect(cases[1]!.config.periphery).toMatchObject({ dacMode: 'bitSerial', dacBits: 6 });
  });

  it('applies --calibration-images to every case', () => {
    const cases = benchCases('vgg8', options('--presets', 'ideal', '--calibration-images', '16'));
    for (const c of cases) expect(c.config.periphery.calibrationImages).toBe(16);
  });
});
