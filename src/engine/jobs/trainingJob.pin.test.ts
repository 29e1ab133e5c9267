/**
 * Pins what the training routine computed before its split into plain functions (issue 14, deliverable
 * 4): per-epoch losses and accuracies, and a hash of the final weights' bits, recorded on the old code.
 * A recording of the code itself, not an independent reference: it guards the refactor only.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, it } from 'vitest';
import { parseCifarBatch } from '../../data/cifar10';
import { readCifarFile } from '../../data/testing/nodeData';
import { createVgg8 } from '../../models/vgg8';
import {
  defaultExperimentConfig,
  withOverrides,
  type DeepPartial,
  type ExperimentConfig,
} from '../../sim/config';
import { selectBackend } from '../../models/testing/backend';
import { JobControl } from '../jobControl';
import { runTrainingJob } from './trainingJob';

const train = parseCifarBatch(readCifarFile('data_batch_1.bin'), 'data_batch_1.bin');
const test = parseCifarBatch(readCifarFile('test_batch.bin'), 'test_batch.bin');
const narrow = createVgg8({
  convChannels: [8, 8, 16, 16, 16, 16],
  hiddenUnits: 32,
  inputSize: 32,
  numClasses: 10,
});

beforeAll(async () => {
  await selectBackend('wasm');
});

/** FNV-1a over the float32 bits of every weight, in the model's order. */
function hashWeights(weights: Map<string, Float32Array>): string {
  let h = 0x811c9dc5;
  for (const values of weights.values()) {
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    for (const byte of bytes) h = Math.imul(h ^ byte, 0x01000193);
  }
  return (h >>> 0).toString(16);
}

const cases: Record<string, DeepPartial<ExperimentConfig>> = {
  digital: { training: { mode: 'digital' } },
  hardwareAware: { training: { mode: 'hardwareAware', epochs: 1 } },
  constantStep: { training: { mode: 'insitu', updateModel: 'constantStep', pulsed: { dwMin: 0.002 } } },
  softBounds: { training: { mode: 'insitu', updateModel: 'softBounds', pulsed: { dwMin: 0.002 } } },
  neurosimNonlinear: {
    training: {
      mode: 'insitu',
      updateModel: 'neurosimNonlinear',
      neurosim: { numLevels: 64, d2dSigma: 0.2 },
    },
  },
};

const PINNED: Record<string, unknown> = {
  digital: {
    epochs: [
      [2.8766180276870728, 0.09375, 0.06],
      [2.38370144367218, 0.203125, 0.06],
    ],
    weights: '5bfbc5db',
  },
  hardwareAware: { epochs: [[2.9039891958236694, 0.078125, 0.04]], weights: '887d2231' },
  constantStep: {
    epochs: [
      [2.8647372722625732, 0.09375, 0.04],
      [2.280678391456604, 0.171875, 0.04],
    ],
    weights: '900286b6',
  },
  softBounds: {
    epochs: [
      [2.8655656576156616, 0.109375, 0.08],
      [2.2508978843688965, 0.21875, 0.04],
    ],
    weights: 'ae645db5',
  },
  neurosimNonlinear: {
    epochs: [
      [2.850038528442383, 0.109375, 0.06],
      [2.2484164237976074, 0.15625, 0.06],
    ],
    weights: 'e50466e',
  },
};

it.each(Object.keys(cases))(
  '%s: same losses, accuracies and weights as the old code',
  async (name) => {
    const config = withOverrides(
      defaultExperimentConfig(),
      {
        experiment: { model: 'vgg8', routine: 'training', images: 50, seed: 5 },
        crossbar: { tileRows: 64, tileCols: 64 },
        periphery: { adcBits: 8, dacBits: 8 },
        training: {
          epochs: 2,
          batchSize: 32,
          learningRate: 0.1,
          lrSchedule: { milestonesEpochs: [1] },
          trainImages: 64,
        },
      },
      cases[name]!,
    );
    const before = tf.memory().numTensors;
    const result = await runTrainingJob(
      { config, train, test, testSet: 'full', model: narrow },
      new JobControl(),
      () => {},
      0,
    );
    expect(tf.memory().numTensors).toBe(before);
    const got = {
      epochs: result.epochs.map((e) => [e.trainLoss, e.trainAccuracy, e.testAccuracy]),
      weights: hashWeights(result.weights!),
    };
    expect(got).toEqual(PINNED[name]);
  },
  300_000,
);
