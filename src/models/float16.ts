/**
 * IEEE 754 binary16 ("half") <-> binary32 conversion for the weight shards (weights contract:
 * float16 = IEEE half, little-endian). Decoding is exact (every half is a float32); encoding rounds to
 * nearest, ties to even, like PyTorch's `tensor.half()` and numpy's `astype(float16)`.
 */

/** Largest finite half: (2 − 2⁻¹⁰)·2¹⁵. */
export const HALF_MAX = 65504;

let decodeTable: Float32Array | null = null;

/** Value of one half bit pattern, from the definition: (−1)^s · 2^(e−15) · (1 + m/1024), subnormal 2⁻¹⁴ · m/1024. */
export function halfBitsToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * 2 ** (exponent - 15) * (1 + mantissa / 1024);
}

/** Decodes half bit patterns to float32 through a 65,536-entry table (built once, 256 KiB). */
export function decodeFloat16(halves: Uint16Array): Float32Array {
  if (decodeTable === null) {
    decodeTable = new Float32Array(0x10000);
    for (let bits = 0; bits < 0x10000; bits++) decodeTable[bits] = halfBitsToFloat(bits);
  }
  const table = decodeTable;
  const out = new Float32Array(halves.length);
  for (let i = 0; i < halves.length; i++) out[i] = table[halves[i]!]!;
  return out;
}

const scratchFloat = new Float32Array(1);
const scratchBits = new Uint32Array(scratchFloat.buffer);

/** Nearest half (ties to even) of `value` after rounding it to float32; overflow gives ±Infinity. */
export function floatToHalfBits(value: number): number {
  scratchFloat[0] = value;
  const x = scratchBits[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exponent32 = (x >>> 23) & 0xff;
  const mantissa32 = x & 0x7fffff;
  if (exponent32 === 0xff) return sign | 0x7c00 | (mantissa32 !== 0 ? 0x200 : 0);
  const exponent = exponent32 - 127 + 15;
  if (exponent >= 0x1f) return sign | 0x7c00;
  if (exponent <= 0) {
    // Subnormal half: units of 2⁻²⁴. With the implicit bit, value = m · 2^(exponent32 − 150), so the
    // half mantissa is m · 2^(exponent − 14) = m >> (14 − exponent), rounded.
    const shift = 14 - exponent;
    if (shift > 24) return sign;
    const m = mantissa32 | 0x800000;
    let q = m >>> shift;
    const remainder = m & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (remainder > halfway || (remainder === halfway && (q & 1) === 1)) q++;
    return sign | q;
  }
  // Normal half: drop 13 mantissa bits with round-half-to-even; a carry correctly bumps the exponent.
  let bits = (exponent << 10) | (mantissa32 >>> 13);
  const remainder = mantissa32 & 0x1fff;
  if (remainder > 0x1000 || (remainder === 0x1000 && (bits & 1) === 1)) bits++;
  return sign | bits;
}

/** Encodes values as half bit patterns. Throws on non-finite values or values beyond ±HALF_MAX. */
export function encodeFloat16(values: ArrayLike<number>, what = 'value'): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const bits = floatToHalfBits(values[i]!);
    if ((bits & 0x7c00) === 0x7c00) {
      throw new RangeError(
        `${what}[${i}] = ${values[i]} cannot be stored as float16 (finite range ±${HALF_MAX})`,
      );
    }
    out[i] = bits;
  }
  return out;
}
