/**
 * Plain-language labels and a summary of a cost estimate, for the UI and CLIs: component names, display
 * units, and the assumptions shown beside the figures (which are estimates, never measurements).
 */
import { COMPONENTS, type Component, type CostEstimate } from './types';

export const COMPONENT_LABELS: Record<Component, string> = {
  array: 'Crossbar arrays',
  adc: 'ADCs',
  dacDrivers: 'DACs and row drivers',
  shiftAddAccumulation: 'Shift-add and accumulation',
  buffers: 'Buffers',
};

/** Display units: the estimate's SI values multiplied by `factor`. */
export const DISPLAY_UNITS = {
  area: { unit: 'mm²', factor: 1e-6 }, // from µm²
  energy: { unit: 'µJ', factor: 1e6 }, // from J
  latency: { unit: 'µs', factor: 1e6 }, // from s
} as const;

/** The model's standing assumptions (README.md explains each). */
export const ESTIMATE_ASSUMPTIONS: readonly string[] = [
  'Analytic estimate shaped like NeuroSim, with 22 nm constants from NeuroSim and the literature; not a measurement.',
  'Layers run one after another; the tiles of a layer run in parallel; no weight duplication or pipelining.',
  'Dynamic energy only (no leakage); interconnect wires between tiles are not costed.',
  'Input activity (fraction of rows driven per read) is an assumed average, not measured from activations.',
];

export interface EstimateRow {
  component: Component;
  label: string;
  areaSquareMillimeters: number;
  energyPerImageMicrojoules: number;
  latencyPerImageMicroseconds: number;
}

export interface EstimateDescription {
  title: string;
  /** One line: area, energy and latency per image, and TOPS/W. */
  summary: string;
  rows: EstimateRow[];
  notes: string[];
}

function fmt(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toPrecision(2);
}

export function describeEstimate(estimate: CostEstimate): EstimateDescription {
  const { area, energy, latency } = DISPLAY_UNITS;
  const t = estimate.totals;
  const rows = COMPONENTS.map((c) => ({
    component: c,
    label: COMPONENT_LABELS[c],
    areaSquareMillimeters: estimate.areaSquareMicrons[c] * area.factor,
    energyPerImageMicrojoules: estimate.energyPerImageJoules[c] * energy.factor,
    latencyPerImageMicroseconds: estimate.latencyPerImageSeconds[c] * latency.factor,
  }));
  return {
    title: `Hardware cost estimate (${estimate.technology})`,
    summary:
      `≈ ${fmt(t.areaSquareMicrons * area.factor)} ${area.unit}, ` +
      `${fmt(t.energyPerImageJoules * energy.factor)} ${energy.unit} and ` +
      `${fmt(t.latencyPerImageSeconds * latency.factor)} ${latency.unit} per image ` +
      `(${fmt(t.topsPerWatt)} TOPS/W) — estimate`,
    rows,
    notes: [...ESTIMATE_ASSUMPTIONS, ...estimate.warnings],
  };
}
