/// <reference types="node" />
/**
 * The shared CIFAR-10 copy, for scripts and tests: env CIFAR10_DIR, else `<repo root>/../shared/cifar10`,
 * holding the gzip'd `.bin.gz` files (or plain `.bin` files) and SHA256SUMS. A test or script that needs it
 * fails with `missingDataMessage` instead of being skipped silently.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { repoRoot } from './paths';

/** The shared data folder (env CIFAR10_DIR, default `<repo>/../shared/cifar10`). */
export const cifarDir: string = path.resolve(repoRoot, process.env.CIFAR10_DIR ?? '../shared/cifar10');

export function missingDataMessage(file: string): string {
  return (
    `CIFAR-10 test data not found: ${path.join(cifarDir, file)} does not exist. ` +
    "Set CIFAR10_DIR to a folder with the gzip'd .bin files and SHA256SUMS (e.g. ../shared/cifar10)."
  );
}

/** The bytes of `<name>` (e.g. `test_batch.bin`) from `<name>.gz` (or `<name>`) in the data folder. */
export function readCifarFile(name: string): Uint8Array {
  const gz = path.join(cifarDir, `${name}.gz`);
  if (existsSync(gz)) return new Uint8Array(gunzipSync(readFileSync(gz)));
  const plain = path.join(cifarDir, name);
  if (existsSync(plain)) return new Uint8Array(readFileSync(plain));
  throw new Error(missingDataMessage(`${name}.gz`));
}

/** A text file of the data folder (SHA256SUMS, batches.meta.txt). */
export function readCifarText(name: string): string {
  const file = path.join(cifarDir, name);
  if (!existsSync(file)) throw new Error(missingDataMessage(name));
  return readFileSync(file, 'utf8');
}

const RECORD_BYTES = 3073;
const PIXELS = 1024;

/** Test records as float NHWC, parsed here on purpose: independent of src/data, for golden tests. */
export interface CifarTestRecords {
  readonly count: number;
  /** NHWC float32 in [−1, 1]: x = (pixel/255 − 0.5)/0.5. */
  readonly images: Float32Array;
  readonly labels: Uint8Array;
}

/**
 * The first `count` records (all when omitted) of test_batch.bin. Record: label byte, then 1024 R,
 * 1024 G, 1024 B bytes, each plane row-major 32×32. Throws with a clear message if the file is absent.
 */
export function readCifarTestRecords(count?: number): CifarTestRecords {
  const raw = readCifarFile('test_batch.bin');
  const file = 'test_batch.bin';
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
