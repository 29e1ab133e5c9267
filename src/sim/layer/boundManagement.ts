/**
 * Bound management (aihwkit ITERATIVE, chip.ts header): read again with x̃/r, r = 2, 4, …, for every
 * vector whose reads clipped, and keep per vector the first reduction whose reads did not clip (the last
 * one regardless). Choosing the vectors needs the clip flags on the CPU; without synchronous read-back
 * (WebGPU) every reduction reads every vector and masks pick each vector's result on the device.
 */
import * as tf from '@tensorflow/tfjs-core';

/** One read of vectors P at bound-management reduction ri: y [M, N] and, when asked, per-vector clip flags. */
export type ReadLevel = (
  ri: number,
  P: tf.Tensor2D,
  nu: tf.Tensor,
  wantClip: boolean,
) => { y: tf.Tensor; clipped: tf.Tensor1D | null };

export interface BoundedRead {
  /** Vectors [M, K]. */
  P: tf.Tensor2D;
  /** Input scales: one scalar (`nuIsGlobal`) or [M, 1]. */
  nu: tf.Tensor;
  nuIsGlobal: boolean;
  numReductions: number;
  /** Re-read only the clipped vectors (false when a read's ADC range depends on the vectors read with it). */
  subsetReads: boolean;
  /** May read the clip flags back synchronously. */
  syncReadBack: boolean;
}

/** y [M, N] of the vectors P with bound management over `numReductions` reductions. */
export function readWithBoundManagement(read: BoundedRead, readLevel: ReadLevel): tf.Tensor {
  const { P, nu, nuIsGlobal, numReductions, subsetReads } = read;
  const M = P.shape[0];
  if (numReductions === 1) return readLevel(0, P, nu, false).y;
  if (!read.syncReadBack) {
    // From the last reduction back: a vector keeps reduction ri's result unless ri's reads clipped.
    const last = numReductions - 1;
    let y = readLevel(last, P, nu, false).y;
    for (let ri = last - 1; ri >= 0; ri--) {
      const read = readLevel(ri, P, nu, true);
      // No ADC, no clipping: the first reduction stands (as on the read-back path).
      y = read.clipped ? tf.where(tf.greater(tf.reshape(read.clipped, [M, 1]), 0), y, read.y) : read.y;
    }
    return y;
  }
  // Keep, per vector, the first reduction whose reads did not clip (the last one regardless).
  const pieces: tf.Tensor[] = [];
  const pick = new Int32Array(M);
  const done = new Uint8Array(M);
  let rows: Int32Array | null = null;
  let offset = 0;
  for (let ri = 0; ri < numReductions; ri++) {
    const last = ri === numReductions - 1;
    const index = rows ? tf.tensor1d(rows, 'int32') : null;
    const Ps = index ? (tf.gather(P, index) as tf.Tensor2D) : P;
    const nus = index && !nuIsGlobal ? tf.gather(nu, index) : nu;
    const { y, clipped } = readLevel(ri, Ps, nus, !last);
    const flags = clipped ? clipped.dataSync() : null;
    pieces.push(y);
    const n = Ps.shape[0];
    const next: number[] = [];
    for (let j = 0; j < n; j++) {
      const m = rows ? rows[j]! : j;
      if (done[m]) continue;
      if (last || !flags || !flags[j]) {
        done[m] = 1;
        pick[m] = offset + j;
      } else next.push(m);
    }
    offset += n;
    if (next.length === 0) break;
    if (subsetReads) rows = Int32Array.from(next);
  }
  const all = pieces.length === 1 ? pieces[0]! : tf.concat(pieces, 0);
  return tf.gather(all, tf.tensor1d(pick, 'int32'));
}
