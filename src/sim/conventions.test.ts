/**
 * The peer conventions corrected in issue 13, each against the float64 reference (src/sim/reference.ts)
 * and, where the rule has one, an independent plain loop written here from the peer's own code:
 *  - row order: MemTorch tiles torch's (cin, kh, kw) unrolling of a conv kernel (memtorch/mn/Conv2d.py);
 *  - per-kernel-position sub-arrays and dropped channels: NeuroSim QConv2d/QLinear masks
 *    (quantization_cpu_np_infer.py);
 *  - NeuroSim's first-layer branch (Cin = 3: unquantised inputs, no ADC, additive variation);
 *  - device variation redrawn per input bit, reference column never varied (NeuroSim `torch.normal`
 *    inside the bit loop, dummyP constant);
 *  - aihwkit bound management tests the rounded output (finalizeOutputImplStage5: `value > bound` after
 *    discretising).
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { programAnalogLayer, type AnalogLayer } from './layer';
import {
  defaultExperimentConfig,
  drawMomentOf,
  withOverrides,
  type DeepPartial,
  type ExperimentConfig,
} from './config';
import { decodeWeights } from './mapping';
import { applyPreset } from './presets';
import {
  referenceCalibrate,
  referenceForward,
  referenceForwardDetailed,
  referenceOutputVariance,
  type RefInput,
} from './reference';
import { createRng } from './rng';
import {
  convLayer,
  denseLayer,
  kernelShape,
  maxRelDiffExcept,
  randomArray,
  useCpuBackend,
} from './testUtils';
import { planLayer, type AnalogLayerSpec } from './tiling';

beforeAll(useCpuBackend);

const preset = (id: string, ...patches: DeepPartial<ExperimentConfig>[]) =>
  withOverrides(applyPreset(defaultExperimentConfig(), id), ...patches);

/** Inputs in float32: standard normal, or uniform in [0, 1) (post-ReLU-like) for non-negative layers. */
function inputOf(spec: AnalogLayerSpec, batch: number, seed: number, nonNegative: boolean): RefInput {
  const shape =
    spec.kind === 'conv'
      ? [batch, spec.inputHeight!, spec.inputWidth!, spec.inChannels]
      : [batch, spec.inChannels];
  const rng = createRng(seed).fork('input');
  const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () =>
    nonNegative ? rng.uniform() : rng.normal(),
  );
  return { data, shape };
}

function program(
  spec: AnalogLayerSpec,
  config: ExperimentConfig,
  seed = 3,
): { layer: AnalogLayer; kernel: Float32Array } {
  const kernel = randomArray(
    kernelShape(spec).reduce((a, b) => a * b, 1),
    seed,
    0.3,
  );
  return {
    layer: programAnalogLayer(spec, kernel, null, config, createRng(seed).fork('programming')),
    kernel,
  };
}

function forward(layer: AnalogLayer, input: RefInput, readSeed = 9): Float32Array {
  const x = tf.tensor(input.data, input.shape);
  const y = layer.forward(x, createRng(readSeed).fork('read'));
  const out = y.dataSync() as Float32Array;
  tf.dispose([x, y]);
  return Float32Array.from(out);
}

const maxAbs = (v: ArrayLike<number>) => Array.from(v).reduce((s, x) => Math.max(s, Math.abs(x)), 0);

