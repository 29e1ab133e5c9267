import * as tf from '@tensorflow/tfjs-core';
import { strToU8, zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { getModel } from './index';
import { selectBackend } from '../../scripts/lib/backend';
import { disposeAll, firstDifference, nonTrivialWeights } from './testing/fixtures';
import {
  loadWeights,
  saveWeights,
  validateModelJson,
  WeightsFormatError,
  type SavedWeights,
} from './weights';
import {
  fetchFromFolder,
  loadWeightsFiles,
  modelOfFolder,
  packWeightsArchive,
  weightsFolderFromFiles,
  type ChosenFile,
} from './weightsArchive';

beforeAll(() => selectBackend('cpu'));

const vgg8 = getModel('vgg8');

/** The error a call throws (fails the test when it does not throw). */
async function errorOf(run: () => unknown): Promise<WeightsFormatError | Error> {
  try {
    await run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('weights archive: export as one zip, choose again', () => {
  let saved: SavedWeights;
  let original: Map<string, tf.Tensor>;
  beforeAll(async () => {
    original = nonTrivialWeights(vgg8, 5);
    saved = await saveWeights(vgg8, original, { dtype: 'float32' }, { trainer: { name: 'test' } });
    // The paper's VGG-8 in float32 needs two shards (5.4 MB > 4 MiB): the zip carries both.
    expect(saved.shardNames).toEqual(['weights-1.bin', 'weights-2.bin']);
  });

  async function expectOriginal(files: ChosenFile[]) {
    const folder = weightsFolderFromFiles(files);
    expect(modelOfFolder(folder)).toBe('vgg8');
    const loaded = await loadWeights(vgg8, fetchFromFolder(folder));
    for (const p of vgg8.params) {
      const got = loaded.tensors.get(p.name)!.dataSync();
      expect(firstDifference(got, original.get(p.name)!.dataSync()), p.name).toBe(-1);
    }
    expect(loaded.modelJson.manifest.trainer).toEqual({ name: 'test' });
    disposeAll(loaded.tensors);
  }

  it('round-trips the exported zip bit-exactly (float32)', async () => {
    await expectOriginal([{ name: 'crossbar-lab-run-1-vgg8-weights.zip', bytes: packWeightsArchive(saved) }]);
  });

  it('takes loose files (model.json + shards) and a zip whose entries sit in a folder', async () => {
    await expectOriginal([
      { name: 'model.json', bytes: strToU8(saved.modelJsonText) },
      ...saved.shardNames.map((name, i) => ({ name, bytes: saved.shards[i]! })),
    ]);
    const nested = zipSync({
      'trained/model.json': strToU8(saved.modelJsonText),
      'trained/weights-1.bin': saved.shards[0]!,
      'trained/weights-2.bin': saved.shards[1]!,
    });
    // Named without .zip: recognised by its signature.
    await expectOriginal([{ name: 'download', bytes: nested }]);
  });

  it('says what is wrong with a bad choice, in one sentence', async () => {
    const before = tf.memory().numTensors;
    const missingShard = await errorOf(() =>
      loadWeightsFiles([
        { name: 'model.json', bytes: strToU8(saved.modelJsonText) },
        { name: 'weights-1.bin', bytes: saved.shards[0]! },
      ]),
    );
    expect(missingShard.message).toBe(
      'The weights were refused: weights-2.bin is not among the chosen files (model.json, weights-1.bin).',
    );

    const noJson = await errorOf(() =>
      weightsFolderFromFiles([{ name: 'weights-1.bin', bytes: saved.shards[0]! }]),
    );
    expect(noJson.message).toBe(
      'The weights were refused: there is no model.json among the chosen files (weights-1.bin); choose the .zip Crossbar Lab exports, or model.json together with its .bin shards.',
    );

    const broken = packWeightsArchive(saved).slice(0, 1000);
    const notZip = await errorOf(() => weightsFolderFromFiles([{ name: 'w.zip', bytes: broken }]));
    expect((notZip as WeightsFormatError).code).toBe('bad-archive');
    expect(notZip.message).toBe(
      'The weights were refused: "w.zip" is not a zip archive Crossbar Lab can read (invalid zip data).',
    );

    const twice = await errorOf(() =>
      weightsFolderFromFiles([
        { name: 'a.zip', bytes: packWeightsArchive(saved) },
        { name: 'model.json', bytes: strToU8(saved.modelJsonText) },
      ]),
    );
    expect(twice.message).toBe(
      'The weights were refused: two of the chosen files are named "model.json", so it is unclear which to use.',
    );

    const other = new Map([['model.json', strToU8(JSON.stringify({ model: 'resnet18' }))]]);
    expect((await errorOf(() => modelOfFolder(other))).message).toBe(
      'The weights were refused: model.json is for the model "resnet18", but Crossbar Lab runs vgg8 and googlenet.',
    );

    // A zip of VGG-8 weights chosen as GoogLeNet's: the loader names the mismatch.
    const wrong = await errorOf(() =>
      loadWeights(
        getModel('googlenet'),
        fetchFromFolder(weightsFolderFromFiles([{ name: 'w.zip', bytes: packWeightsArchive(saved) }])),
      ),
    );
    expect((wrong as WeightsFormatError).code).toBe('wrong-model');
    expect(wrong.message).toBe(
      'The googlenet weights were refused: model.json holds weights of "vgg8", not of "googlenet".',
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('model.json that is valid JSON but not an object: one plain sentence each', () => {
  const cases = [
    ['null', 'it holds null'],
    ['[]', 'it holds an empty list'],
    ['[1, 2]', 'it holds a list of 2 items'],
    ['"x"', 'it holds the text "x"'],
    ['42', 'it holds the number 42'],
    ['true', 'it holds the boolean true'],
  ] as const;

  it.each(cases)('%s, chosen as a file', async (text, why) => {
    const error = await errorOf(() => loadWeightsFiles([{ name: 'model.json', bytes: strToU8(text) }]));
    expect(error).toBeInstanceOf(WeightsFormatError);
    expect((error as WeightsFormatError).code).toBe('bad-json');
    expect(error.message).toBe(`The weights were refused: model.json is not a weights file (${why}).`);
  });

  it.each(cases)("%s, fetched for a model (the shipped weights' path)", async (text, why) => {
    const error = await errorOf(() =>
      loadWeights(vgg8, fetchFromFolder(new Map([['model.json', strToU8(text)]]))),
    );
    expect((error as WeightsFormatError).code).toBe('bad-json');
    expect(error.message).toBe(`The vgg8 weights were refused: model.json is not a weights file (${why}).`);
  });

  it('validateModelJson says the same for a value that never was bytes', () => {
    for (const [text, why] of cases) {
      expect(() => validateModelJson(vgg8, JSON.parse(text))).toThrow(
        `The vgg8 weights were refused: model.json is not a weights file (${why}).`,
      );
    }
    expect(() => validateModelJson(vgg8, undefined)).toThrow(
      'The vgg8 weights were refused: model.json is not a weights file (it holds nothing).',
    );
  });

  it('an object whose model is missing, not a name, or unknown', async () => {
    const message = async (json: string) =>
      (await errorOf(() => modelOfFolder(new Map([['model.json', strToU8(json)]])))).message;
    expect(await message('{}')).toBe(
      'The weights were refused: model.json does not say which model it is for (Crossbar Lab runs vgg8 and googlenet).',
    );
    expect(await message('{"model": null}')).toBe(
      "The weights were refused: model.json's model is null, not a model's name (Crossbar Lab runs vgg8 and googlenet).",
    );
    expect(await message('{"model": {"name": "vgg8"}}')).toBe(
      "The weights were refused: model.json's model is an object, not a model's name (Crossbar Lab runs vgg8 and googlenet).",
    );
    expect(await message('{"model": ["vgg8"]}')).toBe(
      "The weights were refused: model.json's model is a list of 1 item, not a model's name (Crossbar Lab runs vgg8 and googlenet).",
    );
    expect(await message('{"model": 8}')).toBe(
      "The weights were refused: model.json's model is the number 8, not a model's name (Crossbar Lab runs vgg8 and googlenet).",
    );
    // Only own keys count: "__proto__" in JSON is a key like any other, and "toString" is no model.
    expect(await message('{"__proto__": {"model": "vgg8"}}')).toBe(
      'The weights were refused: model.json does not say which model it is for (Crossbar Lab runs vgg8 and googlenet).',
    );
    expect(await message(`{"model": "${'x'.repeat(5000)}"}`)).toBe(
      `The weights were refused: model.json is for the model "${'x'.repeat(40)}…", but Crossbar Lab runs vgg8 and googlenet.`,
    );
  });
});
