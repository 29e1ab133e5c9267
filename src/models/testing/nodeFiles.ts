/// <reference types="node" />
/**
 * Node-only helpers for tests and scripts: a FetchLike over a folder, the repository root, and the
 * CIFAR-10 test records (parsed here on purpose, independent of src/data).
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { fileResponse, type FetchLike } from '../weights';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Reads `dir/<name>`; a missing file answers like HTTP 404. */
export function nodeFileFetch(dir: string): FetchLike {
  return async (name) => {
    const file = path.join(dir, name);
    if (!existsSync(file)) {
      return {
        ok: false,
        status: 404,
        statusText: 'Not Found',
        arrayBuffer: () => Promise.reject(new Error('404')),
      };
    }
    return fileResponse(await readFile(file));
  };
}

/** CIFAR10_DIR, default ../shared/cifar10 next to the repository. */
export function cifarDir(): string {
  return process.env.CIFAR10_DIR ?? path.resolve(REPO_ROOT, '../shared/cifar10');
}

const RECORD_BYTES = 3073;
const PIXELS = 1024;

export interface CifarImages {
  readonly count: number;
  /** NHWC float32 in [−1, 1]: x = (pixel/255 − 0.5)/0.5. */
  readonly images: Float32Array;
  readonly labels: Uint8Array;
}

/**
 * The first `count` records (all when omitted) of test_batch.bin.gz. Record: label byte, then 1024 R,
 * 1024 G, 1024 B bytes, each plane row-major 32×32. Throws with a clear message if the file is absent.
 */
export function readCifarTestRecords(count?: number): CifarImages {
  const file = path.join(cifarDir(), 'test_batch.bin.gz');
  if (!existsSync(file)) {
    throw new Error(
      `CIFAR-10 test batch not found at ${file}; set CIFAR10_DIR to the folder with test_batch.bin.gz`,
    );
  }
  const raw = gunzipSync(readFileSync(file));
  if (raw.byteLength % RECORD_BYTES !== 0)
    throw new Error(`${file}: ${raw.byteLength} bytes is not a whole number of records`);
  const available = raw.byteLength / RECORD_BYTES;
  const n = count ?? available;
  if (n > available) throw new Error(`${file} has ${available} records, ${n} requested`);
  const images = new Float32Array(n * PIXELS * 3);
  const labels = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    const base = r * RECORD_BYTES;
    labels[r] = raw[base]!;
    for (let p = 0; p < PIXELS; p++) {
      for (let c = 0; c < 3; c++) {
        images[(r * PIXELS + p) * 3 + c] = (raw[base + 1 + c * PIXELS + p]! / 255 - 0.5) / 0.5;
      }
    }
  }
  return { count: n, images, labels };
}
