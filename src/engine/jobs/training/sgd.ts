/**
 * Stochastic gradient descent with momentum, as PyTorch's `torch.optim.SGD` writes it (PyTorch docs,
 * torch.optim.SGD: momentum buffer b ← μ·b + g, first b = g; dampening 0, no weight decay, not Nesterov,
 * the only options this job's config offers), and its step learning-rate schedule
 * (`torch.optim.lr_scheduler.MultiStepLR`). Written here rather than with tf.train.momentum, whose
 * momentum scalar outlives dispose() (one leaked tensor per run).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ExperimentConfig } from '../../../sim/config';

export interface SgdOptions {
  /** η: the step length. */
  learningRate: number;
  /** μ: how much of the previous velocity carries over (0: plain SGD, no velocity kept). */
  momentum: number;
}

/**
 * One SGD step over the named parameters: for each parameter w with gradient g = dLoss/dw,
 *   v ← μ·v + g   (v = g on the first step, as PyTorch's momentum buffer starts),
 *   w ← w − η·v.
 * `velocity` holds v per parameter name across steps (updated in place; the caller disposes it). With
 * μ = 0 the step is w ← w − η·g and nothing is stored. Parameters without a gradient are skipped.
 */
export function sgdStep(
  params: ReadonlyMap<string, tf.Variable>,
  grads: ReadonlyMap<string, tf.Tensor>,
  velocity: Map<string, tf.Tensor>,
  { learningRate, momentum }: SgdOptions,
): void {
  for (const [name, w] of params) {
    const g = grads.get(name);
    if (!g) continue;
    if (momentum === 0) {
      tf.tidy(() => w.assign(tf.sub(w, tf.mul(g, learningRate))));
      continue;
    }
    const previous = velocity.get(name);
    const v = tf.tidy(() => (previous ? tf.add(tf.mul(previous, momentum), g) : tf.clone(g)));
    previous?.dispose();
    velocity.set(name, v);
    tf.tidy(() => w.assign(tf.sub(w, tf.mul(v, learningRate))));
  }
}

/** Step schedule (MultiStepLR): η_epoch = η₀·γ^(number of milestones ≤ epoch); `epoch` counts from 0. */
export function learningRateAt(training: ExperimentConfig['training'], epoch: number): number {
  const drops = training.lrSchedule.milestonesEpochs.filter((m) => epoch >= m).length;
  return training.learningRate * training.lrSchedule.gamma ** drops;
}
