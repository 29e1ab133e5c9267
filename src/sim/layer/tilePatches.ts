/**
 * im2col straight into row tiles: the patch columns each row tile holds (`plan.tileRowIndex`, unrolled
 * rows j in (kh, kw, cin) order: channel j mod cin at kernel position ⌊j/cin⌋ = (i, jj)), gathered from
 * NHWC inputs (a dense input [B, K] is the 1×1 image case), one part of the tile's used rows each.
 * Rows of a part are (plane, b, oy, ox): bit planes (input cycles) outermost, as the read stacks them.
 *
 * On CPU-resident backends (wasm, cpu) this is one pass, in place in the wasm heap, a strided copy per run
 * and output row (the `copyRows` kernel, kernels/wasm): tfjs-wasm's Slice reads its whole input back for
 * every slice (`readSync`) and its Gather indexes element by element, so im2col by slices and a split by
 * transpose cost several copies of the patches. Other backends keep the
 * tfjs-op im2col (`im2col.ts`) and split on the device (`splitRowTiles` below).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { ProgrammedChip } from '../chip';
import type { LayerState } from './state';
import { convPadding } from '../im2col';
import { wasmKernels } from '../kernels/wasm/heap';

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
 * place in the module's heap (no read-back copy, no upload copy), runs copied by the `copyRows` kernel; on
 * cpu through one plain array.
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
    // One array holding the planes, then every part: the same addressing as the wasm heap.
    const values = planes.map((p) => p.dataSync() as Float32Array);
    let end = values.reduce((n, v) => n + v.length, 0);
    const partAt = widths.map((w) => ((end += rows * w), end - rows * w));
    const buffer = new Float32Array(end);
    let planeEnd = 0;
    const planeAt = values.map((v) => (buffer.set(v, planeEnd), (planeEnd += v.length) - v.length));
    fillTilePatches(buffer, jsCopyRows(buffer), planeAt, partAt, b0, b1, g, runs, widths);
    return widths.map((w, t) => tf.tensor2d(buffer.slice(partAt[t]!, partAt[t]! + rows * w), [rows, w]));
  }
  const backend = tf.backend() as BackendWasm;
  // Allocate every output first: a later allocation may grow the heap and detach earlier views.
  const outputs = widths.map((w) => backend.makeOutput([rows, w], 'float32'));
  const view = (info: tf.TensorInfo) => backend.typedArrayFromHeap(info) as Float32Array;
  const heap = new Float32Array(view(outputs[0]!).buffer);
  const kernels = wasmKernels(outputs[0], 'halfEven')?.kernels;
  const copyRows: CopyRows = kernels
    ? (src, srcStride, dst, dstStride, count, length) =>
        kernels.copyRows(4 * src, 4 * srcStride, 4 * dst, 4 * dstStride, count, 4 * length)
    : jsCopyRows(heap);
  const at = (info: tf.TensorInfo) => view(info).byteOffset / 4;
  fillTilePatches(heap, copyRows, planes.map(at), outputs.map(at), b0, b1, g, runs, widths);
  return outputs.map((info) => tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor2D);
}

/** `count` copies of `length` values from src to dst, advancing by the strides (all in values). */
type CopyRows = (
  src: number,
  srcStride: number,
  dst: number,
  dstStride: number,
  count: number,
  length: number,
) => void;

function jsCopyRows(values: Float32Array): CopyRows {
  return (src, srcStride, dst, dstStride, count, length) => {
    for (let r = 0; r < count; r++, src += srcStride, dst += dstStride)
      values.copyWithin(dst, src, src + length);
  };
}

/**
 * Writes every row tile's patch columns (`runs[t]`) into its part, every value of it: zeros at padding
 * pixels (a part may be uninitialised heap memory). Planes and parts live in `values` at the given
 * offsets. Per run and output row, the pixels whose run lies inside the image are one strided copy
 * (`copyRows`); the few at the image's edges are written here, kernel position by kernel position.
 */
function fillTilePatches(
  values: Float32Array,
  copyRows: CopyRows,
  planeAt: readonly number[],
  partAt: readonly number[],
  b0: number,
  b1: number,
  g: PatchGeometry,
  runs: readonly PatchRun[][],
  widths: readonly number[],
): void {
  const { height: H, width: W, channels: C, stride: s, padTop, padLeft, outHeight, outWidth } = g;
  const images = b1 - b0;
  runs.forEach((tileRuns, t) => {
    const width = widths[t]!;
    // A tile without rows still has a one-column part (`partWidthsOf`): zeros.
    if (tileRuns.length === 0)
      values.fill(0, partAt[t]!, partAt[t]! + planeAt.length * images * outHeight * outWidth * width);
    const geometry = tileRuns.map(({ c0, length, jj }) => {
      // Kernel positions the run spans (it continues into the next kernel column past the last channel),
      // and the output columns whose run lies inside the image: x = ox·s + xFirst ∈ [0, W − span].
      const span = Math.floor((c0 + length - 1) / C) + 1;
      const xFirst = jj - padLeft;
      const oxLo = Math.min(outWidth, Math.max(0, Math.ceil(-xFirst / s)));
      const oxHi = Math.max(oxLo, Math.min(outWidth, Math.floor((W - span - xFirst) / s) + 1));
      return { xFirst, oxLo, oxHi };
    });
    /** At the image's edges: kernel position by kernel position, zeros outside the image. */
    const edge = (run: PatchRun, to: number, x: number, rowStart: number) => {
      let done = 0;
      let c = run.c0;
      for (let q = 0; done < run.length; q++) {
        const n = Math.min(C - c, run.length - done);
        const xq = x + q;
        if (xq < 0 || xq >= W) values.fill(0, to + done, to + done + n);
        else values.copyWithin(to + done, rowStart + xq * C + c, rowStart + xq * C + c + n);
        done += n;
        c = 0;
      }
    };
    // Output row by output row (its part rows stay in cache while every run writes its columns).
    for (let z = 0; z < planeAt.length; z++)
      for (let b = b0; b < b1; b++)
        for (let oy = 0; oy < outHeight; oy++) {
          const rowDst = partAt[t]! + ((z * images + b - b0) * outHeight + oy) * outWidth * width;
          tileRuns.forEach((run, r) => {
            const dst = rowDst + run.column;
            const y = oy * s + run.i - padTop;
            if (y < 0 || y >= H) {
              for (let ox = 0; ox < outWidth; ox++)
                values.fill(0, dst + ox * width, dst + ox * width + run.length);
              return;
            }
            const rowStart = planeAt[z]! + (b * H + y) * W * C;
            const { xFirst, oxLo, oxHi } = geometry[r]!;
            if (oxHi > oxLo)
              copyRows(
                rowStart + (oxLo * s + xFirst) * C + run.c0,
                s * C,
                dst + oxLo * width,
                width,
                oxHi - oxLo,
                run.length,
              );
            for (let ox = 0; ox < oxLo; ox++) edge(run, dst + ox * width, ox * s + xFirst, rowStart);
            for (let ox = oxHi; ox < outWidth; ox++) edge(run, dst + ox * width, ox * s + xFirst, rowStart);
          });
        }
  });
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
