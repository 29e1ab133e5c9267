import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { programAnalogLayer } from './layer';
import { defaultExperimentConfig, withOverrides, type DeepPartial, type ExperimentConfig } from './config';
import { applyPreset, presets } from './presets';
import { createRng } from './rng';
import { denseLayer, useCpuBackend } from './testUtils';

beforeAll(useCpuBackend);

function run(
  config: ExperimentConfig,
  W: number[][],
  X: number[][],
  spec = denseLayer(W.length, W[0]!.length),
) {
  const kernel = tf.tensor2d(W);
  const x = tf.tensor2d(X);
  const layer = programAnalogLayer(spec, kernel.dataSync(), null, config, createRng(1));
  layer.calibrate(x);
  const y = layer.forward(x, createRng(2));
  const out = y.arraySync() as number[][];
  tf.dispose([kernel, x, y]);
  layer.dispose();
  return out;
}

const preset = (id: string, ...patches: DeepPartial<ExperimentConfig>[]) =>
  withOverrides(applyPreset(defaultExperimentConfig(), id), ...patches);

describe('every preset', () => {
  for (const p of presets)
    it(`${p.id}: applies to a valid config and explains itself`, () => {
      expect(() => applyPreset(defaultExperimentConfig(), p.id)).not.toThrow();
      expect(p.description.length).toBeGreaterThan(60);
      expect(p.source.length).toBeGreaterThan(0);
      if (p.kind === 'framework') expect(p.description).toMatch(/6-bit|6 levels/);
    });
});

describe('MemTorch-style: differential pair, 6 levels, power-of-two ADC per tile and input vector', () => {
  it('reproduces a hand-computed example', () => {
    // Device spread off so the example is deterministic; everything else as the preset.
    const config = preset('memtorch', { device: { d2dVariation: { enabled: false } } });
    const W = [
      [0.5, -1],
      [0.25, 0.75],
      [-0.5, 0.1],
      [1, 0],
    ];
    const X = [[0.3, -0.7, 0.9, 0.2]];
    // Hand computation (peer-conventions.md): G in [1e-5, 1e-4] S, snapped to 6 levels 18 µS apart.
    const gMin = 1e-5,
      gMax = 1e-4,
      step = 1.8e-5;
    const snap = (g: number) => gMin + Math.round((g - gMin) / step) * step;
    const gPos = W.map((r) => r.map((w) => snap(gMin + (gMax - gMin) * Math.max(w, 0))));
    const gNeg = W.map((r) => r.map((w) => snap(gMin + (gMax - gMin) * Math.max(-w, 0))));
    const I = [0, 1].map((n) => X[0]!.reduce((s, x, j) => s + x * (gPos[j]![n]! - gNeg[j]![n]!), 0)); // amperes at x volts
    const maxI = Math.max(...I.map(Math.abs));
    const delta = 2 ** (Math.ceil(Math.log2(maxI + 1e-12)) - 6 + 1);
    const q = I.map((i) => delta * Math.min(31, Math.max(-32, Math.floor(i / delta + 0.5))));
    const expected = q.map((v) => v / (gMax - gMin)); // back to weight units (w_max = 1)
    const got = run(config, W, X)[0]!;
    for (let n = 0; n < 2; n++) expect(got[n]).toBeCloseTo(expected[n]!, 5);
    // And it is really quantised: not the ideal product.
    expect(Math.abs(got[0]! - (0.3 * 0.5 - 0.7 * 0.25 - 0.9 * 0.5 + 0.2))).toBeGreaterThan(1e-3);
  });
});

