/**
 * Per-read Gaussian noise without drawing normals per read. tf.randomNormal draws every value in a JS
 * loop (~35–55 ns a normal on the bench machine; tfjs-core ops/random_normal.ts, MPRandGauss), and a
 * read's noise has Z·M·cols values per row tile: on wasm that loop cost more than the read itself.
 *
 * Instead a chip holds a bank of S standard normals, N(0, 1) from its own seeded stream (moment
 * 'programming': drawn once per chip, block by block as reads first reach them, each block from its own
 * fork so the values do not depend on the order reads reach them), and each draw of a read takes a window
 * of L consecutive bank values at an offset drawn from the read's seed (moment 'read'). Within a window
 * the values are distinct draws (iid N(0, 1), for L ≤ S); windows of different draws start at independent
 * uniform offsets, so a value recurs across draws only at another position. Copying a window is a
 * memcpy, not a draw. A window longer than the bank (only past the default chunk size) wraps around.
 */
import * as tf from '@tensorflow/tfjs-core';
import { mix32, type Rng } from '../rng';

/** Bank size S: every window of a read at the default chunk size (2^24 elements, ≤ 2^23 per row tile). */
export const NOISE_BANK_NORMALS = 1 << 23;
/** Values drawn at a time, each block from its own fork of the bank's stream. */
const BLOCK = 1 << 16;

export class NoiseBank {
  private readonly values: Float32Array;
  private readonly drawn: Uint8Array;

  /** `rng`: the chip's stream for the bank (e.g. `chipRng.fork('noise bank')`). */
  constructor(
    private readonly rng: Rng,
    readonly size = NOISE_BANK_NORMALS,
  ) {
    if (size % BLOCK !== 0) throw new RangeError(`a noise bank holds a multiple of ${BLOCK} values`);
    this.values = new Float32Array(size);
    this.drawn = new Uint8Array(size / BLOCK);
  }

  /**
   * A tensor of standard normals shaped `shape`: the bank window chosen by `seed` (a 31-bit integer drawn
   * from the read's stream, e.g. `readRng.seed31()`).
   */
  normals(shape: number[], seed: number): tf.Tensor {
    const length = shape.reduce((a, b) => a * b, 1);
    const S = this.size;
    if (length > S) {
      const out = new Float32Array(length);
      const offset = this.offset(seed, S);
      this.fill(0, S);
      for (let i = 0; i < length; i++) out[i] = this.values[(offset + i) % S]!;
      return tf.tensor(out, shape, 'float32');
    }
    const offset = this.offset(seed, S - length + 1);
    this.fill(offset, offset + length);
    return tf.tensor(this.values.subarray(offset, offset + length), shape, 'float32');
  }

  /**
   * An offset uniform in [0, count) from a seed, mixed first: streams seeded with nearby integers give
   * nearby first draws (xoroshiro128+), and nearby offsets would make their windows overlap.
   */
  private offset(seed: number, count: number): number {
    return Math.floor(((mix32(seed) >>> 0) / 2 ** 32) * count);
  }

  /** Draws the blocks covering values [from, to) that no read has reached yet. */
  private fill(from: number, to: number): void {
    for (let b = Math.floor(from / BLOCK); b * BLOCK < to; b++) {
      if (this.drawn[b]) continue;
      this.rng.fork(b).fillNormal(this.values.subarray(b * BLOCK, (b + 1) * BLOCK));
      this.drawn[b] = 1;
    }
  }
}
