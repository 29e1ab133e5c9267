/// <reference types="node" />
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { floatToHalfBits, halfBitsToFloat } from './float16';
import { createGoogLeNet } from './googlenet';
import { getModel } from './index';
import type { ModelDefinition } from './model';
import { selectBackend } from './testing/backend';
import {
  TINY_GOOGLENET,
  TINY_VGG8,
  disposeAll,
  firstDifference,
  nonTrivialWeights,
} from './testing/fixtures';
import { nodeFileFetch } from './testing/nodeFiles';
import { createVgg8 } from './vgg8';
import type { FetchLike, SavedWeights, WeightsModelJson } from './weights';
import {
  MAX_SHARD_BYTES,
  WeightsFormatError,
  formatModelJson,
  loadWeights,
  saveWeights,
  sha256Hex,
} from './weights';

beforeAll(() => selectBackend('cpu'));
afterEach(() => vi.unstubAllGlobals());

/** Serves a saved model from memory, with optional edits to model.json and the shards. */
function memoryFetch(
  saved: SavedWeights,
  edit?: { json?: (j: WeightsModelJson) => void; shards?: Uint8Array[] },
): FetchLike {
  const json = structuredClone(saved.modelJson);
  edit?.json?.(json);
  const files = new Map<string, Uint8Array>([
    ['model.json', new TextEncoder().encode(formatModelJson(json))],
  ]);
  saved.shardNames.forEach((name, i) => files.set(name, (edit?.shards ?? saved.shards)[i]!));
  return async (name) => {
    const bytes = files.get(name);
    return {
      ok: bytes !== undefined,
      status: bytes === undefined ? 404 : 200,
      statusText: bytes === undefined ? 'Not Found' : 'OK',
      arrayBuffer: async () => (bytes ?? new Uint8Array()).slice().buffer,
    };
  };
}

const tinyVgg = createVgg8(TINY_VGG8);

describe('saveWeights → loadWeights round trip', () => {
  it.each([
    ['reduced VGG-8', tinyVgg],
    ['reduced GoogLeNet', createGoogLeNet(TINY_GOOGLENET)],
    ['VGG-8', getModel('vgg8')],
  ] as [string, ModelDefinition][])(
    '%s in float32 is bit-exact, in shards of at most 4 MiB',
    async (_, model) => {
      const weights = nonTrivialWeights(model, 21);
      const saved = await saveWeights(model, weights, { dtype: 'float32' }, { top1TestAccuracy: 0.5 });
      const totalBytes = model.params.reduce((s, p) => s + 4 * p.shape.reduce((a, b) => a * b, 1), 0);
      expect(saved.shards.map((s) => s.byteLength).reduce((a, b) => a + b, 0)).toBe(totalBytes);
      expect(saved.shards).toHaveLength(Math.ceil(totalBytes / MAX_SHARD_BYTES));
      expect(saved.shards.every((s) => s.byteLength <= MAX_SHARD_BYTES)).toBe(true);
      expect(saved.modelJsonText).toBe(`${JSON.stringify(saved.modelJson, null, 2)}\n`);
      expect(saved.modelJson.manifest.top1TestAccuracy).toBe(0.5);
      expect(saved.modelJson.manifest.sha256['weights-1.bin']).toBe(await sha256Hex(saved.shards[0]!));

      const before = tf.memory().numTensors;
      const loaded = await loadWeights(model, memoryFetch(saved));
      expect(tf.memory().numTensors).toBe(before + model.params.length);
      expect([...loaded.tensors.keys()]).toEqual(model.params.map((p) => p.name));
      for (const p of model.params) {
        expect(loaded.tensors.get(p.name)!.shape).toEqual(p.shape);
        expect(firstDifference(loaded.tensors.get(p.name)!.dataSync(), weights.get(p.name)!.dataSync())).toBe(
          -1,
        );
      }
      disposeAll(loaded.tensors);
      expect(tf.memory().numTensors).toBe(before);
      disposeAll(weights);
    },
  );

  it('float16 stores each value as its nearest half: |error| ≤ 2⁻¹¹·|w| (+2⁻²⁵ for subnormals)', async () => {
    const weights = nonTrivialWeights(tinyVgg, 22);
    const saved = await saveWeights(tinyVgg, weights, { dtype: 'float16' });
    expect(saved.modelJson.weightsManifest[0]!.weights[0]!.quantization).toEqual({
      dtype: 'float16',
      original_dtype: 'float32',
    });
    const loaded = await loadWeights(tinyVgg, memoryFetch(saved));
    let worst = 0;
    for (const p of tinyVgg.params) {
      const original = weights.get(p.name)!.dataSync();
      const back = loaded.tensors.get(p.name)!.dataSync();
      for (let i = 0; i < original.length; i++) {
        const w = original[i]!;
        expect(back[i]).toBe(halfBitsToFloat(floatToHalfBits(w)));
        worst = Math.max(worst, Math.abs(back[i]! - w) / (2 ** -11 * Math.abs(w) + 2 ** -25));
      }
    }
    expect(worst).toBeLessThanOrEqual(1);
    expect(worst).toBeGreaterThan(0.1); // the bound is tight, i.e. values really were rounded
    disposeAll(loaded.tensors);
    disposeAll(weights);
  });

  it('reads from a folder on disk and from a base URL through fetch', async () => {
    const weights = nonTrivialWeights(tinyVgg, 23);
    const saved = await saveWeights(tinyVgg, weights, { dtype: 'float16' });
    const dir = mkdtempSync(path.join(tmpdir(), 'crossbar-weights-'));
    writeFileSync(path.join(dir, 'model.json'), saved.modelJsonText);
    saved.shardNames.forEach((name, i) => writeFileSync(path.join(dir, name), saved.shards[i]!));
    const fromDisk = await loadWeights(tinyVgg, nodeFileFetch(dir));
    rmSync(dir, { recursive: true });

    const requested: string[] = [];
    const serve = memoryFetch(saved);
    vi.stubGlobal('fetch', (url: string) => {
      requested.push(url);
      return serve(url.slice(url.lastIndexOf('/') + 1));
    });
    const fromUrl = await loadWeights(tinyVgg, 'https://lab.example/models/vgg8');
    expect(requested).toEqual([
      'https://lab.example/models/vgg8/model.json',
      'https://lab.example/models/vgg8/weights-1.bin',
    ]);
    for (const p of tinyVgg.params) {
      expect(
        firstDifference(fromDisk.tensors.get(p.name)!.dataSync(), fromUrl.tensors.get(p.name)!.dataSync()),
      ).toBe(-1);
    }
    disposeAll(fromDisk.tensors);
    disposeAll(fromUrl.tensors);
    disposeAll(weights);
  });
});

