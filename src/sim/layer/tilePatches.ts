/**
 * im2col straight into row tiles: the patch columns each row tile holds (`plan.tileRowIndex`, unrolled
 * rows j in (kh, kw, cin) order: channel j mod cin at kernel position ⌊j/cin⌋ = (i, jj)), gathered from
 * NHWC inputs (a dense input [B, K] is the 1×1 image case), zero-padded to `partRows` columns per part.
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

/** A run of consecutive columns of a part: `length` channels from c0 at kernel position (i, jj). */
export interface PatchRun {
  column: number;
  i: number;
  jj: number;
  c0: number;
  length: number;
}

/** Per row tile, the runs of its columns (consecutive channels at one kernel position). */
export function patchRuns(chip: Pick<ProgrammedChip, 'spec' | 'plan'>): PatchRun[][] {
  const { kernelSize: k, inChannels, kind } = chip.spec;
  const C = kind === 'conv' ? inChannels : chip.plan.rows;
  return chip.plan.tileRowIndex.map((rows) => {
    const runs: PatchRun[] = [];
    rows.forEach((j, column) => {
      const p = Math.floor(j / C);
      const c = j % C;
      const last = runs.at(-1);
      if (
        last &&
        last.i * k + last.jj === p &&
        last.c0 + last.length === c &&
        last.column + last.length === column
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
 * Row-tile parts [planes·(b1 − b0)·outH·outW, partRows] of images b0 … b1 − 1 of `planes` (tensors shaped
 * like the layer input, on a CPU-resident backend). On wasm the planes are read and the parts written in
 * place in the module's heap (no read-back copy, no upload copy); on cpu through plain arrays.
 */
export function tilePatchTensors(
  planes: readonly tf.Tensor[],
  b0: number,
  b1: number,
  g: PatchGeometry,
  runs: readonly PatchRun[][],
  partRows: number,
): tf.Tensor2D[] {
  const shape: [number, number] = [planes.length * (b1 - b0) * g.outHeight * g.outWidth, partRows];
  if (tf.getBackend() !== 'wasm') {
    const values = planes.map((p) => p.dataSync() as Float32Array);
    return runs.map((tileRuns) => {
      const part = new Float32Array(shape[0] * shape[1]);
      fillTilePatches(values, b0, b1, g, tileRuns, partRows, part);
      return tf.tensor2d(part, shape);
    });
  }
  const backend = tf.backend() as BackendWasm;
  // Allocate every output first: a later allocation may grow the heap and detach earlier views.
  const outputs = runs.map(() => backend.makeOutput(shape, 'float32'));
  const values = planes.map((p) => backend.typedArrayFromHeap(p) as Float32Array);
  return outputs.map((info, t) => {
    const part = backend.typedArrayFromHeap(info) as Float32Array;
    part.fill(0);
    fillTilePatches(values, b0, b1, g, runs[t]!, partRows, part);
    return tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor2D;
  });
}

/** Writes one row tile's patch columns (`runs`) into `part` (zeros where nothing is written). */
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
  let row = 0;
  for (const plane of planes)
    for (let b = b0; b < b1; b++)
      for (let oy = 0; oy < outHeight; oy++)
        for (let ox = 0; ox < outWidth; ox++, row++) {
          const dst = row * partRows;
          for (const run of runs) {
            const y = oy * s + run.i - padTop;
            const x = ox * s + run.jj - padLeft;
            // Padding pixels stay 0.
            if (y < 0 || y >= H || x < 0 || x >= W) continue;
            let src = ((b * H + y) * W + x) * C + run.c0;
            let to = dst + run.column;
            const end = to + run.length;
            while (to < end) part[to++] = plane[src++]!;
          }
        }
}

/** [V, K] (patch columns) → one [V, partRows] part per row tile (`plan.tileRowIndex`, zero-padded). */
export function splitRowTiles(state: LayerState, v: tf.Tensor2D): tf.Tensor2D[] {
  const T = state.chip.plan.rowTiles;
  const { partRows: P, split } = state.layout;
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
  return firstAxisParts(tf.transpose(tf.reshape(cut, [rows, T, P]), [1, 0, 2])) as tf.Tensor2D[];
}

/**
 * The parts x[0], x[1], … of a tensor along its first axis. On wasm, Slice (and so tf.unstack, tf.split)
 * copies its whole input for every slice, O(n²) in all, and Gather / StridedSlice index each element: one
 * read-back and a cut in JS is several times faster. Other backends slice on the device.
 */
function firstAxisParts(x: tf.Tensor): tf.Tensor[] {
  const n = x.shape[0]!;
  const rest = x.shape.slice(1);
  if (n === 1) return [tf.reshape(x, rest)];
  if (tf.getBackend() !== 'wasm') return tf.unstack(x);
  const values = x.dataSync() as Float32Array;
  const size = values.length / n;
  return Array.from({ length: n }, (_, i) =>
    tf.tensor(values.subarray(i * size, (i + 1) * size), rest, 'float32'),
  );
}
