/**
 * CIFAR-10, official binary version: constants, parsing, validation, normalisation and batch gathering.
 * Pure code (no DOM, no Node APIs): it runs in the worker, in Vitest and in scripts/.
 *
 * File layout (https://www.cs.toronto.edu/~kriz/cifar.html, "binary version"): each of the six `.bin`
 * files is 10,000 records of 3,073 bytes, nothing between them:
 *   byte 0          label 0..9 (index into batches.meta.txt)
 *   bytes 1..1024   red plane,   32×32, row-major (first 32 bytes = top row)
 *   bytes 1025..2048 green plane
 *   bytes 2049..3072 blue plane
 *
 * In memory we keep what the file holds, minus the label bytes: `pixels` is uint8, one record after the
 * other, each record planar CHW exactly as in the file (3 × 32 × 32). The train set is then 153.6 MB
 * instead of 614 MB as float32 (ux-and-web-stack.md §3.1). Mini-batches are turned into NHWC float32
 * (tfjs's layout) on demand, by `gatherNHWC` here or by the augmentation in augment.ts.
 */
import { CifarDataError, formatCount } from './errors';

export const IMAGE_HEIGHT = 32;
export const IMAGE_WIDTH = 32;
export const IMAGE_CHANNELS = 3;
/** Pixels of one colour plane: 32 × 32. */
export const PLANE_BYTES = IMAGE_HEIGHT * IMAGE_WIDTH;
/** Pixel bytes of one record: 3 planes × 1,024. */
export const IMAGE_BYTES = IMAGE_CHANNELS * PLANE_BYTES;
/** One record: 1 label byte + 3,072 pixel bytes. */
export const RECORD_BYTES = 1 + IMAGE_BYTES;
export const RECORDS_PER_FILE = 10_000;
/** 30,730,000 bytes: the size of every official `.bin` file. */
export const FILE_BYTES = RECORD_BYTES * RECORDS_PER_FILE;
export const NUM_CLASSES = 10;

/** From `batches.meta.txt`, in label order. */
export const CLASS_NAMES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
] as const;

export const CIFAR10_TRAIN_FILES = [
  'data_batch_1.bin',
  'data_batch_2.bin',
  'data_batch_3.bin',
  'data_batch_4.bin',
  'data_batch_5.bin',
] as const;
export const CIFAR10_TEST_FILE = 'test_batch.bin';
/** The six data files, in the order of the official archive. */
export const CIFAR10_FILES = [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE] as const;
export type CifarFileName = (typeof CIFAR10_FILES)[number];
/** The six `.bin` files' bytes, by name. */
export type CifarFileSet = Record<CifarFileName, Uint8Array>;

/**
 * SHA-256 of the six official `.bin` files. Source: ../shared/cifar10/SHA256SUMS; they equal the hashes
 * that ankane/torchvision-ruby hard-codes for the contents of the official `cifar-10-binary.tar.gz`
 * (lib/torchvision/datasets/cifar10.rb), so any copy that matches is byte-identical to the official data.
 */
export const CIFAR10_BIN_SHA256: Readonly<Record<CifarFileName, string>> = {
  'data_batch_1.bin': 'cee916563c9f80d84e3cc88e17fdc0941787f1244f00a67874d45b261883ada5',
  'data_batch_2.bin': 'a591ca11fa1708a91ee40f54b3da4784ccd871ecf2137de63f51ada8b3fa57ed',
  'data_batch_3.bin': 'bbe8596564c0f86427f876058170b84dac6670ddf06d79402899d93ceea26f67',
  'data_batch_4.bin': '014e562d6e23c72197cc727519169a60359f5eccd8945ad5a09d710285ff4e48',
  'data_batch_5.bin': '755304fc0b379caeae8c14f0dac912fbc7d6cd469eb67a1029a08a39453a9add',
  'test_batch.bin': '8e2eb146ae340b09e24670f29cabc6326dba54da8789dab6768acf480273f65b',
};

export function isCifarFileName(name: string): name is CifarFileName {
  return (CIFAR10_FILES as readonly string[]).includes(name);
}

/** A set of images in memory: `labels[i]` and the CHW pixels of record i at `pixels[i*3072 ..]`. */
export interface CifarImages {
  readonly count: number;
  /** Label of each record, 0..9. */
  readonly labels: Uint8Array;
  /** `count × 3072` bytes, each record planar CHW (R plane, G plane, B plane), as in the file. */
  readonly pixels: Uint8Array;
}

/** One parsed `.bin` file. */
export interface CifarBatch extends CifarImages {
  readonly fileName: string;
}

/** Train (data_batch_1..5, 50,000 images, in file order) and test (test_batch, 10,000 images). */
export interface CifarData {
  readonly train: CifarImages;
  readonly test: CifarImages;
}

