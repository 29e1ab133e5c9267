/**
 * The engine worker: the only place where jobs run tfjs. Exposed to the main thread with Comlink
 * (a dedicated module worker; WebGPU is exposed to dedicated workers, ux-and-web-stack.md §2.1).
 * One job runs at a time; `stop()`, `pause()` and `resume()` act on it between batches.
 */
import * as Comlink from 'comlink';
import * as tf from '@tensorflow/tfjs';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { selectBackend } from './backend';
import { JobControl } from './jobControl';
import { runSliceJob } from './jobs/sliceJob';
import { WorkerData } from './workerData';
import type {
  BackendName,
  BackendReport,
  DataStatus,
  JobProgress,
  MemoryReport,
  SliceRequest,
  SliceResult,
} from './protocol';

let backendReport: BackendReport | null = null;
let activeJob: JobControl | null = null;
const data = new WorkerData(import.meta.env.BASE_URL);

/** A `Comlink.proxy` callback holds a message port open until released (comlink #590, #662). */
function releaseCallback(callback: unknown): void {
  (callback as Partial<Comlink.Remote<object>>)[Comlink.releaseProxy]?.();
}

async function runExclusive<T>(job: (control: JobControl) => Promise<T>): Promise<T> {
  if (!backendReport) throw new Error('the engine is not initialised: call init() first');
  if (activeJob) throw new Error('a job is already running; stop it first');
  const control = new JobControl();
  activeJob = control;
  try {
    return await job(control);
  } finally {
    activeJob = null;
  }
}

const api = {
  /** Selects the backend (once per worker). `forced` comes from the URL option `?backend=`. */
  async init(forced: BackendName | null): Promise<BackendReport> {
    backendReport ??= await selectBackend(forced, {
      'tfjs-backend-wasm.wasm': wasmUrl,
      'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
      'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
    });
    return backendReport;
  },

  async dataStatus(): Promise<DataStatus> {
    return data.status();
  },

  /** Imports the official `cifar-10-binary.tar.gz` chosen by the user; kept in IndexedDB. */
  async importArchive(archive: Blob): Promise<DataStatus> {
    return data.importArchive(archive);
  },

  async runSlice(request: SliceRequest, onProgress: (progress: JobProgress) => void): Promise<SliceResult> {
    return runExclusive(async (control) => {
      const test = await data.testSet();
      if (request.images > test.count) {
        throw new RangeError(`asked for ${request.images} test images, the test set has ${test.count}`);
      }
      try {
        return await runSliceJob(request, test.batch, control, onProgress);
      } finally {
        releaseCallback(onProgress);
      }
    });
  },

  stop(): void {
    activeJob?.stop();
  },
  pause(): void {
    activeJob?.pause();
  },
  resume(): void {
    activeJob?.resume();
  },

  memory(): MemoryReport {
    const m = tf.memory();
    return { numTensors: m.numTensors, numBytes: m.numBytes };
  },
};

export type EngineApi = typeof api;

Comlink.expose(api);
