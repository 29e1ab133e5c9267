/**
 * Backend selection for the worker, tried explicitly (tfjs's own auto-selection picks the
 * highest-priority backend without awaiting its initialisation, see ux-and-web-stack.md §2.2), with the
 * reason each skipped backend was skipped:
 *
 *   WebGPU on a hardware adapter → WebGL on a hardware renderer → WebAssembly → CPU,
 *   then WebGPU / WebGL on a *software* adapter only when WebAssembly cannot start.
 *
 * A software adapter (SwiftShader, llvmpipe, WebGPU's fallback adapter) runs the GPU's work on the CPU:
 * measured on a 2-core machine, WebGPU on SwiftShader ≈ 0.4 GFLOP/s and WebGL ≈ 1.4 against WASM ≈ 25,
 * so a first result would take minutes instead of seconds. A forced backend (URL option `?backend=`) is
 * tried first, software or not; if it cannot start, the normal order follows and the report says why.
 */
import * as tf from '@tensorflow/tfjs-core';
// The four backends register themselves on import (tfjs-core alone has none).
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { BackendName, BackendRejection, BackendReport } from './protocol';
import { wasmAdcAvailable } from '../sim/kernels/wasm/adc';
import { keepingWasmHeapMemory, startWasmKernelThreads } from '../sim/kernels/wasm/heap';
import { errorMessage } from '../sim/errors';

/** URLs of the WASM binaries; the bundler provides them in the browser, a directory path in Node. */
export type WasmPaths = Parameters<typeof setWasmPaths>[0];

/** What a probe found: the device doing the work, and whether it is a software (CPU) renderer. */
interface ProbeResult {
  description: string;
  software: boolean;
}

/** Resolves to what the backend would run on, or throws with the reason it cannot run. */
type Probe = () => Promise<ProbeResult>;

/** Renderer names of software rasterisers (Chromium's SwiftShader, Mesa's llvmpipe, Windows' WARP). */
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|software|basic render|microsoft basic/i;

async function probeWebGpu(): Promise<ProbeResult> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) throw new Error('navigator.gpu is missing (browser without WebGPU, or not a secure context)');
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('navigator.gpu.requestAdapter() returned no adapter');
  const info = adapter.info;
  const parts = [info.vendor, info.architecture, info.device, info.description].filter((p) => p);
  const description = parts.length > 0 ? parts.join(' · ') : 'WebGPU adapter (no description given)';
  // `isFallbackAdapter` is the standard flag (GPUAdapterInfo); older browsers only name SwiftShader.
  const fallback = (info as { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  return { description, software: fallback || SOFTWARE_RENDERER.test(description) };
}

async function probeWebGl(): Promise<ProbeResult> {
  if (typeof OffscreenCanvas === 'undefined')
    throw new Error('OffscreenCanvas is not available in this worker');
  const gl = new OffscreenCanvas(1, 1).getContext('webgl2');
  if (!gl) throw new Error('this browser gives no WebGL 2 context');
  const debug = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? 'WebGL 2');
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return { description: `WebGL 2 · ${renderer}`, software: SOFTWARE_RENDERER.test(renderer) };
}

/** tfjs-backend-wasm's threaded build starts 8 pthread workers, and its thread pool takes at most 8. */
const WASM_MAX_THREADS = 8;

/** Threads asked of the WASM backend: one per logical processor the browser reports, at most 8. */
function wasmThreadsWanted(): number {
  const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
  return Math.max(1, Math.min(cores, WASM_MAX_THREADS));
}

/**
 * Runs `init` (the WASM backend's start) while `navigator.hardwareConcurrency` reads twice the real count.
 *
 * tfjs-backend-wasm 4.22 sizes its thread pool as min(setThreadsCount's count, 8, logical cores / 2)
 * (backend.cc `init_with_threads_count`; "Many x86-64 processors have 2 threads per core, so we are
 * dividing by 2"), so no count asked for can exceed half the cores: on 2 cores the pool had 1 thread and
 * the 8 pthread workers it started sat idle (tensorflow/tfjs#6081). The module reads the core count once,
 * while it starts (a C++ static initialiser calls `emscripten_num_logical_cores()`, which returns
 * `navigator.hardwareConcurrency`), so the count is doubled for that time only and the halving gives the
 * real count back. The threads asked for (`wasmThreadsWanted`) never exceed the real count.
 */
