/// <reference types="node" />
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { floatToHalfBits, halfBitsToFloat } from './float16';
import { createGoogLeNet } from './googlenet';
import { getModel } from './index';
import type { ModelDefinition } from './model';
import { selectBackend } from '../../scripts/lib/backend';
import {
  TINY_GOOGLENET,
  TINY_VGG8,
  disposeAll,
  firstDifference,
  nonTrivialWeights,
  serveFiles,
} from './testing/fixtures';
import { nodeFileFetch } from '../../scripts/lib/nodeFiles';
import { createVgg8 } from './vgg8';
import type { FetchLike, SavedWeights, WeightsModelJson } from './weights';
import {
  MAX_SHARD_BYTES,
  WeightsFormatError,
  findNonFinite,
  firstNonFinite,
  formatModelJson,
  loadWeights,
  saveWeights,
} from './weights';
import { sha256Hex } from '../data/checksums';

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
  return serveFiles(files);
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
      'The vgg8 weights were refused: model.json gives the weight "conv3/kernel" the shape [3,3,5,7], but vgg8\'s is [3,3,5,6].',
    ));

  it('missing name', () =>
    expectError(
      memoryFetch(saved, {
        json: (j) => void entries(j).splice(entries(j).indexOf(entry(j, 'bn4/beta')), 1),
      }),
      'missing-name',
      'The vgg8 weights were refused: model.json does not list the weight "bn4/beta" (shape [7]).',
    ));

  it('extra name', () =>
    expectError(
      memoryFetch(saved, {
        json: (j) => void entries(j).splice(3, 0, { name: 'conv7/kernel', shape: [1], dtype: 'float32' }),
      }),
      'extra-name',
      'The vgg8 weights were refused: model.json lists the weight "conv7/kernel", which vgg8 does not have.',
    ));

  it('duplicate name', () =>
    expectError(
      memoryFetch(saved, { json: (j) => void entries(j).push({ ...entry(j, 'conv1/bias') }) }),
      'duplicate-name',
      'The vgg8 weights were refused: model.json lists the weight "conv1/bias" twice.',
    ));

  it('wrong dtype and unsupported quantisation', async () => {
    await expectError(
      memoryFetch(saved, { json: (j) => void (entry(j, 'fc1/bias').dtype = 'int32') }),
      'wrong-dtype',
      'The vgg8 weights were refused: model.json gives the weight "fc1/bias" the dtype "int32", not "float32".',
    );
    await expectError(
      memoryFetch(saved, { json: (j) => void (entry(j, 'fc2/kernel').quantization = { dtype: 'uint8' }) }),
      'wrong-dtype',
      'The vgg8 weights were refused: model.json stores the weight "fc2/kernel" as "uint8", not as float32 or float16.',
    );
  });

  it('bad hash', async () => {
    const corrupted = saved.shards.map((s) => s.slice());
    corrupted[0]![100]! ^= 1;
    const actual = await sha256Hex(corrupted[0]!);
    await expectError(
      memoryFetch(saved, { shards: corrupted }),
      'bad-hash',
      `The vgg8 weights were refused: weights-1.bin (${corrupted[0]!.byteLength} bytes) has the SHA-256 ${actual}, but model.json says ${saved.modelJson.manifest.sha256['weights-1.bin']}.`,
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
      `The vgg8 weights were refused: weights-1.bin holds ${truncated.byteLength} bytes, but model.json's weights for it take ${saved.shards[0]!.byteLength}.`,
    );
  });

  it('another model, a broken structure, an unsafe shard path, a missing file', async () => {
    await expectError(
      memoryFetch(saved, { json: (j) => void (j.model = 'googlenet') }),
      'wrong-model',
      'The vgg8 weights were refused: model.json holds weights of "googlenet", not of "vgg8".',
    );
    await expectError(
      memoryFetch(saved, { json: (j) => void delete (j as Partial<WeightsModelJson>).weightsManifest }),
      'bad-json',
      'The vgg8 weights were refused: model.json is not a weights file (weightsManifest is missing).',
    );
    await expectError(
      memoryFetch(saved, { json: (j) => void (j.weightsManifest[0]!.paths = ['../secret.bin']) }),
      'bad-json',
      'The vgg8 weights were refused: model.json is not a weights file (weightsManifest[0].paths[0] is the text "../secret.bin", not a plain file name such as weights-1.bin).',
    );
    await expectError(
      memoryFetch(saved, {
        json: (j) => void (j.weightsManifest[0]!.paths = ['weights-1.bin', 'weights-2.bin']),
      }),
      'missing-hash',
      'The vgg8 weights were refused: model.json has no SHA-256 for the shard "weights-2.bin" in manifest.sha256.',
    );
    await expectError(
      async () => ({
        ok: false,
        status: 404,
        statusText: 'Not Found',
        arrayBuffer: async () => new ArrayBuffer(0),
      }),
      'fetch-failed',
      'The vgg8 weights could not be loaded: fetching model.json failed (HTTP 404 Not Found).',
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

/** The byte offset of weight `name` in its group's concatenated shards, and its bytes per value. */
function byteOffsetOf(json: WeightsModelJson, name: string): { offset: number; bytes: number } {
  let offset = 0;
  for (const entry of json.weightsManifest[0]!.weights) {
    const bytes = entry.quantization === undefined ? 4 : 2;
    if (entry.name === name) return { offset, bytes };
    offset += bytes * entry.shape.reduce((a, b) => a * b, 1);
  }
  throw new Error(`no weight ${name}`);
}

/**
 * `saved` with one value of weight `name` replaced by the raw bit pattern `bits` (float32 or float16, as
 * saved), and model.json's SHA-256 updated to match: only the value is wrong, not the checksum.
 */
async function withBits(saved: SavedWeights, name: string, index: number, bits: number): Promise<FetchLike> {
  const { offset, bytes } = byteOffsetOf(saved.modelJson, name);
  let at = offset + index * bytes;
  const shards = saved.shards.map((s) => s.slice());
  let shard = 0;
  while (at >= shards[shard]!.byteLength) at -= shards[shard++]!.byteLength;
  // Little-endian, as the format stores values (a value never straddles shards in these fixtures).
  const view = new DataView(shards[shard]!.buffer);
  if (bytes === 4) view.setUint32(at, bits, true);
  else view.setUint16(at, bits, true);
  const hash = await sha256Hex(shards[shard]!);
  return memoryFetch(saved, {
    shards,
    json: (j) => void (j.manifest.sha256[saved.shardNames[shard]!] = hash),
  });
}

describe('loadWeights refuses NaN and ±Infinity with a matching SHA-256, naming the weight and index', () => {
  const saved: Record<'float32' | 'float16', SavedWeights> = {} as never;
  beforeAll(async () => {
    const weights = nonTrivialWeights(tinyVgg, 25);
    saved.float32 = await saveWeights(tinyVgg, weights, { dtype: 'float32' });
    saved.float16 = await saveWeights(tinyVgg, weights, { dtype: 'float16' });
    disposeAll(weights);
  });

  async function expectRefused(fetchLike: FetchLike, message: string) {
    const before = tf.memory().numTensors;
    const error = await loadWeights(tinyVgg, fetchLike).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeightsFormatError);
    expect((error as WeightsFormatError).code).toBe('non-finite');
    expect((error as WeightsFormatError).message).toBe(message);
    // Nothing was created: whatever weights are in use stay as they were.
    expect(tf.memory().numTensors).toBe(before);
  }

  it.each([
    ['quiet NaN', 0x7fc00000, 'NaN'],
    ['negative NaN', 0xffffffff, 'NaN'],
    ['signalling NaN', 0x7f800001, 'NaN'],
    ['+Infinity', 0x7f800000, 'Infinity'],
    ['−Infinity', 0xff800000, '-Infinity'],
  ])('float32 shard holding %s', async (_, bits, shown) => {
    await expectRefused(
      await withBits(saved.float32, 'conv4/kernel', 17, bits),
      `The vgg8 weights were refused: the weight "conv4/kernel" holds ${shown} at index 17 (in weights-1.bin).`,
    );
  });

  it.each([
    ['NaN', 0x7e00, 'NaN'],
    ['NaN with payload', 0x7c01, 'NaN'],
    ['negative NaN', 0xffff, 'NaN'],
    ['+Infinity', 0x7c00, 'Infinity'],
    ['−Infinity', 0xfc00, '-Infinity'],
  ])('float16 shard holding %s', async (_, bits, shown) => {
    await expectRefused(
      await withBits(saved.float16, 'bn2/movingVariance', 4, bits),
      `The vgg8 weights were refused: the weight "bn2/movingVariance" holds ${shown} at index 4 (in weights-1.bin).`,
    );
  });

  it('names the first bad value in file order and the shard that holds it (VGG-8, two shards)', async () => {
    const vgg8 = getModel('vgg8');
    const weights = nonTrivialWeights(vgg8, 26);
    const full = await saveWeights(vgg8, weights, { dtype: 'float32' });
    disposeAll(weights);
    expect(full.shardNames).toEqual(['weights-1.bin', 'weights-2.bin']);
    // fc1/kernel's last value lies in the second shard.
    const last = vgg8.params.find((p) => p.name === 'fc1/kernel')!.shape.reduce((a, b) => a * b, 1) - 1;
    const fetchLike = await withBits(full, 'fc1/kernel', last, 0x7f800000);
    const before = tf.memory().numTensors;
    await expect(loadWeights(vgg8, fetchLike)).rejects.toThrow(
      `The vgg8 weights were refused: the weight "fc1/kernel" holds Infinity at index ${last} (in weights-2.bin).`,
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it('accepts the extremes that are finite: ±0, subnormals, ±float32 max, ±float16 max', async () => {
    const weights = nonTrivialWeights(tinyVgg, 27);
    const bias = weights.get('fc2/bias')!;
    weights.set(
      'fc2/bias',
      tf.tensor([0, -0, 1e-45, -1e-45, 3.4028234663852886e38, -3.4028234663852886e38, 65504, -65504, 1, 2]),
    );
    bias.dispose();
    const loaded = await loadWeights(
      tinyVgg,
      memoryFetch(await saveWeights(tinyVgg, weights, { dtype: 'float32' })),
    );
    expect(
      firstDifference(loaded.tensors.get('fc2/bias')!.dataSync(), weights.get('fc2/bias')!.dataSync()),
    ).toBe(-1);
    disposeAll(loaded.tensors);
    disposeAll(weights);
  });
});

describe('findNonFinite: the one check for files and for trained weights', () => {
  it('returns the first NaN or ±Infinity with its index, null when every value is finite', () => {
    expect(findNonFinite('w', new Float32Array([0, -0, 1e-45, 3.4e38]))).toBeNull();
    expect(findNonFinite('w', new Float32Array([1, Infinity, NaN]))).toEqual({
      name: 'w',
      index: 1,
      value: Infinity,
    });
    expect(findNonFinite('w', [0, 0, 0, -Infinity])).toEqual({ name: 'w', index: 3, value: -Infinity });
    expect(findNonFinite('w', new Float32Array(0))).toBeNull();
    expect(
      firstNonFinite([
        ['a', new Float32Array([1, 2])],
        ['b', new Float32Array([3, NaN])],
        ['c', new Float32Array([Infinity])],
      ]),
    ).toEqual({ name: 'b', index: 1, value: NaN });
  });
});

describe('saveWeights refuses non-finite values (a diverged run cannot be exported)', () => {
  it.each(['float32', 'float16'] as const)('%s: names the weight and the index', async (dtype) => {
    const weights = tinyVgg.randomInit(4);
    for (const [value, shown] of [
      [NaN, 'NaN'],
      [Infinity, 'Infinity'],
      [-Infinity, '-Infinity'],
    ] as const) {
      const values = new Float32Array(10);
      values[6] = value;
      weights.get('fc2/bias')!.dispose();
      weights.set('fc2/bias', tf.tensor(values));
      const error = await saveWeights(tinyVgg, weights, { dtype }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WeightsFormatError);
      expect((error as WeightsFormatError).code).toBe('non-finite');
      expect((error as Error).message).toBe(
        `The vgg8 weights were not saved: the weight "fc2/bias" holds ${shown} at index 6.`,
      );
    }
    disposeAll(weights);
  });
});