describe('row order: MemTorch cuts torch’s (cin, kh, kw) unrolling into row tiles', () => {
  it('lays rows out in channel-major order (hand-computed)', () => {
    // Cin = 2, 3 × 3 kernel, tiles of 4: torch row r = (c·3 + i)·3 + j holds HWIO row (i·3 + j)·2 + c.
    const cb = preset('memtorch', { crossbar: { tileRows: 4 } }).crossbar;
    const plan = planLayer(convLayer(2, 3), cb);
    expect(plan.tileRowIndex.map((t) => Array.from(t))).toEqual([
      [0, 2, 4, 6],
      [8, 10, 12, 14],
      [16, 1, 3, 5],
      [7, 9, 11, 13],
      [15, 17],
    ]);
    const km = planLayer(convLayer(2, 3), { ...cb, rowOrder: 'kernelMajor' });
    expect(Array.from(km.tileRowIndex[0]!)).toEqual([0, 1, 2, 3]);
  });

  it('equals a plain loop over torch’s unfold with MemTorch’s per-tile, per-patch ADC', () => {
    // Continuous conductances and no device spread: the closed form of peer-conventions.md.
    const config = preset('memtorchAsShipped', { device: { d2dVariation: { enabled: false } } });
    const spec = convLayer(3, 5);
    const { layer, kernel } = program(spec, config);
    const input = inputOf(spec, 2, 4, false);
    const got = forward(layer, input);
    const [B, H, W, C] = input.shape as [number, number, number, number];
    const N = spec.outChannels;
    const wMax = maxAbs(kernel);
    const s = (1e-4 - 1e-5) / wMax; // siemens per weight unit (G_max − G_min)/max|W|
    const want = new Float64Array(B * H * W * N);
    for (let b = 0; b < B; b++)
      for (let oy = 0; oy < H; oy++)
        for (let ox = 0; ox < W; ox++) {
          // torch's unfold: patch entry r = (c·3 + i)·3 + j.
          const patch: number[] = [];
          const rows: number[] = [];
          for (let c = 0; c < C; c++)
            for (let i = 0; i < 3; i++)
              for (let j = 0; j < 3; j++) {
                const y = oy + i - 1;
                const x = ox + j - 1;
                patch.push(
                  y >= 0 && y < H && x >= 0 && x < W ? input.data[((b * H + y) * W + x) * C + c]! : 0,
                );
                rows.push((i * 3 + j) * C + c);
              }
          for (let t0 = 0; t0 < patch.length; t0 += 16) {
            const I = Array.from({ length: N }, (_, n) => {
              let sum = 0;
              for (let r = t0; r < Math.min(patch.length, t0 + 16); r++)
                sum += patch[r]! * s * kernel[rows[r]! * N + n]!;
              return sum; // amperes at 1 V per input unit
            });
            const delta = 2 ** (Math.ceil(Math.log2(maxAbs(I) + 1e-12)) - 6 + 1);
            I.forEach((i, n) => {
              const q = delta * Math.min(31, Math.max(-32, Math.floor(i / delta + 0.5)));
              want[((b * H + oy) * W + ox) * N + n]! += q / s;
            });
          }
        }
    const scale = maxAbs(want);
    let err = 0;
    for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs(got[i]! - want[i]!));
    expect(err / scale).toBeLessThan(1e-5);
    // The order matters: the kernel-major cut gives other partial sums, so other ADC codes.
    const km = program(spec, withOverrides(config, { crossbar: { rowOrder: 'kernelMajor' } }));
    const other = forward(km.layer, input);
    let diff = 0;
    for (let i = 0; i < want.length; i++) diff = Math.max(diff, Math.abs(other[i]! - want[i]!));
    expect(diff / scale).toBeGreaterThan(1e-3);
    layer.dispose();
    km.layer.dispose();
  });

  for (const [name, patch] of Object.entries({
    'calibrated ADC, 8-bit multilevel DAC': {
      periphery: { inputScaling: 'calibrated', dacBits: 8, adcRange: 'calibrated', adcLevels: 'symmetric' },
    },
    'bit-serial DAC, dynamic row-tile ADC': {
      periphery: { inputScaling: 'calibrated', dacBits: 5, dacMode: 'bitSerial', adcDynamicScope: 'rowTile' },
    },
  } as Record<string, DeepPartial<ExperimentConfig>>))
    it(`tfjs equals the float64 reference with channel-major tiles (${name})`, () => {
      const config = preset('memtorch', { device: { d2dVariation: { enabled: false } } }, patch, {
        crossbar: { tileRows: 7, tileCols: 4 },
      });
      const spec = convLayer(3, 6);
      const { layer } = program(spec, config);
      const input = inputOf(spec, 2, 5, false);
      const x = tf.tensor(input.data, input.shape);
      layer.calibrate(x);
      x.dispose();
      const got = forward(layer, input);
      const calib = referenceCalibrate(layer.chip, config, input);
      const { y, ambiguous } = referenceForwardDetailed(layer.chip, config, input, calib);
      expect(ambiguous.reduce((s, v) => s + v, 0) / ambiguous.length).toBeLessThan(0.1);
      expect(maxRelDiffExcept(got, y, ambiguous)).toBeLessThan(1e-5);
      layer.dispose();
    });
});

