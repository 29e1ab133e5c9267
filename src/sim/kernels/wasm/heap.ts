/**
 * tfjs-wasm's heap as a WebAssembly.Memory, and the kernel module (`module.ts`) instantiated on it, so
 * that the kernels read and write tensors in place. The plain builds export their memory; the threaded
 * build creates its shared memory in JavaScript and imports it, so it is kept while the backend starts
 * (`keepingWasmHeapMemory`, called by engine/backend.ts) and checked against the heap before use.
 */
import { backend as tfBackend, getBackend as tfGetBackend, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { kernelModuleBytes, MAX_SOURCES, type AdcRounding } from './module';

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

type Exported = (...args: number[]) => void;

/** The module's functions (`module.ts`). */
export interface Kernels {
  /** adc1 … adc4 */
  adc: Exported[];
  /** adcValues(src, acc, n, origin, step, lo, hi): acc += origin + step·clip(rnd((I − origin)/step), lo, hi) */
  adcValues: Exported;
  absMax: (src: number, n: number) => number;
  min: (src: number, n: number) => number;
  max: (src: number, n: number) => number;
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
        adc: Array.from({ length: MAX_SOURCES }, (_, i) => exports[`adc${i + 1}`] as Exported),
        adcValues: exports.adcValues as Exported,
        absMax: exports.absMax as Kernels['absMax'],
        min: exports.min as Kernels['min'],
        max: exports.max as Kernels['max'],
        copyRows: exports.copyRows as Kernels['copyRows'],
      };
    }
    byRounding.set(rounding, fns);
  }
  return byRounding.get(rounding)!;
}

/**
 * The wasm backend and the kernels on its heap, when this is the wasm backend, `probe` (one of its
 * tensors) lies in a heap in reach and this engine has WebAssembly SIMD; else null.
 */
export function wasmKernels(
  probe: TensorInfo | undefined,
  rounding: AdcRounding,
): { backend: BackendWasm; kernels: Kernels } | null {
  if (probe === undefined || tfGetBackend() !== 'wasm') return null;
  const backend = tfBackend() as BackendWasm;
  const memory = heapMemory(backend, probe);
  const fns = memory ? kernels(memory, rounding) : null;
  return fns ? { backend, kernels: fns } : null;
}
