import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCifarBatch } from '../../data/cifar10';
import { readCifarFile } from '../../../scripts/lib/cifarFiles';
import type { ModelDefinition } from '../../models/model';
import { createVgg8 } from '../../models/vgg8';
import {
  defaultExperimentConfig,
  withOverrides,
  type DeepPartial,
  type ExperimentConfig,
} from '../../sim/config';
import { selectBackend } from '../../../scripts/lib/backend';
import { JobControl } from '../jobControl';
import type { ExperimentProgress } from '../protocol';
import { runTrainingJob } from './trainingJob';

const train = parseCifarBatch(readCifarFile('data_batch_1.bin'), 'data_batch_1.bin');
const test = parseCifarBatch(readCifarFile('test_batch.bin'), 'test_batch.bin');
// Narrow enough to train in seconds; WASM backend (the routine's convs are im2col + matMul).
const narrow = createVgg8({
  convChannels: [8, 8, 16, 16, 16, 16],
  hiddenUnits: 32,
  inputSize: 32,
  numClasses: 10,
});

beforeAll(async () => {
  await selectBackend('wasm');
});

function config(patch: DeepPartial<ExperimentConfig>): ExperimentConfig {
  return withOverrides(
    defaultExperimentConfig(),
    {
      experiment: { model: 'vgg8', routine: 'training', images: 50, seed: 3 },
      crossbar: { tileRows: 64, tileCols: 64 },
      periphery: { adcBits: 8, dacBits: 8 },
      training: {
        epochs: 3,
        batchSize: 32,
        learningRate: 0.05,
        lrSchedule: { milestonesEpochs: [100] },
        trainImages: 192,
      },
    },
    patch,
  );
}

async function trainWith(patch: DeepPartial<ExperimentConfig>) {
  const messages: ExperimentProgress[] = [];
  const before = tf.memory().numTensors;
  const result = await runTrainingJob(
    { config: config(patch), train, test, testSet: 'full', model: narrow },
    new JobControl(),
    (p) => messages.push(p),
    0,
  );
  expect(tf.memory().numTensors).toBe(before);
  return { result, messages };
}

