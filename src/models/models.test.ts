import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getModel } from './index';
import type { LinearLayerRunner, LinearLayerSpec } from './layers';
import { DigitalRunner, linearLayerMacs, weightMatrixShape } from './layers';
import type { ModelDefinition } from './model';
import { selectBackend } from '../../scripts/lib/backend';
import { disposeAll, firstDifference, randomImages } from './testing/fixtures';

// WASM: the full GoogLeNet forward is ~1.5 G MAC per image, too slow for the CPU backend.
beforeAll(() => selectBackend('wasm'));

/** Wraps a runner and checks every call against the model's layer specs, in order. */
class SpecCheckingRunner implements LinearLayerRunner {
  readonly calls: string[] = [];
  constructor(
    private readonly inner: LinearLayerRunner,
    private readonly specs: readonly LinearLayerSpec[],
  ) {}
  private next(name: string): LinearLayerSpec {
    const spec = this.specs[this.calls.length];
    this.calls.push(name);
    if (spec?.name !== name) throw new Error(`call ${this.calls.length}: ${name}, spec says ${spec?.name}`);
    return spec;
  }
  conv2d(name: string, x: tf.Tensor4D, stride: number, padding: 'same' | 'valid' | number): tf.Tensor4D {
    const spec = this.next(name);
    expect([spec.kind, x.shape.slice(1), stride, padding]).toEqual([
      'conv',
      [spec.inputHeight, spec.inputWidth, spec.inChannels],
      spec.stride,
      spec.padding,
    ]);
    const y = this.inner.conv2d(name, x, stride, padding);
    expect(y.shape.slice(1)).toEqual([spec.outputHeight, spec.outputWidth, spec.outChannels]);
    return y;
  }
  dense(name: string, x: tf.Tensor2D): tf.Tensor2D {
    const spec = this.next(name);
    expect([spec.kind, x.shape[1]]).toEqual(['dense', spec.inChannels]);
    const y = this.inner.dense(name, x);
    expect(y.shape[1]).toBe(spec.outChannels);
    return y;
  }
}

const VGG8_ORDER = ['conv1', 'conv2', 'bn2', 'conv3', 'conv4', 'bn4', 'conv5', 'conv6', 'bn6', 'fc1', 'fc2'];
const GOOGLENET_BLOCKS = ['a3', 'b3', 'a4', 'b4', 'c4', 'd4', 'e4', 'a5', 'b5'];
const BLOCK_ORDER = ['b1/conv', 'b1/bn', 'b2/conv1', 'b2/bn1', 'b2/conv2', 'b2/bn2'].concat([
  'b3/conv1',
  'b3/bn1',
  'b3/conv2',
  'b3/bn2',
  'b3/conv3',
  'b3/bn3',
  'b4/conv',
  'b4/bn',
]);
const GOOGLENET_ORDER = [
  'pre/conv',
  'pre/bn',
  ...GOOGLENET_BLOCKS.flatMap((b) => BLOCK_ORDER.map((n) => `${b}/${n}`)),
  'linear',
];

/** The contract's layer order expanded to tensor names (kernel, bias / gamma, beta, mean, variance). */
function expandNames(layerOrder: string[]): string[] {
  return layerOrder.flatMap((layer) =>
    /(^|\/)bn\d*$/.test(layer)
      ? ['gamma', 'beta', 'movingMean', 'movingVariance'].map((s) => `${layer}/${s}`)
      : [`${layer}/kernel`, `${layer}/bias`],
  );
}