/**
 * NeuroSim QConv2d's loops written out (quantization_cpu_np_infer.py, vari = 0): for each kernel
 * position (i, j), input bit z and sub-array s, the data and dummy partial sums over the whole batch
 * go through LinearQuantizeOut (min … max, 2^B levels, floor) separately; with Cin < subArray a kernel
 * position is one sub-array of Cin rows, else int(Cin/subArray) sub-arrays (the rest dropped).
 */
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

describe('aihwkit bound management: re-read only when a rounded output lies beyond ±out_bound', () => {
  // 3-bit ADC over ±12 (steps of 4, out_res 1/6), weights ≤ w_max = 1, one input vector of ones (ν = 1).
  const config = preset('aihwkit', { device: { outputNoise: { enabled: false } } });
  const read = (weights: number[]) => {
    const spec = denseLayer(weights.length, 1);
    const layer = programAnalogLayer(spec, weights, null, config, createRng(1));
    const input = { data: weights.map(() => 1), shape: [1, weights.length] };
    const got = forward(layer, input)[0]!;
    const want = referenceForward(layer.chip, config, input)[0]!;
    layer.dispose();
    return { got, want };
  };

  it('y = 13 rounds to the top code 12: kept, no re-read (hand-computed)', () => {
    // Thirteen weights of 1: y = 13, u = 13/4 = 3.25 → code 3 → 12, not beyond ±12. A test on the value
    // before rounding (13 > 12) would re-read at r = 2: 13·31/63 = 6.40 → code 2 → 8, × 2 = 16.
    const { got, want } = read(Array.from({ length: 13 }, () => 1));
    expect(got).toBeCloseTo(12, 4);
    expect(want).toBeCloseTo(12, 6);
  });

  it('y = 14.5 rounds to 16, beyond the grid: re-read at half the input (hand-computed)', () => {
    // r = 2: x̃ = ½ → code 31 (aihwkit's float32 DAC puts the 31.5 tie below) → y = 14.5·31/63 = 7.13
    // → code 2 → 8, × r = 16.
    const { got, want } = read([...Array.from({ length: 14 }, () => 1), 0.5]);
    expect(got).toBeCloseTo(16, 4);
    expect(want).toBeCloseTo(16, 6);
  });

  it('tfjs equals the reference on a random layer, vectors re-read at several reductions', () => {
    const cfg = withOverrides(config, { periphery: { adcBits: 5 } });
    const K = 40;
    const layer = programAnalogLayer(denseLayer(K, 6), randomArray(K * 6, 21, 0.6), null, cfg, createRng(2));
    const input = { data: randomArray(16 * K, 22), shape: [16, K] };
    const got = forward(layer, input);
    const { y, ambiguous } = referenceForwardDetailed(layer.chip, cfg, input);
    expect(ambiguous.reduce((a, v) => a + v, 0)).toBeLessThan(ambiguous.length / 4);
    expect(maxRelDiffExcept(got, y, ambiguous)).toBeLessThan(1e-5);
    layer.dispose();
  });
});

describe('the new layouts and draws leak no tensor', () => {
  it('per-bit draws with read noise and IR drop, gathered row tiles, channel-major tiles, the first layer', () => {
    const cases: [AnalogLayerSpec, ExperimentConfig][] = [
      [
        { ...convLayer(20, 5, 5), inputNonNegative: true },
        preset('neurosim', {
          device: { readNoise: { enabled: true }, irDrop: { enabled: true } },
          periphery: { maxChunkElements: 1 << 16 },
        }),
      ],
      [convLayer(3, 4, 5), preset('neurosim')],
      [convLayer(3, 4, 5), preset('memtorch')],
      [{ ...denseLayer(20, 3), inputNonNegative: true }, preset('neurosimAsShipped')],
    ];
    for (const [spec, config] of cases) {
      const before = tf.memory().numTensors;
      const { layer } = program(spec, config);
      const input = inputOf(spec, 3, 15, spec.inputNonNegative ?? false);
      const x = tf.tensor(input.data, input.shape);
      layer.calibrate(x);
      layer.forward(x, createRng(1)).dispose();
      const held = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) {
        layer.calibrate(x);
        layer.forward(x, createRng(2 + i)).dispose();
      }
      expect(tf.memory().numTensors).toBe(held);
      layer.dispose();
      x.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
  });
});
