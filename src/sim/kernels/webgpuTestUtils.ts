/** Helpers for the WebGPU kernel tests (`*.browser.test.ts`, run in Chromium by vitest.browser.config.ts). */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';

/**
 * Selects the webgpu backend, failing (never skipping) when it is missing: a WebGPU test that passes
 * because WebGPU is absent tests nothing. Returns the backend and the adapter's description.
 */
export async function useWebGpuBackend(): Promise<{ backend: WebGPUBackend; adapter: string }> {
  if (!('gpu' in navigator))
    throw new Error('navigator.gpu is missing: start Chromium with --enable-unsafe-webgpu');
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) throw new Error('navigator.gpu.requestAdapter() returned null');
  if (!(await tf.setBackend('webgpu'))) throw new Error("tf.setBackend('webgpu') failed");
  await tf.ready();
  return {
    backend: tf.backend() as WebGPUBackend,
    adapter: `${adapter.info.vendor} ${adapter.info.architecture}`.trim(),
  };
}
