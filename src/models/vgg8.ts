/**
 * VGG-8 as in the paper's comparison code (`Baseline/VGG8.py`, a copy of aihwkit's
 * `examples/11_vgg8_training.py`): 3×3 convs 48-48-96-96-144-144 (stride 1, pad 1, with bias),
 * batch-norm after the second conv of each pair, conv→ReLU→conv→BN→ReLU→MaxPool(2, 2), then
 * FC 2304→384→ReLU→10. Widths are configurable for reduced models in tests; the defaults are the paper's.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ForwardOptions, LinearLayerRunner, LinearLayerSpec, WeightMap } from './layers';
import { batchNormInference, convOutputSize, maxPoolTorch } from './layers';
import type { ModelDefinition, ParamSpec } from './model';
import { batchNormParams, defineModel, linearParams } from './model';

export interface Vgg8Config {
  /** Output channels of conv1 … conv6. */
  readonly convChannels: readonly [number, number, number, number, number, number];
  /** Width of fc1's output. */
  readonly hiddenUnits: number;
  /** Square input size in pixels (must survive three 2×2 pools). */
  readonly inputSize: number;
  readonly numClasses: number;
}

export const VGG8_PAPER_CONFIG: Vgg8Config = {
  convChannels: [48, 48, 96, 96, 144, 144],
  hiddenUnits: 384,
  inputSize: 32,
  numClasses: 10,
};

/** Convs followed by a batch-norm (the second of each pair). */
const BN_AFTER = new Set(['conv2', 'conv4', 'conv6']);

export function createVgg8(config: Vgg8Config = VGG8_PAPER_CONFIG): ModelDefinition {
  const layers: LinearLayerSpec[] = [];
  const params: ParamSpec[] = [];
  let size = config.inputSize;
  let channels = 3;
  config.convChannels.forEach((outChannels, i) => {
    const name = `conv${i + 1}`;
    const spec: LinearLayerSpec = {
      name,
      kind: 'conv',
      inChannels: channels,
      outChannels,
      kernelSize: 3,
      stride: 1,
      padding: 1,
      inputHeight: size,
      inputWidth: size,
      outputHeight: size,
      outputWidth: size,
    };
    layers.push(spec);
    params.push(...linearParams(spec));
    if (BN_AFTER.has(name)) {
      params.push(...batchNormParams(`bn${i + 1}`, outChannels));
      size = convOutputSize(size, 2, 2, 0);
    }
    channels = outChannels;
  });
  if (size < 1) throw new Error(`VGG-8 input ${config.inputSize} is too small for three 2×2 pools`);
  const flatFeatures = size * size * channels;
  const dense = (name: string, inChannels: number, outChannels: number): LinearLayerSpec => ({
    name,
    kind: 'dense',
    inChannels,
    outChannels,
    kernelSize: 1,
    stride: 1,
    padding: 0,
    inputHeight: 1,
    inputWidth: 1,
    outputHeight: 1,
    outputWidth: 1,
  });
  for (const spec of [
    dense('fc1', flatFeatures, config.hiddenUnits),
    dense('fc2', config.hiddenUnits, config.numClasses),
  ]) {
    layers.push(spec);
    params.push(...linearParams(spec));
  }

  return defineModel({
    name: 'vgg8',
    inputShape: [config.inputSize, config.inputSize, 3],
    numClasses: config.numClasses,
    linearLayers: layers,
    params,
    forward(
      weights: WeightMap,
      runner: LinearLayerRunner,
      x: tf.Tensor4D,
      options?: ForwardOptions,
    ): tf.Tensor2D {
      const batchNorm = options?.batchNorm ?? batchNormInference;
      return tf.tidy(() => {
        // Each layer's tidy keeps only its output, and the previous output is freed: peak memory is
        // about two layers' activations.
        let h = x;
        for (let i = 1; i <= 6; i++) {
          const input = h;
          h = tf.tidy(() => {
            const y = runner.conv2d(`conv${i}`, input, 1, 1);
            if (i % 2 === 1) return tf.relu(y);
            return maxPoolTorch(tf.relu(batchNorm(weights, `bn${i}`, y)), 2, 2, 0);
          });
          if (input !== x) input.dispose();
        }
        // NHWC flatten: feature index = (row·W + col)·C + channel (the contract permutes PyTorch's fc1).
        const flat = tf.reshape(h, [h.shape[0], -1]) as tf.Tensor2D;
        const hidden = tf.relu(runner.dense('fc1', flat));
        return runner.dense('fc2', hidden);
      });
    },
  });
}