describe('loadWeights rejects files that do not match, naming the first problem', () => {
  let saved: SavedWeights;
  beforeAll(async () => {
    const weights = nonTrivialWeights(tinyVgg, 24);
    saved = await saveWeights(tinyVgg, weights, { dtype: 'float32' });
    disposeAll(weights);
  });
  const entries = (j: WeightsModelJson) => j.weightsManifest[0]!.weights;
  const entry = (j: WeightsModelJson, name: string) => entries(j).find((e) => e.name === name)!;

  async function expectError(fetchLike: FetchLike, code: string, message: string) {
    const before = tf.memory().numTensors;
    const error = await loadWeights(tinyVgg, fetchLike).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeightsFormatError);
    expect((error as WeightsFormatError).message).toBe(message);
    expect((error as WeightsFormatError).code).toBe(code);
    expect(tf.memory().numTensors).toBe(before);
  }

  it('wrong shape', () =>
    expectError(
      memoryFetch(saved, { json: (j) => void (entry(j, 'conv3/kernel').shape = [3, 3, 5, 7]) }),
      'wrong-shape',
      'vgg8 weights (model.json): weight "conv3/kernel" has shape [3,3,5,7], expected [3,3,5,6]',
    ));

  it('missing name', () =>
    expectError(
      memoryFetch(saved, {
        json: (j) => void entries(j).splice(entries(j).indexOf(entry(j, 'bn4/beta')), 1),
      }),
      'missing-name',
      'vgg8 weights (model.json): missing weight "bn4/beta" (shape [7])',
    ));

  it('extra name', () =>
    expectError(
      memoryFetch(saved, {
        json: (j) => void entries(j).splice(3, 0, { name: 'conv7/kernel', shape: [1], dtype: 'float32' }),
      }),
      'extra-name',
      'vgg8 weights (model.json): unexpected weight "conv7/kernel" (not a parameter of vgg8)',
    ));

  it('duplicate name', () =>
    expectError(
      memoryFetch(saved, { json: (j) => void entries(j).push({ ...entry(j, 'conv1/bias') }) }),
      'duplicate-name',
      'vgg8 weights (model.json): weight "conv1/bias" appears twice',
    ));

  it('wrong dtype and unsupported quantisation', async () => {
    await expectError(
      memoryFetch(saved, { json: (j) => void (entry(j, 'fc1/bias').dtype = 'int32') }),
      'wrong-dtype',
      'vgg8 weights (model.json): weight "fc1/bias" has dtype "int32", expected "float32"',
    );
    await expectError(
      memoryFetch(saved, { json: (j) => void (entry(j, 'fc2/kernel').quantization = { dtype: 'uint8' }) }),
      'wrong-dtype',
      'vgg8 weights (model.json): weight "fc2/kernel" is stored as "uint8", expected float32 or float16 quantization',
    );
  });

  it('bad hash', async () => {
    const corrupted = saved.shards.map((s) => s.slice());
    corrupted[0]![100]! ^= 1;
    const actual = await sha256Hex(corrupted[0]!);
    await expectError(
      memoryFetch(saved, { shards: corrupted }),
      'bad-hash',
      `vgg8 weights: SHA-256 of weights-1.bin (${corrupted[0]!.byteLength} bytes) is ${actual}, manifest says ${saved.modelJson.manifest.sha256['weights-1.bin']}`,
    );
  });

  it('shard size mismatch (hash updated to match a truncated shard)', async () => {
    const truncated = saved.shards[0]!.slice(0, saved.shards[0]!.byteLength - 8);
    const hash = await sha256Hex(truncated);
    await expectError(
      memoryFetch(saved, {
        shards: [truncated],
        json: (j) => void (j.manifest.sha256['weights-1.bin'] = hash),
      }),
      'shard-size',
      `vgg8 weights: shards weights-1.bin hold ${truncated.byteLength} bytes, the manifest's weights need ${saved.shards[0]!.byteLength}`,
    );
  });

  it('another model, a broken structure, an unsafe shard path, a missing file', async () => {
    await expectError(
      memoryFetch(saved, { json: (j) => void (j.model = 'googlenet') }),
      'wrong-model',
      'vgg8 weights (model.json): the file holds weights of "googlenet", not "vgg8"',
    );
    await expectError(
      memoryFetch(saved, { json: (j) => void delete (j as Partial<WeightsModelJson>).weightsManifest }),
      'bad-json',
      'vgg8 weights (model.json): not a weights file: weightsManifest: Invalid input: expected array, received undefined',
    );
    await expectError(
      memoryFetch(saved, { json: (j) => void (j.weightsManifest[0]!.paths = ['../secret.bin']) }),
      'bad-json',
      'vgg8 weights (model.json): not a weights file: weightsManifest.0.paths.0: must be a plain file name',
    );
    await expectError(
      memoryFetch(saved, {
        json: (j) => void (j.weightsManifest[0]!.paths = ['weights-1.bin', 'weights-2.bin']),
      }),
      'missing-hash',
      'vgg8 weights (model.json): manifest.sha256 has no hash for shard "weights-2.bin"',
    );
    await expectError(
      async () => ({
        ok: false,
        status: 404,
        statusText: 'Not Found',
        arrayBuffer: async () => new ArrayBuffer(0),
      }),
      'fetch-failed',
      'vgg8 weights: cannot fetch model.json: HTTP 404 Not Found',
    );
  });
});

describe('saveWeights refuses incomplete or mismatched tensors', () => {
  it('names the missing tensor, the wrong shape and the extra tensor', async () => {
    const weights = tinyVgg.randomInit(3);
    const bias = weights.get('fc2/bias')!;
    weights.delete('fc2/bias');
    await expect(saveWeights(tinyVgg, weights, { dtype: 'float32' })).rejects.toThrow(
      'saveWeights(vgg8): no tensor "fc2/bias"',
    );
    weights.set('fc2/bias', tf.zeros([3]));
    await expect(saveWeights(tinyVgg, weights, { dtype: 'float32' })).rejects.toThrow(
      'saveWeights(vgg8): "fc2/bias" has shape [3], expected [10]',
    );
    weights.get('fc2/bias')!.dispose();
    weights.set('fc2/bias', bias);
    weights.set('fc3/bias', tf.zeros([3]));
    await expect(saveWeights(tinyVgg, weights, { dtype: 'float32' })).rejects.toThrow(
      'saveWeights(vgg8): unexpected tensor "fc3/bias"',
    );
    disposeAll(weights);
  });
});
