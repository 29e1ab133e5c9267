import { describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../sim/rng';
import {
  SCHEMA_VERSION,
  defaultExperimentConfig,
  parseExperimentConfig,
  type ExperimentConfig,
} from '../sim/config';
import { configLeaves, type ConfigLeaf } from '../sim/config';
import { decodeConfig, encodeConfig, getPath, setPath } from './urlCodec';

/** A random value a field accepts (checked against the schema by the caller). */
function randomValue(leaf: ConfigLeaf, rng: Rng): unknown {
  const k = leaf.kind;
  switch (k.type) {
    case 'boolean':
      return rng.uniform() < 0.5;
    case 'enum':
      return k.options[rng.int(k.options.length)];
    case 'numberList': {
      const n = k.length ?? 1 + rng.int(4);
      return Array.from({ length: n }, () =>
        k.integer ? 1 + rng.int(1000) : (rng.uniform() - 0.5) * 10 ** (rng.int(9) - 4),
      );
    }
    case 'number': {
      if (k.zeroAllowed && rng.uniform() < 0.2) return 0;
      const lo = k.min ?? -1e6;
      const hi = k.max ?? 1e6;
      if (k.integer) return Math.ceil(lo) + rng.int(Math.floor(hi) - Math.ceil(lo) + 1);
      // Arbitrary doubles (not round decimals) so the text form must round-trip every bit; log-uniform
      // over wide positive ranges so small values (siemens) are exercised too.
      if (lo > 0 && hi / lo > 1e3) return lo * (hi / lo) ** rng.uniform();
      return lo + (hi - lo) * rng.uniform();
    }
  }
}

/** A random valid config: each field keeps its default or takes a random valid value. */
function randomConfig(rng: Rng): ExperimentConfig {
  let config = defaultExperimentConfig();
  for (const leaf of configLeaves) {
    if (rng.uniform() < 0.5) continue;
    const candidate = setPath(config, leaf.path, randomValue(leaf, rng));
    if (parseExperimentConfig(candidate).ok) config = candidate;
  }
  const parsed = parseExperimentConfig(config);
  if (!parsed.ok) throw new Error('generator produced an invalid config');
  return parsed.config;
}

describe('urlCodec', () => {
  it('derives one field per leaf of the schema, with unique URL keys', () => {
    const defaults = defaultExperimentConfig() as unknown as Record<string, Record<string, unknown>>;
    const countLeaves = (v: unknown): number =>
      typeof v === 'object' && v !== null && !Array.isArray(v)
        ? Object.values(v).reduce<number>((s, x) => s + countLeaves(x), 0)
        : 1;
    const { schemaVersion: _v, ...sections } = defaults;
    expect(configLeaves.length).toBe(countLeaves(sections));
    expect(new Set(configLeaves.map((l) => l.key)).size).toBe(configLeaves.length);
    expect(configLeaves.find((l) => l.path === 'periphery.adcBits')?.key).toBe('adcBits');
  });

  it('writes only the version, the seed and non-default values, with readable keys', () => {
    expect(encodeConfig(defaultExperimentConfig())).toBe(`v=${SCHEMA_VERSION}&seed=1`);
    let config = setPath(defaultExperimentConfig(), 'periphery.adcBits', 6);
    config = setPath(config, 'device.drift.enabled', true);
    config = setPath(config, 'training.lrSchedule.milestonesEpochs', [10, 20]);
    expect(encodeConfig(config)).toBe(
      `v=${SCHEMA_VERSION}&seed=1&adcBits=6&drift.enabled=true&lrSchedule.milestonesEpochs=10,20`,
    );
  });

  it('round-trips random valid configs exactly (encode → decode = identity, no notices)', () => {
    const rng = createRng(20240611).fork('url-roundtrip');
    let changedFields = 0;
    for (let i = 0; i < 300; i++) {
      const config = randomConfig(rng);
      const decoded = decodeConfig(encodeConfig(config));
      expect(decoded.notices).toEqual([]);
      expect(decoded.config).toEqual(config);
      for (const leaf of configLeaves)
        if (!Object.is(getPath(config, leaf.path), leaf.defaultValue)) changedFields += 1;
    }
    // The generator really moved fields away from their defaults.
    expect(changedFields).toBeGreaterThan(300 * configLeaves.length * 0.3);
  });

  it('round-trips the viewer options next to the config', () => {
    const config = setPath(defaultExperimentConfig(), 'crossbar.tileRows', 64);
    const sweep = {
      axes: [
        { path: 'device.drift.readTimeSeconds', values: [1, 3600, 3.15e7] },
        { path: 'preset', values: ['memtorch', 'aihwkit'] },
      ],
    };
    const query = encodeConfig(config, { sweep, lesson: 'adc', hide: ['training', 'adcBits'] });
    expect(query).toContain('sweep=drift.readTimeSeconds:1,3600,31500000&sweep2=preset:memtorch,aihwkit');
    const decoded = decodeConfig(query);
    expect(decoded.viewer).toEqual({ sweep, lesson: 'adc', hide: ['training', 'adcBits'] });
    expect(decoded.config).toEqual(config);
    expect(decoded.notices).toEqual([]);
  });

  it('keeps the good values of a sweep in a link and names each bad one', () => {
    const decoded = decodeConfig('?v=2&sweep=adcBits:3,99,x,5&sweep2=preset:resnet');
    expect(decoded.viewer.sweep).toEqual({ axes: [{ path: 'periphery.adcBits', values: [3, 5] }] });
    const text = decoded.notices.join(' ');
    expect(text).toContain('adcBits=99');
    expect(text).toContain('adcBits=x');
    expect(text).toContain('no preset “resnet”');
    expect(decodeConfig('?sweep=nothing').notices.join(' ')).toContain('field:values');
    expect(decodeConfig('?sweep=zzz:1').notices.join(' ')).toContain('names no setting');
  });

  it('replaces bad values by defaults, ignores unknown keys and lists each in a notice', () => {
    const decoded = decodeConfig(
      '?v=2&adcBits=abc&tileRows=-5&model=resnet&foo=bar&drift.enabled=maybe&onOffRatio=0.5&dacBits=4&hide=nothing',
    );
    const expected = setPath(defaultExperimentConfig(), 'periphery.dacBits', 4);
    expect(decoded.config).toEqual(expected);
    const text = decoded.notices.join('\n');
    for (const key of ['adcBits', 'tileRows', 'model', 'foo', 'drift.enabled', 'onOffRatio', 'nothing'])
      expect(text).toContain(key);
    expect(decoded.notices).toHaveLength(7);
    expect(decoded.viewer.hide).toEqual([]);
  });

  it('uses the schema’s own message for an out-of-range value', () => {
    const { notices } = decodeConfig('adcBits=17');
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/adcBits=“17”.*16.*default 8/);
  });

  it('drops values that break a rule across fields', () => {
    const decoded = decodeConfig('dacMode=bitSerial&dacBits=0');
    expect(parseExperimentConfig(decoded.config).ok).toBe(true);
    expect(decoded.config.periphery.dacMode).toBe('bitSerial');
    expect(decoded.config.periphery.dacBits).toBe(8);
    expect(decoded.notices.join()).toContain('bit-serial');
  });

  it('accepts full paths, reports an unknown version and never throws on garbage', () => {
    expect(decodeConfig('periphery.adcBits=5').config.periphery.adcBits).toBe(5);
    expect(decodeConfig('v=7').notices[0]).toContain('version 7');
    const rng = createRng(7).fork('garbage');
    const keys = [
      ...configLeaves.map((l) => l.key),
      'v',
      'seed',
      'hide',
      'lesson',
      'x',
      '',
      '%%',
      'constructor',
      '__proto__',
    ];
    const junk = [
      '',
      'NaN',
      'Infinity',
      '-0',
      '1e999',
      'true',
      ',,',
      '1,2,3',
      '<script>',
      '%E0%A4%A',
      '0x10',
      ' 3 ',
    ];
    for (let i = 0; i < 300; i++) {
      const parts = Array.from(
        { length: 1 + rng.int(6) },
        () => `${keys[rng.int(keys.length)]}=${junk[rng.int(junk.length)]}`,
      );
      const decoded = decodeConfig(parts.join('&'));
      expect(parseExperimentConfig(decoded.config).ok).toBe(true);
    }
  });

  it('reads a version-1 link with the defaults of its time (10,000 images × 10 runs)', () => {
    const old = decodeConfig('?v=1&seed=3&adcBits=5');
    expect(old.config.experiment).toMatchObject({ images: 10000, runs: 10, seed: 3 });
    expect(old.config.periphery.adcBits).toBe(5);
    expect(old.notices.join(' ')).toContain('version 1');
    // A value the old link did give is kept; the current version uses the current defaults.
    expect(decodeConfig('?v=1&images=200').config.experiment).toMatchObject({ images: 200, runs: 10 });
    expect(decodeConfig('?v=2&seed=3').config.experiment).toMatchObject({ images: 1000, runs: 3 });
    // Written again, the old link's meaning survives: its images and runs are now non-default values.
    const again = decodeConfig(encodeConfig(old.config));
    expect(again.config).toEqual(old.config);
    expect(again.notices).toEqual([]);
  });

  it('migrates a saved version-1 config object the same way', () => {
    const parsed = parseExperimentConfig({ schemaVersion: 1, experiment: { seed: 4 } });
    expect(parsed.ok && parsed.config.experiment).toMatchObject({ images: 10000, runs: 10, seed: 4 });
    expect(parsed.ok && parsed.config.schemaVersion).toBe(2);
  });
});
