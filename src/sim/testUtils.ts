/** Helpers shared by the sim tests (not part of the public API). */
import * as tf from '@tensorflow/tfjs-core';
import { defaultExperimentConfig, withOverrides, type DeepPartial, type ExperimentConfig } from './config';
import { createRng } from './rng';
import type { AnalogLayerSpec } from './tiling';

export async function useCpuBackend() {
  await tf.setBackend('cpu');
  await tf.ready();
}

/** Config with every effect off and the given overrides. */
export function testConfig(...patches: DeepPartial<ExperimentConfig>[]): ExperimentConfig {
  return withOverrides(defaultExperimentConfig(), ...patches);
}

export function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  createRng(seed).fillNormal(out, 0, scale);
  return out;
}

export function kernelShape(spec: AnalogLayerSpec): number[] {
  return spec.kind === 'conv'
    ? [spec.kernelSize, spec.kernelSize, spec.inChannels, spec.outChannels]
    : [spec.inChannels, spec.outChannels];
}

export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

/** A dense layer of `inChannels` inputs and `outChannels` outputs. */
export const denseLayer = (inChannels: number, outChannels: number, name = 'fc'): AnalogLayerSpec => ({
  name,
  kind: 'dense',
  inChannels,
  outChannels,
  kernelSize: 1,
  stride: 1,
  padding: 'valid',
});

/** A 3×3 conv layer on a `size` × `size` input, stride 1 and 'same' (1-pixel) padding unless said. */
export const convLayer = (
  inChannels: number,
  outChannels: number,
  size = 6,
  geometry: Partial<Pick<AnalogLayerSpec, 'stride' | 'padding'>> = {},
): AnalogLayerSpec => ({
  name: 'conv',
  kind: 'conv',
  inChannels,
  outChannels,
  kernelSize: 3,
  stride: 1,
  padding: 1,
  inputHeight: size,
  inputWidth: size,
  ...geometry,
});

export const denseSpec = denseLayer(37, 11, 'dense');

export const convSpec = convLayer(3, 7, 7, { stride: 2, padding: 'same' });

/** Max relative difference over the entries not flagged in `skip` (scale: max |b| over all entries). */
export function maxRelDiffExcept(a: ArrayLike<number>, b: ArrayLike<number>, skip: Uint8Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]!));
    if (!skip[i]) diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}