async function withWasmSeeingAllCores<T>(init: () => Promise<T>): Promise<T> {
  const nav = globalThis.navigator as Navigator | undefined;
  const cores = nav?.hardwareConcurrency;
  if (!nav || !cores) return init();
  try {
    // An own property shadows the prototype's getter; deleting it gives the browser's value back.
    Object.defineProperty(nav, 'hardwareConcurrency', { configurable: true, get: () => 2 * cores });
  } catch {
    return init();
  }
  try {
    return await init();
  } finally {
    Reflect.deleteProperty(nav, 'hardwareConcurrency');
  }
}

/** Describes the WASM backend's threads, and why there is only one where the page could have more. */
function describeThreads(threads: number): string {
  const count = `${threads} thread${threads > 1 ? 's' : ''}`;
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  if (threads > 1 || isolated || wasmThreadsWanted() === 1) return count;
  return `${count} (the page is not cross-origin isolated: the server sends no COOP/COEP headers)`;
}

/**
 * The WASM backend's threads and the sim's kernel module: where it runs, its own threads start beside
 * tfjs's (one per thread of tfjs's pool past the first), so the ADC passes use every core too.
 */
async function describeWasm(threads: number): Promise<string> {
  if (!wasmAdcAvailable()) return describeThreads(threads);
  const helpers = threads > 1 ? await startWasmKernelThreads(threads - 1) : 0;
  const kernel = `SIMD ADC kernel${helpers > 0 ? ` on ${helpers + 1} threads` : ''}`;
  return `${describeThreads(threads)}, ${kernel}`;
}

const SOFTWARE_REASON = (name: BackendName, device: string) =>
  `its adapter is a software renderer (${device}) that runs on the CPU, slower than WebAssembly here; ` +
  `open the page with ?backend=${name} to use it anyway`;

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
      setThreadsCount(wasmThreadsWanted());
      return { description: 'CPU (WebAssembly)', software: false };
    },
    cpu: async () => ({ description: 'CPU (plain JavaScript)', software: false }),
  };
  const rejected: BackendRejection[] = [];
  /** Software GPU backends set aside, to try after WebAssembly and before plain JavaScript. */
  const softwareLater: { backend: BackendName; probe: ProbeResult }[] = [];

  const start = async (backend: BackendName, probe: ProbeResult): Promise<BackendReport | null> => {
    try {
      if (!tf.findBackendFactory(backend)) throw new Error(`the ${backend} backend is not registered`);
      // setBackend resolves to false when the backend's asynchronous initialisation fails.
      const ok = await (backend === 'wasm'
        ? withWasmSeeingAllCores(() => keepingWasmHeapMemory(() => tf.setBackend(backend)))
        : tf.setBackend(backend));
      if (!ok) throw new Error(`tf.setBackend('${backend}') failed to initialise`);
      await tf.ready();
      const threads = backend === 'wasm' ? getThreadsCount() : null;
      const description =
        threads === null ? probe.description : `${probe.description}, ${await describeWasm(threads)}`;
      return {
        backend,
        adapterDescription: description,
        software: probe.software,
        threads,
        forced,
        rejected,
      };
    } catch (error) {
      rejected.push({ backend, reason: errorMessage(error) });
      return null;
    }
  };

  const tryBackend = async (backend: BackendName, allowSoftware: boolean): Promise<BackendReport | null> => {
    let probe: ProbeResult;
    try {
      probe = await probes[backend]();
    } catch (error) {
      rejected.push({ backend, reason: errorMessage(error) });
      return null;
    }
    if (probe.software && !allowSoftware) {
      softwareLater.push({ backend, probe });
      rejected.push({ backend, reason: SOFTWARE_REASON(backend, probe.description) });
      return null;
    }
    return start(backend, probe);
  };

  if (forced) {
    const report = await tryBackend(forced, true);
    if (report) return report;
  }
  for (const backend of ['webgpu', 'webgl', 'wasm'] as const) {
    if (backend === forced) continue;
    const report = await tryBackend(backend, false);
    if (report) return report;
  }
  for (const { backend, probe } of softwareLater) {
    // Tried after all: its earlier "software renderer" entry no longer explains anything.
    rejected.splice(
      rejected.findIndex((r) => r.backend === backend),
      1,
    );
    const report = await start(backend, probe);
    if (report) return report;
  }
  const report = await tryBackend('cpu', true);
  if (report) return report;
  // Unreachable in practice: the CPU backend has no preconditions.
  throw new Error(
    `no tfjs backend could start: ${rejected.map((r) => `${r.backend}: ${r.reason}`).join('; ')}`,
  );
}

/** The WebGPU device of the active backend, or null on any other backend. */
export function activeGpuDevice(): GPUDevice | null {
  const backend = tf.backend();
  return backend instanceof WebGPUBackend ? backend.device : null;
}
