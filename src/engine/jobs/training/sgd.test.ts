/**
 * `sgdStep` against PyTorch's torch.optim.SGD written out in float64 loops (docs of torch.optim.SGD,
 * momentum μ, dampening 0, no weight decay, not Nesterov): b ← g on the first step, then b ← μ·b + g;
 * w ← w − η·b.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultExperimentConfig, withOverrides } from '../../../sim/config';
import { learningRateAt, sgdStep } from './sgd';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** PyTorch's SGD step in float64: updates `w` and the momentum buffer `b` (null before the first step). */
function referenceStep(w: number[], b: number[] | null, g: number[], lr: number, mu: number): number[] {
  const buffer = b ?? [];
  for (let i = 0; i < w.length; i++) {
    buffer[i] = b === null || mu === 0 ? g[i]! : mu * buffer[i]! + g[i]!;
    w[i] = w[i]! - lr * buffer[i]!;
  }
  return buffer;
}

/** A variable holding `values` (the initial tensor disposed). */
const variableOf = (values: number[]) => tf.tidy(() => tf.variable(tf.tensor1d(values)));

/** Runs `gradsPerStep` through `sgdStep` on one parameter starting at `w0`; returns each step's weights. */
async function run(w0: number[], gradsPerStep: number[][], lr: number, momentum: number) {
  const before = tf.memory().numTensors;
  const w = variableOf(w0);
  const params = new Map([['layer/kernel', w]]);
  const velocity = new Map<string, tf.Tensor>();
  const trajectory: number[][] = [];
  for (const g of gradsPerStep) {
    const grad = tf.tensor1d(g);
    sgdStep(params, new Map([['layer/kernel', grad]]), velocity, { learningRate: lr, momentum });
    grad.dispose();
    trajectory.push(Array.from(await w.data()));
  }
  const stored = velocity.size;
  tf.dispose([w, ...velocity.values()]);
  expect(tf.memory().numTensors).toBe(before);
  return { trajectory, stored };
}

describe('sgdStep: PyTorch SGD with momentum', () => {
  it('a worked example: w = 1, g = 0.5 twice, η = 0.1, μ = 0.9 gives 0.95, then 0.855', async () => {
    // Step 1: b = 0.5, w = 1 − 0.1·0.5 = 0.95. Step 2: b = 0.9·0.5 + 0.5 = 0.95, w = 0.95 − 0.095 = 0.855.
    const { trajectory } = await run([1], [[0.5], [0.5]], 0.1, 0.9);
    expect(trajectory[0]![0]).toBeCloseTo(0.95, 6);
    expect(trajectory[1]![0]).toBeCloseTo(0.855, 6);
  });

  it.each([0.9, 0.5, 0])('follows the float64 reference over four steps (μ = %s)', async (momentum) => {
    const w0 = [0.3, -0.2, 0.05, 1.5, -0.75];
    const grads = [
      [0.1, -0.4, 0.0, 2.0, -0.03],
      [0.2, 0.1, -0.5, -1.0, 0.07],
      [-0.3, 0.25, 0.5, 0.5, 0.0],
      [0.05, -0.05, 0.01, 0.3, -0.2],
    ];
    const lr = 0.05;
    const { trajectory, stored } = await run(w0, grads, lr, momentum);
    const w = [...w0];
    let b: number[] | null = null;
    grads.forEach((g, step) => {
      b = referenceStep(w, b, g, lr, momentum);
      for (let i = 0; i < w.length; i++) expect(trajectory[step]![i]).toBeCloseTo(w[i]!, 6);
    });
    // Plain SGD (μ = 0) keeps no velocity.
    expect(stored).toBe(momentum === 0 ? 0 : 1);
  });

  it('leaves a parameter without a gradient as it is', async () => {
    const w = variableOf([1, 2]);
    const velocity = new Map<string, tf.Tensor>();
    sgdStep(new Map([['bn/gamma', w]]), new Map(), velocity, { learningRate: 0.1, momentum: 0.9 });
    expect(Array.from(await w.data())).toEqual([1, 2]);
    expect(velocity.size).toBe(0);
    w.dispose();
  });
});

describe('learningRateAt: MultiStepLR', () => {
  it('multiplies by γ at each milestone reached (epochs from 0)', () => {
    const training = withOverrides(defaultExperimentConfig(), {
      training: { learningRate: 0.1, lrSchedule: { milestonesEpochs: [2, 4], gamma: 0.5 } },
    }).training;
    expect([0, 1, 2, 3, 4, 9].map((epoch) => learningRateAt(training, epoch))).toEqual([
      0.1, 0.1, 0.05, 0.05, 0.025, 0.025,
    ]);
  });
});
