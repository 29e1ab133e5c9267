/**
 * A corpus of careless and hostile weights files, generated here (no binary fixtures): model.json and shards: each is refused
 * with one plain sentence naming what is wrong, creates no tensor and returns promptly, or is accepted
 * because it is harmless (each such case says why).
 */
import { sha256Hex } from '../data/checksums';
import * as tf from '@tensorflow/tfjs-core';
import { strToU8 } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { getModel } from './index';
import { selectBackend } from '../../scripts/lib/backend';
import {
  NOT_A_WEIGHTS_FILE,
  P,
  editedModelJson,
  expectPlainSentence,
  refusalOf,
  savedTinyVgg,
  serveSaved,
  tinyVgg,
} from './testing/refusals';
import { disposeAll, nonTrivialWeights } from './testing/fixtures';
import { fetchFromFolder } from './weightsArchive';
import {
  formatModelJson,
  loadWeights,
  saveWeights,
  type FetchLike,
  type SavedWeights,
  type WeightsModelJson,
} from './weights';

beforeAll(() => selectBackend('cpu'));

let saved: SavedWeights;
beforeAll(async () => {
  saved = await savedTinyVgg();
});
const serve = (modelJson: string | Uint8Array, shards: Record<string, Uint8Array> = {}) =>
  serveSaved(saved, modelJson, shards);
const edited = (edit: (json: WeightsModelJson) => void) => editedModelJson(saved, edit);

const group = (j: WeightsModelJson) => j.weightsManifest[0]!;
const conv1 = (j: WeightsModelJson) => group(j).weights[0]!;

