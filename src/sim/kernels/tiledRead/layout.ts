/**
 * The fused tiled read's data layout and parameters (see the header of `tiledRead.wgsl`), and how a
 * programmed chip (`chip.ts`) and the experiment config map onto them. Plain TS: no tfjs, no WebGPU; the
 * kernel (`tiledRead.ts`) and the float64 reference (`tiledRead.reference.ts`) both read this layout.
 */
import { dacSettings, fixedFullScaleAmperes, type ProgrammedChip } from '../../chip';
import type { ExperimentConfig } from '../../config';
import { convPadding } from '../../im2col';
import type { Rng } from '../../rng';
import type { AnalogLayerSpec } from '../../tiling';

/** readPlan group record: fields and size (i32 each); mirrored by the constants in tiledRead.wgsl. */
export const GROUP_RECORD = 5;
export const GROUP_FIRST_TERM = 0;
export const GROUP_NUM_TERMS = 1;
export const GROUP_NUM_COLS = 2;
export const GROUP_PER_COLUMN_TILE = 3;
export const GROUP_SIGNED_CURRENTS = 4;
/** readPlan term record (after the group records): offset into `conductances`, and sign ±1. */
export const TERM_RECORD = 2;
export const TERM_OFFSET = 0;
export const TERM_SIGN = 1;
/** Most input cycles a read may have (bit-serial DAC bits); the schema allows dacBits ≤ 16. */
export const MAX_CYCLES = 16;

/** A read's geometry: a conv on NHWC input, or a dense layer as the 1×1 conv of a 1×1 image. */
export interface ReadGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  kernelSize: number;
  stride: number;
  padTop: number;
  padLeft: number;
  outHeight: number;
  outWidth: number;
}

export function denseGeometry(batch: number, inFeatures: number): ReadGeometry {
  return {
    batch,
    inHeight: 1,
    inWidth: 1,
    inChannels: inFeatures,
    kernelSize: 1,
    stride: 1,
    padTop: 0,
    padLeft: 0,
    outHeight: 1,
    outWidth: 1,
  };
}

/** Conv geometry with tf.conv2d's padding (im2col.ts `convPadding`). inputShape: NHWC. */
export function convGeometry(spec: AnalogLayerSpec, inputShape: readonly number[]): ReadGeometry {
  const [batch, inHeight, inWidth, inChannels] = inputShape as [number, number, number, number];
  const { outH, outW, top, left } = convPadding(spec, inHeight, inWidth);
  return {
    batch,
    inHeight,
    inWidth,
    inChannels,
    kernelSize: spec.kernelSize,
    stride: spec.stride,
    padTop: top,
    padLeft: left,
    outHeight: outH,
    outWidth: outW,
  };
}

/** Input vectors (dense rows, conv output pixels) of a read: M. */
export function numVectors(g: ReadGeometry): number {
  return g.batch * g.outHeight * g.outWidth;
}

/** A chip's arrays packed for the kernel: the buffers that stay on the device while the chip lives. */
export interface PackedChip {
  /** K: rows of the unrolled weight matrix. */
  numRows: number;
  /** N: output columns. */
  numOutputs: number;
  tileRows: number;
  numRowTiles: number;
  dataColsPerTile: number;
  numGroups: number;
  /** Every array a group's term reads, [K, cols] row-major, concatenated (siemens). */
  conductancesSiemens: Float32Array;
  /** Group records, then term records (see GROUP_* and TERM_*). */
  readPlan: Int32Array;
  /** c_g per group: weight units per siemens of a digitised current (mapping.ts ReadGroup). */
  groupWeights: Float32Array;
  /** Drift exponents ν laid out as the conductances (null unless given to packChip). */
  driftNu: Float32Array | null;
}

/** Where packChip takes each array's values from (array index as in `chip.arrays`). */
export interface PackSource {
  /** Conductances (siemens); default: the programmed `chip.arrays[i].gSiemens` (drifted to the read time). */
  conductances?: (array: number) => Float32Array;
  /**
   * Drift exponents ν per device, for drift in the kernel (read time as a uniform): then pass the
   * undrifted conductances (`gUndriftedSiemens`) and ν = 0 for stuck devices.
   */
  driftNu?: (array: number) => Float32Array;
}

