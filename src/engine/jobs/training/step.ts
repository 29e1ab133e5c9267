/**
 * The two passes of a training epoch over images: `lossAndGradients` (forward and backward of one
 * mini-batch, training-mode batch-norm) and `testAccuracy` (forward only, inference-mode batch-norm).
 * Loss: softmax cross-entropy averaged over the batch, as PyTorch's `nn.CrossEntropyLoss`.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core registers no gradient on import (the umbrella @tensorflow/tfjs did): backprop needs them all.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { CifarImages } from '../../../data/cifar10';
import { makeBatch, type MiniBatch } from '../../../data/augment';
import { DigitalRunner, imagesTensor, type LinearLayerRunner, type ModelDefinition } from '../../../models';
import type { Rng } from '../../../sim/rng';
import type { ProgrammedModel } from '../../analogRunner';
import { trainingBatchNorm, type BatchStats } from './batchNorm';
import type { TrainingParams } from './params';
import { SteRunner } from './runners';

/** What one mini-batch's pass leaves to the update (the caller disposes every tensor). */
export interface BatchGradients {
  /** Mean cross-entropy loss over the batch. */
  loss: tf.Scalar;
  /** How many of the batch's images the forward pass classified correctly. */
  correct: tf.Scalar;
  /** dLoss/dw per trainable parameter name. */
  grads: Map<string, tf.Tensor>;
  /** Each batch-norm layer's batch statistics, for `updateBatchNormStats`. */
  stats: Map<string, BatchStats>;
}

/** Forward pass of `batch` through `runner` and the gradient of its loss for every trainable parameter. */
export function lossAndGradients(
  model: ModelDefinition,
  params: TrainingParams,
  runner: LinearLayerRunner,
  batch: MiniBatch,
): BatchGradients {
  const stats = new Map<string, BatchStats>();
  let correct: tf.Scalar | null = null;
  const { value: loss, grads } = tf.tidy(() => {
    const x = imagesTensor(batch.x, batch.size);
    const labels = tf.tensor1d(batch.labels, 'int32');
    return tf.variableGrads(() => {
      const logits = model.forward(params.all, runner, x, { batchNorm: trainingBatchNorm(stats) });
      correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'int32'))) as tf.Scalar;
      return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, model.numClasses), logits) as tf.Scalar;
    }, [...params.variables.values()]);
  });
  const byName = new Map<string, tf.Tensor>();
  for (const [name, variable] of params.variables) {
    const grad = grads[variable.name];
    if (grad) byName.set(name, grad);
  }
  return { loss, correct: correct!, grads: byName, stats };
}

/**
 * Accuracy of the current weights on the first `count` images of `test`, 100 at a time, read on `chip`
 * (analog modes; `readRng(start)` draws the reads) or digitally. Calls `checkpoint` between batches.
 */
export async function testAccuracy(
  model: ModelDefinition,
  params: TrainingParams,
  chip: ProgrammedModel | null,
  test: CifarImages,
  count: number,
  readRng: (start: number) => Rng,
  checkpoint: () => Promise<void>,
): Promise<number> {
  let correct = 0;
  for (let start = 0; start < count; start += 100) {
    const size = Math.min(100, count - start);
    const batch = makeBatch(
      test,
      Int32Array.from({ length: size }, (_, i) => start + i),
    );
    const predicted = tf.tidy(() => {
      const x = imagesTensor(batch.x, size);
      const runner = chip
        ? new SteRunner(params.all, model, chip, readRng(start))
        : new DigitalRunner(params.all);
      return tf.argMax(model.forward(params.all, runner, x), 1);
    });
    const classes = await predicted.data();
    predicted.dispose();
    for (let i = 0; i < size; i++) if (classes[i] === batch.labels[i]) correct++;
    await checkpoint();
  }
  return correct / Math.max(1, count);
}
