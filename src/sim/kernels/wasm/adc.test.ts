/**
 * The WebAssembly kernels (`module.ts`, run by `adc.ts`): the fused ADC against the composite tfjs-op
 * chain it replaces (bit for bit) and against a float64 plain loop that rounds every operation to
 * float32 (Math.fround), on the wasm backend; the threaded build's variant on a shared memory; absMax and
 * copyRows against plain loops.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../../scripts/lib/backend';
import { randomArray } from '../../testUtils';
import { kernelModuleBytes, MAX_SOURCES, type AdcRounding } from './module';
import { wasmAbsMax, wasmAdcSum, wasmAdcValuesSum, wasmRowRanges, type FixedGrid } from './adc';

beforeAll(() => selectBackend('wasm'));
afterAll(() => selectBackend('cpu'));

const roundings: AdcRounding[] = ['halfEven', 'halfUp', 'floor'];

/** The composite path's ops (layer/adc.ts): Sub, RealDiv, Round / Floor, ClipByValue, AddN. */
function composite(currents: tf.Tensor2D[], g: FixedGrid): tf.Tensor {
  return tf.tidy(() => {
    const codes = currents.map((I) => {
      const u = tf.div(g.origin !== 0 ? tf.sub(I, g.origin) : I, g.step);
      const k =
        g.rounding === 'floor'
          ? tf.floor(u)
          : g.rounding === 'halfUp'
            ? tf.floor(tf.add(u, 0.5))
            : tf.round(u);
      return tf.clipByValue(k, g.kMin, g.kMax);
    });
    return codes.length === 1 ? codes[0]! : tf.addN(codes);
  });
}

/** Float64 loop with float32 rounding after each operation (a correctly rounded f32 division). */
function plainLoop(currents: Float32Array[], g: FixedGrid & { origin: number; step: number }): Float64Array {
  const f = Math.fround;
  const origin = f(g.origin);
  const step = f(g.step);
  const out = new Float64Array(currents[0]!.length);
  for (const I of currents)
    for (let i = 0; i < I.length; i++) {
      const u = f(f(I[i]! - origin) / step);
      let k: number;
      if (g.rounding === 'floor') k = Math.floor(u);
      else if (g.rounding === 'halfUp') k = Math.floor(f(u + 0.5));
      else {
        k = Math.round(u);
        if (k - u === 0.5 && k % 2 !== 0) k -= 1; // half to even
      }
      out[i]! += Math.min(g.kMax, Math.max(g.kMin, k));
    }
  return out;
}

/**
 * The sum starts from +0, so where the composite path keeps a lone row tile's −0 code (round(−0.3)) the
 * kernel has +0: the same number.
 */
const plusZero = (codes: ArrayLike<number>) => Float32Array.from(codes, (k) => k + 0);

/** Currents whose quotients by `step` include exact code boundaries (ties) and values beyond the grid. */
function currentsFor(count: number, rows: number, cols: number, step: number, seed: number): Float32Array[] {
  return Array.from({ length: count }, (_, t) => {
    const values = randomArray(rows * cols, seed + t, 40 * step);
    // Every third value an exact half or whole step: u = k + 0.5 or k.
    for (let i = 0; i < values.length; i += 3)
      values[i] = (Math.round(values[i]! / step) + (i % 2) * 0.5) * step;
    return values;
  });
}

