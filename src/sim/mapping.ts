/**
 * Mapping of a layer's weights W[K, N] (row-major) onto target conductances (siemens), and back.
 * Pure functions on typed arrays; the tfjs layer and the float64 reference both consume their output.
 *
 * Schemes (SPEC §2; simulators-and-nonidealities.md §2.1):
 *  - differential, unquantised: s = (G_max − G_min)/w_max, G⁺ = G_min + s·max(w, 0), G⁻ = G_min + s·max(−w, 0),
 *    w = (G⁺ − G⁻)/s  (MemTorch naive_map DoubleColumn, aihwkit SinglePairConductanceConverter).
 *  - offset, unquantised: G = G_mid + w·ΔG/(2·w_max) against a reference column at G_mid = (G_min + G_max)/2,
 *    w = (G − G_ref)·2·w_max/ΔG  (CrossSim OFFSET with unit-column subtraction; NeuroSim dummy column).
 *  - quantised to B = weightBits and bit-sliced over cells of `cellBits` (NeuroSim cellBit):
 *      differential: magnitude code M = round(|w|/w_max·(2^(B−1) − 1)) ∈ [0, 2^(B−1) − 1], sign picks G⁺ or G⁻;
 *      offset:       offset-binary X = round((2^B − 1)/2·(w/w_max + 1)) ∈ [0, 2^B − 1] (neurosim quantiser:
 *                    w first rounded to steps of 2^−(B−1), except for B > 15, as NeuroSim's Q does);
 *    slice k holds b_k bits, code c_k = ⌊code / 2^(k·cellBits)⌋ mod 2^b_k, on G = G_min + ΔG·c_k/(2^b_k − 1);
 *    the digital periphery recombines Σ_k 2^(k·cellBits)·(2^b_k − 1)/ΔG·(…) (shift-add).
 *  - finite levels: G snapped to the nearest of L levels linspace(G_min, G_max) (MemTorch FiniteConductanceStates).
 * w_max: max|W|, a percentile of |W| (weights beyond are clipped; MemTorch p_l), or a fixed value.
 */
import type { CrossbarConfig } from './config';
import type { ArrayRole } from './tiling';

export interface ConductanceArray {
  label: string;
  role: ArrayRole;
  slice: number;
  rows: number;
  /** N for data arrays; colTiles for the reference columns (one per column tile). */
  cols: number;
  /** Row-major rows × cols, siemens. */
  gSiemens: Float32Array;
}

/** One ADC read: arrays combined in analog (terms), digitised, then scaled digitally by `weightPerSiemens`. */
export interface ReadGroup {
  label: string;
  terms: { array: number; sign: 1 | -1 }[];
  /** Digital factor from a digitised current-per-volt (siemens) back to weight units. */
  weightPerSiemens: number;
  /** The group's columns are the per-column-tile reference columns, broadcast to the tile's N columns. */
  perColumnTile: boolean;
  /** Currents can be negative even for non-negative voltages (an analog difference). */
  signedCurrents: boolean;
}

export interface MappedWeights {
  arrays: ConductanceArray[];
  groups: ReadGroup[];
  wMax: number;
  gMinSiemens: number;
  gMaxSiemens: number;
}

export function gMinOf(crossbar: Pick<CrossbarConfig, 'gMaxSiemens' | 'onOffRatio'>): number {
  return crossbar.gMaxSiemens / crossbar.onOffRatio;
}

/** Bits held by each slice, least significant first (one slice when weights are unquantised). */
export function sliceBitsOf(crossbar: Pick<CrossbarConfig, 'weightBits' | 'cellBits' | 'mapping'>): number[] {
  if (crossbar.weightBits === 0) return [0];
  // Differential pairs hold the magnitude (B − 1 bits); the sign picks the polarity.
  const bits = crossbar.mapping === 'differential' ? crossbar.weightBits - 1 : crossbar.weightBits;
  if (bits < 1) throw new RangeError('weightBits must be ≥ 2 for the differential mapping');
  const out: number[] = [];
  for (let done = 0; done < bits; done += crossbar.cellBits)
    out.push(Math.min(crossbar.cellBits, bits - done));
  return out;
}

