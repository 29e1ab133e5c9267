/**
 * Archive import on synthetic archives built here with nanotar's `createTar`: six members of the real
 * size (30,730,000 bytes) with the official layout, gzip'd with Node's zlib. The MD5 and SHA-256
 * the import checks against are passed in (computed with Node's own hashes), since these are not the
 * official bytes.
 */
import { createTar, type TarFileInput } from 'nanotar';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CIFAR10_ARCHIVE_DIR,
  CIFAR10_ARCHIVE_MD5,
  extractCifarMembers,
  gunzip,
  importCifarArchive,
  importCifarBinFiles,
  importCifarUpload,
  type ImportStage,
} from './archive';
import { CIFAR10_FILES, FILE_BYTES, RECORD_BYTES, type CifarFileName, type CifarFileSet } from './cifar10';
import { CifarDataError, type CifarErrorCode } from './errors';
import { nodeGzip, nodeHash } from '../../scripts/lib/nodeReference';

/** A valid-looking batch: label r mod 10, pixels from `seed` (cheap, distinct per file). */
function syntheticBatch(seed: number, byteLength = FILE_BYTES): Uint8Array {
  const bytes = new Uint8Array(byteLength);
  for (let r = 0; r * RECORD_BYTES < byteLength; r++) {
    bytes[r * RECORD_BYTES] = r % 10;
    const pixel = r * RECORD_BYTES + 1 + (r % 3072);
    if (pixel < byteLength) bytes[pixel] = (seed * 31 + r) & 0xff;
  }
  return bytes;
}

function tarOf(members: Partial<Record<CifarFileName, Uint8Array>>, extra: TarFileInput[] = []): Uint8Array {
  const files: TarFileInput[] = [{ name: `${CIFAR10_ARCHIVE_DIR}/` }];
  for (const [name, data] of Object.entries(members))
    files.push({ name: `${CIFAR10_ARCHIVE_DIR}/${name}`, data });
  files.push(...extra);
  return createTar(files, { attrs: { mtime: 0 } });
}

const gzip = nodeGzip;

