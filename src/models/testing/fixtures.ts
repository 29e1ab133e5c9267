/** Shared test fixtures: reduced models, non-trivial parameters, tfjs ↔ reference conversions. */
import * as tf from '@tensorflow/tfjs-core';
import type { FetchLike } from '../weights';
import { createRng } from '../../sim/rng';
import type { GoogLeNetConfig } from '../googlenet';
import type { ModelDefinition } from '../model';
import type { Act, RefWeights } from './reference';
import type { Vgg8Config } from '../vgg8';

export const TINY_VGG8: Vgg8Config = {
  convChannels: [4, 5, 6, 7, 8, 9],
  hiddenUnits: 11,
  inputSize: 8,
  numClasses: 10,
};

/** Small channels and an 8×8 input (even sizes: where tfjs 'same' pooling would pad asymmetrically), two pools. */
export const TINY_GOOGLENET: GoogLeNetConfig = {
  stemChannels: 6,
  blocks: [
    { name: 'a3', n1x1: 3, n3x3red: 4, n3x3: 5, n5x5red: 2, n5x5: 3, poolProj: 2 },
    { name: 'b3', n1x1: 4, n3x3red: 3, n3x3: 4, n5x5red: 3, n5x5: 2, poolProj: 3 },
    { name: 'a4', n1x1: 2, n3x3red: 3, n3x3: 3, n5x5red: 2, n5x5: 2, poolProj: 2 },
    { name: 'a5', n1x1: 3, n3x3red: 2, n3x3: 4, n5x5red: 2, n5x5: 3, poolProj: 2 },
  ],
  poolAfter: ['b3', 'a4'],
  inputSize: 8,
  numClasses: 10,
};

/**
 * He-normal kernels as randomInit, but biases and batch-norm statistics drawn too, so the tests exercise
 * every term of conv + bias and BN (randomInit's BN is the identity).
 */
export function nonTrivialWeights(model: ModelDefinition, seed: number): Map<string, tf.Tensor> {
  const weights = model.randomInit(seed);
  const rng = createRng(seed).fork('fixture');
  for (const p of model.params) {
    if (p.role === 'kernel') continue;
    const values = new Float32Array(p.shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < values.length; i++) {
      const u = rng.uniform();
      values[i] =
        p.role === 'gamma'
          ? 0.5 + u
          : p.role === 'movingVariance'
            ? 0.25 + 2 * u
            : p.role === 'bias'
              ? 0.2 * (u - 0.5)
              : 0.4 * (u - 0.5);
    }
    weights.get(p.name)!.dispose();
    weights.set(p.name, tf.tensor(values, [...p.shape]));
  }
  return weights;
}

export function toRefWeights(weights: ReadonlyMap<string, tf.Tensor>): RefWeights {
  const out = new Map<string, { shape: number[]; data: Float64Array }>();
  for (const [name, t] of weights) out.set(name, { shape: t.shape, data: Float64Array.from(t.dataSync()) });
  return out;
}

/** Uniform [−1, 1) images from the seeded RNG, as float32 (what the model sees) and as reference input. */
export function randomImages(n: number, size: number, seed: number): { x: tf.Tensor4D; act: Act } {
  const values = new Float32Array(n * size * size * 3);
  const rng = createRng(seed).fork('images');
  for (let i = 0; i < values.length; i++) values[i] = 2 * rng.uniform() - 1;
  return {
    x: tf.tensor4d(values, [n, size, size, 3]),
    act: { n, h: size, w: size, c: 3, data: Float64Array.from(values) },
  };
}

/** Uniform [−1, 1) tensor of any shape from the seeded RNG. */
export function randomTensor(shape: number[], seed: number): tf.Tensor {
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  const rng = createRng(seed).fork('tensor');
  for (let i = 0; i < values.length; i++) values[i] = 2 * rng.uniform() - 1;
  return tf.tensor(values, shape);
}

export function disposeAll(weights: ReadonlyMap<string, tf.Tensor>): void {
  for (const t of weights.values()) t.dispose();
}

/** max |a − b| and max |b| over two equal-length arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): { diff: number; scale: number } {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return { diff, scale };
}

/** Index of the first element where a and b differ (−1 if identical); fast on millions of values. */
export function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

/** A server that holds `files` (name → bytes) and answers anything else with 404, as the app's would. */
export function serveFiles(files: ReadonlyMap<string, Uint8Array>): FetchLike {
  return async (name) => {
    const bytes = files.get(name);
    return {
      ok: bytes !== undefined,
      status: bytes === undefined ? 404 : 200,
      statusText: bytes === undefined ? 'Not Found' : 'OK',
      arrayBuffer: async () => (bytes ?? new Uint8Array()).slice().buffer,
    };
  };
}
