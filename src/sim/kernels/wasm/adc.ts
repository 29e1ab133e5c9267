/**
 * Runs the module's ADC functions (`module.ts`) on tensors of the wasm backend, written straight into new
 * tensors in the module heap: the codes of every row tile's currents on one fixed grid, or the values on
 * a dynamic row-tile grid, summed over the row tiles; a range's min and max; max |I| for calibration.
 * `layer/adc.ts` and `layer/calibration.ts` call them without ADC noise or clip flags; everywhere else
 * (other backends, per-conversion ranges, noise, bound management) the composite tfjs-op path runs.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { wasmKernels } from './heap';
import { MAX_SOURCES, type AdcRounding } from './module';

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
    return wasmKernels(probe, 'halfEven') !== null;
  } finally {
    probe.dispose();
  }
}

/** A new [shape] float32 tensor of zeros in the heap, and its values (viewed after the allocation). */
function zeros(backend: BackendWasm, shape: number[]) {
  const info = backend.makeOutput(shape, 'float32');
  const values = backend.typedArrayFromHeap(info) as Float32Array;
  values.fill(0);
  return { values, tensor: () => tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor2D };
}

/**
 * Σ_t clip(rnd((I_t − origin)/step), kMin, kMax) over the row tiles' currents I_t (same shapes), or null
 * when this is not the wasm backend or its heap or WebAssembly SIMD is out of reach.
 */
export function wasmAdcSum(currents: readonly tf.Tensor2D[], grid: FixedGrid): tf.Tensor2D | null {
  const wasm = wasmKernels(currents[0], grid.rounding);
  if (!wasm) return null;
  const { backend, run } = wasm;
  const value = (x: number | tf.Scalar) => (typeof x === 'number' ? x : x.dataSync()[0]!);
  const origin = value(grid.origin);
  const step = value(grid.step);
  const sum = zeros(backend, currents[0]!.shape);
  const acc = sum.values;
  // Addresses after the output's allocation (which may grow the heap).
  const sources = currents.map((I) => (backend.typedArrayFromHeap(I) as Float32Array).byteOffset);
  const { kMin, kMax } = grid;
  for (let i = 0; i < sources.length; i += MAX_SOURCES) {
    const group = sources.slice(i, i + MAX_SOURCES);
    run(`adc${group.length as 1 | 2 | 3 | 4}`, acc.length, (at, count) => [
      ...group.map((src) => src + 4 * at),
      acc.byteOffset + 4 * at,
      count,
      origin,
      step,
      kMin,
      kMax,
    ]);
  }
  return sum.tensor();
}

/** A dynamic grid per row tile: per input cycle z (a row of [Z, ·]), origin and step (amperes). */
export interface RowGrids {
  /** Per row tile, Z values (null: origin 0). */
  origin: (Float32Array | null)[];
  step: Float32Array[];
  kMin: number;
  kMax: number;
  rounding: AdcRounding;
}

/**
 * Σ_t origin_t,z + step_t,z·clip(rnd((I_t − origin_t,z)/step_t,z), kMin, kMax) over the row tiles' currents
 * I_t [Z·M, cols], z the input cycle of each row block of M·cols values; null off the wasm backend or
 * without its heap or SIMD. The same float32 operations per value as the composite path, summed in tile
 * order as its `sumParts` does.
 */
export function wasmAdcValuesSum(currents: readonly tf.Tensor2D[], grids: RowGrids): tf.Tensor2D | null {
  const wasm = wasmKernels(currents[0], grids.rounding);
  if (!wasm) return null;
  const { backend, run } = wasm;
  const sum = zeros(backend, currents[0]!.shape);
  const acc = sum.values;
  currents.forEach((I, t) => {
    const src = (backend.typedArrayFromHeap(I) as Float32Array).byteOffset;
    const steps = grids.step[t]!;
    const n = acc.length / steps.length;
    steps.forEach((step, z) => {
      const origin = grids.origin[t]?.[z] ?? 0;
      run('adcValues', n, (at, count) => {
        const offset = 4 * (z * n + at);
        return [src + offset, acc.byteOffset + offset, count, origin, step, grids.kMin, grids.kMax];
      });
    });
  });
  return sum.tensor();
}

/**
 * max |I| over every element of `tensors` (a float32 value), or null off the wasm backend or without its
 * heap or SIMD: the calibrated ADC full scale at the 100th percentile, in one read of the currents.
 */
export function wasmAbsMax(tensors: readonly tf.Tensor[]): number | null {
  const wasm = wasmKernels(tensors[0], 'halfEven');
  if (!wasm) return null;
  const { backend, run } = wasm;
  let max = 0;
  for (const t of tensors) {
    const values = backend.typedArrayFromHeap(t) as Float32Array;
    max = Math.max(max, ...run('absMax', values.length, (at, count) => [values.byteOffset + 4 * at, count]));
  }
  return max;
}

/**
 * Per row of x [R, n] (an input cycle of a row tile's read), its min and max as [R, 1] tensors — a
 * dynamic row-tile range in one read of each row per statistic; null off the wasm backend or without its
 * heap or SIMD.
 */
export function wasmRowRanges(x: tf.Tensor, rows: number): { lo: tf.Tensor; hi: tf.Tensor } | null {
  const wasm = wasmKernels(x, 'halfEven');
  if (!wasm) return null;
  const { backend, run } = wasm;
  const values = backend.typedArrayFromHeap(x) as Float32Array;
  const n = values.length / rows;
  const of = (stat: 'min' | 'max', r: number) =>
    run(stat, n, (at, count) => [values.byteOffset + 4 * (r * n + at), count]);
  return {
    lo: tf.tensor2d(
      Float32Array.from({ length: rows }, (_, r) => Math.min(...of('min', r))),
      [rows, 1],
    ),
    hi: tf.tensor2d(
      Float32Array.from({ length: rows }, (_, r) => Math.max(...of('max', r))),
      [rows, 1],
    ),
  };
}