async function expectError(
  promise: Promise<unknown>,
  code: CifarErrorCode,
  ...parts: string[]
): Promise<void> {
  const error = await promise.then(
    () => new Error('expected a CifarDataError, the import succeeded'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CifarDataError);
  expect((error as CifarDataError).message).toBeTypeOf('string');
  expect({ code: (error as CifarDataError).code, message: (error as CifarDataError).message }).toMatchObject({
    code,
  });
  for (const part of parts) expect((error as CifarDataError).message).toContain(part);
}

describe('importCifarArchive', () => {
  const members = {} as CifarFileSet;
  const sha256 = {} as Record<CifarFileName, string>;
  let tar: Uint8Array;
  let archive: Uint8Array;
  let md5: string;

  beforeAll(async () => {
    CIFAR10_FILES.forEach((name, i) => {
      members[name] = syntheticBatch(i + 1);
      sha256[name] = nodeHash('sha256', members[name]);
    });
    // Like the official archive, the folder holds more than the six batches.
    tar = tarOf(members, [{ name: `${CIFAR10_ARCHIVE_DIR}/batches.meta.txt`, data: 'airplane\n' }]);
    archive = gzip(tar);
    md5 = nodeHash('md5', archive);
  });

  it('returns the six members byte for byte, from bytes and from a Blob, with progress', async () => {
    const stages = new Set<ImportStage>();
    const files = await importCifarArchive(archive, {
      expectedMd5: md5,
      expectedSha256: sha256,
      onProgress: (stage) => stages.add(stage),
    });
    for (const name of CIFAR10_FILES) expect(nodeHash('sha256', files[name])).toBe(sha256[name]);
    expect([...stages]).toEqual(['md5', 'gunzip', 'untar', 'validate']);
    // Members are copies, not views of the whole tar (IndexedDB would clone the whole buffer).
    expect(files['test_batch.bin'].buffer.byteLength).toBe(FILE_BYTES);

    const fromBlob = await importCifarArchive(new Blob([archive as Uint8Array<ArrayBuffer>]), {
      expectedMd5: md5,
    });
    expect(nodeHash('sha256', fromBlob['data_batch_3.bin'])).toBe(sha256['data_batch_3.bin']);
  });

  it('accepts a plain (already decompressed) tar, checking SHA-256 since no MD5 applies', async () => {
    const files = await importCifarArchive(tar, { expectedSha256: sha256 });
    expect(nodeHash('sha256', files['data_batch_5.bin'])).toBe(sha256['data_batch_5.bin']);
    // By default a plain tar is checked against the official hashes, which synthetic data fails.
    await expectError(
      importCifarArchive(tar),
      'checksum',
      'cifar-10-batches-bin/data_batch_1.bin in',
      'SHA-256 mismatch',
    );
  });

  it('rejects a wrong MD5, naming both hashes', async () => {
    await expectError(
      importCifarArchive(archive, { expectedMd5: CIFAR10_ARCHIVE_MD5, expectedBytes: null }),
      'md5',
      `Expected ${CIFAR10_ARCHIVE_MD5}`,
      `got ${md5}`,
    );
  });

  it('with the defaults, rejects an archive whose size is not the official one before hashing', async () => {
    await expectError(
      importCifarArchive(archive),
      'truncated',
      'the official archive has 170,052,171',
      'incomplete',
    );
  });

  it('rejects a SHA-256 mismatch in one member', async () => {
    const wrong = { ...sha256, 'data_batch_4.bin': sha256['data_batch_2.bin'] };
    await expectError(
      importCifarArchive(tar, { expectedSha256: wrong, archiveName: 'x.tar' }),
      'checksum',
      'cifar-10-batches-bin/data_batch_4.bin in x.tar: SHA-256 mismatch',
    );
  });

  it('rejects files that are not gzip, saying what they look like', async () => {
    const zip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]);
    await expectError(
      importCifarArchive(zip, { archiveName: 'x.zip' }),
      'not-gzip',
      'x.zip is not a gzip file',
      'ZIP',
    );
    const html = new TextEncoder().encode('<!DOCTYPE html><html><body>Not found</body></html>');
    await expectError(importCifarArchive(html), 'not-gzip', 'HTML page');
    await expectError(importCifarArchive(new Uint8Array(0)), 'not-gzip', 'empty');
    await expectError(
      importCifarArchive(new Uint8Array([1, 2, 3, 4])),
      'not-gzip',
      'starts with 01 02 03 04',
    );
  });

  it('rejects a truncated gzip stream and a damaged one', async () => {
    await expectError(
      importCifarArchive(archive.subarray(0, Math.floor(archive.byteLength / 2)), { expectedMd5: null }),
      'truncated',
      'cifar-10-binary.tar.gz: the gzip data ends early',
    );
    const damaged = archive.slice();
    const middle = Math.floor(damaged.byteLength / 2);
    damaged[middle] = damaged[middle]! ^ 0xff;
    await expectError(importCifarArchive(damaged, { expectedMd5: null }), 'corrupt', 'gzip data is damaged');
  });

  it('rejects a tar cut inside a member, naming the member', async () => {
    const cut = tar.subarray(0, 512 * 2 + FILE_BYTES + 512 + 1000); // dir header, member 1, into member 2
    await expectError(
      importCifarArchive(gzip(cut), { expectedMd5: null }),
      'truncated',
      `inside ${CIFAR10_ARCHIVE_DIR}/data_batch_2.bin (30,730,000 bytes declared)`,
    );
  });

  it('does not read the zeros after a truncated tar as member data', () => {
    const cut = tar.subarray(0, 512 * 2 + FILE_BYTES + 512 + 1000);
    // What gunzip returns: a view of the bytes read, in a larger zero-filled buffer.
    const roomy = new Uint8Array(tar.byteLength + 1024);
    roomy.set(cut);
    expect(() => extractCifarMembers(roomy.subarray(0, cut.byteLength), 'a.tar')).toThrow(
      'a.tar: the tar data ends early inside cifar-10-batches-bin/data_batch_2.bin (30,730,000 bytes declared)',
    );
  });

  it('rejects gzip data that is not a tar', async () => {
    await expectError(
      importCifarArchive(gzip(syntheticBatch(1, 4096)), { expectedMd5: null }),
      'not-tar',
      'not a tar',
    );
  });

  it('names a missing member and what the archive holds', async () => {
    const { 'test_batch.bin': _dropped, ...five } = members;
    await expectError(
      importCifarArchive(tarOf(five), { archiveName: 'mine.tar.gz' }),
      'missing-member',
      'mine.tar.gz: missing cifar-10-batches-bin/test_batch.bin',
      'The archive holds: cifar-10-batches-bin/, cifar-10-batches-bin/data_batch_1.bin',
    );
  });

  it('names a member of the wrong size with expected and actual bytes', async () => {
    const short = tarOf({ ...members, 'data_batch_3.bin': syntheticBatch(3, FILE_BYTES - RECORD_BYTES) });
    await expectError(
      importCifarArchive(short, { archiveName: 'cifar-10-binary.tar.gz' }),
      'size',
      'cifar-10-batches-bin/data_batch_3.bin in cifar-10-binary.tar.gz: expected 30,730,000 bytes',
      'got 30,726,927 bytes (9,999 whole records)',
    );
  });

  it('names a member with a bad label, its record and value', () => {
    const bad = members['data_batch_2.bin'].slice();
    bad[123 * RECORD_BYTES] = 200;
    expect(() => extractCifarMembers(tarOf({ ...members, 'data_batch_2.bin': bad }), 'a.tar')).toThrow(
      /data_batch_2\.bin in a\.tar: record 123 \(byte offset 377,979\) has label 200/,
    );
  });

  it('gunzip copes with a view into a larger buffer and a too-small size hint', async () => {
    const data = syntheticBatch(7, 5 * RECORD_BYTES);
    const gz = gzip(data);
    const padded = new Uint8Array(gz.byteLength + 10);
    padded.set(gz, 5);
    const out = await gunzip(padded.subarray(5, 5 + gz.byteLength), 'x', undefined, 100);
    expect(out.byteLength).toBe(data.byteLength);
    expect(out.byteOffset).toBe(0);
    expect(nodeHash('sha256', out)).toBe(nodeHash('sha256', data));
  });
});

describe('importCifarUpload', () => {
  it('takes the six .bin files picked one by one, checked against the official SHA-256', async () => {
    const files = CIFAR10_FILES.map((name, i) => ({
      name: `cifar-10-batches-bin/${name}`,
      data: syntheticBatch(i),
    }));
    const expected = Object.fromEntries(files.map((f) => [f.name.slice(21), nodeHash('sha256', f.data)]));
    const result = await importCifarBinFiles(files, expected);
    expect(nodeHash('sha256', result['data_batch_2.bin'])).toBe(expected['data_batch_2.bin']);
    // Through the panel's entry point the official hashes apply, which synthetic data fails.
    await expectError(importCifarUpload(files), 'checksum', 'data_batch_1.bin: SHA-256 mismatch');
    await expectError(
      importCifarUpload(files.slice(1)),
      'missing-member',
      'Missing data_batch_1.bin: pick all six .bin files',
    );
  });

  it('sends a single archive to the archive import', async () => {
    await expectError(
      importCifarUpload([{ name: 'photo.png', data: new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47])]) }]),
      'not-gzip',
      'photo.png is not a gzip file',
    );
  });
});
