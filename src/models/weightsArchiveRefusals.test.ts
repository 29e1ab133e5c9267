/**
 * Careless and hostile weights archives and chosen files, generated here (no binary fixtures): zip bombs,
 * floods of entries, damaged entries and odd names are refused with one plain sentence before anything
 * is inflated, or accepted because they are harmless (each such case says why).
 */
import { sha256Hex } from '../data/checksums';
import { strToU8, zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../scripts/lib/backend';
import { getModel } from './index';
import { disposeAll } from './testing/fixtures';
import { P, expectPlainSentence, savedTinyVgg, tinyVgg } from './testing/refusals';
import { WeightsFormatError, loadWeights, type SavedWeights } from './weights';
import {
  MAX_ARCHIVE_BYTES,
  MAX_ARCHIVE_ENTRIES,
  fetchFromFolder,
  packWeightsArchive,
  weightsFolderFromFiles,
  type ChosenFile,
} from './weightsArchive';

beforeAll(() => selectBackend('cpu'));

let saved: SavedWeights;
beforeAll(async () => {
  saved = await savedTinyVgg();
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
