/**
 * Plain-loop float64 reference of the analog read semantics documented in `chip.ts`. Used by tests (and
 * exported for them): it shares the programmed chip (conductances, row-tile layout) and the small scalar
 * helpers, and re-implements im2col, tiling, DAC, analog sums, IR drop, ADC ranges, shift-add and bound
 * management with explicit loops. Noise-free forward; `referenceOutputVariance` gives the closed-form
 * variance of the per-read and per-batch noises. Every function reads the layer with `layerReadConfig`
 * (the image-input layer under `periphery.firstLayer`), as the tfjs layer does.
 */
import type { ExperimentConfig } from './config';
import {
  adcGrid,
  adcSigned,
  boundReductions,
  dacSettings,
  fixedFullScaleAmperes,
  layerReadConfig,
  mappedRowMask,
  quantiseScalar,
  redrawsPerBatch,
  redrawsPerInputBit,
  variesArray,
  type CalibrationState,
  type ProgrammedChip,
} from './chip';
import { irDropPolynomial, irDropRowWeight } from './devices';
import { absPercentile, roundHalfEven } from './mapping';
import { convOutputSize } from './tiling';

export interface RefInput {
  /** NHWC (conv) or [batch, in] (dense), row-major. */
  data: ArrayLike<number>;
  shape: number[];
}

/** im2col with K in (kh, kw, cin) order; rows m = (b·outH + oy)·outW + ox. */
export function referenceIm2col(chip: ProgrammedChip, input: RefInput): { patches: Float64Array; M: number } {
  const spec = chip.spec;
  if (spec.kind === 'dense') {
    const M = input.shape[0]!;
    return { patches: Float64Array.from(input.data), M };
  }
  const [B, H, W, C] = input.shape as [number, number, number, number];
  const k = spec.kernelSize;
  const s = spec.stride;
  const outH = convOutputSize(H, k, s, spec.padding);
  const outW = convOutputSize(W, k, s, spec.padding);
  let top: number, left: number;
  if (spec.padding === 'same') {
    top = Math.floor(Math.max((outH - 1) * s + k - H, 0) / 2);
    left = Math.floor(Math.max((outW - 1) * s + k - W, 0) / 2);
  } else if (spec.padding === 'valid') top = left = 0;
  else top = left = spec.padding;
  const K = k * k * C;
  const M = B * outH * outW;
  const patches = new Float64Array(M * K);
  for (let b = 0; b < B; b++)
    for (let oy = 0; oy < outH; oy++)
      for (let ox = 0; ox < outW; ox++) {
        const m = (b * outH + oy) * outW + ox;
        for (let i = 0; i < k; i++)
          for (let j = 0; j < k; j++)
            for (let c = 0; c < C; c++) {
              const y = oy * s + i - top;
              const x = ox * s + j - left;
              const inside = y >= 0 && y < H && x >= 0 && x < W;
              patches[m * K + (i * k + j) * C + c] = inside ? input.data[((b * H + y) * W + x) * C + c]! : 0;
            }
      }
  return { patches, M };
}

interface Reads {
  /** currents[g][t][z][m][col] flattened: ((t·Z + z)·M + m)·cols + col. */
  currents: Float64Array[];
  cols: number[];
}

