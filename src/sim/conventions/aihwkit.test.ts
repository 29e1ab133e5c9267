/**
 * aihwkit's bound management (issue 13): it tests the rounded output (finalizeOutputImplStage5:
 * `value > bound` after discretising), against hand-computed cases and the float64 reference.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { programAnalogLayer } from '../layer';
import { withOverrides } from '../config';
import { referenceForward, referenceForwardDetailed } from '../reference';
import { createRng } from '../rng';
import { denseLayer, maxRelDiffExcept, randomArray, useCpuBackend } from '../testUtils';
import { forward, preset } from './fixture';

beforeAll(useCpuBackend);

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
