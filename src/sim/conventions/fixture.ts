/**
 * What the peer-convention tests share (issue 13): a preset with patches, float32 inputs, a layer
 * programmed from a seeded random kernel, and one read of it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { programAnalogLayer, type AnalogLayer } from '../layer';
import { defaultExperimentConfig, withOverrides, type DeepPartial, type ExperimentConfig } from '../config';
import { applyPreset } from '../presets';
import type { RefInput } from '../reference';
import { createRng } from '../rng';
import { kernelShape, randomArray } from '../testUtils';
import type { AnalogLayerSpec } from '../tiling';

export const preset = (id: string, ...patches: DeepPartial<ExperimentConfig>[]) =>
  withOverrides(applyPreset(defaultExperimentConfig(), id), ...patches);

/** Inputs in float32: standard normal, or uniform in [0, 1) (post-ReLU-like) for non-negative layers. */
export function inputOf(spec: AnalogLayerSpec, batch: number, seed: number, nonNegative: boolean): RefInput {
  const shape =
    spec.kind === 'conv'
      ? [batch, spec.inputHeight!, spec.inputWidth!, spec.inChannels]
      : [batch, spec.inChannels];
  const rng = createRng(seed).fork('input');
  const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () =>
    nonNegative ? rng.uniform() : rng.normal(),
  );
  return { data, shape };
}

export function program(
  spec: AnalogLayerSpec,
  config: ExperimentConfig,
  seed = 3,
): { layer: AnalogLayer; kernel: Float32Array } {
  const kernel = randomArray(
    kernelShape(spec).reduce((a, b) => a * b, 1),
    seed,
    0.3,
  );
  return {
    layer: programAnalogLayer(spec, kernel, null, config, createRng(seed).fork('programming')),
    kernel,
  };
}

export function forward(layer: AnalogLayer, input: RefInput, readSeed = 9): Float32Array {
  const x = tf.tensor(input.data, input.shape);
  const y = layer.forward(x, createRng(readSeed).fork('read'));
  const out = y.dataSync() as Float32Array;
  tf.dispose([x, y]);
  return Float32Array.from(out);
}

export const maxAbs = (v: ArrayLike<number>) => Array.from(v).reduce((s, x) => Math.max(s, Math.abs(x)), 0);