/** Analog reads of every group, tile, cycle and vector (noise-free). `scale[m]` = ν_m·r. */
function analogReads(
  chip: ProgrammedChip,
  config: ExperimentConfig,
  patches: Float64Array,
  M: number,
  scale: Float64Array,
): Reads {
  const dac = dacSettings(config, chip);
  const K = chip.K;
  const R = chip.plan.tileRows;
  const T = chip.plan.rowTiles;
  const layout = chip.plan.tileRowIndex;
  const Z = dac.cycleWeights.length;
  const vRead = config.periphery.vReadVolts;
  const gMax = chip.gMaxSiemens;
  const ir = config.device.irDrop;
  const gRatio = 1 / ir.wireResistanceOhms / gMax;

  // Input units per cycle: V[z][m][j] volts.
  const volts = new Float64Array(Z * M * K);
  for (let m = 0; m < M; m++)
    for (let j = 0; j < K; j++) {
      let xs = patches[m * K + j]! / scale[m]!;
      if (dac.bits === 0) {
        volts[m * K + j] = xs * dac.voltsPerUnit;
        continue;
      }
      xs = Math.min(1, Math.max(dac.signed ? -1 : 0, xs));
      const u = dac.codeStep !== null ? xs / dac.codeStep : xs * dac.qMaxCode;
      const q = dac.halfUp ? Math.floor(u + 0.5) : roundHalfEven(u);
      if (!dac.bitSerial) {
        volts[m * K + j] = q * dac.voltsPerUnit;
        continue;
      }
      const twos = q < 0 ? q + 2 ** dac.bits : q;
      for (let z = 0; z < Z; z++)
        volts[(z * M + m) * K + j] = (Math.floor(twos / 2 ** z) % 2) * dac.voltsPerUnit;
    }

  const currents: Float64Array[] = [];
  const colsOut: number[] = [];
  for (const group of chip.groups) {
    const cols = chip.arrays[group.terms[0]!.array]!.cols;
    const out = new Float64Array(T * Z * M * cols);
    for (const term of group.terms) {
      const a = chip.arrays[term.array]!;
      for (let t = 0; t < T; t++)
        for (let z = 0; z < Z; z++)
          for (let m = 0; m < M; m++)
            for (let c = 0; c < cols; c++) {
              let sum = 0;
              let sumAbs = 0;
              let sumWeighted = 0;
              // Tile t holds the unrolled rows layout[t], top to bottom (row r at distance r from the driver).
              const rows = layout[t]!;
              for (let r = 0; r < rows.length; r++) {
                const j = rows[r]!;
                const v = volts[(z * M + m) * K + j]!;
                const g = a.gSiemens[j * cols + c]!;
                sum += v * g;
                if (ir.enabled) {
                  sumAbs += (g / gMax) * (Math.abs(v) / vRead);
                  sumWeighted += g * v * irDropRowWeight(r, R);
                }
              }
              if (ir.enabled) sum -= ir.scale * irDropPolynomial((R / gRatio) * sumAbs) * sumWeighted;
              out[((t * Z + z) * M + m) * cols + c]! += term.sign * sum;
            }
    }
    currents.push(out);
    colsOut.push(cols);
  }
  return { currents, cols: colsOut };
}

function inputScales(
  chip: ProgrammedChip,
  config: ExperimentConfig,
  input: RefInput,
  patches: Float64Array,
  M: number,
  calib: CalibrationState,
): Float64Array {
  const K = chip.K;
  const scale = new Float64Array(M);
  const mode = config.periphery.inputScaling;
  let global = 1;
  if (mode === 'dynamic') global = Array.from(input.data).reduce((s, v) => Math.max(s, Math.abs(v)), 0);
  else if (mode === 'calibrated') {
    if (calib.inputScale === null) throw new Error('reference: input range not calibrated');
    global = calib.inputScale;
  }
  for (let m = 0; m < M; m++) {
    let v = global;
    if (mode === 'perVector') {
      v = 0;
      for (let j = 0; j < K; j++) v = Math.max(v, Math.abs(patches[m * K + j]!));
    }
    scale[m] = v > 0 ? v : 1;
  }
  return scale;
}

/** Calibration as the layer does it: percentile of |x| for ν, then of |I| per group (noise-free, r = 1). */
export function referenceCalibrate(
  chip: ProgrammedChip,
  experimentConfig: ExperimentConfig,
  input: RefInput,
): CalibrationState {
  const config = layerReadConfig(chip.spec, experimentConfig);
  const p = config.periphery;
  const inputScale =
    p.inputScaling === 'calibrated' ? absPercentile(input.data, p.inputCalibrationPercentile) || 1 : null;
  const calib: CalibrationState = { inputScale, adcFullScaleAmperes: null };
  if (p.adcRange === 'calibrated' && p.adcBits > 0) {
    const { patches, M } = referenceIm2col(chip, input);
    const reads = analogReads(chip, config, patches, M, inputScales(chip, config, input, patches, M, calib));
    calib.adcFullScaleAmperes = reads.currents.map((c) => absPercentile(c, p.adcCalibrationPercentile));
  }
  return calib;
}

/** Noise-free forward pass. Returns [M, N] (= NHWC for conv, [batch, N] for dense), bias added. */
export function referenceForward(
  chip: ProgrammedChip,
  config: ExperimentConfig,
  input: RefInput,
  calib: CalibrationState = { inputScale: null, adcFullScaleAmperes: null },
): Float64Array {
  return referenceForwardDetailed(chip, config, input, calib).y;
}

/**
 * Width (in ADC steps) of the band around a code boundary inside which float32 and float64 evaluations
 * may legitimately pick adjacent codes. Quantised weights and bit-serial inputs put many currents exactly
 * on a boundary (e.g. a single full-on device read against a 2^B − 1 grid gives u = 63.5).
 */
export const TIE_BAND_LSB = 1e-4;

