/**
 * Seeded shuffling, the paper's augmentation and mini-batch assembly. Pure: every random draw comes from
 * the `Rng` passed in (src/sim/rng.ts), drawn at the 'batch' moment, so the same seed gives the same
 * batches on every machine and backend.
 *
 * The paper's transform (LoadCIFAR.py, paper-companion-code.md §3.0), torchvision semantics:
 *   Pad(4)                 zero-pad each side by 4 pixels → 40×40. The padding is pixel value 0 (black),
 *                          applied before normalisation, so padded pixels end up at −1, not 0.
 *   RandomCrop(32)         top-left corner (offsetY, offsetX) uniform in {0..8}² (torchvision draws
 *                          `randint(0, 40 − 32 + 1)` for each).
 *   RandomHorizontalFlip() mirror left–right with probability 0.5, after the crop.
 *   ToTensor + Normalize   x = (p/255 − 0.5)/0.5 (cifar10.ts `normalizePixel`).
 * So output pixel (y, x) of a flipped crop reads padded pixel (y + offsetY, (31 − x) + offsetX), i.e.
 * source pixel (y + offsetY − 4, 31 − x + offsetX − 4) when that lies inside the 32×32 image, else 0.
 * The paper applies it to the test set too (a quirk; `augment` is a separate option here).
 *
 * Random streams: for a batcher built on `rng`,
 *   epoch order:         rng.fork(`epoch-${e}`).fork('shuffle')    one Fisher–Yates shuffle per epoch
 *   batch augmentation:  rng.fork(`epoch-${e}`).fork(`batch-${b}`) per image, in batch order:
 *                        offsetY = int(9), offsetX = int(9), flip = uniform() < 0.5
 * Each batch has its own stream, so batch b can be rebuilt without drawing batches 0..b−1.
 */
import type { Rng } from '../sim/rng';
import {
  IMAGE_BYTES,
  IMAGE_HEIGHT,
  IMAGE_WIDTH,
  NORMALIZED_PIXEL,
  PLANE_BYTES,
  gatherLabels,
  gatherNHWC,
  type CifarImages,
} from './cifar10';

/** Pixels of zero padding on each side before the random crop (torchvision `Pad(4)`). */
export const AUGMENT_PAD_PIXELS = 4;
/** Crop offsets run over 0..2·pad: 9 values per axis. */
export const AUGMENT_NUM_OFFSETS = 2 * AUGMENT_PAD_PIXELS + 1;
/** Probability of a horizontal flip (torchvision `RandomHorizontalFlip` default). */
export const AUGMENT_FLIP_PROBABILITY = 0.5;

/** The random choices for one image. Offsets are the crop's top-left corner in the 40×40 padded image. */
export interface AugmentDraw {
  offsetY: number;
  offsetX: number;
  flip: boolean;
}

/** Draws one image's crop and flip, in a fixed order (offsetY, offsetX, flip). */
export function drawAugment(rng: Rng): AugmentDraw {
  const offsetY = rng.int(AUGMENT_NUM_OFFSETS);
  const offsetX = rng.int(AUGMENT_NUM_OFFSETS);
  const flip = rng.uniform() < AUGMENT_FLIP_PROBABILITY;
  return { offsetY, offsetX, flip };
}

/**
 * Writes the augmented, normalised NHWC image of record `index` into `out` at `outOffset`
 * (3,072 floats). Equivalent to pad → crop → flip → normalise, without building the padded image.
 */
export function augmentImageNHWC(
  images: CifarImages,
  index: number,
  draw: AugmentDraw,
  out: Float32Array,
  outOffset: number,
): void {
  // Imported constants copied to locals: under CommonJS-style transforms (tsx, Vitest) each access to an
  // imported binding is a getter call, which made this loop 30× slower.
  const width = IMAGE_WIDTH;
  const height = IMAGE_HEIGHT;
  const plane = PLANE_BYTES;
  const pad = AUGMENT_PAD_PIXELS;
  const lut = NORMALIZED_PIXEL;
  const { pixels } = images;
  const src = index * IMAGE_BYTES;
  const padValue = lut[0]!; // pixel value 0 after normalisation: −1
  const { offsetY, offsetX, flip } = draw;
  for (let y = 0; y < height; y++) {
    const sy = y + offsetY - pad;
    const rowInside = sy >= 0 && sy < height;
    const rowStart = src + sy * width;
    for (let x = 0; x < width; x++) {
      const sx = (flip ? width - 1 - x : x) + offsetX - pad;
      const dst = outOffset + (y * width + x) * 3;
      if (rowInside && sx >= 0 && sx < width) {
        const p = rowStart + sx;
        out[dst] = lut[pixels[p]!]!;
        out[dst + 1] = lut[pixels[p + plane]!]!;
        out[dst + 2] = lut[pixels[p + 2 * plane]!]!;
      } else {
        out[dst] = padValue;
        out[dst + 1] = padValue;
        out[dst + 2] = padValue;
      }
    }
  }
}

