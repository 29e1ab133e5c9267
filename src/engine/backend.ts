/**
 * Backend selection for the worker: WebGPU → WebGL → WASM → CPU, tried explicitly in that order
 * (tfjs's own auto-selection picks the highest-priority backend without awaiting its initialisation,
 * see ux-and-web-stack.md §2.2), with the reason each one was skipped. A forced backend (URL option
 * `?backend=`) is tried first; if it cannot start, the normal order follows and the report says why.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { BACKEND_ORDER, type BackendName, type BackendRejection, type BackendReport } from './protocol';

/** URLs of the WASM binaries; the bundler provides them in the browser, a directory path in Node. */
export type WasmPaths = Parameters<typeof setWasmPaths>[0];

interface Probe {
  /** Resolves to a description of the device, or throws with the reason the backend cannot run. */
  (): Promise<string>;
}

async function probeWebGpu(): Promise<string> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) throw new Error('navigator.gpu is missing (browser without WebGPU, or not a secure context)');
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('navigator.gpu.requestAdapter() returned no adapter');
  const info = adapter.info;
  const parts = [info.vendor, info.architecture, info.device, info.description].filter((p) => p);
  return parts.length > 0 ? parts.join(' · ') : 'WebGPU adapter (no description given)';
}

async function probeWebGl(): Promise<string> {
  if (typeof document === 'undefined' && typeof OffscreenCanvas === 'undefined') {
    throw new Error('OffscreenCanvas is not available in this worker');
  }
  return 'WebGL 2';
}

async function probeAlways(description: string): Promise<string> {
  return description;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Tries backends until one initialises. `wasmPaths` must be given for the WASM backend to be usable.
 * Never throws: the CPU backend always works.
 */
export async function selectBackend(
  forced: BackendName | null,
  wasmPaths: WasmPaths | null,
): Promise<BackendReport> {
  const probes: Record<BackendName, Probe> = {
    webgpu: probeWebGpu,
    webgl: probeWebGl,
    wasm: async () => {
      if (!wasmPaths) throw new Error('no WebAssembly binaries were provided');
      setWasmPaths(wasmPaths);
      return 'CPU (WebAssembly)';
    },
    cpu: () => probeAlways('CPU (plain JavaScript)'),
  };
  const order: BackendName[] = forced
    ? [forced, ...BACKEND_ORDER.filter((b) => b !== forced)]
    : [...BACKEND_ORDER];
  const rejected: BackendRejection[] = [];
  for (const backend of order) {
    try {
      const adapterDescription = await probes[backend]();
      if (!tf.findBackendFactory(backend)) throw new Error(`the ${backend} backend is not registered`);
      // setBackend resolves to false when the backend's asynchronous initialisation fails.
      const ok = await tf.setBackend(backend);
      if (!ok) throw new Error(`tf.setBackend('${backend}') failed to initialise`);
      await tf.ready();
      return { backend, adapterDescription, forced, rejected };
    } catch (error) {
      rejected.push({ backend, reason: describe(error) });
    }
  }
  // Unreachable in practice: the CPU backend has no preconditions.
  throw new Error(
    `no tfjs backend could start: ${rejected.map((r) => `${r.backend}: ${r.reason}`).join('; ')}`,
  );
}
