import { describe, expect, it } from 'vitest';
import { referenceForwardDetailed, referenceOutputVariance } from '../../reference';
import { breakTies, convSpec, denseSpec, maxRelDiff, maxRelDiffExcept, testConfig } from '../../testUtils';
import philoxWgsl from '../philox/philox.wgsl?raw';
import { parseUniformDeclaration, tfjsUniformType, uniformsReferenced } from '../uniforms';
import * as layout from './layout';
import {
  expectMoments,
  kernelDrift,
  noiseCases,
  noisy,
  prepareRead,
  readCases,
  tiles,
  withBias,
  withoutNoise,
} from './testCases';
import {
  ADC_LEVELS,
  ADC_ROUNDING,
  READ_NOISE_MODEL,
  TILE_OUTPUTS,
  TILE_VECTORS,
  TiledReadProgram,
  uniformData,
} from './tiledRead';
import { tiledReadReference } from './tiledRead.reference';
import tiledReadWgsl from './tiledRead.wgsl?raw';

describe('tiled read: uniform and buffer layout', () => {
  const { params } = prepareRead(convSpec, testConfig(tiles));
  const data = uniformData(params([1, 2]));
  const declared = parseUniformDeclaration(new TiledReadProgram(1, 1).uniforms);

  it('declares the uniforms uniformData() fills, with the same names, types and order', () => {
    expect(data.map((u) => u.name)).toEqual(declared.map((u) => u.name));
    expect(data.map((u) => u.type)).toEqual(declared.map((u) => tfjsUniformType(u.type)));
    for (const u of data) expect(u.data).toHaveLength(1);
  });

  it('declares every uniform the WGSL reads (size is tfjs’s own)', () => {
    const names = new Set(declared.map((u) => u.name));
    const used = uniformsReferenced(`${philoxWgsl}\n${tiledReadWgsl}`).filter((n) => n !== 'size');
    expect(used.filter((n) => !names.has(n))).toEqual([]);
    expect([...names].filter((n) => !used.includes(n))).toEqual([]);
  });

  it('keeps the WGSL record constants equal to layout.ts', () => {
    const wgslConst = (name: string) => {
      const m = new RegExp(`const ${name} : i32 = (\\d+);`).exec(tiledReadWgsl);
      if (!m) throw new Error(`${name} missing from tiledRead.wgsl`);
      return Number(m[1]);
    };
    for (const name of [
      'GROUP_RECORD',
      'GROUP_FIRST_TERM',
      'GROUP_NUM_TERMS',
      'GROUP_NUM_COLS',
      'GROUP_PER_COLUMN_TILE',
      'GROUP_SIGNED_CURRENTS',
      'TERM_RECORD',
      'TERM_OFFSET',
      'TERM_SIGN',
      'MAX_CYCLES',
    ] as const)
      expect(wgslConst(name), name).toBe(layout[name]);
    const enums: [string, Record<string, number>][] = [
      ['LEVELS', ADC_LEVELS],
      ['ROUND', ADC_ROUNDING],
      ['NOISE', READ_NOISE_MODEL],
    ];
    for (const [prefix, values] of enums)
      for (const [key, value] of Object.entries(values)) {
        const name = `${prefix}_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
        expect(wgslConst(name), name).toBe(value);
      }
    expect(wgslConst('TILE_VECTORS')).toBe(TILE_VECTORS);
    expect(wgslConst('TILE_OUTPUTS')).toBe(TILE_OUTPUTS);
    expect(wgslConst('WORKGROUP_THREADS')).toBe(TILE_VECTORS * TILE_OUTPUTS);
  });

  it('rejects reads the kernel does not model', () => {
    const unsupported = (patch: Parameters<typeof testConfig>[0]) =>
      layout.fusedReadUnsupported(testConfig(tiles, patch));
    expect(unsupported({})).toBeNull();
    expect(unsupported({ periphery: { adcRange: 'dynamic' } })).toMatch(/dynamic/);
    expect(unsupported({ periphery: { adcRange: 'dynamic', adcBits: 0 } })).toBeNull();
    expect(unsupported({ periphery: { boundManagement: 'iterative' } })).toMatch(/bound management/);
    expect(unsupported({ device: { irDrop: { enabled: true } } })).toMatch(/IR drop/);
  });
});

describe('tiled read reference equals reference.ts (noise off)', () => {
  for (const c of readCases())
    it(c.name, () => {
      const r = prepareRead(c.spec, c.config);
      const { y, ambiguous } = referenceForwardDetailed(r.chip, c.config, r.input, r.calib);
      expect(ambiguous.reduce((s, v) => s + v, 0) / ambiguous.length).toBeLessThan(0.3);
      // The packed layout holds c_g in float32 (relative rounding 6e-8); with float64 c_g the two agree
      // to float64 rounding.
      const exact = { ...r.data, groupWeights: r.chip.groups.map((g) => g.weightPerSiemens) };
      const got = withBias(tiledReadReference(r.params([0, 0]), exact), r.chip);
      expect(maxRelDiffExcept(got, y, ambiguous)).toBeLessThan(1e-12);
      const packed = withBias(tiledReadReference(r.params([0, 0]), r.data), r.chip);
      expect(maxRelDiffExcept(packed, y, ambiguous)).toBeLessThan(1e-7);
    });
});

describe('tiled read reference: drift in the kernel (read time as a uniform)', () => {
  it('equals the conductances drifted on the host', () => {
    const r = prepareRead(
      convSpec,
      testConfig(tiles, breakTies, { periphery: { adcRange: 'fixed', adcBits: 7 } }),
    );
    const d = kernelDrift(r, 3.6e6);
    expect(d.logRatio).toBeCloseTo(Math.log(3.6e6 / r.config.device.drift.t0Seconds), 12);
    const base = r.params([0, 0]);
    const inKernel = tiledReadReference({ ...base, driftLogTimeRatio: d.logRatio }, d.inKernel);
    const onHost = tiledReadReference(base, d.onHost);
    expect(maxRelDiff(inKernel, onHost)).toBeLessThan(1e-12);
    expect(maxRelDiff(onHost, tiledReadReference(base, r.data))).toBeGreaterThan(1e-2);
  });
});

describe('tiled read reference: per-read noise', () => {
  it('the same seed gives the same noise; another seed other noise', () => {
    const r = prepareRead(denseSpec, noisy());
    const a = tiledReadReference(r.params([5, 6]), r.data);
    expect(tiledReadReference(r.params([5, 6]), r.data)).toEqual(a);
    const b = tiledReadReference(r.params([5, 7]), r.data);
    expect(a.every((v, i) => v !== b[i])).toBe(true);
  });

  for (const [name, config] of noiseCases)
    it(`mean and variance match the closed form: ${name}`, () => {
      const r = prepareRead(denseSpec, config);
      const clean = tiledReadReference(withoutNoise(r.params([0, 0])), r.data);
      const variance = referenceOutputVariance(r.chip, config, r.input, r.calib);
      const reads = 400;
      const sum = new Float64Array(clean.length);
      const sq = new Float64Array(clean.length);
      for (let s = 0; s < reads; s++) {
        const y = tiledReadReference(r.params([s, 99]), r.data);
        for (let i = 0; i < y.length; i++) {
          sum[i]! += y[i]! - clean[i]!;
          sq[i]! += (y[i]! - clean[i]!) ** 2;
        }
      }
      expectMoments(sum, sq, variance, reads);
    });
});
