import { sha256Hex } from '../data/checksums';
import * as tf from '@tensorflow/tfjs-core';
import { strToU8 } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { getModel } from '../models';
import { selectBackend } from '../../scripts/lib/backend';
import { disposeAll, firstDifference, nonTrivialWeights } from '../models/testing/fixtures';
import { formatModelJson, saveWeights, type SavedWeights } from '../models/weights';
import { packWeightsArchive, type ChosenFile } from '../models/weightsArchive';
import { WorkerModels } from './workerModels';

beforeAll(() => selectBackend('cpu'));

/** `saved` as one zip, with the last float32 value of the last shard set to `value` and its hash updated. */
async function zipWithLastValue(saved: SavedWeights, value: number): Promise<ChosenFile> {
  const shards = saved.shards.map((s) => s.slice());
  const last = shards.at(-1)!;
  new DataView(last.buffer).setFloat32(last.byteLength - 4, value, true);
  const modelJson = structuredClone(saved.modelJson);
  modelJson.manifest.sha256[saved.shardNames.at(-1)!] = await sha256Hex(last);
  const zip = packWeightsArchive({ ...saved, modelJson, modelJsonText: formatModelJson(modelJson), shards });
  return { name: 'broken.zip', bytes: zip };
}

describe('WorkerModels.useFiles: a refused set leaves the weights in use as they were', () => {
  it('NaN, Infinity and a model.json of null, [], "x" or 42 change nothing', async () => {
    const vgg8 = getModel('vgg8');
    const original = nonTrivialWeights(vgg8, 41);
    const saved = await saveWeights(vgg8, original, { dtype: 'float32' });
    const models = new WorkerModels('/');
    expect(
      await models.useFiles([{ name: 'good.zip', bytes: packWeightsArchive(saved) }], 'good.zip'),
    ).toEqual({
      model: 'vgg8',
      source: 'good.zip',
      baselineAccuracy: null,
    });
    const inUse = await models.get('vgg8');
    const tensorsBefore = tf.memory().numTensors;

    // fc2/bias is the last parameter: its last value is the last float of the last shard.
    const refused: [ChosenFile, string][] = [
      [
        await zipWithLastValue(saved, NaN),
        'The vgg8 weights were refused: the weight "fc2/bias" holds NaN at index 9 (in weights-2.bin).',
      ],
      [
        await zipWithLastValue(saved, -Infinity),
        'The vgg8 weights were refused: the weight "fc2/bias" holds -Infinity at index 9 (in weights-2.bin).',
      ],
      ...(
        [
          ['null', 'it holds null'],
          ['[]', 'it holds an empty list'],
          ['"x"', 'it holds the text "x"'],
          ['42', 'it holds the number 42'],
        ] as const
      ).map(([text, why]): [ChosenFile, string] => [
        { name: 'model.json', bytes: strToU8(text) },
        `The weights were refused: model.json is not a weights file (${why}).`,
      ]),
    ];
    for (const [file, message] of refused) {
      await expect(models.useFiles([file], file.name)).rejects.toThrow(message);
      // The same weights, not disposed, still in use; no tensor was created or freed.
      const now = await models.get('vgg8');
      expect(now).toBe(inUse);
      expect(now.source).toBe('good.zip');
      expect(tf.memory().numTensors).toBe(tensorsBefore);
    }
    for (const p of vgg8.params) {
      const values = inUse.tensors.get(p.name)!.dataSync();
      expect(firstDifference(values, original.get(p.name)!.dataSync()), p.name).toBe(-1);
    }
    disposeAll(inUse.tensors);
    disposeAll(original);
  });
});