/**
 * The band also spans this many float32 ulps of the values an ADC input is computed from (|I|, and the
 * range ends lo, hi): a float32 partial sum of a tile's rows, or a range end, may be off by a few ulps, so
 * at high resolution (16-bit ADCs) codes within that distance of a boundary are ties too. Equivalent to
 * re-running the reference with the range nudged by a few ulps and seeing which codes move.
 */
export const TIE_BAND_F32_ULPS = 4;
const EPS_F32 = 2 ** -23;

/** The code index before clipping, rnd((I − origin)/step) (chip.ts quantiseScalar without the clip). */
function rawCode(
  current: number,
  grid: { step: number; origin: number },
  rounding: ExperimentConfig['periphery']['adcRounding'],
): number {
  if (!(grid.step > 0)) return 0;
  const u = (current - grid.origin) / grid.step;
  if (rounding === 'floor') return Math.floor(u);
  if (rounding === 'halfUp') return Math.floor(u + 0.5);
  return roundHalfEven(u);
}

export interface ReferenceDetail {
  y: Float64Array;
  /**
   * Outputs fed by a conversion whose ADC input lies within the tie band of a code boundary (or, under
   * bound management, of the clip decision). Such outputs are well defined only in exact arithmetic.
   */
  ambiguous: Uint8Array;
  /**
   * Per output (weight units): the most it can move if each conversion inside the tie band resolves to
   * the neighbouring code, Σ |one code step × its digital weight| over those conversions. Two float32
   * implementations of the same semantics agree within it (clip-decision ties excepted: see ambiguous).
   */
  tieBound: Float64Array;
}

/**
 * The forward pass plus `ambiguous` and `tieBound` (see ReferenceDetail); tests compare the unambiguous
 * outputs exactly, or every output within its tie bound.
 */