describe('model.json: careless and hostile contents are refused in one sentence', () => {
  const cases: [string, () => string | Uint8Array, string | RegExp][] = [
    ['an empty file', () => new Uint8Array(0), `${P}model.json is empty.`],
    [
      'bytes that are not UTF-8 (0xFF inside a string)',
      () => {
        const text = strToU8(edited((j) => (j.manifest.note = 'AB')));
        text[text.indexOf(0x41)] = 0xff;
        return text;
      },
      `${P}model.json is not UTF-8 text.`,
    ],
    [
      'text that is not JSON',
      () => 'xyz',
      /^The vgg8 weights were refused: model\.json is not JSON \(.+\)\.$/,
    ],
    [
      // V8 quotes the start of the text, line breaks and all: the sentence stays on one line.
      'text with line breaks that is not JSON',
      () => '\n\nabc\ndef',
      /^The vgg8 weights were refused: model\.json is not JSON \([^\n]*abc def[^\n]*\)\.$/,
    ],
    [
      'JSON cut in half',
      () => formatModelJson(saved.modelJson).slice(0, 200),
      /^The vgg8 weights were refused: model\.json is not JSON \(.+\)\.$/,
    ],
    [
      'a model.json of 2 MiB (padded with spaces)',
      () => formatModelJson(saved.modelJson) + ' '.repeat(2 * 1024 * 1024),
      `${P}model.json is 2.0 MiB, more than a weights description can be (at most 1 MiB).`,
    ],
    [
      'JSON nested 100,000 levels deep (under a key nothing reads)',
      () =>
        `{"deep": ${'['.repeat(100_000)}${']'.repeat(100_000)}, ${formatModelJson(saved.modelJson).slice(1)}`,
      `${NOT_A_WEIGHTS_FILE} (it nests more than 64 levels deep).`,
    ],
    [
      'formatVersion as a string',
      () => edited((j) => (j.formatVersion = '1' as never)),
      `${NOT_A_WEIGHTS_FILE} (formatVersion is the text "1", not a number).`,
    ],
    [
      'model as a number',
      () => edited((j) => (j.model = 42 as never)),
      `${NOT_A_WEIGHTS_FILE} (model is the number 42, not a text).`,
    ],
    [
      'another format, with a name 10,000 characters long',
      () => edited((j) => (j.format = 'f'.repeat(10_000))),
      `${P}model.json is a "${'f'.repeat(40)}…" file version 1, not a "crossbar-lab-weights" file version 1.`,
    ],
    [
      'a tfjs layers model.json',
      () => edited((j) => (j.format = 'layers-model')),
      `${P}model.json is a "layers-model" file version 1, not a "crossbar-lab-weights" file version 1.`,
    ],
    [
      'weightsManifest as an object',
      () => edited((j) => (j.weightsManifest = {} as never)),
      `${NOT_A_WEIGHTS_FILE} (weightsManifest is an object, not a list).`,
    ],
    [
      'weightsManifest empty',
      () => edited((j) => (j.weightsManifest = [])),
      `${NOT_A_WEIGHTS_FILE} (weightsManifest is an empty list, but a weights file needs a group of shards).`,
    ],
    [
      'a group without shards',
      () => edited((j) => (group(j).paths = [])),
      `${NOT_A_WEIGHTS_FILE} (weightsManifest[0].paths is an empty list, but each group needs a shard).`,
    ],
    [
      'shape dimensions as strings',
      () => edited((j) => (conv1(j).shape = ['3', '3', '3', '4'] as never)),
      `${NOT_A_WEIGHTS_FILE} (weightsManifest[0].weights[0].shape[0] is the text "3", not a number).`,
    ],
    [
      'a negative dimension',
      () => edited((j) => (conv1(j).shape = [-3, 3, 3, 4])),
      `${NOT_A_WEIGHTS_FILE} (weightsManifest[0].weights[0].shape[0] is the number -3, not a size).`,
    ],
    [
      'a fractional dimension',
      () => edited((j) => (conv1(j).shape = [1.5, 3, 3, 4])),
      `${NOT_A_WEIGHTS_FILE} (weightsManifest[0].weights[0].shape[0] is the number 1.5, not a whole number).`,
    ],
    [
      'a dimension beyond 2⁵³',
      () => edited((j) => (conv1(j).shape = [1e20, 3, 3, 4])),
      `${NOT_A_WEIGHTS_FILE} (weightsManifest[0].weights[0].shape[0] is the number 100000000000000000000, not a whole number).`,
    ],
    [
      'a dimension of 1e999 (JSON for Infinity)',
      () =>
        edited((j) => (conv1(j).shape = [3, 3, 3, 4])).replace('[\n            3,', '[\n            1e999,'),
      `${NOT_A_WEIGHTS_FILE} (weightsManifest[0].weights[0].shape[0] is the number Infinity, not a number).`,
    ],
    [
      // 65536⁴ values = 64 EiB: refused by comparing shapes, before any size is computed or allocated.
      'a shape whose product overflows',
      () => edited((j) => (conv1(j).shape = [65536, 65536, 65536, 65536])),
      `${P}model.json gives the weight "conv1/kernel" the shape [65536,65536,65536,65536], but vgg8's is [3,3,3,4].`,
    ],
    [
      'a shape of 50,000 dimensions',
      () => edited((j) => (conv1(j).shape = new Array(50_000).fill(1))),
      `${P}model.json gives the weight "conv1/kernel" the shape [1,1,1,1,1,1,1,1,…] (50000 dimensions), but vgg8's is [3,3,3,4].`,
    ],
    [
      'dtype as a number',
      () => edited((j) => (conv1(j).dtype = 42 as never)),
      `${NOT_A_WEIGHTS_FILE} (weightsManifest[0].weights[0].dtype is the number 42, not a text).`,
    ],
    [
      'dtype float16 without quantization (tfjs spells that as quantization)',
      () => edited((j) => (conv1(j).dtype = 'float16')),
      `${P}model.json gives the weight "conv1/kernel" the dtype "float16", not "float32".`,
    ],
    [
      'an empty weight name',
      () => edited((j) => (conv1(j).name = '')),
      `${NOT_A_WEIGHTS_FILE} (weightsManifest[0].weights[0].name is the text "", not a name).`,
    ],
    [
      'a weight named "__proto__"',
      () => edited((j) => group(j).weights.push({ name: '__proto__', shape: [1], dtype: 'float32' })),
      `${P}model.json lists the weight "__proto__", which vgg8 does not have.`,
    ],
    [
      'a weight listed in a second group too',
      () => edited((j) => j.weightsManifest.push({ paths: ['weights-1.bin'], weights: [conv1(j)] })),
      `${P}model.json lists the weight "conv1/kernel" twice.`,
    ],
    [
      'a group listing no weights',
      () => edited((j) => (group(j).weights = [])),
      `${P}model.json does not list the weight "conv1/kernel" (shape [3,3,3,4]).`,
    ],
    [
      'a shard listed twice',
      () => edited((j) => (group(j).paths = ['weights-1.bin', 'weights-1.bin'])),
      `${P}model.json lists the shard "weights-1.bin" twice.`,
    ],
    [
      // Object.prototype.constructor must not pass for a hash.
      'a shard named "constructor" with no hash',
      () => edited((j) => (group(j).paths = ['constructor'])),
      `${P}model.json has no SHA-256 for the shard "constructor" in manifest.sha256.`,
    ],
    [
      'a SHA-256 that is not hex',
      () => edited((j) => (j.manifest.sha256['weights-1.bin'] = 'z'.repeat(64))),
      `${NOT_A_WEIGHTS_FILE} (manifest.sha256["weights-1.bin"] is the text "${'z'.repeat(40)}…", not a SHA-256 (64 hex digits)).`,
    ],
    [
      'a SHA-256 one digit short',
      () => edited((j) => (j.manifest.sha256['weights-1.bin'] = 'a'.repeat(63))),
      `${NOT_A_WEIGHTS_FILE} (manifest.sha256["weights-1.bin"] is the text "${'a'.repeat(40)}…", not a SHA-256 (64 hex digits)).`,
    ],
    [
      'a SHA-256 as a number',
      () => edited((j) => (j.manifest.sha256['weights-1.bin'] = 12 as never)),
      `${NOT_A_WEIGHTS_FILE} (manifest.sha256["weights-1.bin"] is the number 12, not a text).`,
    ],
    [
      'an accuracy as a string',
      () => edited((j) => (j.manifest.top1TestAccuracy = '0.9' as never)),
      `${NOT_A_WEIGHTS_FILE} (manifest.top1TestAccuracy is the text "0.9", not a number).`,
    ],
    [
      'an accuracy above 1 (a percentage)',
      () => edited((j) => (j.manifest.top1TestAccuracy = 91.5)),
      `${NOT_A_WEIGHTS_FILE} (manifest.top1TestAccuracy is the number 91.5, not an accuracy (0 to 1)).`,
    ],
    [
      'model.json listing itself as a shard, with no hash for it',
      () => edited((j) => (group(j).paths = ['model.json'])),
      `${P}model.json has no SHA-256 for the shard "model.json" in manifest.sha256.`,
    ],
  ];

  it.each(cases)('%s', async (_, make, expected) => {
    const message = await refusalOf(serve(make()));
    if (typeof expected === 'string') expect(message).toBe(expected);
    else expect(message).toMatch(expected);
    expectPlainSentence(message);
  });

  const unsafePaths = [
    '../weights-1.bin',
    '/etc/passwd',
    'https://evil.example/w.bin',
    '//evil.example/w.bin',
    'weights-1.bin?v=2',
    'weights-1.bin#x',
    '%2e%2e%2fsecret',
    '.htaccess',
    '',
    'C:\\w.bin',
    'a/../../b',
    'weights 1.bin',
  ];
  it.each(unsafePaths)('a shard path %j that is not a plain file name', async (path) => {
    const message = await refusalOf(serve(edited((j) => (group(j).paths = [path]))));
    expect(message).toBe(
      `${NOT_A_WEIGHTS_FILE} (weightsManifest[0].paths[0] is the text ${JSON.stringify(path)}, not a plain file name such as weights-1.bin).`,
    );
  });

  it('a shard path of 200 characters', async () => {
    const message = await refusalOf(serve(edited((j) => (group(j).paths = [`${'w'.repeat(196)}.bin`]))));
    expect(message).toBe(
      `${NOT_A_WEIGHTS_FILE} (weightsManifest[0].paths[0] is the text "${'w'.repeat(40)}…", not a shard name (too long)).`,
    );
  });

  it('a model.json of 300 MiB is refused before it is decoded', async () => {
    // One shared zero-filled buffer: cheap to build, and nothing may copy or parse it.
    const huge = new Uint8Array(300 * 1024 * 1024);
    const started = performance.now();
    const message = await refusalOf(async () => ({
      ok: true,
      status: 200,
      statusText: 'OK',
      arrayBuffer: async () => huge.buffer,
    }));
    expect(message).toBe(
      `${P}model.json is 300.0 MiB, more than a weights description can be (at most 1 MiB).`,
    );
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('model.json: harmless oddities are accepted', () => {
  async function expectAccepted(fetchLike: FetchLike): Promise<WeightsModelJson> {
    const loaded = await loadWeights(tinyVgg, fetchLike);
    expect([...loaded.tensors.keys()]).toEqual(tinyVgg.params.map((p) => p.name));
    disposeAll(loaded.tensors);
    return loaded.modelJson;
  }

  it('"__proto__" and "constructor" keys: JSON.parse makes them plain keys, zod drops "__proto__"', async () => {
    const text = formatModelJson(saved.modelJson)
      .replace(
        '{',
        '{"__proto__": {"polluted": true, "model": "googlenet"}, "constructor": {"prototype": {"polluted": true}},',
      )
      .replace('"manifest": {', '"manifest": {"__proto__": {"top1TestAccuracy": 5},');
    const modelJson = await expectAccepted(serve(text));
    // The manifest's accuracy is the file's own (none), not one smuggled in through a prototype.
    expect(modelJson.manifest.top1TestAccuracy).toBeNull();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(modelJson.manifest)).toBe(Object.prototype);
  });

  it('an uppercase SHA-256 (PowerShell writes them so): the same hash', async () => {
    const upper = saved.modelJson.manifest.sha256['weights-1.bin']!.toUpperCase();
    await expectAccepted(serve(edited((j) => (j.manifest.sha256['weights-1.bin'] = upper))));
  });

  it('a byte-order mark before the JSON (Windows editors write one)', async () => {
    await expectAccepted(serve(`\uFEFF${formatModelJson(saved.modelJson)}`));
  });

  it('a key given twice: JSON.parse keeps the last, and every reader sees that one value', async () => {
    const text = formatModelJson(saved.modelJson).replace('{', '{"model": "googlenet",');
    await expectAccepted(serve(text));
  });

  it('keys the format does not know (kept in the manifest, never executed or shown)', async () => {
    await expectAccepted(serve(edited((j) => (j.manifest.extra = { script: '<script>alert(1)</script>' }))));
  });
});

describe('shards: wrong sizes and failed fetches', () => {
  /** weights-1.bin replaced by `bytes`; model.json's hash updated to match, or left as it was. */
  const withShard = async (bytes: Uint8Array, updateHash: boolean) => {
    const hash = await sha256Hex(bytes);
    return serve(
      updateHash ? edited((j) => (j.manifest.sha256['weights-1.bin'] = hash)) : saved.modelJsonText,
      {
        'weights-1.bin': bytes,
      },
    );
  };
  const size = () => saved.shards[0]!.byteLength;

  it('a truncated shard with the old hash', async () => {
    const cut = saved.shards[0]!.slice(0, 100);
    expect(await refusalOf(await withShard(cut, false))).toBe(
      `${P}weights-1.bin (100 bytes) has the SHA-256 ${await sha256Hex(cut)}, but model.json says ${saved.modelJson.manifest.sha256['weights-1.bin']}.`,
    );
  });

  it('extra bytes after the weights, hash updated', async () => {
    const longer = new Uint8Array(size() + 4);
    longer.set(saved.shards[0]!);
    expect(await refusalOf(await withShard(longer, true))).toBe(
      `${P}weights-1.bin holds ${size() + 4} bytes, but model.json's weights for it take ${size()}.`,
    );
  });

  it('an empty shard, hash updated', async () => {
    expect(await refusalOf(await withShard(new Uint8Array(0), true))).toBe(
      `${P}weights-1.bin holds 0 bytes, but model.json's weights for it take ${size()}.`,
    );
  });

  it('two shards, the second cut short with its hash updated', async () => {
    const vgg8 = getModel('vgg8');
    const weights = nonTrivialWeights(vgg8, 32);
    const full = await saveWeights(vgg8, weights, { dtype: 'float32' });
    disposeAll(weights);
    const [first, second] = full.shards as [Uint8Array, Uint8Array];
    const cut = second.slice(0, second.byteLength - 40);
    const modelJson = structuredClone(full.modelJson);
    modelJson.manifest.sha256['weights-2.bin'] = await sha256Hex(cut);
    const files = new Map([
      ['model.json', strToU8(formatModelJson(modelJson))],
      ['weights-1.bin', first],
      ['weights-2.bin', cut],
    ]);
    const before = tf.memory().numTensors;
    await expect(loadWeights(vgg8, fetchFromFolder(files))).rejects.toThrow(
      `${P}weights-1.bin, weights-2.bin hold ${first.byteLength + cut.byteLength} bytes, but model.json's weights for them take ${first.byteLength + second.byteLength}.`,
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it('float16 declared for float32 bytes: the sizes disagree', async () => {
    const text = edited((j) => (conv1(j).quantization = { dtype: 'float16', original_dtype: 'float32' }));
    expect(await refusalOf(serve(text))).toBe(
      `${P}weights-1.bin holds ${size()} bytes, but model.json's weights for it take ${size() - 2 * 3 * 3 * 3 * 4}.`,
    );
  });

  it('a missing shard, a network error, a body that fails to read', async () => {
    const missing = serve(formatModelJson(saved.modelJson));
    expect(await refusalOf((name) => missing(name === 'weights-1.bin' ? 'gone.bin' : name))).toBe(
      'The vgg8 weights could not be loaded: fetching weights-1.bin failed (HTTP 404 Not Found).',
    );
    const offline = await refusalOf(async () => {
      throw new TypeError('Failed to fetch');
    });
    expect(offline).toBe(
      'The vgg8 weights could not be loaded: fetching model.json failed (Failed to fetch).',
    );
    expectPlainSentence(offline);
    expect(
      await refusalOf(async () => ({
        ok: true,
        status: 200,
        statusText: 'OK',
        arrayBuffer: () => Promise.reject(new TypeError('network error')),
      })),
    ).toBe('The vgg8 weights could not be loaded: fetching model.json failed (network error).');
  });
});
