/**
 * im2col straight into row tiles: the patch columns each row tile holds (`plan.tileRowIndex`, unrolled
 * rows j in (kh, kw, cin) order: channel j mod cin at kernel position ⌊j/cin⌋ = (i, jj)), gathered from
 * NHWC inputs (a dense input [B, K] is the 1×1 image case), one part of the tile's used rows each.
 * Rows of a part are (plane, b, oy, ox): bit planes (input cycles) outermost, as the read stacks them.
 *
 * On CPU-resident backends (wasm, cpu) this is one pass in JS, in place in the wasm heap: tfjs-wasm's Slice
 * reads its whole input back for every slice (`readSync`) and its Gather indexes element by element, so
 * im2col by slices and a split by transpose cost several copies of the patches. Other backends keep the
 * tfjs-op im2col (`im2col.ts`) and split on the device (`splitRowTiles` below).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { ProgrammedChip } from '../chip';
import type { LayerState } from './state';
import { convPadding } from '../im2col';

/**
 * A run of consecutive columns of a part that are consecutive in the NHWC input: `length` values from
 * channel c0 at kernel position (i, jj), continuing into positions (i, jj + 1), … of the same kernel row
 * when the run passes the last channel (those pixels are neighbours in memory, so a run inside the image
 * is one contiguous copy).
 */
export interface PatchRun {
  column: number;
  i: number;
  jj: number;
  c0: number;
  length: number;
}

/** Per row tile, the runs of its columns (`PatchRun`). */
export function patchRuns(chip: Pick<ProgrammedChip, 'spec' | 'plan'>): PatchRun[][] {
  const { kernelSize: k, inChannels, kind } = chip.spec;
  const C = kind === 'conv' ? inChannels : chip.plan.rows;
  return chip.plan.tileRowIndex.map((rows) => {
    const runs: PatchRun[] = [];
    rows.forEach((j, column) => {
      const p = Math.floor(j / C);
      const c = j % C;
      const last = runs.at(-1);
      // The input value right after the last run's end: next channel, or channel 0 of the next kernel
      // column (same kernel row).
      const end = last ? last.i * k * C + last.jj * C + last.c0 + last.length : -1;
      const endPosition = Math.floor(end / C);
      if (
        last &&
        last.column + last.length === column &&
        end === p * C + c &&
        Math.floor(endPosition / k) === last.i
      )
        last.length++;
      else runs.push({ column, i: Math.floor(p / k), jj: p % k, c0: c, length: 1 });
    });
    return runs;
  });
}

/** Where the images of a read come from and what their patches look like. */
export interface PatchGeometry {
  /** Input [B, H, W, C] (dense: H = W = 1, C = K). */
  height: number;
  width: number;
  channels: number;
  stride: number;
  padTop: number;
  padLeft: number;
  outHeight: number;
  outWidth: number;
}

export function patchGeometry(
  chip: Pick<ProgrammedChip, 'spec' | 'K'>,
  inputShape: readonly number[],
): PatchGeometry {
  const spec = chip.spec;
  if (spec.kind === 'dense')
    return {
      height: 1,
      width: 1,
      channels: chip.K,
      stride: 1,
      padTop: 0,
      padLeft: 0,
      outHeight: 1,
      outWidth: 1,
    };
  const [, H, W, C] = inputShape as [number, number, number, number];
  const { outH, outW, top, left } = convPadding(spec, H, W);
  return {
    height: H,
    width: W,
    channels: C,
    stride: spec.stride,
    padTop: top,
    padLeft: left,
    outHeight: outH,
    outWidth: outW,
  };
}

/**
 * Row-tile parts [planes·(b1 − b0)·outH·outW, widths[t]] of images b0 … b1 − 1 of `planes` (tensors shaped
 * like the layer input, on a CPU-resident backend). On wasm the planes are read and the parts written in
 * place in the module's heap (no read-back copy, no upload copy); on cpu through plain arrays.
 */
export function tilePatchTensors(
  planes: readonly tf.Tensor[],
  b0: number,
  b1: number,
  g: PatchGeometry,
  runs: readonly PatchRun[][],
  widths: readonly number[],
): tf.Tensor2D[] {
  const rows = planes.length * (b1 - b0) * g.outHeight * g.outWidth;
  if (tf.getBackend() !== 'wasm') {
    const values = planes.map((p) => p.dataSync() as Float32Array);
    return runs.map((tileRuns, t) => {
      const part = new Float32Array(rows * widths[t]!);
      fillTilePatches(values, b0, b1, g, tileRuns, widths[t]!, part);
      return tf.tensor2d(part, [rows, widths[t]!]);
    });
  }
  const backend = tf.backend() as BackendWasm;
  // Allocate every output first: a later allocation may grow the heap and detach earlier views.
  const outputs = widths.map((w) => backend.makeOutput([rows, w], 'float32'));
  const values = planes.map((p) => backend.typedArrayFromHeap(p) as Float32Array);
  return outputs.map((info, t) => {
    fillTilePatches(
      values,
      b0,
      b1,
      g,
      runs[t]!,
      widths[t]!,
      backend.typedArrayFromHeap(info) as Float32Array,
    );
    return tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor2D;
  });
}

