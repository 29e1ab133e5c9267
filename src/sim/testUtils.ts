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

export const denseSpec: AnalogLayerSpec = {
  name: 'dense',
  kind: 'dense',
  inChannels: 37,
  outChannels: 11,
  kernelSize: 1,
  stride: 1,
  padding: 'valid',
};

export const convSpec: AnalogLayerSpec = {
  name: 'conv',
  kind: 'conv',
  inChannels: 3,
  outChannels: 7,
  kernelSize: 3,
  stride: 2,
  padding: 'same',
  inputHeight: 7,
  inputWidth: 7,
};

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
