/**
 * The ADC of each row tile's partial sums (chip.ts step 4, grids from chip.ts `adcGrid`), the sum over
 * row tiles and the shift-add over input cycles (step 5). A fixed or calibrated grid is plain numbers
 * (or device scalars left by calibration), its step and origin applied once after the digital sum; a
 * dynamic grid is computed per row-tile read or per conversion.
 */
import * as tf from '@tensorflow/tfjs-core';
import { adcGrid, fixedFullScaleAmperes, POW2_EPS_AMPERES } from '../chip';
import type { ExperimentConfig } from '../config';
import { wasmAdcSum, wasmAdcValuesSum, wasmRowRanges } from '../kernels/wasm/adc';
import type { LayerState } from './state';

type AdcLevels = ExperimentConfig['periphery']['adcLevels'];

/** An ADC grid (chip.ts adcGrid) whose step and origin may live on the device. */
interface TensorGrid {
  step: number | tf.Scalar;
  origin: number | tf.Scalar;
  kMin: number;
  kMax: number;
}

/** A dynamic row-tile range: min and max over a read's vectors and columns, [Z, 1] each. */
export type Range = { lo: tf.Tensor; hi: tf.Tensor };

/** One group's ADC output: the read value is offset + scale·q (scale, offset: amperes per code, amperes). */
export interface AdcOutput {
  q: tf.Tensor2D;
  scale: number | tf.Scalar;
  offset: number | tf.Scalar;
  /** Per vector [M]: 1 when any of its conversions clipped (only when asked for). */
  clipped: tf.Tensor1D | null;
}

/**
 * tfjs-webgpu's AddN binds every input as a storage buffer and, past the device's limit (8 per shader
 * stage by default, one for the output), silently returns garbage; so at most this many at a time.
 */
const ADD_N_MAX_INPUTS = 6;

/**
 * Σ parts (same shapes) in order, a left fold ((p0 + p1) + p2) + …, at most ADD_N_MAX_INPUTS per AddN (the
 * running sum first): the order of the fused kernels, which add row tile after row tile.
 */
export function sumParts(parts: readonly tf.Tensor[]): tf.Tensor {
  if (parts.length === 1) return parts[0]!;
  let sum = tf.addN(parts.slice(0, ADD_N_MAX_INPUTS) as tf.Tensor[]);
  for (let i = ADD_N_MAX_INPUTS; i < parts.length; i += ADD_N_MAX_INPUTS - 1)
    sum = tf.addN([sum, ...parts.slice(i, i + ADD_N_MAX_INPUTS - 1)]);
  return sum;
}

/** chip.ts `adcGrid` for a fixed full scale fs (amperes). */
function fixedGrid(levels: AdcLevels, bits: number, signed: boolean, fs: number): TensorGrid {
  const grid = adcGrid(levels, bits, signed, signed ? -fs : 0, fs);
  return { ...grid, step: Math.fround(Math.max(grid.step, 1e-30)) };
}

/** chip.ts `adcGrid` for a calibrated full scale held on the device (same formulas, as tensor ops). */
function calibratedGrid(levels: AdcLevels, bits: number, signed: boolean, fs: tf.Scalar): TensorGrid {
  const { kMin, kMax } = adcGrid(levels, bits, signed, signed ? -1 : 0, 1);
  let step: tf.Tensor;
  if (levels === 'minMax') step = tf.mul(fs, (signed ? 2 : 1) / 2 ** bits);
  else if (levels === 'powerOfTwo') {
    const e = tf.ceil(tf.div(tf.log(tf.add(fs, POW2_EPS_AMPERES)), Math.LN2));
    step = tf.pow(tf.scalar(2), tf.sub(e, signed ? bits - 1 : bits));
  } else step = tf.div(fs, kMax);
  return {
    step: tf.maximum(step, 1e-30) as tf.Scalar,
    origin: levels === 'minMax' && signed ? (tf.neg(fs) as tf.Scalar) : 0,
    kMin,
    kMax,
  };
}

/** Dynamic row-tile range (min, max over vectors and columns) of one row tile's read: [Z, 1] each. */
export function rowTileRange(state: LayerState, current: tf.Tensor2D): Range {
  const Z = state.dac.cycleWeights.length;
  // On wasm one read per row and statistic (`wasmRowRanges`).
  const fast = wasmRowRanges(current, Z);
  if (fast) return fast;
  const r = tf.reshape(current, [Z, -1]);
  return { lo: tf.min(r, 1, true), hi: tf.max(r, 1, true) };
}

/** Rounds u to an ADC code index (before clipping). */
function adcRound(state: LayerState, u: tf.Tensor): tf.Tensor {
  const rounding = state.config.periphery.adcRounding;
  return rounding === 'floor' ? tf.floor(u) : rounding === 'halfUp' ? tf.floor(tf.add(u, 0.5)) : tf.round(u);
}

