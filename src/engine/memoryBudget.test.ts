import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCifarBatch } from '../data/cifar10';
import { makeBatch } from '../data/augment';
import { createVgg8 } from '../models/vgg8';
import { disposeAll, nonTrivialWeights } from '../models/testing/fixtures';
import { defaultExperimentConfig, withOverrides } from '../sim/config';
import { applyPreset } from '../sim/presets';
import { createRng } from '../sim/rng';
import { selectBackend } from '../../scripts/lib/backend';
import { readCifarFile } from '../../scripts/lib/cifarFiles';
import { AnalogRunner, ProgrammedModel, calibrateChip } from './analogRunner';
import { BACKEND_BUDGET_BYTES, fitBatchSize, measureReadMemory, peakBytesOf } from './memoryBudget';

const test = parseCifarBatch(readCifarFile('test_batch.bin'), 'test_batch.bin');
beforeAll(() => selectBackend('wasm'));

describe('memory budget', () => {
  const narrow = createVgg8({
    convChannels: [16, 16, 32, 32, 48, 48],
    hiddenUnits: 64,
    inputSize: 32,
    numClasses: 10,
  });

  it.each([
    ['the default chip', withOverrides(defaultExperimentConfig(), { periphery: { calibrationImages: 8 } })],
    [
      'RRAM on 16×16 tiles with bit-sliced weights',
      withOverrides(applyPreset(defaultExperimentConfig(), 'rram'), {
        crossbar: { tileRows: 16, tileCols: 16, weightBits: 8, cellBits: 2 },
        periphery: { calibrationImages: 8 },
      }),
    ],
  ])(
    'predicts the peak of a 10-image batch from reads of one and two images (%s), within 25 %',
    async (_, config) => {
      const weights = nonTrivialWeights(narrow, 3);
      const chip = await ProgrammedModel.program(narrow, weights, config, createRng(1));
      calibrateChip(narrow, weights, chip, config, test, createRng(2));
      const batch = makeBatch(
        test,
        Int32Array.from({ length: 10 }, (_, i) => i),
      );
      const read = (n: number) =>
        tf.tidy(() => {
          narrow.forward(
            weights,
            new AnalogRunner(chip, createRng(3)),
            tf.tensor4d(batch.x.subarray(0, n * 3072), [n, 32, 32, 3]),
          );
        });
      const before = tf.memory().numTensors;
      const memory = await measureReadMemory(read);
      const measured = (await tf.profile(() => read(10))).peakBytes;
      expect(tf.memory().numTensors).toBe(before);
      chip.dispose();
      disposeAll(weights);
      const predicted = peakBytesOf(memory, 10);
      expect(memory.perImageBytes).toBeGreaterThan(0);
      expect(Math.abs(predicted - measured) / measured).toBeLessThanOrEqual(0.25);
    },
  );

  it('keeps the batch when it fits, halves it until it fits, and refuses with the numbers when one image does not', () => {
    const MB = 1024 ** 2;
    const memory = { fixedBytes: 100 * MB, perImageBytes: 50 * MB };
    // wasm holds 3.5 GiB: 25 images take 1,350 MB.
    expect(fitBatchSize(memory, 25, 'wasm')).toEqual({ ok: true, batchSize: 25, note: null });
    // cpu holds 2 GiB = 2,048 MB: 100 → 50 (2,600 MB, too many) → 25 (1,350 MB).
    const shrunk = fitBatchSize(memory, 100, 'cpu');
    expect(shrunk.ok && shrunk.batchSize).toBe(25);
    expect(shrunk.ok && shrunk.note).toBe(
      "Batches of 25 images instead of 100, so that the run fits in the cpu backend's memory (about 1,350 MB of 2,048 MB).",
    );
    const refused = fitBatchSize({ fixedBytes: BACKEND_BUDGET_BYTES.cpu, perImageBytes: MB }, 100, 'cpu');
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.message).toMatch(
      /needs about 2,049 MB of tensor memory to read even one image/,
    );
  });
});