export interface ParseOptions {
  /** Records the file must hold; default 10,000 (every official file). `null` accepts any whole number. */
  expectedRecords?: number | null;
}

/** Throws a `CifarDataError` ('size') unless `byteLength` is `expectedRecords` whole records. */
export function checkBatchSize(byteLength: number, fileName: string, options: ParseOptions = {}): number {
  const expectedRecords = options.expectedRecords === undefined ? RECORDS_PER_FILE : options.expectedRecords;
  const wholeRecords = Math.floor(byteLength / RECORD_BYTES);
  const extraBytes = byteLength % RECORD_BYTES;
  const found =
    `${formatCount(byteLength)} bytes (${formatCount(wholeRecords)} whole records` +
    (extraBytes > 0 ? ` + ${formatCount(extraBytes)} extra bytes)` : ')');
  if (expectedRecords !== null && byteLength !== expectedRecords * RECORD_BYTES) {
    const hint =
      byteLength < expectedRecords * RECORD_BYTES
        ? 'The file is truncated (an interrupted download or copy?).'
        : 'The file is too long: it is not a CIFAR-10 binary batch.';
    throw new CifarDataError(
      'size',
      `${fileName}: expected ${formatCount(expectedRecords * RECORD_BYTES)} bytes ` +
        `(${formatCount(expectedRecords)} records × ${formatCount(RECORD_BYTES)} bytes), got ${found}. ${hint}`,
      fileName,
    );
  }
  if (byteLength === 0 || extraBytes !== 0) {
    throw new CifarDataError(
      'size',
      `${fileName}: expected a whole number of ${formatCount(RECORD_BYTES)}-byte records, got ${found}.`,
      fileName,
    );
  }
  return wholeRecords;
}

/** Throws a `CifarDataError` ('label') unless `label` (of record `record`) is 0..9. */
function checkLabel(label: number, record: number, fileName: string): void {
  if (label < NUM_CLASSES) return;
  throw new CifarDataError(
    'label',
    `${fileName}: record ${formatCount(record)} (byte offset ${formatCount(record * RECORD_BYTES)}) has label ` +
      `${label}; CIFAR-10 labels are 0–${NUM_CLASSES - 1}. This is not a CIFAR-10 binary batch ` +
      '(a CIFAR-100 file has 2 label bytes per record) or the file is damaged.',
    fileName,
  );
}

/** Checks size and every label without copying anything; returns the record count. */
export function validateCifarBatch(bytes: Uint8Array, fileName: string, options: ParseOptions = {}): number {
  const count = checkBatchSize(bytes.byteLength, fileName, options);
  for (let r = 0; r < count; r++) checkLabel(bytes[r * RECORD_BYTES]!, r, fileName);
  return count;
}

/**
 * Copies the records of one file into `labelsOut`/`pixelsOut` starting at record `firstRecord`,
 * checking every label. Shared by `parseCifarBatch` and `parseCifarFiles` (which fills one big array).
 */
function copyRecords(
  bytes: Uint8Array,
  fileName: string,
  count: number,
  labelsOut: Uint8Array,
  pixelsOut: Uint8Array,
  firstRecord: number,
): void {
  for (let r = 0; r < count; r++) {
    const offset = r * RECORD_BYTES;
    const label = bytes[offset]!;
    checkLabel(label, r, fileName);
    labelsOut[firstRecord + r] = label;
    pixelsOut.set(bytes.subarray(offset + 1, offset + RECORD_BYTES), (firstRecord + r) * IMAGE_BYTES);
  }
}

/**
 * Parses and validates one `.bin` file: its size must be 10,000 whole records (or `expectedRecords`)
 * and every label 0..9. The pixels are copied out (planar CHW per record, as in the file), so `bytes`
 * can be released afterwards. Throws `CifarDataError` with code 'size' or 'label'.
 */
export function parseCifarBatch(bytes: Uint8Array, fileName: string, options: ParseOptions = {}): CifarBatch {
  const count = checkBatchSize(bytes.byteLength, fileName, options);
  const labels = new Uint8Array(count);
  const pixels = new Uint8Array(count * IMAGE_BYTES);
  copyRecords(bytes, fileName, count, labels, pixels, 0);
  return { fileName, count, labels, pixels };
}

/**
 * Parses several files into one `CifarImages`, in the given order, copying each record once (no
 * intermediate per-file arrays: the train set is 153.6 MB). Every file is size-checked before copying.
 */
export function parseCifarFiles(
  files: readonly { fileName: string; bytes: Uint8Array }[],
  options: ParseOptions = {},
): CifarImages {
  const counts = files.map((f) => checkBatchSize(f.bytes.byteLength, f.fileName, options));
  const total = counts.reduce((s, c) => s + c, 0);
  const labels = new Uint8Array(total);
  const pixels = new Uint8Array(total * IMAGE_BYTES);
  let first = 0;
  files.forEach((f, i) => {
    const count = counts[i]!;
    copyRecords(f.bytes, f.fileName, count, labels, pixels, first);
    first += count;
  });
  return { count: total, labels, pixels };
}

