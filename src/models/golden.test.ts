/// <reference types="node" />
/**
 * Golden-logit parity: Crossbar Lab's digital forward pass on the shipped weights must reproduce the
 * trainer's PyTorch float64 logits on the first N CIFAR-10 test records (weights contract), to
 * max |diff| ≤ 1e-3 · max(1, max |logit|).
 *
 * Where: public/models/<m>/model.json and src/models/golden/<m>.golden.json, or the folders named by
 * CROSSBAR_WEIGHTS_DIR (holding <m>/model.json) and CROSSBAR_GOLDEN_DIR (holding <m>.golden.json).
 * Both models ship with the project, so a missing file fails the test.
 */
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DigitalRunner, MODEL_NAMES, getModel } from './index';
import { selectBackend } from '../../scripts/lib/backend';
import { disposeAll } from './testing/fixtures';
import { repoRoot as REPO_ROOT } from '../../scripts/lib/paths';
import { nodeFileFetch } from '../../scripts/lib/nodeFiles';
import { readCifarTestRecords } from '../../scripts/lib/cifarFiles';
import { loadWeights } from './weights';

const PARITY_TOLERANCE = 1e-3;

const weightsRoot = process.env.CROSSBAR_WEIGHTS_DIR ?? path.join(REPO_ROOT, 'public/models');
const goldenRoot = process.env.CROSSBAR_GOLDEN_DIR ?? path.join(REPO_ROOT, 'src/models/golden');
const goldenSchema = z.object({
  model: z.string(),
  weightsSha256: z.record(z.string(), z.string()),
  imageSource: z.string(),
  count: z.number().int().positive(),
  labels: z.array(z.number().int().min(0).max(9)),
  logits: z.array(z.array(z.number()).length(10)),
  computedWith: z.string(),
});

beforeAll(() => selectBackend('wasm'));

describe.each(MODEL_NAMES)('%s golden logits', (name) => {
  const weightsDir = path.join(weightsRoot, name);
  const goldenFile = path.join(goldenRoot, `${name}.golden.json`);

  it('the digital forward pass reproduces the trainer’s logits', async () => {
    if (!existsSync(path.join(weightsDir, 'model.json')))
      throw new Error(`no weights: ${weightsDir}/model.json is missing`);
    if (!existsSync(goldenFile)) throw new Error(`no golden logits: ${goldenFile} is missing`);
    const golden = goldenSchema.parse(JSON.parse(readFileSync(goldenFile, 'utf8')));
    expect(golden.model).toBe(name);
    expect(golden.logits).toHaveLength(golden.count);

    const { tensors, modelJson } = await loadWeights(name, nodeFileFetch(weightsDir));
    try {
      // The golden file must describe exactly these weights.
      expect(golden.weightsSha256).toEqual(modelJson.manifest.sha256);
      const records = readCifarTestRecords(golden.count);
      expect(Array.from(records.labels)).toEqual(golden.labels);

      const before = tf.memory().numTensors;
      const x = tf.tensor4d(records.images, [golden.count, 32, 32, 3]);
      const logits = getModel(name).forward(tensors, new DigitalRunner(tensors), x);
      const ours = logits.dataSync();
      tf.dispose([x, logits]);
      expect(tf.memory().numTensors).toBe(before);

      const want = golden.logits.flat();
      let maxDiff = 0;
      let maxLogit = 0;
      want.forEach((v, i) => {
        maxDiff = Math.max(maxDiff, Math.abs(ours[i]! - v));
        maxLogit = Math.max(maxLogit, Math.abs(v));
      });
      console.info(
        `${name}: ${golden.count} images, max |diff| ${maxDiff.toExponential(3)}, max |logit| ${maxLogit.toFixed(3)}`,
      );
      expect(maxDiff).toBeLessThanOrEqual(PARITY_TOLERANCE * Math.max(1, maxLogit));
    } finally {
      disposeAll(tensors);
    }
  });
});
