/**
 * NeuroSim's conventions (issue 13), against the float64 reference (src/sim/reference.ts) and plain loops
 * written here from NeuroSim's own code (quantization_cpu_np_infer.py):
 *  - per-kernel-position sub-arrays and dropped channels (QConv2d/QLinear masks);
 *  - the first-layer branch (Cin = 3: unquantised inputs, no ADC, additive variation);
 *  - device variation redrawn per input bit, reference column never varied (`torch.normal` inside the
 *    bit loop, dummyP constant).
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AnalogLayer } from '../layer';
import { drawMomentOf, withOverrides } from '../config';
import { decodeWeights } from '../mapping';
import {
  referenceForward,
  referenceForwardDetailed,
  referenceOutputVariance,
  type RefInput,
} from '../reference';
import { createRng } from '../rng';
import { convLayer, denseLayer, useCpuBackend } from '../testUtils';
import { planLayer, type AnalogLayerSpec } from '../tiling';
import { forward, inputOf, maxAbs, preset, program } from './fixture';

beforeAll(useCpuBackend);

function neurosimLoops(
  spec: AnalogLayerSpec,
  kernel: Float32Array,
  input: RefInput,
  drop: boolean,
): Float64Array {
  const [B, H, W, C] = input.shape as [number, number, number, number];
  const N = spec.outChannels;
  const k = spec.kernelSize;
  const wMax = maxAbs(kernel);
  const level = (w: number) => {
    const u = Math.round((w / wMax) * 32) / 32; // no .5 ties with random weights
    return Math.round(31.5 * (u + 1));
  };
  const gOf = (w: number) => 0.9 * level(w) + 6.3; // (upper − lower)·L + (cellRange − 1)·lower
  const gRef = (63 * 1.1) / 2;
  const M = B * H * W;
  const out = new Float64Array(M * N);
  const subArrays = Math.floor(C / 16);
  const groups: number[][] = [];
  if (subArrays === 0) groups.push(Array.from({ length: C }, (_, c) => c));
  else {
    for (let s = 0; s < subArrays; s++) groups.push(Array.from({ length: 16 }, (_, c) => s * 16 + c));
    if (!drop && C % 16) groups.push(Array.from({ length: C % 16 }, (_, c) => subArrays * 16 + c));
  }
  const adc = (v: Float64Array) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const x of v) [lo, hi] = [Math.min(lo, x), Math.max(hi, x)];
    const d = (hi - lo) / 64;
    return v.map((x) => (d > 0 ? lo + d * Math.min(63, Math.max(0, Math.floor((x - lo) / d))) : x));
  };
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++)
      for (let z = 0; z < 6; z++)
        for (const channels of groups) {
          const data = new Float64Array(M * N);
          const dummy = new Float64Array(M * N);
          for (let b = 0; b < B; b++)
            for (let oy = 0; oy < H; oy++)
              for (let ox = 0; ox < W; ox++) {
                const m = (b * H + oy) * W + ox;
                const y = oy + i - 1;
                const x = ox + j - 1;
                if (y < 0 || y >= H || x < 0 || x >= W) continue;
                for (const c of channels) {
                  const q = Math.round(63 * input.data[((b * H + y) * W + x) * C + c]!);
                  if ((Math.floor(q / 2 ** z) & 1) === 0) continue;
                  for (let n = 0; n < N; n++) {
                    data[m * N + n]! += gOf(kernel[((i * k + j) * C + c) * N + n]!);
                    dummy[m * N + n]! += gRef;
                  }
                }
              }
          const dq = adc(data);
          const rq = adc(dummy);
          for (let e = 0; e < M * N; e++) out[e]! += ((dq[e]! - rq[e]!) * 2 ** z * 2) / 0.9;
        }
  return out.map((v) => (v / 64 / 64) * wMax);
}

describe('NeuroSim sub-arrays: one kernel position each, channels past a multiple of 16 dropped as shipped', () => {
  it('lays rows out per kernel position (hand-computed)', () => {
    const cb = preset('neurosim').crossbar;
    const five = planLayer(convLayer(5, 4), cb);
    expect(five.rowTiles).toBe(9);
    expect(five.tileRowIndex.map((t) => Array.from(t))[4]).toEqual([20, 21, 22, 23, 24]);
    const keep = planLayer(convLayer(20, 4), cb);
    expect(keep.tileRowIndex.map((t) => t.length)).toEqual(
      Array.from({ length: 18 }, (_, i) => (i % 2 ? 4 : 16)),
    );
    expect(Array.from(keep.tileRowIndex[3]!)).toEqual([36, 37, 38, 39]);
    const drop = planLayer(convLayer(20, 4), preset('neurosimAsShipped').crossbar);
    expect(drop.tileRowIndex.map((t) => t[0])).toEqual(Array.from({ length: 9 }, (_, p) => 20 * p));
    expect(drop.mappedRows).toBe(9 * 16);
    // Fewer than 16 rows in a group: nothing is dropped (NeuroSim's numSubArray == 0 branch).
    expect(planLayer(denseLayer(12, 3), preset('neurosimAsShipped').crossbar).mappedRows).toBe(12);
  });

  for (const [C, id] of [
    [5, 'neurosim'],
    [20, 'neurosim'],
    [20, 'neurosimAsShipped'],
  ] as const)
    it(`Cin = ${C}, ${id}: tfjs and a plain loop of NeuroSim's masks agree with the float64 reference within its tie bound`, () => {
      const config = preset(id, {
        device: { d2dVariation: { enabled: false } },
        periphery: { inputScaling: 'none' },
      });
      const spec = { ...convLayer(C, 4, 5), inputNonNegative: true };
      const { layer, kernel } = program(spec, config);
      const input = inputOf(spec, 2, 6, true);
      const got = forward(layer, input);
      const { y, tieBound } = referenceForwardDetailed(layer.chip, config, input);
      const loops = neurosimLoops(spec, kernel, input, id === 'neurosimAsShipped');
      const scale = maxAbs(y);
      let worst = 0;
      for (let e = 0; e < y.length; e++) {
        const bound = tieBound[e]! + 1e-5 * scale;
        worst = Math.max(worst, Math.abs(got[e]! - y[e]!) / bound, Math.abs(loops[e]! - y[e]!) / bound);
      }
      expect(worst).toBeLessThanOrEqual(1);
      layer.dispose();
    });

  it('as shipped, a dense layer of 20 inputs reads only the first 16 (the rest as if zero)', () => {
    const patch = {
      device: { d2dVariation: { enabled: false } },
      periphery: { inputScaling: 'none' as const },
    };
    const spec = { ...denseLayer(20, 5), inputNonNegative: true };
    const shipped = program(spec, preset('neurosimAsShipped', patch));
    const kept = program(spec, preset('neurosim', patch));
    const input = inputOf(spec, 4, 8, true);
    const zeroed = { ...input, data: Float32Array.from(input.data, (v, i) => (i % 20 >= 16 ? 0 : v)) };
    const a = forward(shipped.layer, input);
    const b = forward(kept.layer, zeroed);
    const c = forward(kept.layer, input);
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i]!, 6);
    expect(maxAbs(a.map((v, i) => v - c[i]!))).toBeGreaterThan(1e-3);
    shipped.layer.dispose();
    kept.layer.dispose();
  });
});

describe('NeuroSim first layer (Cin = 3): unquantised inputs, no ADC, additive variation', () => {
  it('equals the exact product of the raw input with the 6-bit offset weights (L − 31.5)/32', () => {
    const config = preset('neurosim', { device: { d2dVariation: { enabled: false } } });
    const spec = convLayer(3, 4);
    const { layer, kernel } = program(spec, config);
    const input = inputOf(spec, 2, 7, false); // signed, like a normalised image
    const got = forward(layer, input);
    const wMax = maxAbs(kernel);
    const eff = decodeWeights(layer.chip.arrays, layer.chip.groups, layer.chip.K, layer.chip.N, 15);
    for (let i = 0; i < kernel.length; i++) {
      const L = Math.round(31.5 * (Math.round((kernel[i]! / wMax) * 32) / 32 + 1));
      expect(eff[i]).toBeCloseTo(((L - 31.5) / 32) * wMax, 6);
    }
    const want = referenceForward(layer.chip, config, input);
    const [B, H, W, C] = input.shape as [number, number, number, number];
    // Independent: a direct convolution with those weights.
    let worst = 0;
    for (let b = 0; b < B; b++)
      for (let oy = 0; oy < H; oy++)
        for (let ox = 0; ox < W; ox++)
          for (let n = 0; n < 4; n++) {
            let s = 0;
            for (let i = 0; i < 3; i++)
              for (let j = 0; j < 3; j++)
                for (let c = 0; c < C; c++) {
                  const y = oy + i - 1;
                  const x = ox + j - 1;
                  if (y >= 0 && y < H && x >= 0 && x < W)
                    s += input.data[((b * H + y) * W + x) * C + c]! * eff[((i * 3 + j) * C + c) * 4 + n]!;
                }
            const e = ((b * H + oy) * W + ox) * 4 + n;
            worst = Math.max(worst, Math.abs(got[e]! - s), Math.abs(want[e]! - s));
          }
    expect(worst / maxAbs(want)).toBeLessThan(1e-5);
    expect(layer.plan.adcConversionsPerVector).toBe(0);
    layer.dispose();
  });

  it('its additive variation (σ = 0.1 of a cell level, per forward call) has the closed-form variance', () => {
    const config = preset('neurosim');
    const spec = convLayer(3, 2, 4);
    const { layer } = program(spec, config);
    const input = inputOf(spec, 1, 11, false);
    const stats = empirical(layer, input, 300);
    const want = referenceOutputVariance(layer.chip, config, input);
    const mean = referenceForward(layer.chip, config, input);
    // σ² = (0.1/63·G_max)²·Σ_j V_j²·c² — tiny next to the multiplicative 10 % of the other layers.
    expect(zWorst(stats, mean, want, 300)).toBeLessThan(4.5);
    layer.dispose();
  });
});

/** Per-output mean and unbiased variance of n forward calls with read seeds 100 … 100 + n − 1. */
function empirical(layer: AnalogLayer, input: RefInput, n: number) {
  const x = tf.tensor(input.data, input.shape);
  const ys = tf.tidy(() =>
    tf.stack(Array.from({ length: n }, (_, i) => layer.forward(x, createRng(100 + i)))),
  );
  const v = ys.dataSync();
  tf.dispose([x, ys]);
  const E = v.length / n;
  const mean = new Float64Array(E);
  const variance = new Float64Array(E);
  for (let e = 0; e < E; e++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += v[i * E + e]!;
    mean[e] = s / n;
    let q = 0;
    for (let i = 0; i < n; i++) q += (v[i * E + e]! - mean[e]!) ** 2;
    variance[e] = q / (n - 1);
  }
  return { mean, variance };
}