// Analog modes program a chip every mini-batch: generous timeouts for slow, shared CI cores.
describe('VGG-8 training routine (narrow VGG-8, 192 real CIFAR-10 images)', () => {
  it.each(['digital', 'hardwareAware'] as const)(
    '%s: training loss falls and epochs stream',
    async (mode) => {
      const { result, messages } = await trainWith({ training: { mode } });
      expect(result.outcome).toBe('finished');
      expect(result.epochs).toHaveLength(3);
      expect(messages.flatMap((m) => m.epochPoints)).toEqual(result.epochs);
      expect(messages.flatMap((m) => m.batchPoints)).toHaveLength(3 * 6);
      const losses = result.epochs.map((e) => e.trainLoss);
      expect(losses.at(-1)!).toBeLessThan(losses[0]! - 0.05);
      for (const e of result.epochs) expect(e.testAccuracy).toBeGreaterThanOrEqual(0);
    },
    300_000,
  );

  it.each(['constantStep', 'softBounds', 'neurosimNonlinear'] as const)(
    'in situ with %s: loss falls and every kernel stays inside its device bounds',
    async (updateModel) => {
      const { result } = await trainWith({
        training: {
          mode: 'insitu',
          updateModel,
          learningRate: 0.1,
          // Bounds without device-to-device spread, so "inside the bounds" is a sharp check.
          pulsed: { dwMin: 0.002, wMaxDtod: 0, wMinDtod: 0, wMax: 0.6, wMin: -0.6 },
          neurosim: { numLevels: 64 },
        },
      });
      const losses = result.epochs.map((e) => e.trainLoss);
      expect(losses.at(-1)!).toBeLessThan(losses[0]!);
      for (const layer of narrow.linearLayers) {
        const kernel = result.weights!.get(`${layer.name}/kernel`)!;
        for (const w of kernel) {
          expect(w).toBeGreaterThanOrEqual(-0.6 - 1e-6);
          expect(w).toBeLessThanOrEqual(0.6 + 1e-6);
        }
      }
    },
    300_000,
  );

  it(
    'pauses between batches and, resumed, ends as an uninterrupted run does',
    { timeout: 300_000 },
    async () => {
      const patch = { training: { mode: 'digital', epochs: 2 } } as const;
      const uninterrupted = (await trainWith(patch)).result;
      const control = new JobControl();
      let batches = 0;
      let pausedAt: number | null = null;
      const running = runTrainingJob(
        { config: config(patch), train, test, testSet: 'full', model: narrow },
        control,
        (p) => {
          batches += p.batchPoints.length;
          if (p.phase === 'paused') pausedAt ??= batches;
          else if (batches >= 2 && pausedAt === null) control.pause();
        },
        0,
      );
      const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
      let ended = false;
      running.then(
        () => (ended = true),
        () => (ended = true),
      );
      while (pausedAt === null && !ended) await sleep(20);
      expect(pausedAt, 'the job paused').not.toBeNull();
      // Paused: no batch is trained while the job waits (1 s here, several batches' worth).
      await sleep(1000);
      expect(batches).toBe(pausedAt);
      control.resume();
      const resumed = await running;
      expect(resumed.outcome).toBe('finished');
      expect(batches).toBe(2 * 6);
      // Same seed, same backend: pausing changes nothing that is computed.
      const summary = (r: typeof resumed) =>
        r.epochs.map((e) => [e.trainLoss, e.trainAccuracy, e.testAccuracy]);
      expect(summary(resumed)).toEqual(summary(uninterrupted));
    },
  );

  it('stops mid-epoch without leaking tensors', { timeout: 300_000 }, async () => {
    const before = tf.memory().numTensors;
    const control = new JobControl();
    let seen = 0;
    const result = await runTrainingJob(
      {
        config: config({ training: { mode: 'hardwareAware' } }),
        train,
        test,
        testSet: 'full',
        model: narrow,
      },
      control,
      (p) => {
        seen += p.batchPoints.length;
        if (seen >= 3) control.stop();
      },
      0,
    );
    expect(result.outcome).toBe('stopped');
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('a run whose weights turn NaN or ±Infinity ends saying so, and offers no weights', () => {
  /** The narrow VGG-8 with one initial value of `name` replaced by `value`. */
  function poisoned(name: string, index: number, value: number): ModelDefinition {
    return {
      ...narrow,
      randomInit(seed) {
        const weights = narrow.randomInit(seed);
        const tensor = weights.get(name)!;
        const values = tensor.dataSync().slice();
        values[index] = value;
        weights.set(name, tf.tensor(values, tensor.shape));
        tensor.dispose();
        return weights;
      },
    };
  }

  /** The message the job rejects with; it leaks no tensor and returns no result. */
  async function failureOf(model: ModelDefinition, control = new JobControl()): Promise<string> {
    const before = tf.memory().numTensors;
    const points: number[] = [];
    const outcome = await runTrainingJob(
      // One batch of 32 per epoch: the check's batch number is the batch that broke the weights.
      { config: config({ training: { epochs: 2, trainImages: 32 } }), train, test, testSet: 'full', model },
      control,
      (p) => points.push(...p.epochPoints.map((e) => e.testAccuracy)),
      0,
    ).then(
      () => null,
      (error: unknown) => error as Error,
    );
    expect(tf.memory().numTensors).toBe(before);
    // No test accuracy was measured on broken weights.
    expect(points).toEqual([]);
    return outcome!.message;
  }

  it('NaN in the last bias: the loss of the first batch is NaN, and the update spreads it', async () => {
    expect(await failureOf(poisoned('fc2/bias', 7, NaN))).toBe(
      'The training run diverged in epoch 1, batch 1: the loss is NaN, and the weight "conv1/kernel" holds NaN at index 0.',
    );
  });

  it('+Infinity in a running variance: the loss stays finite, the check after the update names it', async () => {
    // Training-mode batch-norm uses the batch's statistics, so only the running average carries it.
    expect(await failureOf(poisoned('bn4/movingVariance', 5, Infinity))).toBe(
      'The training run diverged in epoch 1, batch 1: after the update, the weight "bn4/movingVariance" holds Infinity at index 5.',
    );
  });

  it('stopped before its first step: the weights it would return are checked too', async () => {
    const control = new JobControl();
    control.stop();
    expect(await failureOf(poisoned('bn2/movingMean', 3, -Infinity), control)).toBe(
      'The training run\'s weights were refused: the weight "bn2/movingMean" holds -Infinity at index 3.',
    );
  });
});
