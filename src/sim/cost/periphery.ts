/**
 * Digital and driver periphery: row drivers (DAC), shift-add and accumulation, buffers. Each function is
 * one formula over the technology constants (technology.ts names their sources).
 */
import type { Technology } from './technology';

/**
 * Row-driver energy (joules): driven row-cycles × E_row × (tile columns / reference columns) × DAC factor.
 * E_row is NeuroSim's word-line switch-matrix energy for a 128-column row; a longer row scales it linearly
 * (wire and gate load ∝ length: an assumption). DAC factor: 1 for bit-serial inputs; dacBits for a
 * multi-level DAC, costed as dacBits binary-weighted drivers (an assumption; NeuroSim models bit-serial only).
 */
export function rowDriverEnergyJoules(
  drivenRowCycles: number,
  tileCols: number,
  dacFactor: number,
  tech: Technology,
) {
  return (
    drivenRowCycles *
    tech.rowDriverEnergyPerRowJoules *
    (tileCols / tech.rowDriverReferenceColumns) *
    dacFactor
  );
}

/** Row driver + decoder/control area (square microns): tile rows × A_row × DAC factor. */
export function rowPeripheryAreaSquareMicrons(tileRowsTotal: number, dacFactor: number, tech: Technology) {
  return tileRowsTotal * tech.rowPeripheryAreaPerRowSquareMicrons * dacFactor;
}

/**
 * Bits of the accumulator that sums one output: ADC bits + (input cycles − 1) shifts + the weight bits above
 * the first slice + ⌈log₂ partial sums⌉ carry bits.
 */
export function accumulatorBits(
  adcBits: number,
  inputCycles: number,
  sliceBits: number[],
  partialSums: number,
) {
  const shiftedWeightBits = sliceBits.reduce((s, b) => s + b, 0) - (sliceBits[0] ?? 0);
  return Math.max(adcBits, 1) + (inputCycles - 1) + shiftedWeightBits + Math.ceil(Math.log2(partialSums));
}

/** Adder energy (joules): additions × width × E_bit. */
export function adderEnergyJoules(additions: number, bits: number, tech: Technology) {
  return additions * bits * tech.adderEnergyPerBitJoules;
}

/** Adder area (square microns): adders × width × A_bit. */
export function adderAreaSquareMicrons(adders: number, bits: number, tech: Technology) {
  return adders * bits * tech.adderAreaPerBitSquareMicrons;
}

/** Latency of an adder tree over `partialSums` inputs: ⌈log₂ n⌉ clock cycles (seconds). */
export function adderTreeLatencySeconds(partialSums: number, tech: Technology) {
  return Math.ceil(Math.log2(partialSums)) / tech.clockHz;
}

/** Buffer traffic energy (joules): bits read or written × E_bit. */
export function bufferEnergyJoules(bits: number, tech: Technology) {
  return bits * tech.bufferEnergyPerBitJoules;
}

/** Buffer area (square microns): bits stored × A_bit. */
export function bufferAreaSquareMicrons(bits: number, tech: Technology) {
  return bits * tech.bufferAreaPerBitSquareMicrons;
}

/** Buffer transfer time (seconds): ⌈bits / bus width⌉ clock cycles. */
export function bufferLatencySeconds(bits: number, busWidthBits: number, tech: Technology) {
  return Math.ceil(bits / busWidthBits) / tech.clockHz;
}