describe.each([
  // Totals from paper-companion-code.md §1–2, counted by hand from the layer tables.
  // peakMiB: activation memory per image. VGG-8's largest step holds conv2's input, output, BN and ReLU
  // results (4 × 48 maps of 32×32 float32 ≈ 0.75 MiB); GoogLeNet's, block b3 at 32×32 (input 256 maps,
  // branch outputs and concat 2 × 480, pool copy ≈ 1,500 maps ≈ 6 MiB). Holding every intermediate to the
  // end of the forward took 3.4 MiB and 50 MiB.
  { name: 'vgg8' as const, params: 1_347_610, macs: 75_206_400, linear: 8, order: VGG8_ORDER, peakMiB: 2.5 },
  {
    name: 'googlenet' as const,
    params: 6_166_250,
    macs: 1_521_756_160,
    linear: 65,
    order: GOOGLENET_ORDER,
    peakMiB: 12,
  },
])('$name', ({ name, params, macs, linear, order, peakMiB }) => {
  const model: ModelDefinition = getModel(name);
  let weights: Map<string, tf.Tensor>;
  beforeAll(() => {
    weights = model.randomInit(1);
  });
  afterAll(() => disposeAll(weights));

  it(`has ${params} trainable parameters and ${macs} MACs per image`, () => {
    expect(model.paramCount()).toBe(params);
    expect(model.macsPerImage()).toBe(macs);
    expect(model.linearLayers).toHaveLength(linear);
  });

  it('lists parameters with the contract’s names in the contract’s order', () => {
    expect(model.params.map((p) => p.name)).toEqual(expandNames(order));
  });

  it('describes each linear layer consistently (weight matrix, MACs, kernel shape)', () => {
    for (const spec of model.linearLayers) {
      const { rows, cols } = weightMatrixShape(spec);
      const kernel = model.params.find((p) => p.name === `${spec.name}/kernel`)!;
      expect(kernel.shape.reduce((a, b) => a * b, 1)).toBe(rows * cols);
      expect(linearLayerMacs(spec)).toBe(spec.outputHeight * spec.outputWidth * rows * cols);
    }
  });

  it('forward: logits [batch, 10], every runner call matches its spec, tensor count stable', () => {
    const { x } = randomImages(2, 32, 3);
    const runner = new SpecCheckingRunner(new DigitalRunner(weights), model.linearLayers);
    const logits = model.forward(weights, runner, x);
    expect(logits.shape).toEqual([2, 10]);
    expect(runner.calls).toEqual(model.linearLayers.map((l) => l.name));
    expect(Array.from(logits.dataSync()).every(Number.isFinite)).toBe(true);
    logits.dispose();

    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) model.forward(weights, new DigitalRunner(weights), x).dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it(`frees activations as it goes: peak below ${peakMiB} MiB per image`, async () => {
    const { x } = randomImages(2, 32, 4);
    const start = tf.memory().numBytes;
    const info = await tf.profile(() => model.forward(weights, new DigitalRunner(weights), x));
    (info.result as tf.Tensor).dispose();
    x.dispose();
    expect((info.peakBytes - start) / 2 / 2 ** 20).toBeLessThan(peakMiB);
  });

  it('rejects input of the wrong shape', () => {
    const x = tf.zeros([1, 32, 32, 1]) as tf.Tensor4D;
    expect(() => model.forward(weights, new DigitalRunner(weights), x)).toThrow(
      `${name} expects input [batch, 32, 32, 3] (NHWC), got [1, 32, 32, 1]`,
    );
    x.dispose();
  });

  it('random init is seeded and He-normal (std √(2/fan-in) within 5 %), BN identity, biases 0', () => {
    const again = model.randomInit(1);
    const other = model.randomInit(2);
    for (const p of model.params) {
      const values = weights.get(p.name)!.dataSync();
      expect(firstDifference(again.get(p.name)!.dataSync(), values)).toBe(-1);
      if (p.role === 'kernel') {
        const fanIn = p.shape.slice(0, -1).reduce((a, b) => a * b, 1);
        let sumSquares = 0;
        for (const v of values) sumSquares += v * v;
        const std = Math.sqrt(sumSquares / values.length);
        // Sample std of n normals has relative s.e. ≈ 1/√(2n); n ≥ 3,840 gives ≤ 1.2 %, so 5 % is > 4 s.e.
        expect(Math.abs(std / Math.sqrt(2 / fanIn) - 1)).toBeLessThan(0.05);
        expect(firstDifference(other.get(p.name)!.dataSync(), values)).toBe(0);
      } else {
        const want = p.role === 'gamma' || p.role === 'movingVariance' ? 1 : 0;
        expect(values.every((v) => v === want)).toBe(true);
      }
    }
    disposeAll(again);
    disposeAll(other);
  });
});
