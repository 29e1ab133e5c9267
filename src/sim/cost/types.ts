/**
 * Types of the hardware cost estimate: options with documented defaults, the per-component breakdown,
 * and the per-layer and chip results. Plain data in and out; every quantity names its unit.
 */
import type { TilePlan } from '../tiling';
import type { AdcType } from './adc';
import { TECH_22NM, type Technology } from './technology';

/** The components every area, energy and latency figure is split into. */
export interface ComponentBreakdown {
  /** Crossbar cells; for energy, the read current through the selected cells. */
  array: number;
  adc: number;
  /** Input DACs / word-line drivers, decoders and control. */
  dacDrivers: number;
  /** Shift-add of ADC outputs and accumulation of partial sums across row tiles, slices and polarities. */
  shiftAddAccumulation: number;
  /** Activation buffers (tile input registers, global buffer) and their traffic. */
  buffers: number;
}

export type Component = keyof ComponentBreakdown;
export const COMPONENTS: readonly Component[] = [
  'array',
  'adc',
  'dacDrivers',
  'shiftAddAccumulation',
  'buffers',
];

/**
 * Hardware choices of the estimate. `adcType` and `columnsPerAdc` come from the config's
 * `periphery.adcType` and `periphery.columnsPerAdc` (`costOptionsOf`); the rest are not in the config
 * (a proposed field: `cost.inputActivity`, see README.md). Any of them can be overridden per call.
 */
export interface CostOptions {
  /** Technology constants (one node). Default: TECH_22NM. */
  technology: Technology;
  /** ADC architecture. Default 'flash' (NeuroSim's default multi-level sense amp; Param.cpp SARADC = false). */
  adcType: AdcType;
  /** Columns multiplexed onto one ADC. Default 8 (NeuroSim Param.cpp numColMuxed = 8). */
  columnsPerAdc: number;
  /**
   * Mean fraction of a tile's rows driven in one read (bit-serial: fraction of input bits that are 1;
   * multi-level: mean input amplitude relative to full scale). Default 0.5 — an assumption; NeuroSim
   * measures it from real activation traces.
   */
  inputActivity: number;
  /** Bits of an activation in the buffers when the DAC is ideal (dacBits = 0), and of every layer output. Default 8. */
  activationBits: number;
  /** Bits moved to or from the global buffer per clock cycle. Default 2048 (NeuroSim Param.cpp maxGlobalBusWidth). */
  bufferBusWidthBits: number;
}

export function defaultCostOptions(): CostOptions {
  return {
    technology: TECH_22NM,
    adcType: 'flash',
    columnsPerAdc: 8,
    inputActivity: 0.5,
    activationBits: 8,
    bufferBusWidthBits: 2048,
  };
}

export interface CostTotals {
  areaSquareMicrons: number;
  energyPerImageJoules: number;
  latencyPerImageSeconds: number;
}

export interface LayerCost {
  layer: string;
  plan: TilePlan;
  /** ADCs serving the layer's tiles, and the conversions each performs one after another per read. */
  adcCount: number;
  sequentialConversionsPerAdc: number;
  adcConversionsPerImage: number;
  macsPerImage: number;
  /** Partial sums added per output value (row tiles × slices × polarities or reference). */
  partialSumsPerOutput: number;
  areaSquareMicrons: ComponentBreakdown;
  energyPerImageJoules: ComponentBreakdown;
  latencyPerImageSeconds: ComponentBreakdown;
  /** The layer's figures divided by its tile count: one tile with its share of the periphery. */
  perTile: { areaSquareMicrons: ComponentBreakdown; energyPerImageJoules: ComponentBreakdown };
  totals: CostTotals;
}

export interface CostEstimate {
  /** Always true: these figures are analytic estimates, not measurements. */
  isEstimate: true;
  technology: string;
  options: CostOptions;
  layers: LayerCost[];
  /** The global buffer (sized for the largest layer's input + output activations). */
  globalBufferAreaSquareMicrons: number;
  /** Chip breakdown: the layers' sums, plus the global buffer under `buffers`. */
  areaSquareMicrons: ComponentBreakdown;
  energyPerImageJoules: ComponentBreakdown;
  latencyPerImageSeconds: ComponentBreakdown;
  totals: CostTotals & {
    macsPerImage: number;
    /** 2 operations per MAC, as NeuroSim counts. */
    topsPerWatt: number;
    tops: number;
    framesPerSecond: number;
  };
  /** What the estimate leaves out or assumes for this config (shown beside it). */
  warnings: string[];
}

export function zeroBreakdown(): ComponentBreakdown {
  return { array: 0, adc: 0, dacDrivers: 0, shiftAddAccumulation: 0, buffers: 0 };
}

export function sumBreakdown(b: ComponentBreakdown): number {
  return COMPONENTS.reduce((s, c) => s + b[c], 0);
}

export function addBreakdowns(a: ComponentBreakdown, b: ComponentBreakdown): ComponentBreakdown {
  const out = zeroBreakdown();
  for (const c of COMPONENTS) out[c] = a[c] + b[c];
  return out;
}

export function scaleBreakdown(b: ComponentBreakdown, factor: number): ComponentBreakdown {
  const out = zeroBreakdown();
  for (const c of COMPONENTS) out[c] = b[c] * factor;
  return out;
}
