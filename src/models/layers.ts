/**
 * The pieces shared by the model definitions: plain specs of the linear (crossbar-mappable) layers,
 * the runner interface every conv and dense goes through, the digital runner, and the digital-only
 * ops (batch-norm in inference mode, max-pools with PyTorch's padding semantics).
 */
import * as tf from '@tensorflow/tfjs-core';

/** Name → tensor. Keys follow the weights contract ("conv1/kernel", "a3/b2/bn1/gamma", …). */
export type WeightMap = ReadonlyMap<string, tf.Tensor>;

/**
 * One conv or dense layer as plain data, for the floorplan and the simulation core. A conv kernel is
 * HWIO [k, k, inChannels, outChannels]; as a crossbar it is the K × N matrix `kernel.reshape([K, N])`
 * with K = k·k·inChannels rows in the order row = (ky·k + kx)·inChannels + c, and N = outChannels
 * columns. A dense kernel [in, out] is used as is (kernelSize 1, spatial size 1×1).
 */
export interface LinearLayerSpec {
  /** Weight name prefix: the kernel is `${name}/kernel`, the bias `${name}/bias`. */
  readonly name: string;
  readonly kind: 'conv' | 'dense';
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number;
  readonly stride: number;
  /** Symmetric zero padding in pixels on each side (PyTorch `padding=`). */
  readonly padding: number;
  readonly inputHeight: number;
  readonly inputWidth: number;
  readonly outputHeight: number;
  readonly outputWidth: number;
}

/** Rows (inputs) × columns (outputs) of the layer's weight matrix on a crossbar. */
export function weightMatrixShape(spec: LinearLayerSpec): { rows: number; cols: number } {
  return { rows: spec.kernelSize * spec.kernelSize * spec.inChannels, cols: spec.outChannels };
}

/** Multiply-accumulates per image: output pixels × rows × columns (bias additions not counted). */
export function linearLayerMacs(spec: LinearLayerSpec): number {
  const { rows, cols } = weightMatrixShape(spec);
  return spec.outputHeight * spec.outputWidth * rows * cols;
}

/** Output size of a conv or pool: floor((in + 2·pad − k) / stride) + 1 (PyTorch's formula). */
export function convOutputSize(input: number, kernelSize: number, stride: number, padding: number): number {
  return Math.floor((input + 2 * padding - kernelSize) / stride) + 1;
}

/**
 * What the forward pass calls for every linear layer. The digital runner below computes it exactly;
 * the simulation core provides one that runs the same layer on simulated crossbars. A runner may also
 * observe each call (per-layer error statistics). Inputs and outputs are NHWC / [batch, features].
 */
export interface LinearLayerRunner {
  /** Conv with the kernel (HWIO) and bias of layer `name`; `padding` a number is symmetric zero padding. */
  conv2d(name: string, x: tf.Tensor4D, stride: number, padding: 'same' | 'valid' | number): tf.Tensor4D;
  /** x · kernel + bias of layer `name`. */
  dense(name: string, x: tf.Tensor2D): tf.Tensor2D;
}

/** Looks a tensor up by name and checks its rank, with a clear error (loading validates names and shapes). */
function getWeight(weights: WeightMap, name: string, rank: number): tf.Tensor {
  const tensor = weights.get(name);
  if (tensor === undefined) throw new Error(`weight "${name}" is missing`);
  if (tensor.rank !== rank) throw new Error(`weight "${name}" has rank ${tensor.rank}, expected ${rank}`);
  return tensor;
}
export const getWeight1d = (weights: WeightMap, name: string) => getWeight(weights, name, 1) as tf.Tensor1D;
export const getWeight2d = (weights: WeightMap, name: string) => getWeight(weights, name, 2) as tf.Tensor2D;
export const getWeight4d = (weights: WeightMap, name: string) => getWeight(weights, name, 4) as tf.Tensor4D;

/** Runs every linear layer digitally (float32 on the active tfjs backend) from the given weights. */
export class DigitalRunner implements LinearLayerRunner {
  constructor(private readonly weights: WeightMap) {}

  conv2d(name: string, x: tf.Tensor4D, stride: number, padding: 'same' | 'valid' | number): tf.Tensor4D {
    const filter = getWeight4d(this.weights, `${name}/kernel`);
    const bias = getWeight1d(this.weights, `${name}/bias`);
    return tf.fused.conv2d({ x, filter, bias, strides: stride, pad: padding });
  }

  dense(name: string, x: tf.Tensor2D): tf.Tensor2D {
    const kernel = getWeight2d(this.weights, `${name}/kernel`);
    const bias = getWeight1d(this.weights, `${name}/bias`);
    return tf.fused.matMul({ a: x, b: kernel, bias }) as tf.Tensor2D;
  }
}

/** PyTorch BatchNorm2d default epsilon (weights contract). */
export const BATCH_NORM_EPSILON = 1e-5;

/** A batch-norm implementation: inference mode by default; training passes one using batch statistics. */
export type BatchNormFn = (weights: WeightMap, name: string, x: tf.Tensor4D) => tf.Tensor4D;

/** Options of a forward pass. */
export interface ForwardOptions {
  /** Batch-norm to apply (default `batchNormInference`, the stored running statistics). */
  batchNorm?: BatchNormFn;
}

/** Batch-norm in inference mode: γ·(x − μ)/√(σ² + ε) + β with the stored running statistics. */
export function batchNormInference(weights: WeightMap, name: string, x: tf.Tensor4D): tf.Tensor4D {
  return tf.batchNorm4d(
    x,
    getWeight1d(weights, `${name}/movingMean`),
    getWeight1d(weights, `${name}/movingVariance`),
    getWeight1d(weights, `${name}/beta`),
    getWeight1d(weights, `${name}/gamma`),
    BATCH_NORM_EPSILON,
  );
}

/**
 * A finite stand-in for −∞ as pool padding: padded cells never win a max, exactly like PyTorch's
 * implicit −∞ padding, while staying finite for backends that dislike infinite constants.
 */
const POOL_PAD_VALUE = -3e38;

/**
 * PyTorch `MaxPool2d(kernelSize, stride, padding)` (NHWC). tfjs 'same' padding puts the odd pixel at the
 * bottom/right for stride 2 (32×32, k 3, s 2: pad (0, 1)), not PyTorch's symmetric pad; so pad explicitly
 * on both sides with a value no input reaches and pool 'valid'.
 */
export function maxPoolTorch(
  x: tf.Tensor4D,
  kernelSize: number,
  stride: number,
  padding: number,
): tf.Tensor4D {
  if (padding === 0) return tf.maxPool(x, kernelSize, stride, 'valid');
  const padded = tf.pad(
    x,
    [
      [0, 0],
      [padding, padding],
      [padding, padding],
      [0, 0],
    ],
    POOL_PAD_VALUE,
  );
  return tf.maxPool(padded, kernelSize, stride, 'valid');
}

/** He-normal standard deviation √(2 / fan-in) (He et al. 2015), fan-in = k·k·in for a conv, in for dense. */
export function heNormalStd(fanIn: number): number {
  return Math.sqrt(2 / fanIn);
}

/**
 * `count` images (NHWC float32, as `makeBatch` and `gatherNHWC` in src/data write them) as the models'
 * input tensor [count, 32, 32, 3]. The one place that knows the input layout's shape.
 */
export function imagesTensor(x: Float32Array, count: number): tf.Tensor4D {
  return tf.tensor4d(count * 3072 === x.length ? x : x.subarray(0, count * 3072), [count, 32, 32, 3]);
}
