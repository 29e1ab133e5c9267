/** The timed unit of the bench: one inference pass over prebuilt batches, as the inference job runs it. */
import * as tf from '@tensorflow/tfjs-core';
import { makeBatch } from '../../src/data/augment';
import type { CifarImages } from '../../src/data/cifar10';
import {
  imagesTensor,
  type LinearLayerRunner,
  type ModelDefinition,
  type WeightMap,
} from '../../src/models/index';

export interface Batch {
  x: tf.Tensor4D;
  labels: Int32Array;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * `count` images from index `from` (default the first) as input tensors of `batchSize` (built outside
 * every timed region).
 */
export function makeBatches(images: CifarImages, count: number, batchSize: number, from = 0): Batch[] {
  const out: Batch[] = [];
  for (let first = from; first < from + count; first += batchSize) {
    const n = Math.min(batchSize, from + count - first);
    const data = makeBatch(
      images,
      Int32Array.from({ length: n }, (_, i) => first + i),
    );
    out.push({ x: imagesTensor(data.x, n), labels: data.labels });
  }
  return out;
}

/**
 * One inference pass over `batches`: seconds and hits. The argmax is read back after each batch, as the
 * inference job does, which also waits for a GPU backend to finish the batch's work.
 */
export async function pass(
  model: ModelDefinition,
  weights: WeightMap,
  batches: readonly Batch[],
  runnerFor: (batch: number) => LinearLayerRunner,
): Promise<{ seconds: number; correct: number }> {
  let correct = 0;
  const start = performance.now();
  for (const [b, { x, labels }] of batches.entries()) {
    const predicted = tf.tidy(() => tf.argMax(model.forward(weights, runnerFor(b), x), 1));
    const classes = await predicted.data();
    predicted.dispose();
    for (let i = 0; i < labels.length; i++) if (classes[i] === labels[i]) correct++;
  }
  return { seconds: (performance.now() - start) / 1000, correct };
}
