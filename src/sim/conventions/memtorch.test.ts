/**
 * MemTorch's row order (issue 13), against the float64 reference (src/sim/reference.ts) and a plain loop
 * written here from MemTorch's own code: MemTorch tiles torch's (cin, kh, kw) unrolling of a conv kernel
 * (memtorch/mn/Conv2d.py).
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { withOverrides, type DeepPartial, type ExperimentConfig } from '../config';
import { referenceCalibrate, referenceForwardDetailed } from '../reference';
import { convLayer, maxRelDiffExcept, useCpuBackend } from '../testUtils';
import { planLayer } from '../tiling';
import { forward, inputOf, maxAbs, preset, program } from './fixture';

beforeAll(useCpuBackend);

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
