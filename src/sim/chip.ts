/**
 * A layer programmed onto a simulated chip (plain typed arrays, no tfjs), and the read settings that
 * both the tfjs layer (`layer/`) and the float64 reference (`reference.ts`) follow.
 *
 * Read semantics for one input vector x (a dense row or a conv patch, K values), per layer:
 *  1. Input range ν (calibrated | dynamic batch max|x| | per-vector max|x| | none = 1); x̃ = clip(x/ν, −1, 1)
 *     (or [0, 1] for unsigned encoding;
 *     no clipping with an ideal DAC, B_in = 0).
 *  2. DAC, B_in bits: integer code q = rnd(x̃·q_max), q_max = 2^(B−1) − 1 signed or 2^B − 1 unsigned
 *     (dacRounding f32Step: rnd(x̃/Δ), Δ = 1/q_max in float32, as aihwkit does; see codeStep).
 *     multilevel: one read with V = V_read·q/d (d = q_max, or 2^(B−1) / 2^B under the NeuroSim gain);
 *     bit-serial: one read per bit z with V = V_read·bit_z(q) (two's complement when signed), weight w_z
 *     = 2^z (−2^(B−1) for the sign bit). B_in = 0: V = V_read·x̃, no quantisation.
 *  3. Per row-tile t and read group g (e.g. G⁺ − G⁻ in analog, or a reference column):
 *     I = Σ_{j in t} V_j·G_j (amperes) [+ IR-drop correction] + read noise N(0, Σ_j V_j²σ²(G_j))
 *     + output noise N(0, (σ_out·G_max·V_read)²).
 *  4. ADC on I (range fixed / calibrated / dynamic; + ADC noise N(0, (σ_lsb·Δ)²)) → Q(I).
 *  5. Digital: y_n = ν·post·α·Σ_g c_g·Σ_t Σ_z w_z·Q(I), post = 1/V_read (multilevel) or 1/(V_read·d)
 *     (bit-serial), c_g = the group's weight-per-siemens, α = drift compensation; + bias.
 *  Bound management (aihwkit ITERATIVE): reads again with x̃/r, r = 2, 4, … for every vector whose reads
 *  clipped, and keeps the first unclipped one (scaled back by r). A read clipped when a *rounded* code lies
 *  beyond the grid, rnd(u) > kMax or < kMin: aihwkit tests the discretised output against out_bound,
 *  `value > bound` after `getDiscretizedValue` (rpu_forward_backward_pass.cpp, finalizeOutputImplStage5).
 */
import type { ExperimentConfig } from './config';
import { driftedConductances, programArrays, readNoiseVariance, type ProgrammedArray } from './devices';
import { decodeWeights, mapWeights, type ConductanceArray, type ReadGroup } from './mapping';
import type { Rng } from './rng';
import { planLayer, readsWithIdealConverters, type AnalogLayerSpec, type TilePlan } from './tiling';

/**
 * The config a layer is read with: `config` itself, except for the image-input conv under
 * `periphery.firstLayer` (NeuroSim QConv2d, branch `weight.shape[1] == 3`): inputs applied unquantised
 * (no DAC, no bit-serial split, no input scaling needed), no ADC, no bound management; under 'neurosim'
 * its multiplicative variation becomes additive, N(0, vari) on a conductance measured in cell levels
 * (`remainderQ + normal(0, vari)`, G_max = 2^cellBits − 1 levels), i.e. σ = vari/(2^cellBits − 1) of G_max.
 */
export function layerReadConfig(spec: AnalogLayerSpec, config: ExperimentConfig): ExperimentConfig {
  const p = config.periphery;
  if (!readsWithIdealConverters(spec, p)) return config;
  const v = config.device.d2dVariation;
  const d2dVariation =
    p.firstLayer === 'neurosim' && v.model === 'multiplicative'
      ? {
          ...v,
          model: 'additive' as const,
          sigmaRelative: v.sigmaRelative / (2 ** config.crossbar.cellBits - 1),
          redrawEachInputBit: false,
        }
      : v;
  return {
    ...config,
    periphery: {
      ...p,
      inputScaling: 'none',
      dacBits: 0,
      dacMode: 'multilevel',
      adcBits: 0,
      adcNoise: { ...p.adcNoise, enabled: false },
      boundManagement: 'none',
    },
    device: { ...config.device, d2dVariation },
  };
}