/** Round half to even (numpy / torch `round`, tf.round). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** p-th percentile (0–100] of |values|, linear interpolation between order statistics (numpy default). */
export function absPercentile(values: ArrayLike<number>, p: number): number {
  const a = Float64Array.from(values, Math.abs).sort();
  if (a.length === 0) return 0;
  const pos = (p / 100) * (a.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, a.length - 1);
  return a[lo]! + (pos - lo) * (a[hi]! - a[lo]!);
}

export function computeWMax(
  weights: ArrayLike<number>,
  crossbar: Pick<CrossbarConfig, 'wMaxMode' | 'wMaxPercentile' | 'wMaxFixed'>,
): number {
  let wMax: number;
  if (crossbar.wMaxMode === 'fixed') wMax = crossbar.wMaxFixed;
  else if (crossbar.wMaxMode === 'percentile') wMax = absPercentile(weights, crossbar.wMaxPercentile);
  else wMax = absPercentile(weights, 100);
  // An all-zero layer still needs a finite scale.
  return wMax > 0 ? wMax : 1;
}

/** Snaps g to the nearest of `levels` evenly spaced conductances in [gMin, gMax] (0 = continuous). */
export function snapToLevels(g: number, gMin: number, gMax: number, levels: number): number {
  if (levels === 0) return g;
  const step = (gMax - gMin) / (levels - 1);
  const k = Math.min(levels - 1, Math.max(0, Math.round((g - gMin) / step)));
  return gMin + k * step;
}

/**
 * Maps W[K, N] (row-major) onto target conductances. `colTiles` sets the number of reference columns
 * (one per column tile) of the offset mapping.
 */