/**
 * Runs at least this long are copied with `copyWithin` (a memmove) when source and part share a buffer
 * (the wasm heap); shorter ones by a loop, which costs less than the call.
 */
const MEMMOVE_MIN_VALUES = 16;

/**
 * Writes one row tile's patch columns (`runs`) into `part`, every value of it: zeros at padding pixels
 * and in the columns past the tile's rows (the part may be uninitialised heap memory).
 */
function fillTilePatches(
  planes: readonly Float32Array[],
  b0: number,
  b1: number,
  g: PatchGeometry,
  runs: readonly PatchRun[],
  partRows: number,
  part: Float32Array,
): void {
  const { height: H, width: W, channels: C, stride: s, padTop, padLeft, outHeight, outWidth } = g;
  const used = runs.reduce((n, r) => Math.max(n, r.column + r.length), 0);
  // Kernel positions a run spans (it continues into the next kernel column past the last channel).
  const spans = runs.map((r) => Math.floor((r.c0 + r.length - 1) / C) + 1);
  const partBase = part.byteOffset / 4;
  let row = 0;
  for (const plane of planes) {
    // One view of the shared buffer, for memmoves from the plane into the part (wasm heap).
    const heap = plane.buffer === part.buffer ? new Float32Array(part.buffer) : null;
    const planeBase = plane.byteOffset / 4;
    for (let b = b0; b < b1; b++)
      for (let oy = 0; oy < outHeight; oy++)
        for (let ox = 0; ox < outWidth; ox++, row++) {
          const dst = row * partRows;
          for (let r = 0; r < runs.length; r++) {
            const run = runs[r]!;
            const to = dst + run.column;
            const y = oy * s + run.i - padTop;
            if (y < 0 || y >= H) {
              part.fill(0, to, to + run.length);
              continue;
            }
            const x = ox * s + run.jj - padLeft;
            const rowStart = (b * H + y) * W;
            if (x >= 0 && x + spans[r]! <= W) {
              // Inside the image: one contiguous copy.
              const src = (rowStart + x) * C + run.c0;
              if (heap && run.length >= MEMMOVE_MIN_VALUES)
                heap.copyWithin(partBase + to, planeBase + src, planeBase + src + run.length);
              else for (let n = 0; n < run.length; n++) part[to + n] = plane[src + n]!;
              continue;
            }
            // Crosses the image's left or right edge: kernel position by kernel position, zeros outside.
            let done = 0;
            let c = run.c0;
            for (let q = 0; done < run.length; q++) {
              const n = Math.min(C - c, run.length - done);
              const xq = x + q;
              if (xq < 0 || xq >= W) part.fill(0, to + done, to + done + n);
              else {
                const src = (rowStart + xq) * C + c;
                for (let m = 0; m < n; m++) part[to + done + m] = plane[src + m]!;
              }
              done += n;
              c = 0;
            }
          }
          if (used < partRows) part.fill(0, dst + used, dst + partRows);
        }
  }
}

/** [V, K] (patch columns) → one [V, widths[t]] part per row tile (`plan.tileRowIndex`). */
export function splitRowTiles(state: LayerState, v: tf.Tensor2D): tf.Tensor2D[] {
  const T = state.chip.plan.rowTiles;
  const { partRows: P, widths, split } = state.layout;
  const [rows, K] = v.shape;
  let cut: tf.Tensor2D;
  if (split.kind === 'run') {
    const used = split.used;
    if (T === 1 && used === K) return [v];
    // Columns past `used` belong to dropped rows (partialRowTiles = drop).
    cut = used < K ? tf.slice(v, [0, 0], [rows, used]) : v;
    if (T * P > used)
      cut = tf.pad(cut, [
        [0, 0],
        [0, T * P - used],
      ]);
  } else {
    const withZero = tf.concat([v, tf.zeros([rows, 1])], 1);
    cut = tf.gather(withZero, split.index, 1) as tf.Tensor2D;
  }
  if (T === 1) return [cut];
  return tileParts(tf.transpose(tf.reshape(cut, [rows, T, P]), [1, 0, 2]) as tf.Tensor3D, widths);
}

/**
 * The parts x[t, :, :widths[t]] of x [T, V, P]. On wasm, Slice (and so tf.unstack, tf.split) copies its
 * whole input for every slice, O(n²) in all, and Gather / StridedSlice index each element: one read-back
 * and a cut in JS is several times faster. Other backends slice on the device.
 */
function tileParts(x: tf.Tensor3D, widths: readonly number[]): tf.Tensor2D[] {
  const [, V, P] = x.shape;
  if (tf.getBackend() !== 'wasm')
    return tf
      .unstack(x)
      .map((part, t) => (widths[t] === P ? part : tf.slice(part, [0, 0], [V, widths[t]!])) as tf.Tensor2D);
  const values = x.dataSync() as Float32Array;
  return widths.map((w, t) => {
    const whole = values.subarray(t * V * P, (t + 1) * V * P);
    if (w === P) return tf.tensor2d(whole, [V, P]);
    const part = new Float32Array(V * w);
    for (let r = 0; r < V; r++) part.set(whole.subarray(r * P, r * P + w), r * w);
    return tf.tensor2d(part, [V, w]);
  });
}
