/**
 * The layer's read through the fused WebGPU kernel (`src/sim/kernels`: DAC, tiled product, per-read noise,
 * per-row-tile ADC and shift-add in one dispatch, no im2col) on the webgpu backend, when the kernel covers
 * the read settings (`fusedReadUnsupported(config) === null`) and the read is not linear. The composite
 * path (`tiledRead.ts`) stays the reference and the path everywhere else.
 *
 * The kernels module is loaded by a dynamic import once the webgpu backend is selected
 * (`loadFusedKernels`): its WGSL comes in through Vite's `?raw`, which Node scripts cannot load.
 * Noise: Philox keyed by two u32 drawn from the read's stream per read (`drawReadSeed`), so a seed
 * reproduces a run on this path; the composite path draws other numbers (its noise bank).
 */
import * as tf from '@tensorflow/tfjs-core';
import { isLinearRead, type ProgrammedChip } from '../chip';
import type { ExperimentConfig } from '../config';
import type { Rng } from '../rng';
import { globalInputScale } from './dacInputs';
import type { LayerState } from './state';

export type FusedKernels = typeof import('../kernels');

/** The fused kernels when the active backend runs them (webgpu), else null. */
export async function loadFusedKernels(): Promise<FusedKernels | null> {
  if (tf.getBackend() !== 'webgpu') return null;
  const kernels = await import('../kernels');
  return kernels.canUseFusedKernels() ? kernels : null;
}

/** A programmed chip packed for the kernel (`packChip`), on the device while the layer reads it. */
export interface FusedChip {
  kernels: FusedKernels;
  conductances: tf.Tensor1D;
  readPlan: tf.Tensor1D;
  groupWeights: tf.Tensor1D;
}

/** The chip packed for fused reads under `config`, or null when the kernel does not cover them. */
export function fusedChip(
  kernels: FusedKernels | null,
  chip: ProgrammedChip,
  config: ExperimentConfig,
): FusedChip | null {
  if (!kernels || kernels.fusedReadUnsupported(config) !== null || isLinearRead(config)) return null;
  const packed = kernels.packChip(chip);
  return {
    kernels,
    conductances: tf.tensor1d(packed.conductancesSiemens),
    readPlan: tf.tensor1d(packed.readPlan, 'int32'),
    groupWeights: tf.tensor1d(packed.groupWeights),
  };
}

export function disposeFusedChip(fused: FusedChip | null): void {
  if (fused) tf.dispose([fused.conductances, fused.readPlan, fused.groupWeights]);
}

/** The fused read of x (NHWC, or [batch, K]) before the bias; one Philox key from `readRng`. */
export function forwardFused(state: LayerState, fused: FusedChip, x: tf.Tensor, readRng: Rng): tf.Tensor {
  const { kernels } = fused;
  const { chip, config, calibration } = state;
  const conv = chip.spec.kind === 'conv';
  const geometry = conv
    ? kernels.convGeometry(chip.spec, x.shape)
    : kernels.denseGeometry(x.shape[0]!, chip.K);
  const params = kernels.tiledReadParams(chip, config, geometry, kernels.drawReadSeed(readRng));
  const tensors = {
    layerInput: x,
    conductances: fused.conductances,
    readPlan: fused.readPlan,
    groupWeights: fused.groupWeights,
    adcFullScale: params.adc.rangeSource === 'tensor' ? tf.stack(calibration.adcFullScale!) : null,
    inputScale: params.inputScaleMode === 'given' ? globalInputScale(state, x) : null,
  };
  const backend = kernels.webgpuBackend();
  return conv
    ? kernels.fusedTiledConv2d(backend, params, tensors)
    : kernels.fusedTiledMatMul(backend, params, tensors);
}
