/**
 * The common shape of a model definition: its linear layers as plain specs, its parameters in the
 * weights-contract order, counts, seeded initialisation and the forward pass.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '../sim/rng';
import type { ForwardOptions, LinearLayerRunner, LinearLayerSpec, WeightMap } from './layers';
import { heNormalStd, linearLayerMacs } from './layers';

export type ModelName = 'vgg8' | 'googlenet';

/** What a stored parameter is; moving statistics are buffers, not trainable parameters. */
export type ParamRole = 'kernel' | 'bias' | 'gamma' | 'beta' | 'movingMean' | 'movingVariance';

export interface ParamSpec {
  /** Contract name, e.g. "conv1/kernel", "a3/b2/bn1/movingMean". */
  readonly name: string;
  readonly shape: readonly number[];
  readonly role: ParamRole;
}

export interface ModelDefinition {
  readonly name: ModelName;
  /** Input [height, width, channels] of one image, NHWC, values in [−1, 1]. */
  readonly inputShape: readonly [number, number, number];
  readonly numClasses: number;
  /** Every conv and dense in forward order, as the forward pass calls the runner. */
  readonly linearLayers: readonly LinearLayerSpec[];
  /** Every stored tensor in the weights-contract manifest order. */
  readonly params: readonly ParamSpec[];
  /** Trainable parameters (kernels, biases, BN γ and β; BN running statistics excluded, as PyTorch counts). */
  paramCount(): number;
  /** Conv and dense multiply-accumulates per image (BN, ReLU, pooling, bias additions excluded). */
  macsPerImage(): number;
  /** He-normal kernels, zero biases, BN γ = 1, β = 0, running mean 0, variance 1. Caller disposes. */
  randomInit(seed: number): Map<string, tf.Tensor>;
  /** Logits [batch, numClasses] for x [batch, H, W, C] in [−1, 1]; BN in inference mode; under tf.tidy. */
  forward(
    weights: WeightMap,
    runner: LinearLayerRunner,
    x: tf.Tensor4D,
    options?: ForwardOptions,
  ): tf.Tensor2D;
}

export function sizeOfShape(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function countTrainableParams(params: readonly ParamSpec[]): number {
  return params
    .filter((p) => p.role !== 'movingMean' && p.role !== 'movingVariance')
    .reduce((sum, p) => sum + sizeOfShape(p.shape), 0);
}

export function countMacs(layers: readonly LinearLayerSpec[]): number {
  return layers.reduce((sum, layer) => sum + linearLayerMacs(layer), 0);
}

/** Kernel, then bias, of one linear layer (contract order). */
export function linearParams(spec: LinearLayerSpec): ParamSpec[] {
  const kernelShape =
    spec.kind === 'conv'
      ? [spec.kernelSize, spec.kernelSize, spec.inChannels, spec.outChannels]
      : [spec.inChannels, spec.outChannels];
  return [
    { name: `${spec.name}/kernel`, shape: kernelShape, role: 'kernel' },
    { name: `${spec.name}/bias`, shape: [spec.outChannels], role: 'bias' },
  ];
}

/** γ, β, running mean, running variance of one batch-norm (contract order). */
export function batchNormParams(name: string, channels: number): ParamSpec[] {
  return (['gamma', 'beta', 'movingMean', 'movingVariance'] as const).map((role) => ({
    name: `${name}/${role}`,
    shape: [channels],
    role,
  }));
}

/**
 * Seeded initialisation: each tensor draws from its own stream `rng.fork(name)`, so adding a layer never
 * changes the others. Kernels are He-normal with fan-in = product of all but the last dimension.
 */
export function randomInitParams(params: readonly ParamSpec[], seed: number): Map<string, tf.Tensor> {
  const rng = createRng(seed).fork('init');
  const out = new Map<string, tf.Tensor>();
  for (const p of params) {
    const values = new Float32Array(sizeOfShape(p.shape));
    if (p.role === 'kernel') {
      const fanIn = sizeOfShape(p.shape.slice(0, -1));
      rng.fork(p.name).fillNormal(values, 0, heNormalStd(fanIn));
    } else if (p.role === 'gamma' || p.role === 'movingVariance') {
      values.fill(1);
    }
    out.set(p.name, tf.tensor(values, [...p.shape], 'float32'));
  }
  return out;
}

/**
 * A model from its layers, parameters and forward pass: the counts and the initialisation are derived
 * from `linearLayers` and `params`, and `forward` gets its input checked first.
 */
export function defineModel(
  parts: Pick<ModelDefinition, 'name' | 'inputShape' | 'numClasses' | 'linearLayers' | 'params' | 'forward'>,
): ModelDefinition {
  return {
    ...parts,
    paramCount: () => countTrainableParams(parts.params),
    macsPerImage: () => countMacs(parts.linearLayers),
    randomInit: (seed) => randomInitParams(parts.params, seed),
    forward(weights, runner, x, options) {
      checkInput(parts, x);
      return parts.forward(weights, runner, x, options);
    },
  };
}

/** Throws unless x is [batch, ...inputShape]. */
export function checkInput(model: Pick<ModelDefinition, 'name' | 'inputShape'>, x: tf.Tensor4D): void {
  const [h, w, c] = model.inputShape;
  if (x.rank !== 4 || x.shape[1] !== h || x.shape[2] !== w || x.shape[3] !== c) {
    throw new Error(
      `${model.name} expects input [batch, ${h}, ${w}, ${c}] (NHWC), got [${x.shape.join(', ')}]`,
    );
  }
}
