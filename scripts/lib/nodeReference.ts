/// <reference types="node" />
/** Node's own zlib and crypto (OpenSSL): independent references for tests of src/data's codecs. */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

/** gzip with Node's zlib at level 1 (fast; test archives are mostly zeros). */
export function nodeGzip(data: Uint8Array): Uint8Array {
  return new Uint8Array(gzipSync(data, { level: 1 }));
}

/** Node's own hash: an independent reference for the module's hash-wasm/WebCrypto code. */
export function nodeHash(algorithm: 'md5' | 'sha256', data: Uint8Array): string {
  return createHash(algorithm).update(data).digest('hex');
}