/** 1 for each unrolled row some tile holds, 0 for rows dropped by partialRowTiles = drop. */
export function mappedRowMask(plan: TilePlan): Uint8Array {
  const mask = new Uint8Array(plan.rows);
  for (const rows of plan.tileRowIndex) for (const j of rows) mask[j] = 1;
  return mask;
}

/** decodeWeights with the rows that no tile holds set to 0 (they are never read). */
export function effectiveWeights(
  arrays: ConductanceArray[],
  groups: ReadGroup[],
  plan: TilePlan,
): Float64Array {
  const w = decodeWeights(arrays, groups, plan.rows, plan.cols, plan.dataColsPerTile);
  if (plan.mappedRows === plan.rows) return w;
  const mask = mappedRowMask(plan);
  for (let k = 0; k < plan.rows; k++) if (!mask[k]) w.fill(0, k * plan.cols, (k + 1) * plan.cols);
  return w;
}

export interface ProgrammedChip {
  spec: AnalogLayerSpec;
  plan: TilePlan;
  K: number;
  N: number;
  arrays: ProgrammedArray[];
  groups: ReadGroup[];
  wMax: number;
  gMinSiemens: number;
  gMaxSiemens: number;
  /** Global drift compensation factor α (1 when off). */
  driftCompensation: number;
  /** Per-array read-noise variance σ²(G) in S² (null when read noise is off). */
  readVariance: (Float32Array | null)[];
  bias: Float32Array | null;
  /** Inputs are encoded signed (resolved from dacEncoding and spec.inputNonNegative). */
  inputSigned: boolean;
}

/**
 * Maps, programs and characterises one layer. `kernel`: W[K, N] row-major (HWIO flattened for conv). The
 * arrays keep the unrolled rows in (kh, kw, cin) order; `plan.tileRowIndex` says which rows each tile holds.
 */
export function programChip(
  spec: AnalogLayerSpec,
  kernel: ArrayLike<number>,
  bias: ArrayLike<number> | null,
  experimentConfig: ExperimentConfig,
  rng: Rng,
): ProgrammedChip {
  const config = layerReadConfig(spec, experimentConfig);
  const { crossbar, periphery, device } = config;
  const plan = planLayer(spec, crossbar, periphery);
  const K = plan.rows;
  const N = plan.cols;
  const mapped = mapWeights(kernel, K, N, crossbar, plan.colTiles);
  const arrays = programArrays(mapped.arrays, device, mapped.gMinSiemens, mapped.gMaxSiemens, rng);
  const enc = periphery.dacEncoding;
  const programmed = {
    spec,
    plan,
    K,
    N,
    arrays,
    groups: mapped.groups,
    wMax: mapped.wMax,
    gMinSiemens: mapped.gMinSiemens,
    gMaxSiemens: mapped.gMaxSiemens,
    bias: bias ? Float32Array.from(bias) : null,
    inputSigned: enc === 'signed' || (enc === 'auto' && !spec.inputNonNegative),
  };
  return {
    ...programmed,
    driftCompensation: driftCompensationOf(programmed, device.drift),
    readVariance: readVarianceOf(programmed, device.readNoise),
  };
}

/**
 * The programmed chip read under the read settings of `experimentConfig` (drift read time and
 * compensation, read noise) without programming it again: G(t) from each device's G(t0) and ν
 * (`driftedConductances`), α and σ²(G) recomputed. Equal to the chip that `programChip` draws from the
 * same seed with `experimentConfig` itself.
 */
export function readChipAt(chip: ProgrammedChip, experimentConfig: ExperimentConfig): ProgrammedChip {
  const { device } = layerReadConfig(chip.spec, experimentConfig);
  const arrays = chip.arrays.map((a) => ({ ...a, gSiemens: driftedConductances(a, device.drift) }));
  const read = { ...chip, arrays };
  return {
    ...read,
    driftCompensation: driftCompensationOf(read, device.drift),
    readVariance: readVarianceOf(read, device.readNoise),
  };
}

/**
 * aihwkit GlobalDriftCompensation: α = mean|Y(t0)| / mean|Y(t)| for a one-hot read-out, i.e. the ratio of
 * mean |effective weight| before and after drift (ideal read, programming noise included); 1 when off.
 */