export function referenceForwardDetailed(
  chip: ProgrammedChip,
  experimentConfig: ExperimentConfig,
  input: RefInput,
  calib: CalibrationState = { inputScale: null, adcFullScaleAmperes: null },
): ReferenceDetail {
  const config = layerReadConfig(chip.spec, experimentConfig);
  const p = config.periphery;
  const dac = dacSettings(config, chip);
  const { patches, M } = referenceIm2col(chip, input);
  const N = chip.N;
  const T = chip.plan.rowTiles;
  const Z = dac.cycleWeights.length;
  const Cd = chip.plan.dataColsPerTile;
  const nu = inputScales(chip, config, input, patches, M, calib);
  const reductions = boundReductions(config);
  const result = new Float64Array(M * N);
  const ambiguous = new Uint8Array(M * N);
  const tieBound = new Float64Array(M * N);
  const done = new Uint8Array(M);

  reductions.forEach((r, ri) => {
    const scale = nu.map((v) => v * r);
    const reads = analogReads(chip, config, patches, M, scale);
    const y = new Float64Array(M * N);
    const tie = new Uint8Array(M * N);
    // Σ |code step·c_g·w_z| of this reduction's tied conversions, per output (before the ν·r·post scale).
    const tieSum = new Float64Array(M * N);
    const clipped = new Uint8Array(M);
    const clipTie = new Uint8Array(M);
    chip.groups.forEach((group, gi) => {
      const I = reads.currents[gi]!;
      const cols = reads.cols[gi]!;
      const signed = adcSigned(group, dac);
      // Per-(t, z) dynamic range over the whole read (NeuroSim), computed before quantising.
      const tileLo = new Float64Array(T * Z).fill(Infinity);
      const tileHi = new Float64Array(T * Z).fill(-Infinity);
      for (let tz = 0; tz < T * Z; tz++)
        for (let i = tz * M * cols; i < (tz + 1) * M * cols; i++) {
          tileLo[tz] = Math.min(tileLo[tz]!, I[i]!);
          tileHi[tz] = Math.max(tileHi[tz]!, I[i]!);
        }
      // The outputs a column of this group feeds (a reference column feeds its whole column tile).
      const outputsOf = (c: number) =>
        group.perColumnTile ? { n0: c * Cd, n1: Math.min(N, (c + 1) * Cd) } : { n0: c, n1: c + 1 };
      for (let t = 0; t < T; t++)
        for (let z = 0; z < Z; z++)
          for (let m = 0; m < M; m++)
            for (let c = 0; c < cols; c++) {
              const current = I[((t * Z + z) * M + m) * cols + c]!;
              const { n0, n1 } = outputsOf(c);
              let q = current;
              if (p.adcBits > 0) {
                let lo: number, hi: number;
                if (p.adcRange === 'fixed' || p.adcRange === 'calibrated') {
                  const fs =
                    p.adcRange === 'fixed'
                      ? fixedFullScaleAmperes(config, chip)
                      : calib.adcFullScaleAmperes![gi]!;
                  lo = signed ? -fs : 0;
                  hi = fs;
                } else if (p.adcDynamicScope === 'rowTile') {
                  lo = tileLo[t * Z + z]!;
                  hi = tileHi[t * Z + z]!;
                } else {
                  // One conversion: this vector's columns of one column tile (MemTorch).
                  const ct = group.perColumnTile ? c : Math.floor(c / Cd);
                  const c0 = group.perColumnTile ? c : ct * Cd;
                  const c1 = group.perColumnTile ? c + 1 : Math.min(cols, c0 + Cd);
                  lo = Infinity;
                  hi = -Infinity;
                  for (let cc = c0; cc < c1; cc++) {
                    const v = I[((t * Z + z) * M + m) * cols + cc]!;
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                  }
                }
                if (p.adcLevels !== 'minMax' && p.adcRange === 'dynamic') {
                  const fs = Math.max(Math.abs(lo), Math.abs(hi));
                  lo = signed ? -fs : 0;
                  hi = fs;
                }
                const grid = adcGrid(p.adcLevels, p.adcBits, signed, lo, hi);
                // aihwkit bound management: a read clipped when its rounded code lies beyond the grid.
                const beyond = (k: number) => k > grid.kMax || k < grid.kMin;
                if (beyond(rawCode(current, grid, p.adcRounding))) clipped[m] = 1;
                q = quantiseScalar(current, grid, p.adcRounding);
                const band = Math.max(
                  TIE_BAND_LSB * grid.step,
                  TIE_BAND_F32_ULPS * EPS_F32 * (Math.abs(current) + Math.abs(lo) + Math.abs(hi)),
                );
                const isTie =
                  quantiseScalar(current - band, grid, p.adcRounding) !==
                  quantiseScalar(current + band, grid, p.adcRounding);
                if (
                  beyond(rawCode(current - band, grid, p.adcRounding)) !==
                  beyond(rawCode(current + band, grid, p.adcRounding))
                )
                  clipTie[m] = 1;
                if (isTie) {
                  const one = Math.abs(group.weightPerSiemens * dac.cycleWeights[z]! * grid.step);
                  for (let n = n0; n < n1; n++) {
                    tie[m * N + n] = 1;
                    tieSum[m * N + n]! += one;
                  }
                }
              }
              const contribution = group.weightPerSiemens * dac.cycleWeights[z]! * q;
              for (let n = n0; n < n1; n++) y[m * N + n]! += contribution;
            }
    });
    const last = ri === reductions.length - 1;
    for (let m = 0; m < M; m++) {
      if (done[m] || (clipped[m] && !last)) continue;
      done[m] = 1;
      const f = scale[m]! * dac.post * chip.driftCompensation;
      for (let n = 0; n < N; n++) {
        result[m * N + n] = y[m * N + n]! * f;
        tieBound[m * N + n] = tieSum[m * N + n]! * Math.abs(f);
        if (tie[m * N + n] || (reductions.length > 1 && clipTie[m])) ambiguous[m * N + n] = 1;
      }
    }
    // An ambiguous clip decision makes every later reduction of that vector ambiguous too.
    if (reductions.length > 1)
      for (let m = 0; m < M; m++)
        if (clipTie[m] && !done[m]) for (let n = 0; n < N; n++) ambiguous[m * N + n] = 1;
  });
  if (chip.bias) for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) result[m * N + n]! += chip.bias[n]!;
  return { y: result, ambiguous, tieBound };
}

/**
 * Closed-form output variance of the per-read and per-batch noises, for the ADC off (or fine enough that
 * quantisation is negligible). Per output y_mn, with f_z = ν·post·α·c_g·w_z:
 *  - independent per read (tile t, cycle z): f_z²·[Σ_j V_zj²σ²(G_j) + (σ_out·G_max·V_read)² + (σ_lsb·Δ)²];
 *  - per-batch d2d on the varied arrays, σ_j = σ_d·G_j (multiplicative) or σ_d·G_max (additive):
 *    one draw shared by all cycles: (ν·post·α·c_g)²·Σ_j (Σ_z w_z V_zj)²·σ_j²;
 *    one draw per input bit (redrawEachInputBit): (ν·post·α·c_g)²·Σ_j Σ_z w_z² V_zj²·σ_j².
 */