describe('fused WebAssembly ADC (wasm backend)', () => {
  // Shapes with n mod 4 = 0, 1, 2, 3 (the scalar tail), and row-tile counts around MAX_SOURCES.
  const shapes: [number, number][] = [
    [8, 12],
    [5, 5],
    [3, 6],
    [7, 9],
  ];
  const counts = [1, MAX_SOURCES, MAX_SOURCES + 1, 2 * MAX_SOURCES + 1];
  for (const rounding of roundings)
    for (const origin of [0, -2.5])
      it(`${rounding}, origin ${origin}: bit for bit the composite path and the float32 loop`, async () => {
        const step = 0.37;
        for (const [rows, cols] of shapes)
          for (const count of counts) {
            const values = currentsFor(count, rows, cols, step, rows * 100 + count);
            const currents = values.map((v) => tf.tensor2d(v, [rows, cols]));
            const grid = { origin, step, kMin: -31, kMax: 31, rounding };
            const before = tf.memory().numTensors;
            const fused = wasmAdcSum(currents, grid);
            expect(fused).not.toBeNull();
            expect(tf.memory().numTensors).toBe(before + 1);
            const reference = composite(currents, grid);
            const got = await fused!.data();
            expect(got).toEqual(plusZero(await reference.data()));
            expect(Array.from(got)).toEqual(Array.from(plainLoop(values, grid)));
            tf.dispose([...currents, fused!, reference]);
          }
      });

  it('reads a calibrated grid from device scalars', async () => {
    const values = currentsFor(3, 6, 7, 0.1, 5);
    const currents = values.map((v) => tf.tensor2d(v, [6, 7]));
    const step = tf.scalar(0.1);
    const origin = tf.scalar(-1.25);
    const grid = { origin, step, kMin: 0, kMax: 63, rounding: 'halfEven' as const };
    const fused = wasmAdcSum(currents, grid)!;
    const reference = composite(currents, grid);
    expect(await fused.data()).toEqual(plusZero(await reference.data()));
    tf.dispose([...currents, fused, reference, step, origin]);
  });

  for (const rounding of roundings)
    it(`${rounding}: dynamic grids (origin and step per input cycle and row tile) as a float32 loop`, async () => {
      const Z = 3;
      const [rows, cols] = [Z * 5, 7]; // M·cols = 35 values per cycle: the scalar tail runs
      const count = 5;
      const values = currentsFor(count, rows, cols, 0.2, 70);
      const currents = values.map((v) => tf.tensor2d(v, [rows, cols]));
      const step = values.map((_, t) =>
        Float32Array.from({ length: Z }, (_, z) => 0.2 + 0.05 * z + 0.01 * t),
      );
      const origin = values.map((_, t) =>
        t % 2 ? null : Float32Array.from({ length: Z }, (_, z) => -3 + z),
      );
      const grids = { origin, step, kMin: 0, kMax: 31, rounding };
      const fused = wasmAdcValuesSum(currents, grids)!;
      const got = await fused.data();
      // Float64 sum of values each rounded to float32 as the composite path computes them.
      const f = Math.fround;
      const n = (rows / Z) * cols;
      const want = new Float64Array(rows * cols);
      values.forEach((I, t) =>
        I.forEach((x, i) => {
          const z = Math.floor(i / n);
          const o = f(origin[t]?.[z] ?? 0);
          const u = f(f(x - o) / step[t]![z]!);
          let k =
            rounding === 'floor'
              ? Math.floor(u)
              : rounding === 'halfUp'
                ? Math.floor(f(u + 0.5))
                : Math.round(u);
          if (rounding === 'halfEven' && k - u === 0.5 && k % 2 !== 0) k -= 1;
          want[i]! += f(o + f(step[t]![z]! * Math.min(31, Math.max(0, k))));
        }),
      );
      for (let i = 0; i < want.length; i++)
        expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(1e-5 * Math.abs(want[i]!) + 1e-6);
      tf.dispose([...currents, fused]);
    });

  it('absMax: the largest |I| over every tensor, as a plain loop (lengths 1 … 11, largest at any place)', () => {
    for (let n = 1; n <= 11; n++)
      for (let at = 0; at < n; at++) {
        const values = [randomArray(n, n), randomArray(n + 2, n + 50)];
        values[at % 2]![at] = at % 3 === 0 ? -7.5 : 7.25; // the largest magnitude, of either sign
        const tensors = values.map((v) => tf.tensor1d(v));
        const want = Math.max(...values.flatMap((v) => Array.from(v, Math.abs)));
        expect(wasmAbsMax(tensors)).toBe(want);
        tf.dispose(tensors);
      }
  });

  it('row ranges: min and max of each row, as a plain loop (rows of 1 … 13 values, either sign)', async () => {
    for (const n of [1, 3, 4, 5, 13])
      for (const rows of [1, 3]) {
        const values = randomArray(rows * n, 10 * n + rows, 5);
        if (n > 2) values[n - 1] = -9; // an extreme in the scalar tail of row 0
        const x = tf.tensor2d(values, [rows, n]);
        const { lo, hi } = wasmRowRanges(x, rows)!;
        const row = (r: number) => Array.from(values.subarray(r * n, (r + 1) * n));
        expect(lo.shape).toEqual([rows, 1]);
        expect(Array.from(await lo.data())).toEqual(
          Array.from({ length: rows }, (_, r) => Math.min(...row(r))),
        );
        expect(Array.from(await hi.data())).toEqual(
          Array.from({ length: rows }, (_, r) => Math.max(...row(r))),
        );
        tf.dispose([x, lo, hi]);
      }
  });

  it('declines on another backend', async () => {
    await selectBackend('cpu');
    const I = tf.ones([2, 2]) as tf.Tensor2D;
    expect(wasmAdcSum([I], { origin: 0, step: 1, kMin: -1, kMax: 1, rounding: 'halfEven' })).toBeNull();
    expect(wasmAbsMax([I])).toBeNull();
    expect(wasmRowRanges(I, 2)).toBeNull();
    I.dispose();
    await selectBackend('wasm');
  });
});

