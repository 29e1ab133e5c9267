import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createRng } from '../sim/rng';
import { HALF_MAX, decodeFloat16, encodeFloat16, floatToHalfBits, halfBitsToFloat } from './float16';

const ALL_CODES = Uint16Array.from({ length: 0x10000 }, (_, i) => i);
const isNaNCode = (bits: number) => (bits & 0x7c00) === 0x7c00 && (bits & 0x3ff) !== 0;

/** Every finite non-negative half value, ascending (codes 0x0000 … 0x7bff are monotone). */
const POSITIVE_HALVES = Array.from({ length: 0x7c00 }, (_, bits) => halfBitsToFloat(bits));

/** Nearest half by brute force (binary search + compare in float64), ties to the even code. */
function nearestHalfBits(value: number): number {
  const magnitude = Math.abs(value);
  let lo = 0;
  let hi = POSITIVE_HALVES.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (POSITIVE_HALVES[mid]! <= magnitude) lo = mid;
    else hi = mid;
  }
  const dLo = magnitude - POSITIVE_HALVES[lo]!;
  const dHi = POSITIVE_HALVES[hi]! - magnitude;
  const code = dLo < dHi ? lo : dHi < dLo ? hi : lo % 2 === 0 ? lo : hi;
  return (value < 0 || Object.is(value, -0) ? 0x8000 : 0) | code;
}

describe('float16 decode', () => {
  it('matches the IEEE definition and tfjs’s own float16 dequantisation on all 65,536 codes', () => {
    const ours = decodeFloat16(ALL_CODES);
    const viaTfjs = tf.io.decodeWeights(ALL_CODES.buffer, [
      { name: 'all', shape: [0x10000], dtype: 'float32', quantization: { dtype: 'float16' } },
    ]);
    const tfjsValues = viaTfjs['all']!.dataSync();
    const mismatches: number[] = [];
    for (let bits = 0; bits < 0x10000; bits++) {
      const ok = isNaNCode(bits)
        ? Number.isNaN(ours[bits]) && Number.isNaN(tfjsValues[bits])
        : ours[bits] === halfBitsToFloat(bits) && tfjsValues[bits] === ours[bits];
      if (!ok) mismatches.push(bits);
    }
    expect(mismatches).toEqual([]);
    tf.dispose(Object.values(viaTfjs));
    expect(halfBitsToFloat(0x3c00)).toBe(1);
    expect(halfBitsToFloat(0x7bff)).toBe(HALF_MAX);
    expect(halfBitsToFloat(0x0001)).toBe(2 ** -24);
    expect(halfBitsToFloat(0xc000)).toBe(-2);
  });
});

describe('float16 encode', () => {
  it('round-trips every non-NaN code exactly', () => {
    const mismatches: number[] = [];
    for (let bits = 0; bits < 0x10000; bits++) {
      if (!isNaNCode(bits) && floatToHalfBits(halfBitsToFloat(bits)) !== bits) mismatches.push(bits);
    }
    expect(mismatches).toEqual([]);
  });

  it('rounds to nearest with ties to even, incl. subnormals and the overflow edge', () => {
    expect(floatToHalfBits(1 + 2 ** -11)).toBe(0x3c00); // tie → even mantissa 0
    expect(floatToHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even mantissa 2
    expect(floatToHalfBits(2 ** -25)).toBe(0x0000); // tie between 0 and the smallest subnormal
    expect(floatToHalfBits(3 * 2 ** -25)).toBe(0x0002);
    expect(floatToHalfBits(65519)).toBe(0x7bff);
    expect(floatToHalfBits(65520)).toBe(0x7c00); // rounds past HALF_MAX → +∞
    expect(floatToHalfBits(-1e-9)).toBe(0x8000);
  });

  it('equals the brute-force nearest half on 200,000 seeded values across the whole range', () => {
    const rng = createRng(5);
    for (let i = 0; i < 200_000; i++) {
      // log-uniform magnitudes from 2^-30 (below the subnormals) to 2^16 (just past HALF_MAX's binade)
      const magnitude = Math.fround(2 ** (-30 + 45.9 * rng.uniform()));
      if (magnitude > HALF_MAX) continue;
      const value = rng.uniform() < 0.5 ? -magnitude : magnitude;
      const got = floatToHalfBits(value);
      const want = nearestHalfBits(value);
      if (got !== want) expect({ value, got, want }).toEqual({ value, got: want, want });
    }
  });

  it('refuses values that would become infinite', () => {
    expect(() => encodeFloat16([1, 70000], 'w')).toThrow(
      'w[1] = 70000 cannot be stored as float16 (finite range ±65504)',
    );
    expect(() => encodeFloat16([Number.NaN])).toThrow(RangeError);
  });
});
