import * as tf from '@tensorflow/tfjs';
import { strToU8, zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { getModel } from './index';
import { selectBackend } from './testing/backend';
import { disposeAll, firstDifference, nonTrivialWeights } from './testing/fixtures';
import { loadWeights, saveWeights, WeightsFormatError, type SavedWeights } from './weights';
import {
  fetchFromFolder,
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

  it('says what is wrong with a bad choice', async () => {
    const missingShard = await errorOf(() =>
      loadWeights(
        vgg8,
        fetchFromFolder(
          weightsFolderFromFiles([
            { name: 'model.json', bytes: strToU8(saved.modelJsonText) },
            { name: 'weights-1.bin', bytes: saved.shards[0]! },
          ]),
        ),
      ),
    );
    expect(missingShard.message).toMatch(
      /weights-2\.bin.*not among the chosen files \(model\.json, weights-1\.bin\)/,
    );

    const noJson = await errorOf(() =>
      weightsFolderFromFiles([{ name: 'weights-1.bin', bytes: saved.shards[0]! }]),
    );
    expect(noJson.message).toMatch(/No model\.json among the chosen files \(weights-1\.bin\)/);

    const broken = packWeightsArchive(saved).slice(0, 1000);
    const notZip = await errorOf(() => weightsFolderFromFiles([{ name: 'w.zip', bytes: broken }]));
    expect((notZip as WeightsFormatError).code).toBe('bad-archive');
    expect(notZip.message).toMatch(/w\.zip is not a readable zip archive/);

    const twice = await errorOf(() =>
      weightsFolderFromFiles([
        { name: 'a.zip', bytes: packWeightsArchive(saved) },
        { name: 'model.json', bytes: strToU8(saved.modelJsonText) },
      ]),
    );
    expect(twice.message).toMatch(/Two files are named model\.json/);

    const other = new Map([['model.json', strToU8(JSON.stringify({ model: 'resnet18' }))]]);
    expect((await errorOf(() => modelOfFolder(other))).message).toMatch(
      /model\.json is for the model "resnet18"; Crossbar Lab runs vgg8 and googlenet/,
    );

    // A zip of VGG-8 weights chosen as GoogLeNet's: the loader names the mismatch.
    const wrong = await errorOf(() =>
      loadWeights(
        getModel('googlenet'),
        fetchFromFolder(weightsFolderFromFiles([{ name: 'w.zip', bytes: packWeightsArchive(saved) }])),
      ),
    );
    expect((wrong as WeightsFormatError).code).toBe('wrong-model');
  });
});
