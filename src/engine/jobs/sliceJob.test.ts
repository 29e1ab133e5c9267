import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../sim/rng';
import { JobControl } from '../jobControl';
import type { JobProgress } from '../protocol';
import { createSliceNetwork, runSliceJob, sliceForward, type BatchSource } from './sliceJob';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Plain-loop float64 reference of the slice network (NHWC, 'same' 3×3 convs, 2×2 max-pools). */
function referenceLogits(
  w: { conv1: Float64Array; conv2: Float64Array; dense: Float64Array },
  x: Float64Array,
) {
  const conv = (input: Float64Array, size: number, cin: number, k: Float64Array, cout: number) => {
    const out = new Float64Array(size * size * cout);
    for (let y = 0; y < size; y++)
      for (let xx = 0; xx < size; xx++)
        for (let o = 0; o < cout; o++) {
          let acc = 0;
          for (let dy = 0; dy < 3; dy++)
            for (let dx = 0; dx < 3; dx++) {
              const iy = y + dy - 1;
              const ix = xx + dx - 1;
              if (iy < 0 || ix < 0 || iy >= size || ix >= size) continue;
              for (let c = 0; c < cin; c++)
                acc += input[(iy * size + ix) * cin + c]! * k[((dy * 3 + dx) * cin + c) * cout + o]!;
            }
          out[(y * size + xx) * cout + o] = Math.max(0, acc);
        }
    return out;
  };
  const pool = (input: Float64Array, size: number, c: number) => {
    const half = size / 2;
    const out = new Float64Array(half * half * c);
    for (let y = 0; y < half; y++)
      for (let xx = 0; xx < half; xx++)
        for (let ch = 0; ch < c; ch++) {
          let m = -Infinity;
          for (let dy = 0; dy < 2; dy++)
            for (let dx = 0; dx < 2; dx++)
              m = Math.max(m, input[((2 * y + dy) * size + 2 * xx + dx) * c + ch]!);
          out[(y * half + xx) * c + ch] = m;
        }
    return out;
  };
  let h = pool(conv(x, 32, 3, w.conv1, 8), 32, 8);
  h = pool(conv(h, 16, 8, w.conv2, 16), 16, 16);
  const mean = new Float64Array(16);
  for (let i = 0; i < 64; i++) for (let c = 0; c < 16; c++) mean[c]! += h[i * 16 + c]! / 64;
  const logits = new Float64Array(10);
  for (let o = 0; o < 10; o++) for (let c = 0; c < 16; c++) logits[o]! += mean[c]! * w.dense[c * 10 + o]!;
  return logits;
}

/** Deterministic pseudo-images in [-1, 1] with labels; the real-data path is covered in src/data and e2e. */
function syntheticSource(seed: number): BatchSource {
  return (start, count) => {
    const rng = createRng(seed).fork(start);
    const x = new Float32Array(count * 32 * 32 * 3);
    for (let i = 0; i < x.length; i++) x[i] = rng.uniform() * 2 - 1;
    const labels = new Uint8Array(count);
    for (let i = 0; i < count; i++) labels[i] = rng.int(10);
    return { x, labels, count };
  };
}

describe('slice network', () => {
  it('matches a plain-loop float64 reference', async () => {
    const weights = createSliceNetwork(7);
    const batch = syntheticSource(3)(0, 2);
    const logits = tf.tidy(() => sliceForward(weights, tf.tensor4d(batch.x, [2, 32, 32, 3])));
    const actual = await logits.data();
    const w = {
      conv1: Float64Array.from(await weights.conv1!.data()),
      conv2: Float64Array.from(await weights.conv2!.data()),
      dense: Float64Array.from(await weights.dense!.data()),
    };
    for (let n = 0; n < 2; n++) {
      const expected = referenceLogits(w, Float64Array.from(batch.x.subarray(n * 3072, (n + 1) * 3072)));
      const scale = Math.max(1, ...expected.map(Math.abs));
      for (let o = 0; o < 10; o++)
        expect(Math.abs(actual[n * 10 + o]! - expected[o]!)).toBeLessThan(1e-4 * scale);
    }
    logits.dispose();
    Object.values(weights).forEach((t) => t.dispose());
  });

  it('streams every batch, counts accuracy correctly and leaks no tensors', async () => {
    const before = tf.memory().numTensors;
    const messages: JobProgress[] = [];
    const source = syntheticSource(11);
    const result = await runSliceJob({ images: 40, batchSize: 8, seed: 1 }, source, new JobControl(), (p) =>
      messages.push(p),
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(result.outcome).toBe('finished');
    expect(result.imagesDone).toBe(40);
    const points = messages.flatMap((m) => m.points);
    expect(points.map((p) => p.batch)).toEqual([0, 1, 2, 3, 4]);
    // Independent count: predictions of the same network computed in one go.
    const weights = createSliceNetwork(1);
    let correct = 0;
    for (let start = 0; start < 40; start += 8) {
      const b = source(start, 8);
      const predicted = tf.tidy(() => tf.argMax(sliceForward(weights, tf.tensor4d(b.x, [8, 32, 32, 3])), 1));
      const classes = await predicted.data();
      predicted.dispose();
      for (let i = 0; i < 8; i++) if (classes[i] === b.labels[i]) correct++;
    }
    Object.values(weights).forEach((t) => t.dispose());
    expect(result.accuracy).toBeCloseTo(correct / 40, 12);
    expect(points.at(-1)!.runningAccuracy).toBeCloseTo(correct / 40, 12);
  });

  it('stops mid-run without leaking tensors', async () => {
    const before = tf.memory().numTensors;
    const control = new JobControl();
    let seen = 0;
    const result = await runSliceJob(
      { images: 400, batchSize: 8, seed: 2 },
      syntheticSource(5),
      control,
      (p) => {
        seen += p.points.length;
        if (seen >= 2) control.stop();
      },
      0,
    );
    expect(result.outcome).toBe('stopped');
    expect(result.imagesDone).toBeGreaterThanOrEqual(16);
    expect(result.imagesDone).toBeLessThan(400);
    expect(tf.memory().numTensors).toBe(before);
  });
});
