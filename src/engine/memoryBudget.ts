/**
 * Before a chip is read: how much tensor memory a batch will take, against what the backend can hold.
 * A batch that would not fit is made smaller (and the run says so); a chip that cannot even read one
 * image is refused with the numbers — instead of the tab running out of memory halfway.
 *
 * Measured, not modelled: the chip reads one image and then two (a throwaway read stream) under
 * tf.profile, whose peak bytes give the fixed part (weights, the chip's tensors, buffers) and the part
 * that grows per image; the batch's peak is extrapolated linearly, which a unit test checks against the
 * measured peak of a whole batch. A formula from the layer shapes would drift whenever the read's
 * implementation changes; this follows it.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendName } from './protocol';

const GiB = 1024 ** 3;

/**
 * What each backend can hold, in bytes. WASM: the heap's ceiling in tfjs 4.22's builds (getHeapMax()
 * = 4,294,901,760 bytes in wasm-out/tfjs-backend-wasm*.js), less room for the module itself. WebGPU and
 * WebGL have no query for a tab's GPU memory: SPEC §5's target for the largest workload (GoogLeNet on
 * 16×16 tiles) is 1.5 GB, and 3 GiB is kept as the limit. CPU: a typical JavaScript heap.
 */
export const BACKEND_BUDGET_BYTES: Readonly<Record<BackendName, number>> = {
  wasm: 3.5 * GiB,
  webgpu: 3 * GiB,
  webgl: 3 * GiB,
  cpu: 2 * GiB,
};

/** Peak tensor bytes of a read: `fixedBytes + perImageBytes × images`. */
export interface ReadMemory {
  fixedBytes: number;
  perImageBytes: number;
}

export const peakBytesOf = (memory: ReadMemory, images: number) =>
  memory.fixedBytes + memory.perImageBytes * images;

/** Measures `read(images)` (it must dispose what it makes) at one and two images. */
export async function measureReadMemory(read: (images: number) => void): Promise<ReadMemory> {
  const one = (await tf.profile(() => read(1))).peakBytes;
  const two = (await tf.profile(() => read(2))).peakBytes;
  const perImageBytes = Math.max(0, two - one);
  return { fixedBytes: Math.max(0, one - perImageBytes), perImageBytes };
}

const mb = (bytes: number) => `${Math.ceil(bytes / 1024 ** 2).toLocaleString('en')} MB`;

export type BatchDecision =
  { ok: true; batchSize: number; note: string | null } | { ok: false; message: string };

/**
 * The batch size to read with: `wanted`, or the largest smaller one (halving) whose peak fits the
 * backend's budget; refused with a plain sentence when even one image does not fit.
 */
export function fitBatchSize(memory: ReadMemory, wanted: number, backend: BackendName): BatchDecision {
  const budget = BACKEND_BUDGET_BYTES[backend];
  for (let batch = wanted; batch >= 1; batch = batch === 1 ? 0 : Math.max(1, Math.floor(batch / 2))) {
    const peak = peakBytesOf(memory, batch);
    if (peak <= budget)
      return {
        ok: true,
        batchSize: batch,
        note:
          batch === wanted
            ? null
            : `Batches of ${batch} images instead of ${wanted}, so that the run fits in the ${backend} backend's memory (about ${mb(peak)} of ${mb(budget)}).`,
      };
  }
  return {
    ok: false,
    message:
      `This chip needs about ${mb(peakBytesOf(memory, 1))} of tensor memory to read even one image, more ` +
      `than the ${backend} backend can hold (about ${mb(budget)}). Larger tiles, fewer bit slices or ` +
      'no read noise need less.',
  };
}
