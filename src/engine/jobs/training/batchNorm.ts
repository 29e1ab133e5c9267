/**
 * Batch-norm while training, as PyTorch's `torch.nn.BatchNorm2d` does it (PyTorch docs, BatchNorm2d):
 * the forward pass normalises with the batch's own statistics, and each step then moves the running
 * statistics (used by the test pass) towards them with momentum m = 0.1.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BATCH_NORM_EPSILON, type BatchNormFn } from '../../../models/layers';

/** PyTorch BatchNorm2d's default momentum. */
export const BN_MOMENTUM = 0.1;

/** One batch-norm layer's batch statistics over (N, H, W): per-channel mean, biased variance, count. */
export interface BatchStats {
  mean: tf.Tensor;
  variance: tf.Tensor;
  count: number;
}

/**
 * Batch-norm with the batch's statistics: y = γ·(x − μ_B)/√(σ²_B + ε) + β, with μ_B and σ²_B (biased,
 * divided by n) over batch, height and width. Records them per layer name in `stats` (kept out of the
 * caller's tf.tidy; `updateBatchNormStats` disposes them).
 */
export function trainingBatchNorm(stats: Map<string, BatchStats>): BatchNormFn {
  return (weights, name, x) => {
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    stats.set(name, {
      mean: tf.keep(mean.clone()),
      variance: tf.keep(variance.clone()),
      count: x.shape[0] * x.shape[1] * x.shape[2],
    });
    return tf.batchNorm4d(
      x,
      mean as tf.Tensor1D,
      variance as tf.Tensor1D,
      weights.get(`${name}/beta`) as tf.Tensor1D,
      weights.get(`${name}/gamma`) as tf.Tensor1D,
      BATCH_NORM_EPSILON,
    );
  };
}

/**
 * Moves each layer's running statistics towards its batch statistics (PyTorch BatchNorm2d):
 *   running_mean ← (1 − m)·running_mean + m·μ_B,
 *   running_var  ← (1 − m)·running_var  + m·σ²_B·n/(n − 1)   (the unbiased variance, as PyTorch).
 * `params` holds the running statistics as `<layer>/movingMean` and `<layer>/movingVariance`; their
 * tensors are replaced (the old ones and the batch statistics are disposed).
 */
export function updateBatchNormStats(
  params: Map<string, tf.Tensor>,
  stats: ReadonlyMap<string, BatchStats>,
  momentum: number,
): void {
  for (const [layer, { mean, variance, count }] of stats) {
    const unbiased = tf.tidy(() => tf.mul(variance, count / Math.max(1, count - 1)));
    for (const [key, batchValue] of [
      [`${layer}/movingMean`, mean],
      [`${layer}/movingVariance`, unbiased],
    ] as const) {
      const old = params.get(key)!;
      params.set(
        key,
        tf.tidy(() => tf.add(tf.mul(old, 1 - momentum), tf.mul(batchValue, momentum))),
      );
      old.dispose();
    }
    tf.dispose([mean, variance, unbiased]);
  }
}