/**
 * ADC of one group's row-tile currents (chip.ts adcGrid): origin + step·clip(rnd((I − origin)/step),
 * kMin, kMax), summed over the row tiles → [Z·M, cols]. `ranges`: the precomputed dynamic row-tile
 * ranges, when the batch was split. Clip flags compare the rounded code rnd(u) with [kMin, kMax]: aihwkit
 * re-reads when the discretised output exceeds out_bound, not when u merely passes the last code.
 */
export function adc(
  state: LayerState,
  gi: number,
  currents: tf.Tensor2D[],
  ranges: Range[] | null,
  adcSeeds: number[] | null,
  wantClip: boolean,
): AdcOutput {
  const p = state.config.periphery;
  const signed = state.tensors.groups[gi]!.signed;
  const B = p.adcBits;
  const [ZM, cols] = currents[0]!.shape;
  const Z = state.dac.cycleWeights.length;
  const M = ZM / Z;
  const sigmaLsb = p.adcNoise.sigmaLsb;
  const withNoise = (x: tf.Tensor, t: number, step: tf.Tensor | number) =>
    adcSeeds ? tf.add(x, tf.mul(state.noise.normals(x.shape, adcSeeds[t]!), tf.mul(step, sigmaLsb))) : x;
  // Per-vector extremes of the rounded codes over every conversion, for the clip flags.
  let uMax: tf.Tensor | null = null;
  let uMin: tf.Tensor | null = null;
  const track = (u: tf.Tensor) => {
    if (!wantClip) return;
    const flat = tf.reshape(u, [ZM, -1]);
    const hi = tf.max(flat, 1);
    const lo = tf.min(flat, 1);
    uMax = uMax ? tf.maximum(uMax, hi) : hi;
    uMin = uMin ? tf.minimum(uMin, lo) : lo;
  };
  const flags = (kMin: number, kMax: number) => {
    if (!wantClip) return null;
    const beyond = tf.logicalOr(tf.greater(uMax!, kMax), tf.less(uMin!, kMin));
    return tf.max(tf.reshape(tf.cast(beyond, 'float32'), [Z, M]), 0) as tf.Tensor1D;
  };
  const sum = (parts: tf.Tensor[]) => sumParts(parts) as tf.Tensor2D;

  if (p.adcRange === 'fixed' || p.adcRange === 'calibrated') {
    // One grid for every conversion; step and origin are applied after the digital sum. A fixed grid is
    // plain numbers; a calibrated one keeps the device scalars that calibration left.
    const grid =
      p.adcRange === 'fixed'
        ? fixedGrid(p.adcLevels, B, signed, fixedFullScaleAmperes(state.config, state.chip))
        : calibratedGrid(p.adcLevels, B, signed, state.calibration.adcFullScale![gi]!);
    const { step, origin, kMin, kMax } = grid;
    // On wasm, one fused pass per group of row tiles (same float32 operations, same codes); it reads a
    // calibrated grid's scalars back, so only where the layer may read back.
    const fused =
      adcSeeds || wantClip || !state.syncReadBack
        ? null
        : wasmAdcSum(currents, { origin, step, kMin, kMax, rounding: p.adcRounding });
    if (fused) return { q: fused, scale: step, offset: origin, clipped: null };
    const codes = currents.map((I, t) => {
      const noisy = withNoise(I, t, step);
      const k = adcRound(state, tf.div(origin !== 0 ? tf.sub(noisy, origin) : noisy, step));
      track(k);
      return tf.clipByValue(k, kMin, kMax);
    });
    return { q: sum(codes), scale: step, offset: origin, clipped: flags(kMin, kMax) };
  }

  const minMax = p.adcLevels === 'minMax';
  const kMin =
    minMax || !signed ? 0 : p.adcLevels === 'powerOfTwo' ? -(2 ** (B - 1)) : -Math.max(1, 2 ** (B - 1) - 1);
  const kMax =
    minMax || !signed
      ? 2 ** B - 1
      : p.adcLevels === 'powerOfTwo'
        ? 2 ** (B - 1) - 1
        : Math.max(1, 2 ** (B - 1) - 1);
  /** The grid of row tile t's conversions: step and origin (null: 0) per range, and the shaped currents. */
  const gridOf = (I: tf.Tensor2D, t: number) => {
    const { shaped, lo, hi } =
      p.adcDynamicScope === 'rowTile'
        ? { shaped: tf.reshape(I, [Z, -1]), ...(ranges ? ranges[t]! : rowTileRange(state, I)) }
        : conversionRanges(state, gi, I);
    let step: tf.Tensor;
    let origin: tf.Tensor | null = null;
    if (minMax) {
      step = tf.div(tf.sub(hi, lo), 2 ** B);
      origin = lo;
    } else {
      const fs = lo === hi ? hi : tf.maximum(tf.abs(lo), tf.abs(hi));
      if (p.adcLevels === 'powerOfTwo') {
        const e = tf.ceil(tf.div(tf.log(tf.add(fs, POW2_EPS_AMPERES)), Math.LN2));
        step = tf.pow(tf.scalar(2), tf.sub(e, signed ? B - 1 : B));
      } else step = tf.div(fs, kMax);
    }
    return { shaped, step: tf.maximum(step, 1e-30), origin };
  };
  const grids = currents.map(gridOf);
  // On wasm, a row-tile range is one grid per input cycle: one fused pass per row tile and cycle (the
  // grid's numbers read back from the heap, so only where the layer may read back).
  const fused =
    p.adcDynamicScope !== 'rowTile' || adcSeeds || wantClip || !state.syncReadBack
      ? null
      : wasmAdcValuesSum(currents, {
          origin: grids.map((g) => (g.origin ? (g.origin.dataSync() as Float32Array) : null)),
          step: grids.map((g) => g.step.dataSync() as Float32Array),
          kMin,
          kMax,
          rounding: p.adcRounding,
        });
  if (fused) return { q: fused, scale: 1, offset: 0, clipped: null };
  const values = grids.map(({ shaped, step, origin }, t) => {
    const noisy = withNoise(shaped, t, step);
    const k = adcRound(state, tf.div(origin ? tf.sub(noisy, origin) : noisy, step));
    const scaled = tf.mul(step, tf.clipByValue(k, kMin, kMax));
    const q = origin ? tf.add(origin, scaled) : scaled;
    const back = (x: tf.Tensor) => {
      const flat = tf.reshape(x, [ZM, -1]);
      return flat.shape[1] === cols ? flat : tf.slice(flat, [0, 0], [ZM, cols]);
    };
    track(back(k));
    return back(q);
  });
  return { q: sum(values), scale: 1, offset: 0, clipped: flags(kMin, kMax) };
}

