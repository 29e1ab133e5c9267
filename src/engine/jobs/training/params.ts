/**
 * The parameters of a training run: the model's initial weights as tfjs variables (trainable), and the
 * batch-norm running statistics as plain tensors (moved by `updateBatchNormStats`, not by gradients).
 * In-situ training starts each analog kernel inside the device range [w_min, w_max].
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelDefinition } from '../../../models';
import type { ExperimentConfig } from '../../../sim/config';

export interface TrainingParams {
  /** Every parameter by name, in the model's order (variables and running statistics). */
  all: Map<string, tf.Tensor>;
  /** The trainable parameters (kernels, biases, γ, β). */
  variables: Map<string, tf.Variable>;
}

/** Training runs started in this module: with the seed, makes every run's variable names unique. */
let runsStarted = 0;

/** Initial parameters (`seed → 'init'`, the model's own init); variables named `train-s<seed>-r<run>/<param>`. */
export function createParams(model: ModelDefinition, config: ExperimentConfig): TrainingParams {
  const t = config.training;
  const seed = config.experiment.seed;
  const run = ++runsStarted;
  const initial = model.randomInit(seed);
  const all = new Map<string, tf.Tensor>();
  const variables = new Map<string, tf.Variable>();
  for (const p of model.params) {
    let tensor = initial.get(p.name)!;
    if (t.mode === 'insitu' && p.role === 'kernel') {
      const clipped = tf.clipByValue(tensor, t.pulsed.wMin, t.pulsed.wMax);
      tensor.dispose();
      tensor = clipped;
    }
    if (p.role === 'movingMean' || p.role === 'movingVariance') all.set(p.name, tensor);
    else {
      const variable = tf.variable(tensor, true, `train-s${seed}-r${run}/${p.name}`);
      tensor.dispose();
      variables.set(p.name, variable);
      all.set(p.name, variable);
    }
  }
  return { all, variables };
}

export function disposeParams(params: TrainingParams): void {
  tf.dispose([...params.all.values()]);
}
