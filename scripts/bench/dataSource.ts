/**
 * Where the bench's CIFAR-10 bytes come from, in order: the shared copy (env CIFAR10_DIR, default
 * ../shared/cifar10), the verified set `npm run data` put in public/cifar10, or, for at most 1,000 test
 * images, the starter set that ships in public/cifar10-starter (first 1,000 test, 256 training images;
 * the same first records as the official files). Node reads them here; the browser page gets the same
 * bytes from the bench's dev server.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { STARTER_TEST, STARTER_TRAIN } from '../../src/data/starterSet';
import { checkInstalled } from '../data';
import { cifarDir, readCifarFile } from '../lib/cifarFiles';
import { repoRoot } from '../lib/paths';
import type { BenchFile } from './benchFiles';

export interface BenchData {
  /** Where the files come from, for the report. */
  source: string;
  /** Test images it holds. */
  testImages: number;
  read(file: BenchFile): Uint8Array;
}

/** The first source that holds `images` test images; throws naming every place it looked. */
export function findBenchData(images: number): BenchData {
  const shared = path.join(cifarDir, 'test_batch.bin');
  if (existsSync(shared) || existsSync(`${shared}.gz`))
    return { source: `${cifarDir} (CIFAR10_DIR)`, testImages: 10_000, read: readCifarFile };
  const installed = path.join(repoRoot, 'public', 'cifar10');
  if (checkInstalled(installed) === null)
    return {
      source: `${installed} (npm run data)`,
      testImages: 10_000,
      read: (file) => new Uint8Array(readFileSync(path.join(installed, file))),
    };
  const starter = path.join(repoRoot, 'public', 'cifar10-starter');
  if (images <= STARTER_TEST.records) {
    const name = (file: BenchFile) => (file === 'test_batch.bin' ? STARTER_TEST : STARTER_TRAIN).name;
    return {
      source: `${starter} (starter set: first ${STARTER_TEST.records} test, ${STARTER_TRAIN.records} training images)`,
      testImages: STARTER_TEST.records,
      read: (file) => new Uint8Array(readFileSync(path.join(starter, name(file)))),
    };
  }
  throw new Error(
    `CIFAR-10 not found for ${images} test images: not in ${cifarDir} (set CIFAR10_DIR), not in ${installed} ` +
      `(run npm run data), and the starter set in ${starter} holds only ${STARTER_TEST.records}.`,
  );
}