/** Train = data_batch_1..5 in order (50,000 images); test = test_batch (10,000). */
export function buildCifarData(files: CifarFileSet): CifarData {
  return {
    train: parseCifarFiles(CIFAR10_TRAIN_FILES.map((fileName) => ({ fileName, bytes: files[fileName] }))),
    test: parseCifarFiles([{ fileName: CIFAR10_TEST_FILE, bytes: files[CIFAR10_TEST_FILE] }]),
  };
}

/** Images per class, `result[label]`. */
export function classCounts(labels: Uint8Array): number[] {
  const counts = new Array<number>(NUM_CLASSES).fill(0);
  for (const label of labels) counts[label] = (counts[label] ?? 0) + 1;
  return counts;
}

/**
 * Normalisation used everywhere in Crossbar Lab and in the paper's LoadCIFAR10 (ToTensor, then
 * Normalize(mean 0.5, std 0.5) per channel; paper-companion-code.md §3.0): x = (p/255 − 0.5)/0.5,
 * so pixel 0 → −1 and pixel 255 → +1.
 */
export function normalizePixel(pixel: number): number {
  return (pixel / 255 - 0.5) / 0.5;
}

/** `normalizePixel` for all 256 byte values, rounded once to float32: a lookup instead of arithmetic. */
export const NORMALIZED_PIXEL: Float32Array = Float32Array.from({ length: 256 }, (_, p) => normalizePixel(p));

/** Flat index of (y, x, c) in one NHWC image. */
export function nhwcIndex(y: number, x: number, c: number): number {
  return (y * IMAGE_WIDTH + x) * IMAGE_CHANNELS + c;
}

/** Flat index of (c, y, x) in one CHW record. */
export function chwIndex(c: number, y: number, x: number): number {
  return c * PLANE_BYTES + y * IMAGE_WIDTH + x;
}

function checkIndex(images: CifarImages, index: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= images.count) {
    throw new RangeError(`image index ${index} is outside 0..${images.count - 1}`);
  }
}

/**
 * The normalised NHWC float32 batch [n, 32, 32, 3] of the records `indices` (no augmentation), ready for
 * `tf.tensor4d(x, [n, 32, 32, 3])`. Writes into `out` when given (length ≥ n × 3072).
 */
export function gatherNHWC(
  images: CifarImages,
  indices: ArrayLike<number>,
  out: Float32Array = new Float32Array(indices.length * IMAGE_BYTES),
): Float32Array {
  if (out.length < indices.length * IMAGE_BYTES) {
    throw new RangeError(`out holds ${out.length} floats, needs ${indices.length * IMAGE_BYTES}`);
  }
  const { pixels } = images;
  for (let n = 0; n < indices.length; n++) {
    const index = indices[n]!;
    checkIndex(images, index);
    const src = index * IMAGE_BYTES;
    const dst = n * IMAGE_BYTES;
    // CHW → HWC: plane c, position p = y*32 + x goes to (p*3 + c).
    for (let p = 0; p < PLANE_BYTES; p++) {
      out[dst + p * 3] = NORMALIZED_PIXEL[pixels[src + p]!]!;
      out[dst + p * 3 + 1] = NORMALIZED_PIXEL[pixels[src + PLANE_BYTES + p]!]!;
      out[dst + p * 3 + 2] = NORMALIZED_PIXEL[pixels[src + 2 * PLANE_BYTES + p]!]!;
    }
  }
  return out;
}

/** The labels of `indices` as int32 (what `tf.oneHot` takes). */
export function gatherLabels(images: CifarImages, indices: ArrayLike<number>): Int32Array {
  const out = new Int32Array(indices.length);
  for (let n = 0; n < indices.length; n++) {
    const index = indices[n]!;
    checkIndex(images, index);
    out[n] = images.labels[index]!;
  }
  return out;
}

/** The RGBA bytes of one image (32×32×4, alpha 255), for an `ImageData` thumbnail in the UI. */
export function imageToRGBA(images: CifarImages, index: number): Uint8ClampedArray {
  checkIndex(images, index);
  const src = index * IMAGE_BYTES;
  const out = new Uint8ClampedArray(PLANE_BYTES * 4);
  for (let p = 0; p < PLANE_BYTES; p++) {
    out[p * 4] = images.pixels[src + p]!;
    out[p * 4 + 1] = images.pixels[src + PLANE_BYTES + p]!;
    out[p * 4 + 2] = images.pixels[src + 2 * PLANE_BYTES + p]!;
    out[p * 4 + 3] = 255;
  }
  return out;
}