/** Packs a programmed chip (other conductances, e.g. redrawn per batch, or drift exponents: `source`). */
export function packChip(chip: ProgrammedChip, source: PackSource = {}): PackedChip {
  const conductances = source.conductances ?? ((i: number) => chip.arrays[i]!.gSiemens);
  const offsets = new Map<number, number>();
  let size = 0;
  for (const group of chip.groups)
    for (const term of group.terms)
      if (!offsets.has(term.array)) {
        offsets.set(term.array, size);
        size += chip.arrays[term.array]!.gSiemens.length;
      }
  const packed = new Float32Array(size);
  const nu = source.driftNu ? new Float32Array(size) : null;
  for (const [array, offset] of offsets) {
    packed.set(conductances(array), offset);
    nu?.set(source.driftNu!(array), offset);
  }

  const G = chip.groups.length;
  const numTerms = chip.groups.reduce((s, g) => s + g.terms.length, 0);
  const plan = new Int32Array(G * GROUP_RECORD + numTerms * TERM_RECORD);
  let term = 0;
  chip.groups.forEach((group, g) => {
    const r = g * GROUP_RECORD;
    plan[r + GROUP_FIRST_TERM] = term;
    plan[r + GROUP_NUM_TERMS] = group.terms.length;
    plan[r + GROUP_NUM_COLS] = chip.arrays[group.terms[0]!.array]!.cols;
    plan[r + GROUP_PER_COLUMN_TILE] = group.perColumnTile ? 1 : 0;
    plan[r + GROUP_SIGNED_CURRENTS] = group.signedCurrents ? 1 : 0;
    for (const t of group.terms) {
      const tr = G * GROUP_RECORD + term * TERM_RECORD;
      plan[tr + TERM_OFFSET] = offsets.get(t.array)!;
      plan[tr + TERM_SIGN] = t.sign;
      term++;
    }
  });
  return {
    numRows: chip.K,
    numOutputs: chip.N,
    tileRows: chip.plan.tileRows,
    numRowTiles: chip.plan.rowTiles,
    dataColsPerTile: chip.plan.dataColsPerTile,
    numGroups: G,
    conductancesSiemens: packed,
    readPlan: plan,
    groupWeights: Float32Array.from(chip.groups, (g) => g.weightPerSiemens),
    driftNu: nu,
  };
}

export type AdcLevels = ExperimentConfig['periphery']['adcLevels'];
export type AdcRounding = ExperimentConfig['periphery']['adcRounding'];
export type ReadNoiseModel = 'off' | ExperimentConfig['device']['readNoise']['model'];

/** Every uniform of a fused tiled read (plain numbers; changing them never recompiles the shader). */
export interface TiledReadParams {
  geometry: ReadGeometry;
  plan: Pick<
    PackedChip,
    'numRows' | 'numOutputs' | 'tileRows' | 'numRowTiles' | 'dataColsPerTile' | 'numGroups'
  >;
  dac: {
    /** 0: ideal DAC (x̃ applied as is). */
    bits: number;
    signed: boolean;
    bitSerial: boolean;
    halfUp: boolean;
    qMaxCode: number;
    /** Volts per unit of what drives a row (code, bit or x̃). */
    voltsPerUnit: number;
  };
  /** 'given': the `inputScale` tensor's ν for every vector; 'perVector': max|x| of each vector. */
  inputScaleMode: 'given' | 'perVector';
  adc: {
    /** 0: ideal ADC (no quantisation, no ADC noise). */
    bits: number;
    levels: AdcLevels;
    rounding: AdcRounding;
    /** 'uniform': fullScaleAmperes for every conversion; 'tensor': the `adcFullScale` tensor. */
    rangeSource: 'uniform' | 'tensor';
    fullScaleAmperes: number;
    /** Element strides of the `adcFullScale` tensor per group, row tile and group column (0: broadcast). */
    fullScaleStrides: { group: number; tile: number; col: number };
  };
  noise: {
    readModel: ReadNoiseModel;
    readSigma: number;
    gMaxSiemens: number;
    outputSigmaAmperes: number;
    adcSigmaLsb: number;
  };
  /**
   * ln(t/t0) when the kernel applies drift (conductances G(t0), `driftNu` given), else 0: conductances
   * are read as they are.
   */
  driftLogTimeRatio: number;
  /** Philox key of this read (two u32); draw a fresh one per read with `drawReadSeed`. */
  seed: readonly [number, number];
  /** Digital factor after the shift-add: post·α (chip.ts step 5), without ν. */
  outputScale: number;
}

