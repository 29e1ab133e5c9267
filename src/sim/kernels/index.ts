/**
 * Fused WebGPU kernels for the simulated read's hot path (tfjs-webgpu custom programs on the backend's
 * own device). Only the webgpu backend runs them; the composite tfjs-op path in layer/ is the
 * reference and the path for WebGL, WASM and CPU. See README.md.
 *
 * The kernels import their WGSL with Vite's `?raw`: load this module where Vite (app, worker, Vitest)
 * bundles it. Plain Node/tsx cannot import `.wgsl`, so code shared with `scripts/` should reach it with a
 * dynamic `import('./kernels')` once the webgpu backend is selected.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';

export {
  convGeometry,
  denseGeometry,
  drawReadSeed,
  driftLogTimeRatio,
  fusedReadUnsupported,
  numVectors,
  packChip,
  tiledReadParams,
  type PackedChip,
  type PackSource,
  type ReadGeometry,
  type TiledReadOptions,
  type TiledReadParams,
} from './tiledRead/layout';
export {
  fusedTiledConv2d,
  fusedTiledMatMul,
  fusedTiledRead,
  TiledReadProgram,
  type TiledReadTensors,
} from './tiledRead/tiledRead';
export { tiledReadReference, type TiledReadData } from './tiledRead/tiledRead.reference';
export { samplePhilox, type PhiloxSampleParams } from './philox/philox';

/** True only when the active tfjs backend is webgpu (the fused kernels need its device and programs). */
export function canUseFusedKernels(): boolean {
  if (tf.getBackend() !== 'webgpu') return false;
  return typeof (tf.backend() as Partial<WebGPUBackend>).runWebGPUProgram === 'function';
}

/** The active webgpu backend, for the fused kernels' first argument; throws on any other backend. */
export function webgpuBackend(): WebGPUBackend {
  if (!canUseFusedKernels()) throw new Error(`fused kernels need the webgpu backend, not ${tf.getBackend()}`);
  return tf.backend() as WebGPUBackend;
}
