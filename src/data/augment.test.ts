import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../sim/rng';
import {
  AUGMENT_NUM_OFFSETS,
  augmentImageNHWC,
  batchRng,
  createBatcher,
  drawAugment,
  epochOrder,
  makeBatch,
  numBatches,
  type AugmentDraw,
} from './augment';
import { IMAGE_BYTES, gatherNHWC, parseCifarBatch, type CifarImages } from './cifar10';
import { readCifarFile } from '../../scripts/lib/cifarFiles';

/**
 * Plain-loop reference of the paper's transform, written the way torchvision does it: build the 40×40
 * zero-padded image, crop 32×32 at (offsetY, offsetX), mirror columns if flipped, then normalise in
 * float64. Returns HWC.
 */
function referenceAugment(images: CifarImages, index: number, draw: AugmentDraw): Float64Array {
  const pad = 4;
  const size = 32 + 2 * pad;
  const padded = new Float64Array(size * size * 3); // pixel value 0 in the border
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) {
        padded[((y + pad) * size + (x + pad)) * 3 + c] = images.pixels[index * 3072 + c * 1024 + y * 32 + x]!;
      }
    }
  }
  const out = new Float64Array(32 * 32 * 3);
  for (let y = 0; y < 32; y++) {
    for (let x = 0; x < 32; x++) {
      for (let c = 0; c < 3; c++) {
        const cropX = draw.flip ? 31 - x : x;
        const p = padded[((y + draw.offsetY) * size + (cropX + draw.offsetX)) * 3 + c]!;
        out[(y * 32 + x) * 3 + c] = (p / 255 - 0.5) / 0.5;
      }
    }
  }
  return out;
}

