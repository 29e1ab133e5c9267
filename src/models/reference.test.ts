import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createGoogLeNet, inceptionForward } from './googlenet';
import { DigitalRunner, maxPoolTorch, weightMatrixShape } from './layers';
import { selectBackend } from '../../scripts/lib/backend';
import {
  TINY_GOOGLENET,
  TINY_VGG8,
  disposeAll,
  maxAbsDiff,
  nonTrivialWeights,
  randomImages,
  randomTensor,
  toRefWeights,
} from './testing/fixtures';
import { refGoogLeNet, refInception, refMaxPool, refVgg8 } from './testing/reference';
import { createVgg8 } from './vgg8';

// float32 forward vs float64 loops: errors stay near float32 rounding of the accumulated sums.
const RELATIVE_TOLERANCE = 1e-5;

beforeAll(() => selectBackend('cpu'));

describe('forward pass vs the plain-loop float64 reference', () => {
  it('reduced VGG-8 (both conv pairs, BN, pools, NHWC flatten, FCs) matches', () => {
    const model = createVgg8(TINY_VGG8);
    const weights = nonTrivialWeights(model, 11);
    const { x, act } = randomImages(3, TINY_VGG8.inputSize, 1);
    const logits = model.forward(weights, new DigitalRunner(weights), x);
    const expected = refVgg8(act, toRefWeights(weights));
    expect(logits.shape).toEqual([3, 10]);
    const { diff, scale } = maxAbsDiff(logits.dataSync(), expected.data);
    expect(scale).toBeGreaterThan(0.1);
    expect(diff).toBeLessThanOrEqual(RELATIVE_TOLERANCE * Math.max(1, scale));
    disposeAll(weights);
    tf.dispose([x, logits]);
  });

  it('reduced GoogLeNet (stem, Inception blocks, 3×3/2 pad-1 pools on even sizes, avg-pool) matches', () => {
    const model = createGoogLeNet(TINY_GOOGLENET);
    const weights = nonTrivialWeights(model, 12);
    const { x, act } = randomImages(2, TINY_GOOGLENET.inputSize, 2);
    const logits = model.forward(weights, new DigitalRunner(weights), x);
    const expected = refGoogLeNet(act, toRefWeights(weights), TINY_GOOGLENET);
    const { diff, scale } = maxAbsDiff(logits.dataSync(), expected.data);
    expect(scale).toBeGreaterThan(0.1);
    expect(diff).toBeLessThanOrEqual(RELATIVE_TOLERANCE * Math.max(1, scale));
    disposeAll(weights);
    tf.dispose([x, logits]);
  });

  it('one Inception block on signed inputs matches (the b4 pool sees negative values here)', () => {
    // The stem output is post-ReLU inside the network; feeding the block signed data checks that the
    // stride-1 pool's padding never wins a max.
    const model = createGoogLeNet({ ...TINY_GOOGLENET, stemChannels: 3 });
    const weights = nonTrivialWeights(model, 13);
    const { x, act } = randomImages(2, 7, 3);
    const runner = new DigitalRunner(weights);
    const y = tf.tidy(() => inceptionForward(weights, runner, TINY_GOOGLENET.blocks[0]!, x));
    const expected = refInception(act, toRefWeights(weights), 'a3');
    expect(y.shape).toEqual([2, 7, 7, expected.c]);
    const { diff, scale } = maxAbsDiff(y.dataSync(), expected.data);
    expect(diff).toBeLessThanOrEqual(RELATIVE_TOLERANCE * Math.max(1, scale));
    disposeAll(weights);
    tf.dispose([x, y]);
  });
});

describe('maxPoolTorch', () => {
  it.each([
    [32, 3, 2, 1],
    [9, 3, 2, 1],
    [16, 3, 1, 1],
    [8, 2, 2, 0],
  ])(
    'on a %i² signed input with k %i, stride %i, pad %i equals PyTorch semantics',
    (size, k, stride, pad) => {
      const { x, act } = randomImages(2, size, size);
      const y = maxPoolTorch(x, k, stride, pad);
      const expected = refMaxPool(act, k, stride, pad);
      expect(y.shape).toEqual([2, expected.h, expected.w, 3]);
      expect(maxAbsDiff(y.dataSync(), expected.data).diff).toBe(0);
      tf.dispose([x, y]);
    },
  );

  it("differs from tfjs 'same' padding for 3×3 stride 2 on 32×32 (why the explicit pad exists)", () => {
    const { x } = randomImages(1, 32, 5);
    const ours = maxPoolTorch(x, 3, 2, 1);
    const same = tf.maxPool(x, 3, 2, 'same');
    expect(same.shape).toEqual(ours.shape);
    expect(maxAbsDiff(ours.dataSync(), same.dataSync()).diff).toBeGreaterThan(0);
    tf.dispose([x, ours, same]);
  });
});

describe('crossbar unrolling order', () => {
  it('kernel.reshape([K, N]) with row = (ky·k + kx)·Cin + c reproduces the conv as patches × matrix', () => {
    const model = createVgg8(TINY_VGG8);
    const weights = nonTrivialWeights(model, 14);
    const spec = model.linearLayers[1]!; // conv2: 3×3, 4 → 5 channels
    const { rows, cols } = weightMatrixShape(spec);
    const input = randomTensor([1, 6, 6, spec.inChannels], 6) as tf.Tensor4D;
    const direct = new DigitalRunner(weights).conv2d(spec.name, input, 1, 1);
    const viaMatrix = tf.tidy(() => {
      const padded = tf.pad(input, [
        [0, 0],
        [1, 1],
        [1, 1],
        [0, 0],
      ]);
      const patches: tf.Tensor[] = [];
      for (let ky = 0; ky < 3; ky++)
        for (let kx = 0; kx < 3; kx++)
          patches.push(tf.slice(padded, [0, ky, kx, 0], [1, 6, 6, spec.inChannels]));
      const im2col = tf.reshape(tf.concat(patches, 3), [36, rows]);
      const matrix = tf.reshape(weights.get(`${spec.name}/kernel`)!, [rows, cols]);
      return tf.add(tf.matMul(im2col, matrix as tf.Tensor2D), weights.get(`${spec.name}/bias`)!);
    });
    expect(maxAbsDiff(viaMatrix.dataSync(), direct.dataSync()).diff).toBeLessThan(1e-5);
    disposeAll(weights);
    tf.dispose([input, direct, viaMatrix]);
  });
});
