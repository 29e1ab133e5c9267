/**
 * tfjs-wasm's heap as a WebAssembly.Memory, and the kernel module (`module.ts`) instantiated on it, so
 * that the kernels read and write tensors in place. The plain builds export their memory; the threaded
 * build creates its shared memory in JavaScript and imports it, so it is kept while the backend starts
 * (`keepingWasmHeapMemory`, called by engine/backend.ts) and checked against the heap before use.
 */
import {
  backend as tfBackend,
  getBackend as tfGetBackend,
  zeros,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { KERNEL_NAMES, type KernelName } from './jobs';
import { kernelModuleBytes, type AdcRounding } from './module';
import { kernelThreadsOn, runSplit, startKernelThreads } from './threads';

/** The memory of tfjs-wasm's threaded build, which the module imports rather than exports. */
let importedHeapMemory: WebAssembly.Memory | null = null;

/**
 * Runs `init` (the wasm backend's start) and keeps the first WebAssembly.Memory it creates: the threaded
 * build creates its shared heap in JavaScript and passes it in, so the heap is reachable only then.
 * Checked before use against the backend's heap (`heapMemory`), so a memory created for something else
 * is never used.
 */
export async function keepingWasmHeapMemory<T>(init: () => Promise<T>): Promise<T> {
  const Native = WebAssembly.Memory;
  let created: WebAssembly.Memory | null = null;
  const Capturing = function (descriptor: WebAssembly.MemoryDescriptor) {
    const memory = new Native(descriptor);
    created ??= memory;
    return memory;
  } as unknown as typeof WebAssembly.Memory;
  Capturing.prototype = Native.prototype;
  try {
    WebAssembly.Memory = Capturing;
  } catch {
    return init();
  }
  try {
    return await init();
  } finally {
    WebAssembly.Memory = Native;
    if (created) importedHeapMemory = created;
  }
}

/** The wasm backend's heap as a WebAssembly.Memory (exported by the plain builds), or null. */
function heapMemory(backend: BackendWasm, probe: TensorInfo): WebAssembly.Memory | null {
  const exported = (backend.wasm as unknown as { asm?: { memory?: unknown } }).asm?.memory;
  const heap = (backend.typedArrayFromHeap(probe) as Float32Array).buffer;
  for (const memory of [exported, importedHeapMemory])
    if (memory instanceof WebAssembly.Memory && memory.buffer === heap) return memory;
  return null;
}

/**
 * The module's functions (`module.ts`): the ADC and reducing passes by name (`jobs.ts` KERNEL_NAMES, the
 * ones a kernel thread runs too), and the strided copy the patches use.
 */
export interface Kernels {
  /**
   * adc1 … adc4 (src_1 … src_S, acc, n, origin, step, kMin, kMax); adcValues(src, acc, n, origin, step,
   * lo, hi): acc += origin + step·clip(rnd((I − origin)/step), lo, hi); absMax, min, max (src, n) → f32.
   */
  exports: Record<KernelName, (...args: number[]) => number>;
  /** copyRows(src, srcStride, dst, dstStride, rows, bytes): `rows` copies of `bytes`, strides in bytes. */
  copyRows: (
    src: number,
    srcStride: number,
    dst: number,
    dstStride: number,
    rows: number,
    bytes: number,
  ) => void;
}
/** Instantiated modules per memory and rounding (null: this engine has no WebAssembly SIMD). */
const instances = new WeakMap<WebAssembly.Memory, Map<AdcRounding, Kernels | null>>();

function kernels(memory: WebAssembly.Memory, rounding: AdcRounding): Kernels | null {
  let byRounding = instances.get(memory);
  if (!byRounding) instances.set(memory, (byRounding = new Map()));
  if (!byRounding.has(rounding)) {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const bytes = kernelModuleBytes(rounding, shared);
    let fns: Kernels | null = null;
    if (WebAssembly.validate(bytes)) {
      const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
      fns = {
        exports: Object.fromEntries(KERNEL_NAMES.map((k) => [k, exports[k]])) as Kernels['exports'],
        copyRows: exports.copyRows as Kernels['copyRows'],
      };
    }
    byRounding.set(rounding, fns);
  }
  return byRounding.get(rounding)!;
}

/**
 * The wasm backend and the kernels on its heap, when this is the wasm backend, `probe` (one of its
 * tensors) lies in a heap in reach and this engine has WebAssembly SIMD; else null. `run(name, n, args)`
 * runs an element-wise or reducing export over n values on every kernel thread (`threads.ts`), returning
 * each part's result.
 */
export function wasmKernels(
  probe: TensorInfo | undefined,
  rounding: AdcRounding,
): {
  backend: BackendWasm;
  kernels: Kernels;
  run: (name: KernelName, n: number, args: (at: number, count: number) => number[]) => number[];
} | null {
  if (probe === undefined || tfGetBackend() !== 'wasm') return null;
  const backend = tfBackend() as BackendWasm;
  const memory = heapMemory(backend, probe);
  const fns = memory ? kernels(memory, rounding) : null;
  if (!fns || !memory) return null;
  const threads = kernelThreadsOn(memory);
  const local = (name: KernelName, args: number[]) => fns.exports[name](...args);
  return {
    backend,
    kernels: fns,
    run: (name, n, args) => runSplit(threads, local, rounding, name, n, args),
  };
}

/**
 * Starts `count` kernel threads (`threads.ts`) on the wasm backend's heap, for the threaded build (a
 * shared heap); resolves to how many started (0 elsewhere: the kernels run on the calling thread).
 */
export async function startWasmKernelThreads(count: number): Promise<number> {
  if (tfGetBackend() !== 'wasm') return 0;
  const probe = zeros([1]);
  try {
    const memory = heapMemory(tfBackend() as BackendWasm, probe);
    return memory && kernels(memory, 'halfEven') ? await startKernelThreads(memory, count) : 0;
  } finally {
    probe.dispose();
  }
}