/** Why a config's read cannot use the fused kernel (null: it can). */
export function fusedReadUnsupported(config: ExperimentConfig): string | null {
  const { periphery: p, device: d } = config;
  if (p.adcBits > 0 && p.adcRange === 'dynamic')
    return 'dynamic ADC ranges depend on the other reads of the batch';
  if (p.boundManagement !== 'none') return 'bound management re-reads the vectors whose reads clipped';
  if (d.irDrop.enabled) return 'IR drop is not in the fused kernel';
  if (d.d2dVariation.enabled && d.d2dVariation.redrawEachBatch && d.d2dVariation.model === 'multiplicative')
    return 'a per-batch variation needs redrawn conductances (packChip with `conductances`)';
  if (p.dacMode === 'bitSerial' && p.dacBits > MAX_CYCLES) return `more than ${MAX_CYCLES} input cycles`;
  return null;
}

export interface TiledReadOptions {
  /**
   * Drift in the kernel: the packed conductances are G(t0) with `driftNu` (packChip `source`), and the
   * read time of `config` becomes the uniform driftLogTimeRatio. Default: false (the programmed chip's
   * conductances are already drifted to the read time).
   */
  driftInKernel?: boolean;
  /** Drift compensation α for this read time (default: the chip's, computed at programming). */
  driftCompensation?: number;
}

/** ln(t/t0) of the config's read time when drift applies (devices.ts driftFactor), else 0. */
export function driftLogTimeRatio(config: ExperimentConfig): number {
  const d = config.device.drift;
  return d.enabled && d.readTimeSeconds > d.t0Seconds ? Math.log(d.readTimeSeconds / d.t0Seconds) : 0;
}

/**
 * The uniforms of one read of `chip` under `config` (chip.ts semantics). ADC ranges: 'fixed' is a
 * uniform; 'calibrated' reads the `adcFullScale` tensor, one full scale per group ([numGroups]).
 */
export function tiledReadParams(
  chip: ProgrammedChip,
  config: ExperimentConfig,
  geometry: ReadGeometry,
  seed: readonly [number, number],
  options: TiledReadOptions = {},
): TiledReadParams {
  const unsupported = fusedReadUnsupported(config);
  if (unsupported) throw new RangeError(`fused read unsupported: ${unsupported}`);
  const { periphery: p, device: d } = config;
  const dac = dacSettings(config, chip);
  const calibrated = p.adcRange === 'calibrated' && p.adcBits > 0;
  return {
    geometry,
    plan: {
      numRows: chip.K,
      numOutputs: chip.N,
      tileRows: chip.plan.tileRows,
      numRowTiles: chip.plan.rowTiles,
      dataColsPerTile: chip.plan.dataColsPerTile,
      numGroups: chip.groups.length,
    },
    dac: {
      bits: dac.bits,
      signed: dac.signed,
      bitSerial: dac.bitSerial,
      halfUp: dac.halfUp,
      qMaxCode: dac.qMaxCode,
      voltsPerUnit: dac.voltsPerUnit,
    },
    inputScaleMode: p.inputScaling === 'perVector' ? 'perVector' : 'given',
    adc: {
      bits: p.adcBits,
      levels: p.adcLevels,
      rounding: p.adcRounding,
      rangeSource: calibrated ? 'tensor' : 'uniform',
      fullScaleAmperes: calibrated ? 0 : fixedFullScaleAmperes(config, chip),
      fullScaleStrides: calibrated ? { group: 1, tile: 0, col: 0 } : { group: 0, tile: 0, col: 0 },
    },
    noise: {
      readModel: d.readNoise.enabled ? d.readNoise.model : 'off',
      readSigma: d.readNoise.sigma,
      gMaxSiemens: chip.gMaxSiemens,
      outputSigmaAmperes: d.outputNoise.enabled
        ? d.outputNoise.sigmaFracOfGmaxCurrent * chip.gMaxSiemens * p.vReadVolts
        : 0,
      adcSigmaLsb: p.adcBits > 0 && p.adcNoise.enabled ? p.adcNoise.sigmaLsb : 0,
    },
    driftLogTimeRatio: options.driftInKernel ? driftLogTimeRatio(config) : 0,
    seed,
    outputScale: dac.post * (options.driftCompensation ?? chip.driftCompensation),
  };
}

/** A read's Philox key: two u32 drawn from the read's seeded stream, so the run's seed reproduces it. */
export function drawReadSeed(rng: Rng): [number, number] {
  return [rng.int(2 ** 32), rng.int(2 ** 32)];
}
