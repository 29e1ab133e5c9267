/**
 * One multiply on one tile, step by step, in plain float64 loops (the read semantics of src/sim/chip.ts):
 * DAC (x → x̃ = clip(x/ν) → code q → voltages) → array currents I = Σ_j V_j·G_j per read group →
 * ADC codes Q(I) → shift-add y = ν·post·Σ_g c_g Σ_z w_z·Q(I_gz) → digital result, next to the ideal
 * product with the target conductances. Also the ADC-input histogram over many input vectors.
 *
 * Inputs, ν, ADC full scales and the read groups (with their digital weight c_g per siemens) are the
 * worker's (`inspectTile`): real activations of the layer on training images, after calibration.
 */
import type { TileInspectionWithInputs } from '../../engine/protocol';
import { adcGrid, dacSettings, quantiseScalar, type DacSettings } from '../../sim/chip';
import type { ExperimentConfig } from '../../sim/config';

/**
 * What the worker's `inspectTile` returns: the tile's conductances, the layer's read groups, its
 * calibrated input range ν and ADC full scales, and real input vectors for the tile's rows
 * ([numVectors, inputRows] row-major, in the layer's input units).
 */
export type Inspection = TileInspectionWithInputs;
export type Group = Inspection['groups'][number];

/**
 * The config this layer is read with: the experiment's, except for the image-input layer under
 * `periphery.firstLayer` (no DAC, no ADC), whose periphery the worker sends.
 */
export function readConfigOf(ins: Inspection, config: ExperimentConfig): ExperimentConfig {
  return ins.readPeriphery ? { ...config, periphery: ins.readPeriphery } : config;
}

/** Row r of the tile: the input channel and kernel position (i, j) it carries (dense: position null). */
export function rowSource(
  ins: Inspection,
  r: number,
): { channel: number; position: [number, number] | null } {
  const { kernelSize: k, inChannels: C } = ins.unrolling;
  const j = ins.rowIndex[r]!;
  const p = Math.floor(j / C);
  return { channel: j % C, position: k === 1 && p === 0 ? null : [Math.floor(p / k), p % k] };
}

/** One sentence on which unrolled rows this tile holds (they are not always consecutive). */
export function describeTileRows(ins: Inspection): string {
  const n = ins.rows;
  if (n === 0) return 'This tile holds no rows.';
  const sources = Array.from({ length: n }, (_, r) => rowSource(ins, r));
  const channels = new Set(sources.map((s) => s.channel));
  const positions = new Set(sources.map((s) => (s.position ? s.position.join(',') : '')));
  const range = (values: number[]) => {
    const lo = Math.min(...values) + 1;
    const hi = Math.max(...values) + 1;
    return lo === hi ? `${lo}` : `${lo}–${hi}`;
  };
  if (sources[0]!.position === null) return `This tile holds inputs ${range(sources.map((s) => s.channel))}.`;
  const chan = `${channels.size === 1 ? 'channel' : 'channels'} ${range([...channels])}`;
  if (positions.size === 1) {
    const [i, j] = sources[0]!.position!;
    return `This tile holds ${chan} at one kernel position (${i + 1}, ${j + 1}).`;
  }
  // Rows run through kernel positions within a channel: torch's (cin, kh, kw) order (MemTorch).
  const channelMajor = n > 1 && sources[0]!.channel === sources[1]!.channel;
  return (
    `This tile holds ${chan} across ${positions.size} kernel positions, in ` +
    (channelMajor ? 'torch’s (cin, kh, kw) row order.' : 'the (kh, kw, cin) row order.')
  );
}

/** Input vector `v` of the inspection (the tile's rows). */
export function inputVector(ins: Inspection, v: number): Float32Array {
  return ins.inputs.subarray(v * ins.inputRows, (v + 1) * ins.inputRows);
}