function driftCompensationOf(
  chip: Pick<ProgrammedChip, 'arrays' | 'groups' | 'plan'>,
  drift: ExperimentConfig['device']['drift'],
): number {
  if (!drift.enabled || !drift.compensation) return 1;
  const before = effectiveWeights(
    chip.arrays.map((a) => ({ ...a, gSiemens: a.gUndriftedSiemens })),
    chip.groups,
    chip.plan,
  );
  const after = effectiveWeights(chip.arrays, chip.groups, chip.plan);
  const meanAbs = (v: Float64Array) => v.reduce((s, x) => s + Math.abs(x), 0) / v.length;
  const b = Math.max(meanAbs(before), 1e-30);
  const a = meanAbs(after);
  return a > 0 ? b / a : 1;
}

/** Per-array read-noise variance σ²(G) of the read-time conductances (S²; null when read noise is off). */
function readVarianceOf(
  chip: Pick<ProgrammedChip, 'arrays' | 'gMaxSiemens'>,
  readNoise: ExperimentConfig['device']['readNoise'],
): (Float32Array | null)[] {
  return chip.arrays.map((a) =>
    readNoise.enabled ? a.gSiemens.map((g) => readNoiseVariance(g, chip.gMaxSiemens, readNoise)) : null,
  );
}

export interface DacSettings {
  bits: number;
  bitSerial: boolean;
  signed: boolean;
  /** Largest integer code. */
  qMaxCode: number;
  /**
   * dacRounding = f32Step: the DAC step Δ = 1/q_max held in float32, codes rnd(x̃/Δ) (aihwkit discretises
   * `value/res` with res a float32, so the largest input at bound-management reduction 2, x̃ = ½ exactly,
   * lands just below the 31.5-step tie and rounds down). null: codes rnd(x̃·q_max).
   */
  codeStep: number | null;
  /** A code q stands for the value q/divisor. */
  divisor: number;
  halfUp: boolean;
  /** Shift-add weight of each input cycle (bit-serial), or [1]. */
  cycleWeights: number[];
  /** Volts per unit of the value fed to the array (code, bit or x̃). */
  voltsPerUnit: number;
  /** Digital factor after the ADC that turns Σ w_z·Q(I) into Σ_j x̃_j·G_j (1/volts). */
  post: number;
}

export function dacSettings(
  config: ExperimentConfig,
  chip: Pick<ProgrammedChip, 'inputSigned'>,
): DacSettings {
  const p = config.periphery;
  const B = p.dacBits;
  const signed = chip.inputSigned;
  const bitSerial = p.dacMode === 'bitSerial' && B > 0;
  const qMaxCode = B === 0 ? 1 : signed ? Math.max(1, 2 ** (B - 1) - 1) : 2 ** B - 1;
  const divisor = B === 0 ? 1 : p.dacGainConvention === 'neurosim' ? 2 ** (signed ? B - 1 : B) : qMaxCode;
  const cycleWeights = bitSerial
    ? Array.from({ length: B }, (_, z) => (signed && z === B - 1 ? -(2 ** z) : 2 ** z))
    : [1];
  const vRead = p.vReadVolts;
  return {
    bits: B,
    bitSerial,
    signed,
    qMaxCode,
    codeStep: B > 0 && p.dacRounding === 'f32Step' ? Math.fround(1 / qMaxCode) : null,
    divisor,
    halfUp: p.dacRounding === 'halfUp',
    cycleWeights,
    voltsPerUnit: bitSerial ? vRead : B === 0 ? vRead : vRead / divisor,
    post: bitSerial ? 1 / (vRead * divisor) : 1 / vRead,
  };
}

/** ADC signedness of a group: an analog difference, or signed multi-level input voltages. */
export function adcSigned(group: ReadGroup, dac: DacSettings): boolean {
  return group.signedCurrents || (dac.signed && !dac.bitSerial);
}

/** Fixed ADC full scale (amperes): fullScale·G_max·V_read, fullScale defaulting to the tile rows. */
export function fixedFullScaleAmperes(
  config: ExperimentConfig,
  chip: Pick<ProgrammedChip, 'plan' | 'gMaxSiemens'>,
) {
  const units = config.periphery.adcFixedFullScaleGmaxCurrents || chip.plan.tileRows;
  return units * chip.gMaxSiemens * config.periphery.vReadVolts;
}

