/**
 * im2col on tfjs ops that exist on every backend (tf.image.extractPatches does not exist in tfjs):
 * tf.pad + one strided slice per kernel position + concat. Patch columns are in (kh, kw, cin) order,
 * matching `kernel.reshape([kh*kw*cin, cout])` of an HWIO kernel, or with `order = 'channelMajor'` in
 * torch's (cin, kh, kw) order (column c·kh·kw + i·kw + j); rows are (b, oy, ox) row-major.
 * Padding follows tf.conv2d ('same': total max((out−1)·s + k − in, 0), the extra pixel at the bottom/right).
 */
import * as tf from '@tensorflow/tfjs-core';
import { convOutputSize, type AnalogLayerSpec } from './tiling';

export function convPadding(spec: AnalogLayerSpec, height: number, width: number) {
  const k = spec.kernelSize;
  const s = spec.stride;
  const outH = convOutputSize(height, k, s, spec.padding);
  const outW = convOutputSize(width, k, s, spec.padding);
  let top = 0,
    bottom = 0,
    left = 0,
    right = 0;
  if (spec.padding === 'same') {
    const ph = Math.max((outH - 1) * s + k - height, 0);
    const pw = Math.max((outW - 1) * s + k - width, 0);
    top = Math.floor(ph / 2);
    bottom = ph - top;
    left = Math.floor(pw / 2);
    right = pw - left;
  } else if (typeof spec.padding === 'number') top = bottom = left = right = spec.padding;
  return { outH, outW, top, bottom, left, right };
}

export type PatchOrder = 'kernelMajor' | 'channelMajor';

/** x: NHWC → patches [B·outH·outW, kh·kw·cin]. */
export function im2col(
  x: tf.Tensor4D,
  spec: AnalogLayerSpec,
  order: PatchOrder = 'kernelMajor',
): tf.Tensor2D {
  return tf.tidy(() => {
    const [B, H, W, C] = x.shape;
    const k = spec.kernelSize;
    const s = spec.stride;
    const { outH, outW, top, bottom, left, right } = convPadding(spec, H, W);
    if (k === 1 && s === 1 && top + bottom + left + right === 0)
      return tf.reshape(x, [B * H * W, C]) as tf.Tensor2D;
    const xp =
      top + bottom + left + right > 0
        ? tf.pad(x, [
            [0, 0],
            [top, bottom],
            [left, right],
            [0, 0],
          ])
        : x;
    const pieces: tf.Tensor[] = [];
    for (let i = 0; i < k; i++)
      for (let j = 0; j < k; j++)
        pieces.push(
          // Stride 1: tf.slice, which (unlike stridedSlice) has a gradient, so training can use im2col.
          s === 1
            ? tf.slice(xp, [0, i, j, 0], [B, outH, outW, C])
            : tf.stridedSlice(
                xp,
                [0, i, j, 0],
                [B, i + (outH - 1) * s + 1, j + (outW - 1) * s + 1, C],
                [1, s, s, 1],
              ),
        );
    const patches = pieces.length === 1 ? pieces[0]! : tf.concat(pieces, 3);
    const M = B * outH * outW;
    if (order === 'kernelMajor' || k === 1) return tf.reshape(patches, [M, k * k * C]) as tf.Tensor2D;
    // Channel-major: each channel's k² positions together. One transpose of [M, k², C] (tf.stack along a
    // new last axis is an order of magnitude slower on wasm).
    return tf.reshape(tf.transpose(tf.reshape(patches, [M, k * k, C]), [0, 2, 1]), [
      M,
      k * k * C,
    ]) as tf.Tensor2D;
  });
}