/** Exact equality of two typed arrays (Vitest's deep `toEqual` takes seconds on 400k floats). */
function sameArray(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

describe('augmentation', () => {
  let images: CifarImages;
  beforeAll(() => {
    images = parseCifarBatch(readCifarFile('test_batch.bin'), 'test_batch.bin');
  });

  it('matches the plain-loop pad–crop–flip reference for every offset corner and both flips', () => {
    const out = new Float32Array(IMAGE_BYTES);
    const offsets = [0, 1, 4, 7, 8];
    for (const offsetY of offsets) {
      for (const offsetX of offsets) {
        for (const flip of [false, true]) {
          const draw = { offsetY, offsetX, flip };
          const index = offsetY * 100 + offsetX * 10 + (flip ? 1 : 0);
          augmentImageNHWC(images, index, draw, out, 0);
          const expected = referenceAugment(images, index, draw);
          for (let i = 0; i < IMAGE_BYTES; i++) {
            if (out[i] !== Math.fround(expected[i]!)) {
              throw new Error(
                `offset (${offsetY}, ${offsetX}) flip ${flip}: element ${i} is ${out[i]}, expected ${expected[i]}`,
              );
            }
          }
        }
      }
    }
  });

  it('is the identity at the centre offset without flip, and pads with −1 at a corner', () => {
    const out = new Float32Array(IMAGE_BYTES);
    augmentImageNHWC(images, 5, { offsetY: 4, offsetX: 4, flip: false }, out, 0);
    expect(sameArray(out, gatherNHWC(images, [5]))).toBe(true);
    augmentImageNHWC(images, 5, { offsetY: 0, offsetX: 0, flip: false }, out, 0);
    // Rows 0..3 and columns 0..3 come from the padding: pixel value 0 → −1.
    expect(out[0]).toBe(-1);
    expect(out[(3 * 32 + 31) * 3 + 2]).toBe(-1);
    expect(out[(31 * 32 + 3) * 3]).toBe(-1);
  });

  it('draws offsets uniform on 0..8 and flips with probability 0.5 (5-sigma bounds)', () => {
    const rng = createRng(3);
    const n = 18_000;
    const countsY = new Array<number>(AUGMENT_NUM_OFFSETS).fill(0);
    const countsX = new Array<number>(AUGMENT_NUM_OFFSETS).fill(0);
    let flips = 0;
    for (let i = 0; i < n; i++) {
      const d = drawAugment(rng);
      countsY[d.offsetY]!++;
      countsX[d.offsetX]!++;
      if (d.flip) flips++;
    }
    // Binomial(n, 1/9) per bin: mean n/9, sd sqrt(n·(1/9)·(8/9)).
    const mean = n / 9;
    const sd = Math.sqrt((n * 8) / 81);
    for (const c of [...countsY, ...countsX]) expect(Math.abs(c - mean)).toBeLessThan(5 * sd);
    expect(Math.abs(flips - n / 2)).toBeLessThan(5 * Math.sqrt(n / 4));
  });
});

describe('seeded batches', () => {
  let images: CifarImages;
  beforeAll(() => {
    images = parseCifarBatch(readCifarFile('test_batch.bin'), 'test_batch.bin');
  });
  const options = { batchSize: 128, shuffle: true, augment: true };

  it('gives the same shuffled, augmented batch for the same seed and a different one for another seed', () => {
    const a = createBatcher(images, createRng(42).fork('batch'), options).batch(2, 7);
    const b = createBatcher(images, createRng(42).fork('batch'), options).batch(2, 7);
    const c = createBatcher(images, createRng(43).fork('batch'), options).batch(2, 7);
    expect(sameArray(b.indices, a.indices)).toBe(true);
    expect(b.labels).toEqual(a.labels);
    expect(b.draws).toEqual(a.draws);
    expect(sameArray(b.x, a.x)).toBe(true);
    expect(sameArray(c.indices, a.indices)).toBe(false);
    expect(sameArray(c.x, a.x)).toBe(false);
    // Same images, other seed for the augmentation only: the pixels still differ.
    const sameImages = makeBatch(images, a.indices, batchRng(createRng(43).fork('batch'), 2, 7));
    expect(sameArray(sameImages.x, a.x)).toBe(false);
  });

  it('builds each batch from its own stream, whatever was asked before', () => {
    const fresh = createBatcher(images, createRng(9), options).batch(1, 5);
    const used = createBatcher(images, createRng(9), options);
    used.batch(0, 3);
    used.batch(1, 77);
    expect(sameArray(used.batch(1, 5).x, fresh.x)).toBe(true);
  });

  it('visits every record once per epoch, in a new order each epoch; the last batch is short', () => {
    const batcher = createBatcher(images, createRng(1), options);
    expect(batcher.numBatches).toBe(79); // ceil(10,000 / 128)
    expect(numBatches(50_000, 128)).toBe(391); // the paper's 391 iterations per epoch
    const seen = new Uint8Array(images.count);
    for (let b = 0; b < batcher.numBatches; b++) {
      const batch = batcher.batch(0, b);
      expect(batch.size).toBe(b < 78 ? 128 : 10_000 - 78 * 128);
      for (const i of batch.indices) seen[i]!++;
    }
    expect(seen.every((v) => v === 1)).toBe(true);
    expect(
      sameArray(epochOrder(images.count, createRng(1), 1), epochOrder(images.count, createRng(1), 0)),
    ).toBe(false);
  });

  it('without shuffle or augmentation gives the records in file order, unchanged', () => {
    const plain = createBatcher(images, createRng(1), { batchSize: 64, shuffle: false, augment: false });
    const batch = plain.batch(3, 2);
    expect(Array.from(batch.indices)).toEqual(Array.from({ length: 64 }, (_, i) => 128 + i));
    expect(sameArray(batch.x, gatherNHWC(images, batch.indices))).toBe(true);
    expect(batch.draws).toEqual([]);
    expect(() => plain.batch(0, plain.numBatches)).toThrow(RangeError);
  });

  it('uses each image’s own draw, in batch order', () => {
    const batch = createBatcher(images, createRng(5), options).batch(0, 0);
    const out = new Float32Array(IMAGE_BYTES);
    augmentImageNHWC(images, batch.indices[10]!, batch.draws[10]!, out, 0);
    expect(sameArray(batch.x.subarray(10 * IMAGE_BYTES, 11 * IMAGE_BYTES), out)).toBe(true);
    const rng = batchRng(createRng(5), 0, 0);
    expect(batch.draws.slice(0, 3)).toEqual([drawAugment(rng), drawAugment(rng), drawAugment(rng)]);
  });
});
