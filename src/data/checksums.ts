/**
 * Checksums for the data files.
 *
 * SHA-256: `crypto.subtle.digest` where it exists (native, no WebAssembly to load, ~1 GB/s; Node 20
 * and browsers), else hash-wasm. crypto.subtle alone is not enough: browsers expose it only in secure
 * contexts (https or localhost), so an app opened over plain http on a LAN address has no
 * `crypto.subtle` (MDN "SubtleCrypto"). crypto.subtle is also one-shot (no streaming), which is fine for
 * the 30.7 MB `.bin` files we hold in memory anyway.
 * MD5: hash-wasm, streaming, because crypto.subtle has no MD5 and the official archive (162 MiB) is only
 * published with an MD5; streaming lets a `File` be hashed without reading it into memory.
 */
import { createMD5, sha256 as sha256Wasm } from 'hash-wasm';
import { CifarDataError, formatCount } from './errors';

/** Lower-case hex of `bytes`. */
function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/** SHA-256 of `bytes` as lower-case hex. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (subtle && bytes.buffer instanceof ArrayBuffer) {
    const digest = await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
    return toHex(new Uint8Array(digest));
  }
  return sha256Wasm(bytes);
}

/** Something to hash in pieces: bytes, a Blob/File (streamed) or a byte stream. */
export type ByteSource = Uint8Array | Blob | ReadableStream<Uint8Array>;

/**
 * MD5 of `source` as lower-case hex, streaming. `onBytes(done)` is called after each chunk with the
 * number of bytes hashed so far (for a progress bar).
 */
export async function md5Hex(source: ByteSource, onBytes?: (done: number) => void): Promise<string> {
  const hasher = await createMD5();
  hasher.init();
  if (source instanceof Uint8Array) {
    // 16 MiB slices keep the progress callback alive on a 162 MiB archive.
    const step = 16 * 1024 * 1024;
    for (let start = 0; start < source.byteLength; start += step) {
      hasher.update(source.subarray(start, start + step));
      onBytes?.(Math.min(start + step, source.byteLength));
    }
    return hasher.digest('hex');
  }
  const stream = source instanceof Blob ? (source.stream() as ReadableStream<Uint8Array>) : source;
  const reader = stream.getReader();
  let done = 0;
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) break;
    hasher.update(chunk.value);
    done += chunk.value.byteLength;
    onBytes?.(done);
  }
  return hasher.digest('hex');
}

const HEX64 = /^[0-9a-fA-F]{64}$/;

/**
 * Reads a `sha256sum` listing: lines `<64 hex>  <name>` (text mode) or `<64 hex> *<name>` (binary
 * mode), as written by GNU coreutils. Blank lines are skipped; anything else that does not parse
 * throws, naming the line, since a silently skipped line would leave a file unchecked.
 * Returns name → lower-case hex.
 */
export function parseSha256Sums(text: string, sourceName = 'SHA256SUMS'): Map<string, string> {
  const sums = new Map<string, string>();
  text.split(/\r?\n/).forEach((rawLine, i) => {
    const line = rawLine.trim();
    if (line === '') return;
    const match = /^(\S+) [ *](.+)$/.exec(line);
    const hex = match?.[1];
    const name = match?.[2];
    if (!hex || !name || !HEX64.test(hex)) {
      throw new CifarDataError(
        'checksum-list',
        `${sourceName} line ${i + 1} is not "<64 hex digits>  <file name>": ${JSON.stringify(rawLine.slice(0, 120))}`,
        sourceName,
      );
    }
    if (sums.has(name)) {
      throw new CifarDataError(
        'checksum-list',
        `${sourceName} lists ${name} twice (line ${i + 1})`,
        sourceName,
      );
    }
    sums.set(name, hex.toLowerCase());
  });
  return sums;
}

/** Throws a `CifarDataError` ('checksum') unless SHA-256(bytes) is `expectedHex`; returns the hash. */
export async function verifySha256(bytes: Uint8Array, expectedHex: string, name: string): Promise<string> {
  const actual = await sha256Hex(bytes);
  if (actual !== expectedHex.toLowerCase()) {
    throw new CifarDataError(
      'checksum',
      `${name}: SHA-256 mismatch. Expected ${expectedHex.toLowerCase()}, got ${actual} ` +
        `(${formatCount(bytes.byteLength)} bytes). The file is damaged or is not the official CIFAR-10 file.`,
      name,
    );
  }
  return actual;
}