describe('NeuroSim-style: 6-bit offset cells, reference column, bit-serial inputs', () => {
  it('reproduces the reference-column subtraction: y = Σ_j q_j/64 · (L_j − 31.5)/32 (ideal ADC)', () => {
    const config = preset('neurosim', {
      device: { d2dVariation: { enabled: false } },
      periphery: { adcBits: 0 },
    });
    const W = [
      [0.3, -1],
      [0, 0.62],
      [1, -0.41],
    ];
    const X = [[1, 0.25, 0.5]]; // max 1: the calibrated range maps 1 → full scale
    const level = (w: number) => Math.round(31.5 * (Math.round(32 * w) / 32 + 1)); // no .5 ties in this example
    const expected = [0, 1].map((n) =>
      X[0]!.reduce((s, x, j) => s + (Math.round(63 * x) / 64) * ((level(W[j]![n]!) - 31.5) / 32), 0),
    );
    const got = run({ ...config }, W, X, { ...denseLayer(3, 2), inputNonNegative: true })[0]!;
    for (let n = 0; n < 2; n++) expect(got[n]).toBeCloseTo(expected[n]!, 5);
    // The encodings lose ≈ 3 %: weight 1 read with input 1 gives (63/64)·(31.5/32), not 1.
    const one = run(config, [[1]], [[1]], { ...denseLayer(1, 1), inputNonNegative: true })[0]![0]!;
    expect(one).toBeCloseTo((63 / 64) * ((63 - 31.5) / 32), 6);
  });

  it('its dynamic ADC range spans the whole batch: one image’s output depends on the others', () => {
    const config = preset('neurosim', { device: { d2dVariation: { enabled: false } } });
    const spec = { ...denseLayer(20, 3), inputNonNegative: true };
    const W = Array.from({ length: 20 }, (_, j) => [Math.sin(j), Math.cos(3 * j), 0.5 - (j % 7) / 7]);
    const a = Array.from({ length: 20 }, (_, j) => (j % 5) / 4);
    const alone = run(config, W, [a, a.map((v) => v * 0.1)], spec)[0]!;
    const withBright = run(config, W, [a, a.map(() => 1)], spec)[0]!;
    expect(alone).not.toEqual(withBright);
  });
});

describe('aihwkit-style: abs-max noise management, 7-bit DAC, ±12 ADC with out_res 1/6, bound management', () => {
  it('reproduces a hand-computed example including one bound-management halving', () => {
    const config = preset('aihwkit', { device: { outputNoise: { enabled: false } } });
    const K = 20;
    const W = Array.from({ length: K }, (_, j) => [0.9, j % 2 ? 0.3 : -0.2]);
    const x = Array.from({ length: K }, (_, j) => 1 - j / 50);
    const nu = Math.max(...x.map(Math.abs));
    const halfEven = (v: number) => {
      const r = Math.round(v);
      return Math.abs(v % 1) === 0.5 && r % 2 ? r - 1 : r;
    };
    // aihwkit's DAC: value/res with res = 2/126 in float32 (so x̃ = ½ at r = 2 gives 31.4999… → 31).
    const res = Math.fround(1 / 63);
    const forward = (reduction: number) => {
      const xt = x.map((v) => Math.min(1, Math.max(-1, halfEven(v / nu / reduction / res) / 63)));
      return [0, 1].map((n) => xt.reduce((s, v, j) => s + W[j]![n]! * v, 0));
    };
    // Re-read while a rounded output (steps of 4) lies beyond ±12.
    let r = 1;
    let yt = forward(1);
    while (yt.some((v) => Math.abs(halfEven(v / 4)) > 3) && r < 16) {
      r *= 2;
      yt = forward(r);
    }
    expect(r).toBe(2); // column 0 sums to ≈ 15.6, which rounds to 16 > 12, at r = 1
    const expected = yt.map((v) => Math.min(12, Math.max(-12, halfEven(v / 4) * 4)) * nu * r);
    const got = run(config, W, [x])[0]!;
    for (let n = 0; n < 2; n++) expect(got[n]).toBeCloseTo(expected[n]!, 5);
  });
});

describe('device presets', () => {
  it('pcm turns on the aihwkit PCM programming noise, G-dependent drift and compensation', () => {
    const c = applyPreset(defaultExperimentConfig(), 'pcm');
    expect(c.device.programmingNoise.model).toBe('pcm');
    expect(c.device.drift.nuModel).toBe('pcm');
    expect(c.device.drift.compensation).toBe(true);
    expect(c.crossbar.gMaxSiemens).toBe(25e-6);
    const ideal = applyPreset(c, 'ideal');
    expect(
      ideal.device.drift.enabled || ideal.device.programmingNoise.enabled || ideal.device.readNoise.enabled,
    ).toBe(false);
  });
});