function roundCode(v: number, halfUp: boolean): number {
  if (halfUp) return Math.floor(v + 0.5);
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Bit z of code q (two's complement over `bits` when negative). */
const bitOf = (q: number, z: number, bits: number) => ((q < 0 ? q + 2 ** bits : q) >> z) & 1;

export interface DacStep {
  x: Float64Array;
  xTilde: Float64Array;
  codes: Int32Array | null;
  /** volts[cycle][row] */
  volts: Float64Array[];
  cycleWeights: number[];
}

export function dacStep(x: ArrayLike<number>, nu: number, dac: DacSettings, vReadVolts: number): DacStep {
  const n = x.length;
  const xs = Float64Array.from(x);
  const xTilde = new Float64Array(n);
  const lo = dac.signed ? -1 : 0;
  for (let j = 0; j < n; j++)
    xTilde[j] = dac.bits === 0 ? xs[j]! / nu : Math.min(1, Math.max(lo, xs[j]! / nu));
  if (dac.bits === 0) {
    return { x: xs, xTilde, codes: null, volts: [xTilde.map((v) => v * vReadVolts)], cycleWeights: [1] };
  }
  const codes = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    // As the chip does (chip.ts DacSettings.codeStep): x̃/Δ with Δ in float32, or x̃·q_max.
    const u = dac.codeStep !== null ? xTilde[j]! / dac.codeStep : xTilde[j]! * dac.qMaxCode;
    codes[j] = roundCode(u, dac.halfUp);
  }
  const volts = dac.bitSerial
    ? dac.cycleWeights.map((_, z) => Float64Array.from(codes, (q) => vReadVolts * bitOf(q, z, dac.bits)))
    : [Float64Array.from(codes, (q) => q * dac.voltsPerUnit)];
  return { x: xs, xTilde, codes, volts, cycleWeights: dac.cycleWeights };
}

/** Column currents of one group for one cycle: I_c = Σ_j V_j·Σ_t sign_t·G_t[j, c] (amperes). */
export function groupCurrents(
  ins: Inspection,
  group: Group,
  volts: Float64Array,
  useTarget = false,
): Float64Array {
  const cols = ins.dataCols;
  const out = new Float64Array(cols);
  const analog = group.terms.length > 1;
  for (const term of group.terms) {
    const a = ins.arrays[term.array]!;
    const g = useTarget ? a.targetSiemens : a.gSiemens;
    // Multi-term groups subtract in analog; a single term's sign is applied digitally after the ADC.
    const sign = analog ? term.sign : 1;
    for (let j = 0; j < ins.rows; j++) {
      const v = volts[j]!;
      if (v === 0) continue;
      for (let c = 0; c < cols; c++) out[c]! += sign * v * g[j * a.cols + (a.cols === 1 ? 0 : c)]!;
    }
  }
  return out;
}

export interface AdcRead {
  currents: Float64Array;
  quantised: Float64Array;
  codes: Int32Array;
  fullScale: number;
  lo: number;
  hi: number;
  clipped: number;
}

export function adcStep(
  currents: Float64Array,
  config: ExperimentConfig,
  signed: boolean,
  fixedFullScale: number | null,
): AdcRead {
  const p = config.periphery;
  let maxAbs = 0;
  let mn = Infinity;
  let mx = -Infinity;
  for (const i of currents) {
    maxAbs = Math.max(maxAbs, Math.abs(i));
    mn = Math.min(mn, i);
    mx = Math.max(mx, i);
  }
  const fs = fixedFullScale ?? maxAbs;
  const [lo, hi] = p.adcLevels === 'minMax' && fixedFullScale === null ? [mn, mx] : [signed ? -fs : 0, fs];
  const quantised = new Float64Array(currents.length);
  const codes = new Int32Array(currents.length);
  let clipped = 0;
  if (p.adcBits === 0) {
    quantised.set(currents);
    return { currents, quantised, codes, fullScale: fs, lo, hi, clipped: 0 };
  }
  const grid = adcGrid(p.adcLevels, p.adcBits, signed, lo, hi);
  currents.forEach((i, c) => {
    const q = quantiseScalar(i, grid, p.adcRounding);
    quantised[c] = q;
    codes[c] = grid.step > 0 ? Math.round((q - grid.origin) / grid.step) : 0;
    if (i > hi * (1 + 1e-12) || i < lo * (1 + 1e-12) - 1e-30) clipped += 1;
  });
  return { currents, quantised, codes, fullScale: fs, lo, hi, clipped };
}

export interface Multiply {
  dac: DacSettings;
  /** Input range ν of this vector, and whether it is the layer's own (else estimated from this tile). */
  nu: number;
  nuExact: boolean;
  dacStep: DacStep;
  groups: Group[];
  /** reads[group][cycle] */
  reads: AdcRead[][];
  /** Digital result per column and the ideal product with the target conductances and exact inputs. */
  result: Float64Array;
  ideal: Float64Array;
}

/** The ADC full scale of group g when the range is fixed or calibrated (amperes), else null (dynamic). */
export function fixedScale(ins: Inspection, config: ExperimentConfig, g: number): number | null {
  if (config.periphery.adcRange === 'dynamic' || config.periphery.adcBits === 0) return null;
  return ins.adcFullScaleAmperes?.[g] ?? null;
}

/** Signedness of a group's ADC (chip.ts adcSigned): an analog difference, or signed multi-level volts. */
const adcSignedOf = (group: Group, dac: DacSettings) =>
  group.signedCurrents || (dac.signed && !dac.bitSerial);

/**
 * The multiply of input vector `v` through the tile. Drift compensation α is not applied (the worker
 * does not send it); with drift compensation off, the result is the chip's partial sum for this tile.
 */
export function multiply(ins: Inspection, experimentConfig: ExperimentConfig, v: number): Multiply {
  const config = readConfigOf(ins, experimentConfig);
  const dac = dacSettings(config, { inputSigned: ins.inputSigned });
  const x = inputVector(ins, v);
  const { nu, exact } = inputScaleOf(ins, config, v);
  const vRead = config.periphery.vReadVolts;
  const step = dacStep(x, nu, dac, vRead);
  const groups = ins.groups;
  const result = new Float64Array(ins.dataCols);
  const ideal = new Float64Array(ins.dataCols);
  const exactVolts = Float64Array.from(x, (xi) => (xi / nu) * vRead);
  const reads = groups.map((group, g) => {
    const digitalSign = group.terms.length === 1 ? group.terms[0]!.sign : 1;
    const perCycle = step.volts.map((volts, z) => {
      const read = adcStep(
        groupCurrents(ins, group, volts),
        config,
        adcSignedOf(group, dac),
        fixedScale(ins, config, g),
      );
      const w = step.cycleWeights[z]!;
      // Shift-add (chip.ts step 5): y = ν·post·Σ_g c_g·Σ_z w_z·Q(I).
      read.quantised.forEach(
        (q, c) => (result[c]! += nu * dac.post * digitalSign * group.weightPerSiemens * w * q),
      );
      return read;
    });
    // Ideal: exact inputs x/ν·V_read on the target conductances, no converters: y = ν/V_read·c_g·I.
    const idealCurrents = groupCurrents(ins, group, exactVolts, true);
    idealCurrents.forEach((i, c) => (ideal[c]! += (nu / vRead) * digitalSign * group.weightPerSiemens * i));
    return perCycle;
  });
  return { dac, nu, nuExact: exact, dacStep: step, groups, reads, result, ideal };
}

/**
 * ν of vector `v`: the worker's calibrated value, or 1 when inputs are applied as they are. The dynamic
 * (batch max|x|) and per-vector modes span the layer's whole input vector, of which the inspector has
 * only this tile's rows: they are estimated from those (`exact: false`).
 */
export function inputScaleOf(
  ins: Inspection,
  config: ExperimentConfig,
  v: number,
): { nu: number; exact: boolean } {
  const mode = config.periphery.inputScaling;
  if (mode === 'none') return { nu: 1, exact: true };
  if (mode === 'calibrated' && ins.inputScale) return { nu: ins.inputScale, exact: true };
  const values = mode === 'perVector' ? inputVector(ins, v) : ins.inputs;
  let m = 0;
  for (const x of values) m = Math.max(m, Math.abs(x));
  return { nu: m > 0 ? m : 1, exact: false };
}

export interface AdcHistogram {
  edges: number[];
  counts: number[];
  total: number;
  clipped: number;
  /** Full-scale limits drawn on the histogram (amperes), when the range is fixed or calibrated. */
  lo: number | null;
  hi: number | null;
}

/** Histogram of every ADC input (all groups, cycles, columns) over the input vectors, with clipping. */
export function adcHistogram(ins: Inspection, experimentConfig: ExperimentConfig, bins = 40): AdcHistogram {
  const config = readConfigOf(ins, experimentConfig);
  const groups = ins.groups;
  const dac = dacSettings(config, { inputSigned: ins.inputSigned });
  const cycles = dac.bitSerial ? dac.bits : 1;
  const work = ins.rows * ins.dataCols * cycles * Math.max(1, groups.length);
  const vectors = Math.max(1, Math.min(ins.numVectors, Math.floor(2e7 / Math.max(1, work))));
  const values: number[] = [];
  let clipped = 0;
  let lo: number | null = null;
  let hi: number | null = null;
  for (let v = 0; v < vectors; v++) {
    const step = dacStep(
      inputVector(ins, v),
      inputScaleOf(ins, config, v).nu,
      dac,
      config.periphery.vReadVolts,
    );
    groups.forEach((group, g) => {
      const fs = fixedScale(ins, config, g);
      for (const volts of step.volts) {
        const read = adcStep(groupCurrents(ins, group, volts), config, adcSignedOf(group, dac), fs);
        for (const i of read.currents) values.push(i);
        if (fs !== null) {
          clipped += read.clipped;
          lo = Math.min(lo ?? Infinity, read.lo);
          hi = Math.max(hi ?? -Infinity, read.hi);
        }
      }
    });
  }
  let mn = lo ?? Infinity;
  let mx = hi ?? -Infinity;
  for (const i of values) {
    if (i < mn) mn = i;
    if (i > mx) mx = i;
  }
  if (!(mx > mn)) {
    mn -= 1e-9;
    mx += 1e-9;
  }
  const width = (mx - mn) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (const i of values) counts[Math.min(bins - 1, Math.floor((i - mn) / width))]! += 1;
  return {
    edges: counts.map((_, b) => mn + b * width).concat(mx),
    counts,
    total: values.length,
    clipped,
    lo,
    hi,
  };
}
