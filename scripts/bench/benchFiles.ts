/** The two CIFAR-10 files the bench reads, in Node and in the page: test images, and training images to calibrate on. */
import { parseCifarBatch, type CifarImages } from '../../src/data/cifar10';

export const BENCH_FILES = ['test_batch.bin', 'data_batch_1.bin'] as const;
export type BenchFile = (typeof BENCH_FILES)[number];

/** Parses a file of any whole number of records (the starter set's are short). */
export function parseBenchFile(bytes: Uint8Array, file: BenchFile): CifarImages {
  return parseCifarBatch(bytes, file, { expectedRecords: null });
}