export function mapWeights(
  weights: ArrayLike<number>,
  K: number,
  N: number,
  crossbar: CrossbarConfig,
  colTiles: number,
): MappedWeights {
  if (weights.length !== K * N)
    throw new RangeError(`weights hold ${weights.length} values, expected ${K}·${N}`);
  const gMax = crossbar.gMaxSiemens;
  const gMin = gMinOf(crossbar);
  const dG = gMax - gMin;
  const gMid = (gMin + gMax) / 2;
  const wMax = computeWMax(weights, crossbar);
  const B = crossbar.weightBits;
  const sliceBits = sliceBitsOf(crossbar);
  const offset = crossbar.mapping === 'offset';
  const levels = crossbar.conductanceLevels;
  const arrays: ConductanceArray[] = [];
  const groups: ReadGroup[] = [];
  const clip = (w: number) => Math.min(wMax, Math.max(-wMax, w));

  // Integer codes per weight (quantised case): signed magnitude (differential) or offset binary.
  let codes: Int32Array | null = null;
  let decodePerCode = 0; // weight units per code step
  if (B > 0) {
    codes = new Int32Array(K * N);
    if (!offset) {
      const mMax = 2 ** (B - 1) - 1;
      for (let i = 0; i < K * N; i++) codes[i] = roundHalfEven((clip(weights[i]!) / wMax) * mMax);
      decodePerCode = wMax / mMax;
    } else {
      const xMax = 2 ** B - 1;
      const half = 2 ** (B - 1);
      for (let i = 0; i < K * N; i++) {
        let u = clip(weights[i]!) / wMax;
        // NeuroSim: W_q = round(2^(B−1)·w)/2^(B−1), then L = round((2^B − 1)/2·(W_q + 1)). Its
        // wage_quantizer.Q returns w unchanged for B > 15 (utee/wage_quantizer.py), so 16-bit weights
        // skip the first rounding.
        if (crossbar.weightQuantiser === 'neurosim' && B <= 15) u = roundHalfEven(u * half) / half;
        codes[i] = Math.min(xMax, Math.max(0, roundHalfEven((xMax / 2) * (u + 1))));
      }
      decodePerCode = crossbar.weightQuantiser === 'neurosim' ? wMax / half : (2 * wMax) / xMax;
    }
  }

  let shift = 0;
  sliceBits.forEach((bits, s) => {
    const suffix = sliceBits.length > 1 ? ` slice ${s}` : '';
    const cMax = 2 ** bits - 1;
    const sliceCode = (code: number) => Math.floor(code / 2 ** shift) % 2 ** bits;
    // Weight units per siemens of this slice's digitised current.
    const coef = codes ? (2 ** shift * cMax * decodePerCode) / dG : offset ? (2 * wMax) / dG : wMax / dG;
    if (!offset) {
      const gp = new Float32Array(K * N);
      const gn = new Float32Array(K * N);
      for (let i = 0; i < K * N; i++) {
        let up: number, un: number;
        if (codes) {
          const c = codes[i]!;
          up = c > 0 ? sliceCode(c) / cMax : 0;
          un = c < 0 ? sliceCode(-c) / cMax : 0;
        } else {
          const w = clip(weights[i]!);
          up = Math.max(w, 0) / wMax;
          un = Math.max(-w, 0) / wMax;
        }
        gp[i] = snapToLevels(gMin + dG * up, gMin, gMax, levels);
        gn[i] = snapToLevels(gMin + dG * un, gMin, gMax, levels);
      }
      const ip =
        arrays.push({ label: `G+${suffix}`, role: 'positive', slice: s, rows: K, cols: N, gSiemens: gp }) - 1;
      const ineg =
        arrays.push({ label: `G-${suffix}`, role: 'negative', slice: s, rows: K, cols: N, gSiemens: gn }) - 1;
      if (crossbar.differentialSubtraction === 'analog') {
        groups.push({
          label: `G+ − G-${suffix}`,
          terms: [
            { array: ip, sign: 1 },
            { array: ineg, sign: -1 },
          ],
          weightPerSiemens: coef,
          perColumnTile: false,
          signedCurrents: true,
        });
      } else {
        groups.push({
          label: `G+${suffix}`,
          terms: [{ array: ip, sign: 1 }],
          weightPerSiemens: coef,
          perColumnTile: false,
          signedCurrents: false,
        });
        groups.push({
          label: `G-${suffix}`,
          terms: [{ array: ineg, sign: 1 }],
          weightPerSiemens: -coef,
          perColumnTile: false,
          signedCurrents: false,
        });
      }
    } else {
      const g = new Float32Array(K * N);
      for (let i = 0; i < K * N; i++) {
        const u = codes ? sliceCode(codes[i]!) / cMax : (clip(weights[i]!) / wMax + 1) / 2;
        g[i] = snapToLevels(gMin + dG * u, gMin, gMax, levels);
      }
      const ref = new Float32Array(K * colTiles).fill(gMid);
      const id =
        arrays.push({ label: `G${suffix}`, role: 'offset', slice: s, rows: K, cols: N, gSiemens: g }) - 1;
      const ir =
        arrays.push({
          label: `Gref${suffix}`,
          role: 'reference',
          slice: s,
          rows: K,
          cols: colTiles,
          gSiemens: ref,
        }) - 1;
      groups.push({
        label: `G${suffix}`,
        terms: [{ array: id, sign: 1 }],
        weightPerSiemens: coef,
        perColumnTile: false,
        signedCurrents: false,
      });
      groups.push({
        label: `Gref${suffix}`,
        terms: [{ array: ir, sign: 1 }],
        weightPerSiemens: -coef,
        perColumnTile: true,
        signedCurrents: false,
      });
    }
    shift += bits;
  });
  return { arrays, groups, wMax, gMinSiemens: gMin, gMaxSiemens: gMax };
}

/**
 * Inverse map: the effective weights W_eff[K, N] the arrays represent with ideal converters,
 * W_eff = Σ_groups weightPerSiemens·Σ_terms sign·G (reference columns broadcast over their column tile).
 */
export function decodeWeights(
  arrays: ConductanceArray[],
  groups: ReadGroup[],
  K: number,
  N: number,
  dataColsPerTile: number,
): Float64Array {
  const out = new Float64Array(K * N);
  for (const group of groups) {
    for (const term of group.terms) {
      const a = arrays[term.array]!;
      const f = group.weightPerSiemens * term.sign;
      for (let k = 0; k < K; k++) {
        for (let n = 0; n < N; n++) {
          const col = group.perColumnTile ? Math.floor(n / dataColsPerTile) : n;
          out[k * N + n]! += f * a.gSiemens[k * a.cols + col]!;
        }
      }
    }
  }
  return out;
}
