/**
 * The linear layers of a training forward pass, as `LinearLayerRunner`s for `model.forward`:
 *  - `TrainableRunner`: digital convs and dense layers with a gradient that is fast on every backend;
 *  - `SteRunner`: each layer read on the programmed chip, gradients through the digital layer
 *    (straight-through estimator, Bengio et al. 2013; aihwkit's hardware-aware training).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  DigitalRunner,
  type LinearLayerRunner,
  type LinearLayerSpec,
  type ModelDefinition,
  type WeightMap,
} from '../../../models';
import { im2col } from '../../../sim/im2col';
import type { Rng } from '../../../sim/rng';
import { toAnalogSpec, type ProgrammedModel } from '../../analogRunner';

/** Straight-through estimator: the value of `analog`, the gradient of `ideal` (customGrad). */
function straightThrough(ideal: tf.Tensor, analog: () => tf.Tensor): tf.Tensor {
  const ste = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
    void inputs;
    return { value: analog(), gradFunc: (dy: tf.Tensor) => dy };
  });
  return ste(ideal);
}

/**
 * A conv for training with a gradient that is fast on every backend: forward tf.conv2d; backward
 * dx = conv2dTranspose(dy) and dW = im2col(x)ᵀ·dy (a matMul). tfjs's WASM backend has no conv filter
 * gradient kernel, and its CPU backend's is far slower than a matMul (measured here: ~15 s for one
 * 32×32×8→8 layer at batch 32).
 */
function trainableConv2d(
  x: tf.Tensor4D,
  kernel: tf.Tensor4D,
  bias: tf.Tensor1D,
  spec: LinearLayerSpec,
): tf.Tensor4D {
  const conv = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, filter, offset, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D, tf.GradSaveFunc];
    save([input, filter]);
    const value = tf.add(tf.conv2d(input, filter, spec.stride, spec.padding), offset);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
      const dy4 = dy as tf.Tensor4D;
      const dx = tf.conv2dTranspose(dy4, ws, xs.shape, spec.stride, spec.padding);
      const cols = im2col(xs, toAnalogSpec(spec, 0));
      const dw = tf.reshape(tf.matMul(cols, tf.reshape(dy4, [-1, spec.outChannels]), true, false), ws.shape);
      return [dx, dw, tf.sum(dy4, [0, 1, 2])];
    };
    return { value, gradFunc };
  });
  return conv(x, kernel, bias) as tf.Tensor4D;
}

/** The digital layers for training (convs through `trainableConv2d`). */
export class TrainableRunner implements LinearLayerRunner {
  private readonly digital: DigitalRunner;
  private readonly specs: Map<string, LinearLayerSpec>;
  constructor(
    private readonly weights: WeightMap,
    model: ModelDefinition,
  ) {
    this.digital = new DigitalRunner(weights);
    this.specs = new Map(model.linearLayers.map((l) => [l.name, l]));
  }
  conv2d(name: string, x: tf.Tensor4D): tf.Tensor4D {
    return trainableConv2d(
      x,
      this.weights.get(`${name}/kernel`) as tf.Tensor4D,
      this.weights.get(`${name}/bias`) as tf.Tensor1D,
      this.specs.get(name)!,
    );
  }
  dense(name: string, x: tf.Tensor2D): tf.Tensor2D {
    return this.digital.dense(name, x);
  }
}

/** Reads each layer on the programmed chip in the forward pass; gradients flow through the digital layer. */
export class SteRunner implements LinearLayerRunner {
  private readonly digital: TrainableRunner;
  constructor(
    weights: WeightMap,
    model: ModelDefinition,
    private readonly chip: ProgrammedModel,
    private readonly readRng: Rng,
  ) {
    this.digital = new TrainableRunner(weights, model);
  }
  conv2d(name: string, x: tf.Tensor4D): tf.Tensor4D {
    const ideal = this.digital.conv2d(name, x);
    return straightThrough(ideal, () =>
      this.chip.layer(name).forward(x, this.readRng.fork(name)),
    ) as tf.Tensor4D;
  }
  dense(name: string, x: tf.Tensor2D): tf.Tensor2D {
    const ideal = this.digital.dense(name, x);
    return straightThrough(ideal, () =>
      this.chip.layer(name).forward(x, this.readRng.fork(name)),
    ) as tf.Tensor2D;
  }
}