describe('the module on a shared memory (tfjs-wasm threaded build)', () => {
  for (const rounding of roundings)
    it(`${rounding}: validates, imports a shared memory and converts like the float32 loop`, () => {
      const bytes = kernelModuleBytes(rounding, true);
      expect(WebAssembly.validate(bytes)).toBe(true);
      const memory = new WebAssembly.Memory({ initial: 1, maximum: 16, shared: true });
      const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
      const heap = new Float32Array(memory.buffer);
      const n = 23;
      const values = currentsFor(2, 1, n, 0.5, 9);
      heap.set(values[0]!, 0);
      heap.set(values[1]!, 64);
      const grid = { origin: 0.25, step: 0.5, kMin: -7, kMax: 7, rounding };
      (exports.adc2 as (...args: number[]) => void)(0, 64 * 4, 128 * 4, n, 0.25, 0.5, -7, 7);
      expect(Array.from(heap.subarray(128, 128 + n))).toEqual(Array.from(plainLoop(values, grid)));
      const absMax = exports.absMax as (src: number, n: number) => number;
      expect(absMax(64 * 4, n)).toBe(Math.max(...Array.from(values[1]!, Math.abs)));
    });
});

describe('copyRows (the im2col copies)', () => {
  it('copies rows of 1 … 37 values between strided places, bit for bit, as a plain loop', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 16, shared: true });
    const bytes = kernelModuleBytes('halfEven', true);
    const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
    const copyRows = exports.copyRows as (...args: number[]) => void;
    const heap = new Float32Array(memory.buffer);
    const source = randomArray(4096, 3);
    source[5] = NaN;
    for (const length of [1, 3, 4, 5, 16, 17, 37])
      for (const [srcStride, dstStride, rows] of [
        [48, 40, 7],
        [length, length, 3],
        [96, 128, 0],
      ] as const) {
        heap.fill(-1);
        heap.set(source, 0);
        const dst = 5000;
        copyRows(4, srcStride * 4, dst * 4, dstStride * 4, rows, length * 4);
        const want = Float32Array.from(heap);
        want.fill(-1, 4096);
        for (let r = 0; r < rows; r++)
          for (let k = 0; k < length; k++) want[dst + r * dstStride + k] = source[1 + r * srcStride + k]!;
        expect(new Uint32Array(heap.buffer.slice(0, 16384 * 4))).toEqual(
          new Uint32Array(want.buffer.slice(0, 16384 * 4)),
        );
      }
  });
});