/**
 * Dynamic range per conversion (one per vector and column tile, MemTorch): the currents grouped by column
 * tile, [Z·M, tiles, perTile], and the range of each group (lo = hi = max|I| unless minMax levels).
 */
function conversionRanges(
  state: LayerState,
  gi: number,
  I: tf.Tensor2D,
): { shaped: tf.Tensor; lo: tf.Tensor; hi: tf.Tensor } {
  const [ZM, cols] = I.shape;
  const perTile = state.chip.groups[gi]!.perColumnTile ? 1 : state.chip.plan.dataColsPerTile;
  const tiles = Math.ceil(cols / perTile);
  const pad = tiles * perTile - cols;
  const shaped = tf.reshape(
    pad > 0
      ? tf.pad(I, [
          [0, 0],
          [0, pad],
        ])
      : I,
    [ZM, tiles, perTile],
  );
  if (state.config.periphery.adcLevels !== 'minMax') {
    // Only max|I| matters, and padding zeros never raise it.
    const hi = tf.max(tf.abs(shaped), 2, true);
    return { shaped, lo: hi, hi };
  }
  if (pad === 0) return { shaped, lo: tf.min(shaped, 2, true), hi: tf.max(shaped, 2, true) };
  // The last column tile is partial: its range comes from its real columns only.
  const fullCols = (tiles - 1) * perTile;
  const rest = tf.reshape(tf.slice(I, [0, fullCols], [ZM, cols - fullCols]), [ZM, 1, -1]);
  const full = fullCols > 0 ? tf.reshape(tf.slice(I, [0, 0], [ZM, fullCols]), [ZM, -1, perTile]) : null;
  const both = (f: (x: tf.Tensor) => tf.Tensor) => (full ? tf.concat([f(full), f(rest)], 1) : f(rest));
  return { shaped, lo: both((x) => tf.min(x, 2, true)), hi: both((x) => tf.max(x, 2, true)) };
}

/** Shift-add over the input cycles: Σ_z w_z·(·) of [Z·M, cols] → [M, cols]. */
export function shiftAdd(state: LayerState, values: tf.Tensor2D): tf.Tensor2D {
  const w = state.dac.cycleWeights;
  if (w.length === 1) return values;
  const [ZM, cols] = values.shape;
  const M = ZM / w.length;
  // [1, Z] × [Z, M·cols]: one kernel, no per-cycle slices.
  const row = tf.tensor2d(Float32Array.from(w), [1, w.length]);
  return tf.reshape(tf.matMul(row, tf.reshape(values, [w.length, M * cols])), [M, cols]);
}
