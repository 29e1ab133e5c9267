/**
 * Shared by the corpora of refused weights (weightsRefusals.test.ts: model.json and shards;
 * weightsArchiveRefusals.test.ts: zips and chosen files): a tiny VGG-8 saved once, a server for edited
 * copies of it, and the checks every refusal must pass.
 */
import * as tf from '@tensorflow/tfjs-core';
import { strToU8 } from 'fflate';
import { expect } from 'vitest';
import { createVgg8 } from '../vgg8';
import {
  WeightsFormatError,
  formatModelJson,
  loadWeights,
  saveWeights,
  type FetchLike,
  type SavedWeights,
  type WeightsModelJson,
} from '../weights';
import { TINY_VGG8, disposeAll, nonTrivialWeights, serveFiles } from './fixtures';

export const tinyVgg = createVgg8(TINY_VGG8);
export const P = 'The vgg8 weights were refused: ';
export const NOT_A_WEIGHTS_FILE = `${P}model.json is not a weights file`;

let saving: Promise<SavedWeights> | null = null;
/** The tiny VGG-8 with non-trivial float32 weights, saved once (call it in a beforeAll). */
export function savedTinyVgg(): Promise<SavedWeights> {
  saving ??= (async () => {
    const weights = nonTrivialWeights(tinyVgg, 31);
    const saved = await saveWeights(tinyVgg, weights, { dtype: 'float32' });
    disposeAll(weights);
    return saved;
  })();
  return saving;
}

/** Serves model.json as the given bytes or text, and the saved shards (or `shards`) by name. */
export function serveSaved(
  saved: SavedWeights,
  modelJson: string | Uint8Array,
  shards: Record<string, Uint8Array> = {},
): FetchLike {
  const files = new Map<string, Uint8Array>(saved.shardNames.map((name, i) => [name, saved.shards[i]!]));
  for (const [name, bytes] of Object.entries(shards)) files.set(name, bytes);
  files.set('model.json', typeof modelJson === 'string' ? strToU8(modelJson) : modelJson);
  return serveFiles(files);
}

/** The saved model.json after `edit` (values of the wrong type go in `as never`: that is the point). */
export function editedModelJson(saved: SavedWeights, edit: (json: WeightsModelJson) => void): string {
  const json = structuredClone(saved.modelJson);
  edit(json);
  return formatModelJson(json);
}

/** The refusal `loadWeights` gives, after checking it created no tensor and is a WeightsFormatError. */
export async function refusalOf(fetchLike: FetchLike): Promise<string> {
  const before = tf.memory().numTensors;
  const error = await loadWeights(tinyVgg, fetchLike).then(
    () => new Error('accepted'),
    (e: unknown) => e,
  );
  expect(tf.memory().numTensors).toBe(before);
  expect(error).toBeInstanceOf(WeightsFormatError);
  return (error as Error).message;
}

/** Every refusal is one plain sentence: no internals, no "undefined", no "[object Object]". */
export function expectPlainSentence(message: string) {
  expect(message).toMatch(/^The .* (were refused|could not be loaded): .*\.$/s);
  expect(message).not.toMatch(/TypeError|SyntaxError|RangeError|undefined|\[object |\n/);
  expect(message.length).toBeLessThan(400);
}
