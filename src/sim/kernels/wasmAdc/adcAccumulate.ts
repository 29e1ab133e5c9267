/**
 * Runs the ADC module (`adcModule.ts`) on tensors of the wasm backend: the codes of every row tile's
 * currents on one fixed grid, summed over the row tiles, written straight into a new tensor in the
 * module heap. `layer/adc.ts` calls it for fixed and calibrated grids without ADC noise or clip flags;
 * everywhere else (other backends, dynamic ranges, noise) the composite tfjs-op path runs.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { adcModuleBytes, MAX_SOURCES, type AdcRounding } from './adcModule';

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
function heapMemory(backend: BackendWasm, probe: tf.TensorInfo): WebAssembly.Memory | null {
  const exported = (backend.wasm as unknown as { asm?: { memory?: unknown } }).asm?.memory;
  const heap = (backend.typedArrayFromHeap(probe) as Float32Array).buffer;
  for (const memory of [exported, importedHeapMemory])
    if (memory instanceof WebAssembly.Memory && memory.buffer === heap) return memory;
  return null;
}

type Exported = (...args: number[]) => void;
interface Kernels {
  /** adc1 … adc4 */
  adc: Exported[];
  absMax: (src: number, n: number) => number;
}
/** Instantiated modules per memory and rounding (null: this engine has no WebAssembly SIMD). */
const instances = new WeakMap<WebAssembly.Memory, Map<AdcRounding, Kernels | null>>();

function kernels(memory: WebAssembly.Memory, rounding: AdcRounding): Kernels | null {
  let byRounding = instances.get(memory);
  if (!byRounding) instances.set(memory, (byRounding = new Map()));
  if (!byRounding.has(rounding)) {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const bytes = adcModuleBytes(rounding, shared);
    let fns: Kernels | null = null;
    if (WebAssembly.validate(bytes)) {
      const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
      fns = {
        adc: Array.from({ length: MAX_SOURCES }, (_, i) => exports[`adc${i + 1}`] as Exported),
        absMax: exports.absMax as Kernels['absMax'],
      };
    }
    byRounding.set(rounding, fns);
  }
  return byRounding.get(rounding)!;
}

/**
 * A fixed ADC grid: code k reads origin + step·k (amperes), k in [kMin, kMax]; origin and step as numbers
 * or as the device scalars calibration left (read back here: on wasm a heap read, no stall).
 */
export interface FixedGrid {
  origin: number | tf.Scalar;
  step: number | tf.Scalar;
  kMin: number;
  kMax: number;
  rounding: AdcRounding;
}

/** Whether reads on the current backend convert with the fused kernel (the wasm backend, its heap in reach, SIMD). */
export function wasmAdcAvailable(): boolean {
  if (tf.getBackend() !== 'wasm') return false;
  const probe = tf.zeros([1]);
  try {
    const memory = heapMemory(tf.backend() as BackendWasm, probe);
    return memory !== null && kernels(memory, 'halfEven') !== null;
  } finally {
    probe.dispose();
  }
}

/**
 * Σ_t clip(rnd((I_t − origin)/step), kMin, kMax) over the row tiles' currents I_t (same shapes), or null
 * when this is not the wasm backend or its heap or WebAssembly SIMD is out of reach.
 */
export function wasmAdcSum(currents: readonly tf.Tensor2D[], grid: FixedGrid): tf.Tensor2D | null {
  if (tf.getBackend() !== 'wasm' || currents.length === 0) return null;
  const backend = tf.backend() as BackendWasm;
  const memory = heapMemory(backend, currents[0]!);
  const fns = memory ? kernels(memory, grid.rounding) : null;
  if (!fns) return null;
  const value = (x: number | tf.Scalar) => (typeof x === 'number' ? x : x.dataSync()[0]!);
  const origin = value(grid.origin);
  const step = value(grid.step);
  const shape = currents[0]!.shape;
  const info = backend.makeOutput(shape, 'float32');
  // Addresses after the output's allocation (which may grow the heap).
  const acc = backend.typedArrayFromHeap(info) as Float32Array;
  acc.fill(0);
  const sources = currents.map((I) => (backend.typedArrayFromHeap(I) as Float32Array).byteOffset);
  const { kMin, kMax } = grid;
  for (let i = 0; i < sources.length; i += MAX_SOURCES) {
    const group = sources.slice(i, i + MAX_SOURCES);
    fns.adc[group.length - 1]!(...group, acc.byteOffset, acc.length, origin, step, kMin, kMax);
  }
  return tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor2D;
}

/**
 * max |I| over every element of `tensors` (a float32 value), or null off the wasm backend or without its
 * heap or SIMD: the calibrated ADC full scale at the 100th percentile, in one read of the currents.
 */
export function wasmAbsMax(tensors: readonly tf.Tensor[]): number | null {
  if (tf.getBackend() !== 'wasm' || tensors.length === 0) return null;
  const backend = tf.backend() as BackendWasm;
  const memory = heapMemory(backend, tensors[0]!);
  const fns = memory ? kernels(memory, 'halfEven') : null;
  if (!fns) return null;
  let max = 0;
  for (const t of tensors) {
    const values = backend.typedArrayFromHeap(t) as Float32Array;
    max = Math.max(max, fns.absMax(values.byteOffset, values.length));
  }
  return max;
}
