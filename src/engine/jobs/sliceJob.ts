/**
 * The foundation's vertical slice: a small randomly initialised CNN evaluated on real CIFAR-10 test
 * images, with per-batch accuracy streamed out. It exists to prove the whole path (UI → worker → data
 * → tfjs → progress → chart); the real networks run through the inference routine.
 *
 * Network: conv3×3(3→8) → ReLU → maxpool2 → conv3×3(8→16) → ReLU → maxpool2 → global mean → dense(16→10).
 * Weights: He-normal from the seeded RNG, so the same seed gives the same network on every backend.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../sim/rng';
import type { BatchPoint, JobProgress, SliceRequest, SliceResult } from '../protocol';
import { JobStopped, type JobControl } from '../jobControl';
import { Coalescer } from '../throttle';

/** A labelled batch in the network's input layout. */
export interface LabelledBatch {
  /** NHWC float32, normalised to [-1, 1]. */
  x: Float32Array;
  labels: Uint8Array;
  count: number;
}

export type BatchSource = (start: number, count: number) => LabelledBatch;

const SHAPES = { conv1: [3, 3, 3, 8], conv2: [3, 3, 8, 16], dense: [16, 10] } as const;

function heNormal(shape: readonly number[], fanIn: number, rng: ReturnType<typeof createRng>): tf.Tensor {
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  rng.fillNormal(values, 0, Math.sqrt(2 / fanIn));
  return tf.tensor(values, [...shape]);
}

export function createSliceNetwork(seed: number): Record<keyof typeof SHAPES, tf.Tensor> {
  const rng = createRng(seed).fork('slice-network');
  return {
    conv1: heNormal(SHAPES.conv1, 27, rng.fork('conv1')),
    conv2: heNormal(SHAPES.conv2, 72, rng.fork('conv2')),
    dense: heNormal(SHAPES.dense, 16, rng.fork('dense')),
  };
}

export function sliceForward(weights: Record<keyof typeof SHAPES, tf.Tensor>, x: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => {
    let h = tf.relu(tf.conv2d(x, weights.conv1 as tf.Tensor4D, 1, 'same'));
    h = tf.maxPool(h, 2, 2, 'valid');
    h = tf.relu(tf.conv2d(h, weights.conv2 as tf.Tensor4D, 1, 'same'));
    h = tf.maxPool(h, 2, 2, 'valid');
    const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
    return tf.matMul(pooled, weights.dense as tf.Tensor2D);
  });
}

export async function runSliceJob(
  request: SliceRequest,
  source: BatchSource,
  control: JobControl,
  onProgress: (progress: JobProgress) => void,
  progressIntervalMs = 100,
): Promise<SliceResult> {
  const weights = createSliceNetwork(request.seed);
  const startMs = performance.now();
  let imagesDone = 0;
  let correctTotal = 0;
  const summary = (phase: JobProgress['phase']): Omit<JobProgress, 'points'> => ({
    imagesDone,
    imagesTotal: request.images,
    imagesPerSecond: imagesDone / Math.max(1e-3, (performance.now() - startMs) / 1000),
    phase,
  });
  const progress = new Coalescer<BatchPoint, Omit<JobProgress, 'points'>>(
    (points, rest) => onProgress({ points, ...rest }),
    progressIntervalMs,
  );
  let outcome: SliceResult['outcome'] = 'finished';
  try {
    progress.flush(summary('warming-up'));
    for (let batch = 0; imagesDone < request.images; batch++) {
      await control.checkpoint(() => progress.flush(summary('paused')));
      const count = Math.min(request.batchSize, request.images - imagesDone);
      const data = source(imagesDone, count);
      const predicted = tf.tidy(() => {
        const x = tf.tensor4d(data.x, [data.count, 32, 32, 3]);
        return tf.argMax(sliceForward(weights, x), 1);
      });
      // Read asynchronously: a synchronous read would stall on the GPU (ux-and-web-stack.md §2.1).
      const classes = await predicted.data();
      predicted.dispose();
      let correct = 0;
      for (let i = 0; i < data.count; i++) if (classes[i] === data.labels[i]) correct++;
      imagesDone += data.count;
      correctTotal += correct;
      progress.push(
        {
          run: 0,
          batch,
          imagesDone,
          batchAccuracy: correct / data.count,
          runningAccuracy: correctTotal / imagesDone,
        },
        summary('running'),
      );
    }
  } catch (error) {
    if (!(error instanceof JobStopped)) throw error;
    outcome = 'stopped';
  } finally {
    for (const tensor of Object.values(weights)) tensor.dispose();
  }
  progress.flush(summary('running'));
  return {
    outcome,
    imagesDone,
    accuracy: imagesDone > 0 ? correctTotal / imagesDone : 0,
    seconds: (performance.now() - startMs) / 1000,
  };
}