/** The worst z-score of the means and of the variance ratios against the closed forms. */
function zWorst(
  stats: { mean: Float64Array; variance: Float64Array },
  mean: Float64Array,
  variance: Float64Array,
  n: number,
) {
  let worst = 0;
  for (let e = 0; e < mean.length; e++) {
    expect(variance[e]!).toBeGreaterThan(0);
    worst = Math.max(
      worst,
      Math.abs(stats.mean[e]! - mean[e]!) / Math.sqrt(variance[e]! / n),
      Math.abs(stats.variance[e]! / variance[e]! - 1) / Math.sqrt(2 / (n - 1)),
    );
  }
  return worst;
}

describe('NeuroSim variation: redrawn for every input bit, never on the reference column', () => {
  // ADC off so the closed form holds; everything else as the preset (offset mapping, 6-bit bit-serial).
  const config = preset('neurosim', { periphery: { adcBits: 0, inputScaling: 'none' } });
  const spec = { ...denseLayer(24, 3), inputNonNegative: true };

  it('draws per read (each input bit), per forward call', () => {
    expect(drawMomentOf('d2dVariation', config)).toBe('read');
    expect(
      drawMomentOf(
        'd2dVariation',
        withOverrides(config, { device: { d2dVariation: { redrawEachInputBit: false } } }),
      ),
    ).toBe('batch');
  });

  it('empirical mean and variance match the per-bit closed form, not the shared-draw one', () => {
    const { layer } = program(spec, config);
    const input = inputOf(spec, 2, 12, true);
    const n = 400;
    const stats = empirical(layer, input, n);
    const mean = referenceForward(layer.chip, config, input);
    const perBit = referenceOutputVariance(layer.chip, config, input);
    expect(zWorst(stats, mean, perBit, n)).toBeLessThan(4.5);
    // One draw shared by the 6 bits adds them before the noise, (Σ_z 2^z b_z)² instead of Σ_z 4^z b_z²:
    // that variance is several times larger, far outside the statistical bound.
    const shared = withOverrides(config, { device: { d2dVariation: { redrawEachInputBit: false } } });
    const sharedVar = referenceOutputVariance(layer.chip, shared, input);
    let ratio = 0;
    for (let e = 0; e < perBit.length; e++) ratio += sharedVar[e]! / perBit[e]! / perBit.length;
    expect(ratio).toBeGreaterThan(1.5);
    expect(zWorst(stats, mean, sharedVar, n)).toBeGreaterThan(4.5);
    // And the shared draw, run, matches its own closed form (the layer really draws once per call).
    const sharedLayer = program(spec, shared).layer;
    expect(zWorst(empirical(sharedLayer, input, n), mean, sharedVar, n)).toBeLessThan(4.5);
    sharedLayer.dispose();
    layer.dispose();
  });

  it('leaves the reference column as programmed: varying it too adds its own variance', () => {
    const { layer } = program(spec, config);
    const input = inputOf(spec, 2, 13, true);
    const withRef = withOverrides(config, { device: { d2dVariation: { includeReference: true } } });
    const without = referenceOutputVariance(layer.chip, config, input);
    const both = referenceOutputVariance(layer.chip, withRef, input);
    for (let e = 0; e < without.length; e++) expect(both[e]!).toBeGreaterThan(without[e]! * 1.2);
    const refLayer = program(spec, withRef).layer;
    const n = 400;
    const mean = referenceForward(layer.chip, config, input);
    expect(zWorst(empirical(refLayer, input, n), mean, both, n)).toBeLessThan(4.5);
    expect(zWorst(empirical(layer, input, n), mean, without, n)).toBeLessThan(4.5);
    refLayer.dispose();
    layer.dispose();
  });

  it('with the ADC on, a per-bit draw still reproduces exactly with the same seed', () => {
    const adcOn = preset('neurosim', { periphery: { inputScaling: 'none' } });
    const { layer } = program(spec, adcOn);
    const input = inputOf(spec, 3, 14, true);
    expect(Array.from(forward(layer, input, 5))).toEqual(Array.from(forward(layer, input, 5)));
    expect(Array.from(forward(layer, input, 5))).not.toEqual(Array.from(forward(layer, input, 6)));
    layer.dispose();
  });
});
