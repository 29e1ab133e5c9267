/**
 * ADC cost per converter and per conversion, for the two architectures NeuroSim models
 * (simulators-and-nonidealities.md §2.9):
 *
 *  - flash: NeuroSim's multi-level sense amplifier (MLSA, `MultilevelSenseAmp.cpp`, its default): 2^b − 1
 *    current-mode comparators per ADC, so area and comparator energy grow as 2^b; one conversion takes
 *    a fixed time (1 ns at 22 nm) whatever b.
 *  - sar: NeuroSim's successive-approximation ADC (`SarADC.cpp`): area linear in b (the capacitive DAC
 *    is folded into its transistor count 269 + 109·(b − 1) NMOS, 209 + 73·(b − 1) PMOS), power linear in
 *    b, and b + 1 clock cycles per conversion, so energy = P(b)·(b + 1)·t_bit grows ~linearly in b at
 *    the bit counts of interest (the constant term of P dominates).
 *
 * NeuroSim's power fits also carry a term ∝ 1/R_column: the read current of the column being sensed, which
 * NeuroSim (and this model) books under the ADC: `adcColumnEnergyJoules`. `bits` must be ≥ 1 (an ideal,
 * 0-bit ADC has no hardware to cost).
 */
import type { Technology } from './technology';

export type AdcType = 'flash' | 'sar';

function checkBits(bits: number) {
  if (!Number.isInteger(bits) || bits < 1)
    throw new RangeError(`ADC bits must be an integer ≥ 1, got ${bits}`);
}

/** Comparator levels of a flash ADC: 2^b − 1. */
export function flashComparators(bits: number): number {
  checkBits(bits);
  return 2 ** bits - 1;
}

/** Area of one ADC (square microns). Flash: (2^b − 1)·(nmos + pmos per level)·A_t; SAR: transistor count·A_t. */
export function adcAreaSquareMicrons(type: AdcType, bits: number, tech: Technology): number {
  checkBits(bits);
  const a = tech.minTransistorAreaSquareMicrons;
  if (type === 'flash')
    return flashComparators(bits) * (tech.flash.nmosPerLevel + tech.flash.pmosPerLevel) * a;
  const s = tech.sar;
  return (s.nmosBase + s.nmosPerBit * (bits - 1) + s.pmosBase + s.pmosPerBit * (bits - 1)) * a;
}

/** Time of one conversion (seconds). Flash: fixed; SAR: (b + 1)·t_bit. */
export function adcConversionTimeSeconds(type: AdcType, bits: number, tech: Technology): number {
  checkBits(bits);
  return type === 'flash' ? tech.flash.conversionTimeSeconds : (bits + 1) * tech.sar.bitTimeSeconds;
}

/** Energy of one conversion, converter only (joules). Flash: (2^b − 1)·P_cmp·t_conv; SAR: (k₁·b + k₀)·(b + 1)·t_bit. */
export function adcEnergyPerConversionJoules(type: AdcType, bits: number, tech: Technology): number {
  checkBits(bits);
  const time = adcConversionTimeSeconds(type, bits, tech);
  if (type === 'flash') return flashComparators(bits) * tech.flash.comparatorPowerWatts * time;
  return (tech.sar.powerPerBitWatts * bits + tech.sar.powerOffsetWatts) * time;
}

/**
 * Energy of the column current during one conversion (joules): k·G_column·(V_read / V_fit)·t_conv, NeuroSim's
 * GetColumnPower term k·exp(−2.303·log10 R) ≈ k/R with R rescaled by V_fit / V_read (V_fit = 0.5 V), times the
 * conversion time. G_column in siemens (driven cells' conductance), k in V².
 */
export function adcColumnEnergyJoules(
  type: AdcType,
  bits: number,
  columnConductanceSiemens: number,
  vReadVolts: number,
  tech: Technology,
): number {
  const k = type === 'flash' ? tech.flash.columnPowerVoltsSquared : tech.sar.columnPowerVoltsSquared;
  const powerWatts = k * columnConductanceSiemens * (vReadVolts / tech.fitReadVoltageVolts);
  return powerWatts * adcConversionTimeSeconds(type, bits, tech);
}

/**
 * ADCs that serve `columns` converted columns when `columnsPerAdc` columns share one ADC through a
 * multiplexer (NeuroSim `numColMuxed`), and the conversions each ADC performs one after another per read.
 */
export function adcSharing(columns: number, columnsPerAdc: number) {
  if (!Number.isInteger(columnsPerAdc) || columnsPerAdc < 1)
    throw new RangeError(`columnsPerAdc must be an integer ≥ 1, got ${columnsPerAdc}`);
  const numAdcs = Math.ceil(columns / columnsPerAdc);
  return { numAdcs, sequentialConversions: Math.ceil(columns / numAdcs) };
}
