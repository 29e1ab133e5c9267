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

/**
 * Quantised weights and bit-serial inputs put many ADC inputs exactly on a code boundary, where float32
 * and float64 legitimately round apart: chips compared with the reference get a 1 % programming spread,
 * which removes exact ties (both read the same programmed chip, so the comparison stays noise-free at
 * read time); outputs fed by a conversion within 1e-4 LSB of a boundary are excluded
 * (`referenceForwardDetailed`) and must stay rare.
 */
export const breakTies: DeepPartial<ExperimentConfig> = {
  device: { programmingNoise: { enabled: true, model: 'proportional', sigma: 1e-2 } },
};

/** The weight mappings the read tests cover, by name. */
export const mappings: Record<string, DeepPartial<ExperimentConfig>> = {
  differential: { crossbar: { mapping: 'differential' } },
  'differential, digital subtraction': {
    crossbar: { mapping: 'differential', differentialSubtraction: 'digital' },
  },
  offset: { crossbar: { mapping: 'offset' } },
  'bit-sliced differential (6 b, 2 b cells)': {
    crossbar: { mapping: 'differential', weightBits: 6, cellBits: 2 },
  },
  'bit-sliced offset (5 b, 2 b cells)': { crossbar: { mapping: 'offset', weightBits: 5, cellBits: 2 } },
};

/** The DAC modes the read tests cover: 8-bit multi-level, 5-bit bit-serial. */
export const dacModes: Record<string, DeepPartial<ExperimentConfig>> = {
  multilevel: { periphery: { dacMode: 'multilevel', dacBits: 8 } },
  bitSerial: { periphery: { dacMode: 'bitSerial', dacBits: 5 } },
};
