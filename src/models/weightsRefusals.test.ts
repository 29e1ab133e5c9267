/**
 * A corpus of careless and hostile weights files, generated here (no binary fixtures): each is refused
 * with one plain sentence naming what is wrong, creates no tensor and returns promptly, or is accepted
 * because it is harmless (each such case says why).
 */
import * as tf from '@tensorflow/tfjs-core';
import { strToU8, zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { getModel } from './index';
import { selectBackend } from '../../scripts/lib/backend';
import { TINY_VGG8, disposeAll, nonTrivialWeights, serveFiles } from './testing/fixtures';
import { createVgg8 } from './vgg8';
import {
  WeightsFormatError,
  formatModelJson,
  loadWeights,
  saveWeights,
  sha256Hex,
  type FetchLike,
  type SavedWeights,
  type WeightsModelJson,
} from './weights';
import {
  MAX_ARCHIVE_BYTES,
  MAX_ARCHIVE_ENTRIES,
  fetchFromFolder,
  packWeightsArchive,
  weightsFolderFromFiles,
  type ChosenFile,
} from './weightsArchive';

beforeAll(() => selectBackend('cpu'));

const tinyVgg = createVgg8(TINY_VGG8);
const P = 'The vgg8 weights were refused: ';
const NOT_A_WEIGHTS_FILE = `${P}model.json is not a weights file`;

let saved: SavedWeights;
beforeAll(async () => {
  const weights = nonTrivialWeights(tinyVgg, 31);
  saved = await saveWeights(tinyVgg, weights, { dtype: 'float32' });
  disposeAll(weights);
});

/** Serves model.json as the given bytes or text, and the saved shards (or `shards`) by name. */
function serve(modelJson: string | Uint8Array, shards: Record<string, Uint8Array> = {}): FetchLike {
  const files = new Map<string, Uint8Array>(saved.shardNames.map((name, i) => [name, saved.shards[i]!]));
  for (const [name, bytes] of Object.entries(shards)) files.set(name, bytes);
  files.set('model.json', typeof modelJson === 'string' ? strToU8(modelJson) : modelJson);
  return serveFiles(files);
}

/** The saved model.json after `edit` (values of the wrong type go in `as never`: that is the point). */
function edited(edit: (json: WeightsModelJson) => void): string {
  const json = structuredClone(saved.modelJson);
  edit(json);
  return formatModelJson(json);
}

/** The refusal `loadWeights` gives, after checking it created no tensor and is a WeightsFormatError. */
async function refusalOf(fetchLike: FetchLike): Promise<string> {
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
function expectPlainSentence(message: string) {
  expect(message).toMatch(/^The .* (were refused|could not be loaded): .*\.$/s);
  expect(message).not.toMatch(/TypeError|SyntaxError|RangeError|undefined|\[object |\n/);
  expect(message.length).toBeLessThan(400);
}

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

// ---------------------------------------------------------------------------------------------------
// Archives. Zip headers are patched in place: fflate writes sizes in both the local header and the
// central directory (no data descriptors), so a walk over both finds every entry.

interface EntryPatch {
  declaredSize?: number;
  method?: number;
  rename?: string;
}

/** A copy of `zip` with entry `name`'s declared (uncompressed) size, method or name changed. */
function patchZip(zip: Uint8Array, name: string, patch: EntryPatch): Uint8Array {
  const out = zip.slice();
  const view = new DataView(out.buffer);
  const nameAt = (at: number, length: number) => new TextDecoder().decode(out.subarray(at, at + length));
  const apply = (nameStart: number, length: number, methodAt: number, sizeAt: number) => {
    if (nameAt(nameStart, length) !== name) return;
    if (patch.method !== undefined) view.setUint16(methodAt, patch.method, true);
    if (patch.declaredSize !== undefined) view.setUint32(sizeAt, patch.declaredSize, true);
    if (patch.rename !== undefined) {
      expect(patch.rename.length).toBe(length);
      out.set(strToU8(patch.rename), nameStart);
    }
  };
  let at = 0;
  while (view.getUint32(at, true) === 0x04034b50) {
    const [n, m, compressed] = [
      view.getUint16(at + 26, true),
      view.getUint16(at + 28, true),
      view.getUint32(at + 18, true),
    ];
    apply(at + 30, n, at + 8, at + 22);
    at += 30 + n + m + compressed;
  }
  while (view.getUint32(at, true) === 0x02014b50) {
    const [n, m, k] = [
      view.getUint16(at + 28, true),
      view.getUint16(at + 30, true),
      view.getUint16(at + 32, true),
    ];
    apply(at + 46, n, at + 10, at + 24);
    at += 46 + n + m + k;
  }
  return out;
}

describe('archives: bombs, floods, damage and odd names', () => {
  const W = 'The weights were refused: ';
  let archive: Uint8Array;
  beforeAll(() => {
    archive = packWeightsArchive(saved);
  });
  const refusalOfFiles = (files: ChosenFile[]) => {
    try {
      weightsFolderFromFiles(files);
    } catch (error) {
      expect(error).toBeInstanceOf(WeightsFormatError);
      expectPlainSentence((error as Error).message);
      return (error as Error).message;
    }
    throw new Error('accepted');
  };

  it('keeps the limits above what real weights need', () => {
    const googlenet = getModel('googlenet');
    const float32Bytes = 4 * googlenet.params.reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
    expect(MAX_ARCHIVE_BYTES).toBeGreaterThan(2 * float32Bytes);
    expect(MAX_ARCHIVE_ENTRIES).toBeGreaterThan(2 * (1 + Math.ceil(float32Bytes / (4 * 1024 * 1024))));
  });

  it('an entry declaring 3 GiB (a zip bomb) is refused before anything is inflated', () => {
    const bomb = patchZip(archive, 'weights-1.bin', { declaredSize: 3 * 1024 ** 3 });
    const started = performance.now();
    expect(refusalOfFiles([{ name: 'bomb.zip', bytes: bomb }])).toBe(
      `${W}"bomb.zip" unpacks to more than 128.0 MiB ("weights-1.bin" alone says 3072.0 MiB), more than any weights set needs.`,
    );
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('a deflated entry declaring 3 GiB is refused the same way (nothing is allocated for it)', () => {
    const deflated = zipSync({ 'model.json': [strToU8(saved.modelJsonText), { level: 9 }] });
    const bomb = patchZip(deflated, 'model.json', { declaredSize: 3 * 1024 ** 3 });
    expect(refusalOfFiles([{ name: 'bomb.zip', bytes: bomb }])).toBe(
      `${W}"bomb.zip" unpacks to more than 128.0 MiB ("model.json" alone says 3072.0 MiB), more than any weights set needs.`,
    );
  });

  it('a stored entry holding more or fewer bytes than it declares is damaged', () => {
    const n = saved.shards[0]!.byteLength;
    for (const declared of [n - 8, n + 8]) {
      expect(
        refusalOfFiles([
          { name: 'w.zip', bytes: patchZip(archive, 'weights-1.bin', { declaredSize: declared }) },
        ]),
      ).toBe(
        `${W}"w.zip" is damaged: its entry "weights-1.bin" says it holds ${declared} bytes but holds ${n}.`,
      );
    }
  });

  it('a deflated entry longer than it declares is cut at the declared size, and its hash refuses it', async () => {
    const n = saved.shards[0]!.byteLength;
    const deflated = zipSync({
      'model.json': strToU8(saved.modelJsonText),
      'weights-1.bin': [saved.shards[0]!, { level: 6 }],
    });
    const cut = patchZip(deflated, 'weights-1.bin', { declaredSize: n - 8 });
    const folder = weightsFolderFromFiles([{ name: 'w.zip', bytes: cut }]);
    const error = await loadWeights(tinyVgg, fetchFromFolder(folder)).catch((e: unknown) => e as Error);
    expect((error as Error).message).toBe(
      `${P}weights-1.bin (${n - 8} bytes) has the SHA-256 ${await sha256Hex(saved.shards[0]!.slice(0, n - 8))}, but model.json says ${saved.modelJson.manifest.sha256['weights-1.bin']}.`,
    );
  });

  it('thousands of entries', () => {
    const many: Record<string, Uint8Array> = {};
    for (let i = 0; i < 5000; i++) many[`f${i}.bin`] = new Uint8Array(0);
    const started = performance.now();
    expect(refusalOfFiles([{ name: 'many.zip', bytes: zipSync(many) }])).toBe(
      `${W}"many.zip" holds more than ${MAX_ARCHIVE_ENTRIES} files, far more than model.json and its shards.`,
    );
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('two entries of one zip with the same name (fflate alone would keep the last)', () => {
    const zip = zipSync({ 'model.json': strToU8('{}'), 'model.jsoX': strToU8(saved.modelJsonText) });
    expect(
      refusalOfFiles([{ name: 'dup.zip', bytes: patchZip(zip, 'model.jsoX', { rename: 'model.json' }) }]),
    ).toBe(`${W}"dup.zip" holds two entries named "model.json".`);
  });

  it('two sub-folders each with a model.json', () => {
    const zip = zipSync({ 'a/model.json': strToU8('{}'), 'b/model.json': strToU8('{}') });
    expect(refusalOfFiles([{ name: 'two.zip', bytes: zip }])).toBe(
      `${W}two of the chosen files are named "model.json", so it is unclear which to use.`,
    );
  });

  it('an unknown compression method, an empty .zip, random bytes named .zip', () => {
    expect(refusalOfFiles([{ name: 'w.zip', bytes: patchZip(archive, 'model.json', { method: 99 }) }])).toBe(
      `${W}"w.zip" is not a zip archive Crossbar Lab can read (unknown compression type 99).`,
    );
    expect(refusalOfFiles([{ name: 'w.zip', bytes: new Uint8Array(0) }])).toBe(
      `${W}"w.zip" is not a zip archive Crossbar Lab can read (invalid zip data).`,
    );
    expect(refusalOfFiles([{ name: 'w.zip', bytes: saved.shards[0]! }])).toBe(
      `${W}"w.zip" is not a zip archive Crossbar Lab can read (invalid zip data).`,
    );
  });

  it('a thousand loose files without model.json: the list is clipped', () => {
    const files = Array.from({ length: 1000 }, (_, i) => ({ name: `f${i}.bin`, bytes: new Uint8Array(0) }));
    expect(refusalOfFiles(files)).toBe(
      `${W}there is no model.json among the chosen files (f0.bin, f1.bin, f2.bin, f3.bin, f4.bin and 995 more); choose the .zip Crossbar Lab exports, or model.json together with its .bin shards.`,
    );
  });

  it('a browser-renamed download, "model (1).json", is not taken for model.json', () => {
    expect(refusalOfFiles([{ name: 'model (1).json', bytes: strToU8(saved.modelJsonText) }])).toBe(
      `${W}there is no model.json among the chosen files (model (1).json); choose the .zip Crossbar Lab exports, or model.json together with its .bin shards.`,
    );
  });

  it('harmless: entries named "__proto__" or "../../model.json" (only base names are used; nothing is written)', async () => {
    const zip = zipSync({
      aaaaaaaaa: strToU8('ignored'),
      'x/../../model.json': strToU8(saved.modelJsonText),
      'weights-1.bin': saved.shards[0]!,
    });
    const patched = patchZip(zip, 'aaaaaaaaa', { rename: '__proto__' });
    const folder = weightsFolderFromFiles([{ name: 'w.zip', bytes: patched }]);
    expect([...folder.keys()].sort()).toEqual(['model.json', 'weights-1.bin']);
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
    const loaded = await loadWeights(tinyVgg, fetchFromFolder(folder));
    disposeAll(loaded.tensors);
  });
});
