import { beforeAll, describe, expect, it } from 'vitest';
import { CIFAR10_BIN_SHA256 } from './cifar10';
import { md5Hex, parseSha256Sums, sha256Hex, verifySha256 } from './checksums';
import { CifarDataError } from './errors';
import { nodeHash } from '../../scripts/lib/nodeReference';
import { readCifarFile, readCifarText } from '../../scripts/lib/cifarFiles';

describe('SHA-256 of the real test batch', () => {
  let raw: Uint8Array;
  let listed: string;
  beforeAll(() => {
    raw = readCifarFile('test_batch.bin');
    listed = parseSha256Sums(readCifarText('SHA256SUMS')).get('test_batch.bin')!;
  });

  it('matches SHA256SUMS and Node’s own hash, on both code paths (WebCrypto and hash-wasm)', async () => {
    expect(listed).toBe(nodeHash('sha256', raw));
    expect(await sha256Hex(raw)).toBe(listed);
    // A SharedArrayBuffer-backed copy takes the hash-wasm path (crypto.subtle refuses shared memory),
    // the same path a browser without crypto.subtle (plain-http origin) takes.
    const shared = new Uint8Array(new SharedArrayBuffer(raw.byteLength));
    shared.set(raw);
    expect(await sha256Hex(shared)).toBe(listed);
    expect(await verifySha256(raw, listed.toUpperCase(), 'test_batch.bin')).toBe(listed);
  });

  it('rejects a copy with one byte changed, naming the file and both hashes', async () => {
    const modified = raw.slice();
    modified[1_234_567] = modified[1_234_567]! ^ 0x01;
    const actual = nodeHash('sha256', modified);
    const error = await verifySha256(modified, listed, 'test_batch.bin').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CifarDataError);
    expect((error as CifarDataError).code).toBe('checksum');
    expect((error as CifarDataError).message).toContain(
      `test_batch.bin: SHA-256 mismatch. Expected ${listed}, got ${actual} (30,730,000 bytes)`,
    );
  });
});

describe('md5Hex', () => {
  it('agrees with Node’s MD5 for bytes, a Blob and a stream, and reports progress', async () => {
    const data = new Uint8Array(40 * 1024 * 1024 + 17);
    for (let i = 0; i < data.length; i++) data[i] = Math.imul(i, 2654435761) >>> 24;
    const expected = nodeHash('md5', data);
    const seen: number[] = [];
    expect(await md5Hex(data, (done) => seen.push(done))).toBe(expected);
    expect(seen).toEqual([16 * 1024 * 1024, 32 * 1024 * 1024, data.byteLength]);
    expect(await md5Hex(new Blob([data]))).toBe(expected);
    expect(await md5Hex(new Blob([data]).stream())).toBe(expected);
    expect(await md5Hex(new Uint8Array(0))).toBe('d41d8cd98f00b204e9800998ecf8427e'); // RFC 1321 test suite
  });
});

describe('parseSha256Sums', () => {
  it('reads the shared SHA256SUMS: the six official .bin hashes', () => {
    const sums = parseSha256Sums(readCifarText('SHA256SUMS'));
    expect(Object.fromEntries(sums)).toEqual(CIFAR10_BIN_SHA256);
  });

  it('reads text and binary mode lines, CRLF and blank lines', () => {
    const a = 'ab'.repeat(32);
    const b = 'CD'.repeat(32);
    const sums = parseSha256Sums(`${a}  file one.bin\r\n\n${b} *two.bin.gz\n`);
    expect([...sums]).toEqual([
      ['file one.bin', a],
      ['two.bin.gz', b.toLowerCase()],
    ]);
  });

  it('throws on a malformed or duplicate line, naming the line', () => {
    const good = `${'0'.repeat(64)}  x.bin`;
    expect(() => parseSha256Sums(`${good}\n${'0'.repeat(63)}  y.bin`, 'SUMS')).toThrow(/SUMS line 2 is not/);
    expect(() => parseSha256Sums(`${good}\n${good}`, 'SUMS')).toThrow(/SUMS lists x.bin twice \(line 2\)/);
    expect(() => parseSha256Sums('# comment')).toThrow(CifarDataError);
  });
});
