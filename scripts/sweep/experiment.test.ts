import { describe, expect, it } from 'vitest';
import { defaultExperimentConfig, withOverrides } from '../../src/sim/config';
import { sweepFileOf, sweepFileToJson } from '../../src/state/sweepFile';
import { resolveExperiment } from './experiment';

const files: Record<string, string> = {
  'config.json': JSON.stringify({ experiment: { images: 8, runs: 1 }, periphery: { adcBits: 5 } }),
  'bad.json': JSON.stringify({ periphery: { adcBits: 40 } }),
  'notjson.json': '{',
};
const read = (file: string) => {
  const text = files[file];
  if (text === undefined) throw new Error('ENOENT');
  return text;
};
const refusal = (experiment: string, axes: string[] = []) => {
  try {
    resolveExperiment(experiment, axes, read);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
};

describe('resolveExperiment', () => {
  it('decodes a lab link, its settings and its sweep, as the lab does', () => {
    const { config, sweep } = resolveExperiment(
      'http://localhost:5173/?v=2&seed=9&images=8&tileRows=64&sweep=adcBits:3,4&sweep2=tileCols:32,64',
      [],
      read,
    );
    expect(config.experiment.seed).toBe(9);
    expect(config.experiment.images).toBe(8);
    expect(config.crossbar.tileRows).toBe(64);
    expect(sweep).toEqual({
      axes: [
        { path: 'periphery.adcBits', values: [3, 4] },
        { path: 'crossbar.tileCols', values: [32, 64] },
      ],
    });
    // A query alone works too.
    expect(resolveExperiment('?sweep=adcBits:3', [], read).sweep.axes[0]!.values).toEqual([3]);
  });

  it('reads a config file, with the sweep from --sweep (which also replaces a link’s own)', () => {
    const { config, sweep } = resolveExperiment('config.json', ['preset:rram,pcm', 'adcBits:4,6'], read);
    expect(config.periphery.adcBits).toBe(5);
    expect(sweep.axes).toEqual([
      { path: 'preset', values: ['rram', 'pcm'] },
      { path: 'periphery.adcBits', values: [4, 6] },
    ]);
    const replaced = resolveExperiment('?sweep=adcBits:3', ['dacBits:2,4'], read);
    expect(replaced.sweep.axes).toEqual([{ path: 'periphery.dacBits', values: [2, 4] }]);
  });

  it('reruns a sweep file: its config and its sweep', () => {
    const config = withOverrides(defaultExperimentConfig(), { experiment: { seed: 4 } });
    const sweep = { axes: [{ path: 'periphery.adcBits', values: [3, 4] }] };
    const file = sweepFileOf({
      config,
      sweep,
      shard: { index: 0, count: 2 },
      points: [],
      baselineAccuracy: null,
      data: { testImages: 1000, testSet: 'full' },
      weights: { source: 'shipped', sha256: null },
      backend: 'wasm',
      outcome: 'finished',
      seconds: 1,
    });
    const text = sweepFileToJson(file);
    const resolved = resolveExperiment('old.json', [], (f) => (f === 'old.json' ? text : read(f)));
    expect(resolved.config).toEqual(config);
    expect(resolved.sweep).toEqual(sweep);
  });

  it('refuses what the lab would only have warned about, and what cannot run', () => {
    expect(refusal('?adcBit=5&sweep=adcBits:3')).toBe(
      'refused the link:\n  Unknown setting “adcBit” was ignored.',
    );
    expect(refusal('?sweep=adcBits:3,40')).toMatch(/^refused the link:\n {2}sweep: adcBits=40 is not valid/);
    expect(refusal('config.json', ['adcbits:3'])).toMatch(
      /^refused the --sweep axes:\n {2}sweep: “adcbits” names no setting/,
    );
    expect(refusal('config.json')).toMatch(/^no sweep to run: give --sweep/);
    expect(refusal('?routine=training&sweep=adcBits:3')).toBe(
      'the sweep runner runs inference; the experiment’s routine is training',
    );
    expect(refusal('bad.json', ['adcBits:3'])).toMatch(
      /^bad\.json is not a valid experiment config:\n {2}periphery\.adcBits: /,
    );
    expect(refusal('notjson.json', ['adcBits:3'])).toBe('notjson.json is not JSON');
    expect(refusal('missing.json', ['adcBits:3'])).toBe(
      '"missing.json" is neither a lab link nor a readable config file',
    );
    expect(refusal('config.json', ['tileCols:2', 'mapping:offset'])).toMatch(/not valid/);
  });
});