export function referenceOutputVariance(
  chip: ProgrammedChip,
  experimentConfig: ExperimentConfig,
  input: RefInput,
  calib: CalibrationState = { inputScale: null, adcFullScaleAmperes: null },
): Float64Array {
  const config = layerReadConfig(chip.spec, experimentConfig);
  const p = config.periphery;
  const d = config.device;
  const dac = dacSettings(config, chip);
  const { patches, M } = referenceIm2col(chip, input);
  const nu = inputScales(chip, config, input, patches, M, calib);
  const N = chip.N;
  const K = chip.K;
  const layout = chip.plan.tileRowIndex;
  const mapped = mappedRowMask(chip.plan);
  const Z = dac.cycleWeights.length;
  const Cd = chip.plan.dataColsPerTile;
  const out = new Float64Array(M * N);
  const d2dSigma = redrawsPerBatch(config) ? d.d2dVariation.sigmaRelative : 0;
  const additive = d.d2dVariation.model === 'additive';
  const perBit = redrawsPerInputBit(config, dac);
  const outNoiseVar = d.outputNoise.enabled
    ? (d.outputNoise.sigmaFracOfGmaxCurrent * chip.gMaxSiemens * p.vReadVolts) ** 2
    : 0;
  for (let m = 0; m < M; m++) {
    // volts[z][j] of vector m.
    const volts = new Float64Array(Z * K);
    for (let j = 0; j < K; j++) {
      let xs = patches[m * K + j]! / nu[m]!;
      if (dac.bits === 0) {
        volts[j] = xs * dac.voltsPerUnit;
        continue;
      }
      xs = Math.min(1, Math.max(dac.signed ? -1 : 0, xs));
      const u = dac.codeStep !== null ? xs / dac.codeStep : xs * dac.qMaxCode;
      const q = dac.halfUp ? Math.floor(u + 0.5) : roundHalfEven(u);
      for (let z = 0; z < Z; z++)
        volts[z * K + j] = dac.bitSerial
          ? (Math.floor((q < 0 ? q + 2 ** dac.bits : q) / 2 ** z) % 2) * dac.voltsPerUnit
          : q * dac.voltsPerUnit;
    }
    const base = (nu[m]! * dac.post * chip.driftCompensation) ** 2;
    chip.groups.forEach((group, gi) => {
      const cols = chip.arrays[group.terms[0]!.array]!.cols;
      const signed = adcSigned(group, dac);
      let adcVar = 0;
      if (p.adcNoise.enabled && p.adcBits > 0 && p.adcRange !== 'dynamic') {
        const fs =
          p.adcRange === 'fixed' ? fixedFullScaleAmperes(config, chip) : calib.adcFullScaleAmperes![gi]!;
        adcVar =
          (p.adcNoise.sigmaLsb * adcGrid(p.adcLevels, p.adcBits, signed, signed ? -fs : 0, fs).step) ** 2;
      }
      for (let c = 0; c < cols; c++) {
        let v = 0;
        for (let z = 0; z < Z; z++) {
          const wz2 = dac.cycleWeights[z]! ** 2;
          for (const rows of layout) {
            let readVar = outNoiseVar + adcVar;
            for (const j of rows)
              for (const term of group.terms) {
                const rv = chip.readVariance[term.array];
                if (rv) readVar += volts[z * K + j]! ** 2 * rv[j * cols + c]!;
              }
            v += wz2 * readVar;
          }
        }
        if (d2dSigma > 0)
          for (let j = 0; j < K; j++) {
            if (!mapped[j]) continue;
            // Shared draw: the bits add before the noise, (Σ_z w_z V_z)²; per-bit draws: Σ_z w_z² V_z².
            let veff2 = 0;
            if (perBit) for (let z = 0; z < Z; z++) veff2 += (dac.cycleWeights[z]! * volts[z * K + j]!) ** 2;
            else {
              let veff = 0;
              for (let z = 0; z < Z; z++) veff += dac.cycleWeights[z]! * volts[z * K + j]!;
              veff2 = veff * veff;
            }
            for (const term of group.terms) {
              const a = chip.arrays[term.array]!;
              if (!variesArray(config, a.role)) continue;
              const sigma = d2dSigma * (additive ? chip.gMaxSiemens : a.gSiemens[j * cols + c]!);
              v += veff2 * sigma * sigma;
            }
          }
        const contribution = base * group.weightPerSiemens ** 2 * v;
        if (group.perColumnTile)
          for (let n = c * Cd; n < Math.min(N, (c + 1) * Cd); n++) out[m * N + n]! += contribution;
        else out[m * N + c]! += contribution;
      }
    });
  }
  return out;
}