/** One mini-batch, ready for tfjs. */
export interface MiniBatch {
  /** Record indices into the `CifarImages` the batch was drawn from. */
  readonly indices: Int32Array;
  /** Labels 0..9 as int32 (for `tf.oneHot`). */
  readonly labels: Int32Array;
  /** Normalised NHWC float32, shape [size, 32, 32, 3]. */
  readonly x: Float32Array;
  /** Per-image draws, in batch order; empty when not augmented. */
  readonly draws: readonly AugmentDraw[];
  readonly size: number;
}

/**
 * Builds the batch of `indices`: augmented with draws from `rng` (one `drawAugment` per image, in
 * order) when `rng` is given, plain otherwise.
 */
export function makeBatch(images: CifarImages, indices: Int32Array, rng?: Rng): MiniBatch {
  const labels = gatherLabels(images, indices); // also range-checks the indices
  const size = indices.length;
  if (!rng) return { indices, labels, x: gatherNHWC(images, indices), draws: [], size };
  const x = new Float32Array(size * IMAGE_BYTES);
  const draws: AugmentDraw[] = [];
  for (let n = 0; n < size; n++) {
    const draw = drawAugment(rng);
    draws.push(draw);
    augmentImageNHWC(images, indices[n]!, draw, x, n * IMAGE_BYTES);
  }
  return { indices, labels, x, draws, size };
}

/** The record order of epoch `epoch`: 0..n−1 shuffled with rng.fork(`epoch-${e}`).fork('shuffle'). */
export function epochOrder(numRecords: number, rng: Rng, epoch: number): Int32Array {
  const order = Int32Array.from({ length: numRecords }, (_, i) => i);
  rng.fork(`epoch-${epoch}`).fork('shuffle').shuffle(order);
  return order;
}

/** The augmentation stream of batch `batchIndex` in epoch `epoch`. */
export function batchRng(rng: Rng, epoch: number, batchIndex: number): Rng {
  return rng.fork(`epoch-${epoch}`).fork(`batch-${batchIndex}`);
}

/** Batches per epoch; the last one may be short (PyTorch DataLoader, drop_last=False: 50,000/128 → 391). */
export function numBatches(numRecords: number, batchSize: number): number {
  return Math.ceil(numRecords / batchSize);
}

export interface BatcherOptions {
  /** Images per batch (paper: 128 for training, 64 for test). */
  batchSize: number;
  /** Shuffle each epoch (paper: train yes, test no). */
  shuffle: boolean;
  /** Pad–crop–flip each image (paper: both train and test). */
  augment: boolean;
}

export interface Batcher {
  readonly numBatches: number;
  /** Batch `batchIndex` (0-based) of epoch `epoch` (0-based); any order of calls gives the same batch. */
  batch(epoch: number, batchIndex: number): MiniBatch;
}

/**
 * Deterministic mini-batches over `images`. `rng` is the data stream at the 'batch' draw moment, e.g.
 * `createRng(seed).fork('batch').fork('train')`. The epoch order is cached for the last epoch asked.
 */
export function createBatcher(images: CifarImages, rng: Rng, options: BatcherOptions): Batcher {
  const { batchSize, shuffle, augment } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`batchSize must be ≥ 1, got ${batchSize}`);
  const total = numBatches(images.count, batchSize);
  const identity = Int32Array.from({ length: images.count }, (_, i) => i);
  let cached: { epoch: number; order: Int32Array } | null = null;
  const orderOf = (epoch: number): Int32Array => {
    if (!shuffle) return identity;
    if (cached?.epoch !== epoch) cached = { epoch, order: epochOrder(images.count, rng, epoch) };
    return cached.order;
  };
  return {
    numBatches: total,
    batch(epoch, batchIndex) {
      if (!Number.isInteger(batchIndex) || batchIndex < 0 || batchIndex >= total) {
        throw new RangeError(`batch index ${batchIndex} is outside 0..${total - 1}`);
      }
      const start = batchIndex * batchSize;
      const indices = orderOf(epoch).slice(start, Math.min(start + batchSize, images.count));
      return makeBatch(images, indices, augment ? batchRng(rng, epoch, batchIndex) : undefined);
    },
  };
}
