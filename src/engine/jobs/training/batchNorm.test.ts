/**
 * Training-mode batch-norm against PyTorch's BatchNorm2d written out in float64 loops (PyTorch docs,
 * BatchNorm2d): y = γ·(x − μ_B)/√(σ²_B + ε) + β with the biased batch variance; running statistics
 * r ← (1 − m)·r + m·μ_B and v ← (1 − m)·v + m·σ²_B·n/(n − 1) (unbiased), m = 0.1.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { BATCH_NORM_EPSILON } from '../../../models/layers';
import { createRng } from '../../../sim/rng';
import { BN_MOMENTUM, trainingBatchNorm, updateBatchNormStats, type BatchStats } from './batchNorm';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const [N, H, W, C] = [3, 2, 5, 4];

/** Per-channel mean and biased variance over (N, H, W) of NHWC `x`, in float64. */
function channelMoments(x: Float32Array): { mean: number[]; variance: number[] } {
  const n = N * H * W;
  const mean = new Array<number>(C).fill(0);
  const variance = new Array<number>(C).fill(0);
  for (let i = 0; i < x.length; i++) mean[i % C]! += x[i]! / n;
  for (let i = 0; i < x.length; i++) variance[i % C]! += (x[i]! - mean[i % C]!) ** 2 / n;
  return { mean, variance };
}

describe('training-mode batch-norm (PyTorch BatchNorm2d)', () => {
  it('normalises with the batch statistics, then moves the running ones by momentum 0.1', async () => {
    const before = tf.memory().numTensors;
    const x = new Float32Array(N * H * W * C);
    createRng(11).fillNormal(x, 0.5, 2);
    const gamma = [1, 0.5, 2, -1];
    const beta = [0, 0.1, -0.2, 0.3];
    const runningMean = [0, 1, -1, 0.25];
    const runningVar = [1, 2, 0.5, 1];
    const params = new Map<string, tf.Tensor>([
      ['bn1/gamma', tf.tensor1d(gamma)],
      ['bn1/beta', tf.tensor1d(beta)],
      ['bn1/movingMean', tf.tensor1d(runningMean)],
      ['bn1/movingVariance', tf.tensor1d(runningVar)],
    ]);
    const stats = new Map<string, BatchStats>();
    const y = tf.tidy(() => trainingBatchNorm(stats)(params, 'bn1', tf.tensor4d(x, [N, H, W, C])));
    const got = await y.data();
    y.dispose();

    const { mean, variance } = channelMoments(x);
    for (let i = 0; i < x.length; i++) {
      const c = i % C;
      const expected = (gamma[c]! * (x[i]! - mean[c]!)) / Math.sqrt(variance[c]! + BATCH_NORM_EPSILON) + beta[c]!;
      expect(got[i]).toBeCloseTo(expected, 4);
    }

    const oldMean = params.get('bn1/movingMean')!;
    updateBatchNormStats(params, stats, BN_MOMENTUM);
    expect(oldMean.isDisposed).toBe(true);
    const n = N * H * W;
    const newMean = await params.get('bn1/movingMean')!.data();
    const newVar = await params.get('bn1/movingVariance')!.data();
    for (let c = 0; c < C; c++) {
      expect(newMean[c]).toBeCloseTo(0.9 * runningMean[c]! + 0.1 * mean[c]!, 5);
      expect(newVar[c]).toBeCloseTo(0.9 * runningVar[c]! + (0.1 * variance[c]! * n) / (n - 1), 5);
    }
    tf.dispose([...params.values()]);
    // The batch statistics were disposed by the update.
    expect(tf.memory().numTensors).toBe(before);
  });
});
