/** Where the bench takes CIFAR-10 from: the shared copy, else public/cifar10, else the starter set. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { checkInstalled } from '../data';
import { repoRoot } from '../lib/paths';
import { parseBenchFile } from './benchFiles';
import { findBenchData } from './dataSource';

/** The first five labels of the official test_batch.bin: cat, ship, ship, airplane, frog. */
const FIRST_TEST_LABELS = [3, 8, 8, 0, 6];

describe('findBenchData', () => {
  const empty = mkdtempSync(path.join(os.tmpdir(), 'crossbar-bench-data-'));
  afterAll(() => {
    vi.unstubAllEnvs();
    rmSync(empty, { recursive: true, force: true });
  });

  it('takes the shared copy first', () => {
    const data = findBenchData(10_000);
    expect(data.testImages).toBe(10_000);
    expect(data.source).toMatch(/ \(CIFAR10_DIR\)$/);
    const test = parseBenchFile(data.read('test_batch.bin'), 'test_batch.bin');
    expect([...test.labels.subarray(0, 5)]).toEqual(FIRST_TEST_LABELS);
  });

  it('without it, takes public/cifar10 or, for up to 1,000 images, the starter set', async () => {
    vi.stubEnv('CIFAR10_DIR', empty);
    vi.resetModules();
    const { findBenchData: find } = await import('./dataSource');
    const installed = checkInstalled(path.join(repoRoot, 'public', 'cifar10')) === null;
    const data = find(5);
    expect(data.source).toMatch(
      installed ? /public\/cifar10 \(npm run data\)$/ : /\(starter set: first 1000 test/,
    );
    const test = parseBenchFile(data.read('test_batch.bin'), 'test_batch.bin');
    const train = parseBenchFile(data.read('data_batch_1.bin'), 'data_batch_1.bin');
    expect([...test.labels.subarray(0, 5)]).toEqual(FIRST_TEST_LABELS);
    expect(train.count).toBeGreaterThanOrEqual(256);
    if (!installed)
      expect(() => find(1001)).toThrow(
        /^CIFAR-10 not found for 1001 test images: .*\(set CIFAR10_DIR\), .*\(run npm run data\), and the starter set .* holds only 1000\.$/,
      );
  });
});
