/**
 * Layers whose read is linear (no ADC, no per-read effect: `isLinearRead`) fold the chip into one
 * effective weight W_eff [K, N] (decodeWeights × α) and run a single tf.conv2d / tf.matMul on the DAC
 * values: y = ν·(DAC(x/ν) · W_eff). Returns y before the bias.
 */
import * as tf from '@tensorflow/tfjs-core';
import { convPadding, im2col } from '../im2col';
import { dacValue, globalInputScale, vectorScale } from './dacInputs';
import type { LayerState } from './state';

export function forwardLinear(state: LayerState, x: tf.Tensor): tf.Tensor {
  const w = state.tensors.linearWeight!;
  const dac = state.dac;
  const nu = globalInputScale(state, x);
  const spec = state.chip.spec;
  if (spec.kind === 'dense') {
    const x2 = x as tf.Tensor2D;
    if (nu) return tf.mul(tf.matMul(dacValue(dac, tf.div(x2, nu)) as tf.Tensor2D, w), nu);
    const v = vectorScale(x2);
    return tf.mul(tf.matMul(dacValue(dac, tf.div(x2, v)) as tf.Tensor2D, w), v);
  }
  const x4 = x as tf.Tensor4D;
  if (nu) {
    const k = spec.kernelSize;
    const { top, bottom, left, right } = convPadding(spec, x4.shape[1], x4.shape[2]);
    const kernel = tf.reshape(w, [k, k, spec.inChannels, spec.outChannels]) as tf.Tensor4D;
    const xq = dacValue(dac, tf.div(x4, nu)) as tf.Tensor4D;
    const pad: [[number, number], [number, number], [number, number], [number, number]] = [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ];
    return tf.mul(tf.conv2d(xq, kernel, spec.stride, pad), nu);
  }
  const [B] = x4.shape;
  const patches = im2col(x4, spec);
  const v = vectorScale(patches);
  const y = tf.mul(tf.matMul(dacValue(dac, tf.div(patches, v)) as tf.Tensor2D, w), v);
  const { outH, outW } = convPadding(spec, x4.shape[1], x4.shape[2]);
  return tf.reshape(y, [B, outH, outW, spec.outChannels]);
}
