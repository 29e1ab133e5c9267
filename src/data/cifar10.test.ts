import { beforeAll, describe, expect, it } from 'vitest';
import {
  CLASS_NAMES,
  FILE_BYTES,
  IMAGE_BYTES,
  NORMALIZED_PIXEL,
  RECORD_BYTES,
  classCounts,
  gatherLabels,
  gatherNHWC,
  imageToRGBA,
  normalizePixel,
  parseCifarBatch,
  parseCifarFiles,
  validateCifarBatch,
  type CifarBatch,
} from './cifar10';
import { CifarDataError } from './errors';
import { readCifarFile, readCifarText } from '../../scripts/lib/cifarFiles';

/** Runs `fn`, expecting a CifarDataError; returns it for checks on its message. */
function catchDataError(fn: () => unknown): CifarDataError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CifarDataError);
    return error as CifarDataError;
  }
  throw new Error('expected a CifarDataError, nothing was thrown');
}

describe('parseCifarBatch on the shared test batch', () => {
  let raw: Uint8Array;
  let batch: CifarBatch;
  beforeAll(() => {
    raw = readCifarFile('test_batch.bin');
    batch = parseCifarBatch(raw, 'test_batch.bin');
  });

  it('gives 10,000 records, exactly 1,000 per class, first labels 3, 8, 8, 0, 6', () => {
    expect(raw.byteLength).toBe(30_730_000);
    expect(batch.count).toBe(10_000);
    expect(classCounts(batch.labels)).toEqual(new Array(10).fill(1000));
    expect(Array.from(batch.labels.subarray(0, 5))).toEqual([3, 8, 8, 0, 6]);
  });

  it('keeps each record as CHW, byte for byte as in the file minus the label', () => {
    for (const r of [0, 1, 4321, 9999]) {
      expect(batch.labels[r]).toBe(raw[r * RECORD_BYTES]);
      const fromFile = raw.subarray(r * RECORD_BYTES + 1, (r + 1) * RECORD_BYTES);
      expect(batch.pixels.subarray(r * IMAGE_BYTES, (r + 1) * IMAGE_BYTES)).toEqual(fromFile);
    }
  });

  it('normalises one pixel to (p/255 − 0.5)/0.5 at its NHWC place, checked by hand', () => {
    // Record 2, row 5, column 7, green: file byte 1 + 1024 (green plane) + 5*32 + 7 of the record.
    const p = raw[2 * RECORD_BYTES + 1 + 1024 + 5 * 32 + 7]!;
    const x = gatherNHWC(batch, [0, 2]);
    expect(x.length).toBe(2 * 32 * 32 * 3);
    // Image 1 of the batch, NHWC offset (5*32 + 7)*3 + 1.
    expect(x[IMAGE_BYTES + (5 * 32 + 7) * 3 + 1]).toBe(Math.fround((p / 255 - 0.5) / 0.5));
  });

  it('puts every normalised value in [−1, 1], with −1 and +1 for pixels 0 and 255', () => {
    expect(normalizePixel(0)).toBe(-1);
    expect(normalizePixel(255)).toBe(1);
    expect(normalizePixel(128)).toBeCloseTo(1 / 255, 15); // (128/255 − 0.5)/0.5 = 1/255
    const x = gatherNHWC(
      batch,
      Array.from({ length: 200 }, (_, i) => i * 50),
    );
    let min = Infinity;
    let max = -Infinity;
    for (const v of x) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    // Real photos span the whole byte range: 200 images include both 0 and 255 pixels.
    expect(min).toBe(-1);
    expect(max).toBe(1);
    for (let p = 0; p < 256; p++) expect(NORMALIZED_PIXEL[p]).toBe(Math.fround(p / 127.5 - 1));
  });

  it('gathers labels as int32 and RGBA thumbnails with alpha 255', () => {
    expect(Array.from(gatherLabels(batch, [4, 0, 1]))).toEqual([6, 3, 8]);
    const rgba = imageToRGBA(batch, 3);
    const r = 3 * RECORD_BYTES + 1;
    // Pixel (0, 1): R, G, B from the three planes of record 3.
    expect(Array.from(rgba.subarray(4, 8))).toEqual([raw[r + 1], raw[r + 1024 + 1], raw[r + 2048 + 1], 255]);
  });

  it('rejects indices outside the set', () => {
    expect(() => gatherNHWC(batch, [10_000])).toThrow(RangeError);
    expect(() => gatherLabels(batch, [-1])).toThrow(RangeError);
  });

  it('names the file, the expected and the actual size when the file is truncated', () => {
    const error = catchDataError(() => parseCifarBatch(raw.subarray(0, FILE_BYTES - 1), 'test_batch.bin'));
    expect(error.code).toBe('size');
    expect(error.fileName).toBe('test_batch.bin');
    expect(error.message).toContain(
      'test_batch.bin: expected 30,730,000 bytes (10,000 records × 3,073 bytes)',
    );
    expect(error.message).toContain('got 30,729,999 bytes (9,999 whole records + 3,072 extra bytes)');
    expect(error.message).toContain('truncated');
  });

  it('names the file as too long when a record is appended', () => {
    const longer = new Uint8Array(FILE_BYTES + RECORD_BYTES);
    longer.set(raw);
    const error = catchDataError(() => validateCifarBatch(longer, 'test_batch.bin'));
    expect(error.code).toBe('size');
    expect(error.message).toContain('got 30,733,073 bytes (10,001 whole records)');
  });

  it('names the record, its byte offset and the bad label value', () => {
    const bad = raw.slice();
    bad[17 * RECORD_BYTES] = 10;
    const error = catchDataError(() => parseCifarBatch(bad, 'test_batch.bin'));
    expect(error.code).toBe('label');
    expect(error.message).toContain('test_batch.bin: record 17 (byte offset 52,241) has label 10');
    expect(() => validateCifarBatch(bad, 'test_batch.bin')).toThrow(/record 17 .* label 10/);
  });
});

describe('parseCifarFiles', () => {
  it('concatenates files in order, checking every file before copying', () => {
    const fileA = new Uint8Array(2 * RECORD_BYTES);
    const fileB = new Uint8Array(3 * RECORD_BYTES);
    [7, 1].forEach((label, r) => (fileA[r * RECORD_BYTES] = label));
    [2, 9, 0].forEach((label, r) => (fileB[r * RECORD_BYTES] = label));
    fileB[2 * RECORD_BYTES + 1] = 200; // first pixel of B's last record
    const images = parseCifarFiles(
      [
        { fileName: 'a.bin', bytes: fileA },
        { fileName: 'b.bin', bytes: fileB },
      ],
      { expectedRecords: null },
    );
    expect(images.count).toBe(5);
    expect(Array.from(images.labels)).toEqual([7, 1, 2, 9, 0]);
    expect(images.pixels[4 * IMAGE_BYTES]).toBe(200);
    const broken = fileB.subarray(0, 2 * RECORD_BYTES + 5);
    const error = catchDataError(() =>
      parseCifarFiles([{ fileName: 'b.bin', bytes: broken }], { expectedRecords: null }),
    );
    expect(error.message).toContain('b.bin: expected a whole number of 3,073-byte records, got 6,151 bytes');
  });
});

describe('class names', () => {
  it('match batches.meta.txt', () => {
    const names = readCifarText('batches.meta.txt')
      .split('\n')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    expect(names).toEqual([...CLASS_NAMES]);
  });
});