/** MemTorch adds 1e-12 (in amperes) before log2 so an all-zero read has a finite step. */
export const POW2_EPS_AMPERES = 1e-12;

/** ADC step and code range for a given range (lo, hi); see config `adcLevels`. */
export function adcGrid(
  levels: ExperimentConfig['periphery']['adcLevels'],
  bits: number,
  signed: boolean,
  lo: number,
  hi: number,
): { step: number; kMin: number; kMax: number; origin: number } {
  if (levels === 'minMax') return { step: (hi - lo) / 2 ** bits, kMin: 0, kMax: 2 ** bits - 1, origin: lo };
  const fs = Math.max(Math.abs(lo), Math.abs(hi));
  if (levels === 'powerOfTwo') {
    const e = Math.ceil(Math.log2(fs + POW2_EPS_AMPERES));
    return signed
      ? { step: 2 ** (e - bits + 1), kMin: -(2 ** (bits - 1)), kMax: 2 ** (bits - 1) - 1, origin: 0 }
      : { step: 2 ** (e - bits), kMin: 0, kMax: 2 ** bits - 1, origin: 0 };
  }
  const q = signed ? Math.max(1, 2 ** (bits - 1) - 1) : 2 ** bits - 1;
  return { step: fs / q, kMin: signed ? -q : 0, kMax: q, origin: 0 };
}

/** Scalar ADC transfer: origin + step·clip(rnd((I − origin)/step), kMin, kMax). */
export function quantiseScalar(
  current: number,
  grid: { step: number; kMin: number; kMax: number; origin: number },
  rounding: ExperimentConfig['periphery']['adcRounding'],
): number {
  if (!(grid.step > 0)) return grid.origin;
  const u = (current - grid.origin) / grid.step;
  const k = rounding === 'floor' ? Math.floor(u) : rounding === 'halfUp' ? Math.floor(u + 0.5) : roundEven(u);
  return grid.origin + grid.step * Math.min(grid.kMax, Math.max(grid.kMin, k));
}

function roundEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Reductions tried by bound management: 1, 2, 4, … up to maxReduction. */
export function boundReductions(config: ExperimentConfig): number[] {
  if (config.periphery.boundManagement === 'none') return [1];
  const out = [1];
  while (out[out.length - 1]! * 2 <= config.periphery.boundManagementMaxReduction)
    out.push(out[out.length - 1]! * 2);
  return out;
}

/** Per-layer calibration: input range ν and the ADC full scale of each read group (amperes). */
export interface CalibrationState {
  inputScale: number | null;
  adcFullScaleAmperes: number[] | null;
}

/** Layers whose read is exactly linear (no ADC, no per-read effect) can use one fused product. */
export function isLinearRead(config: ExperimentConfig): boolean {
  const { periphery: p, device: d } = config;
  return (
    p.adcBits === 0 &&
    p.boundManagement === 'none' &&
    !d.readNoise.enabled &&
    !d.outputNoise.enabled &&
    !d.irDrop.enabled &&
    !redrawsPerBatch(config)
  );
}

/**
 * The multiplicative or additive d2d variation is redrawn on every forward call (NeuroSim), moment
 * 'batch' — or for every input bit of a bit-serial read (`redrawEachInputBit`), moment 'read'.
 */
export function redrawsPerBatch(config: ExperimentConfig): boolean {
  const v = config.device.d2dVariation;
  return v.enabled && v.redrawEachBatch && v.model !== 'conductanceRange' && v.sigmaRelative > 0;
}

/** Whether the variation drawn per batch is redrawn for every input bit (NeuroSim: per z, (i, j), s). */
export function redrawsPerInputBit(config: ExperimentConfig, dac: Pick<DacSettings, 'bitSerial'>): boolean {
  return redrawsPerBatch(config) && config.device.d2dVariation.redrawEachInputBit && dac.bitSerial;
}

/** The d2d variation applies to an array of this role (NeuroSim never varies its dummy column). */
export function variesArray(config: ExperimentConfig, role: ProgrammedArray['role']): boolean {
  return role !== 'reference' || config.device.d2dVariation.includeReference;
}
