/**
 * Crossbar array cost: cell area and the energy of the read current.
 *
 * Area: tiles × rows × columns × A_cell (A_cell from the technology; NeuroSim's 1T1R cell by default).
 *
 * Read energy of one column conversion: the selected cells conduct for the conversion time, so
 *   E = V_read² · G_column · t_sense,   G_column = n_active · Ḡ · c,
 * with n_active the rows driven (rows per row-tile × input activity), Ḡ = (G_max + G_min)/2 the mean cell
 * conductance (weights spread evenly over the levels: an assumption) and c the cell columns read by one
 * conversion (2 for a differential pair subtracted in analog, else 1). Ohm's law; NeuroSim's ADC power
 * fits carry the same column current as a term ∝ 1/R_column (MultilevelSenseAmp.cpp, SarADC.cpp
 * GetColumnPower), which this model books here instead. Units: volts, siemens, seconds → joules.
 */
import type { Technology } from './technology';

export function arrayAreaSquareMicrons(
  tileCount: number,
  tileRows: number,
  tileCols: number,
  tech: Technology,
): number {
  return tileCount * tileRows * tileCols * tech.cellAreaSquareMicrons;
}

/** Mean cell conductance (G_max + G_min)/2 with G_min = G_max / onOffRatio (siemens). */
export function meanCellConductanceSiemens(gMaxSiemens: number, onOffRatio: number): number {
  return (gMaxSiemens + gMaxSiemens / onOffRatio) / 2;
}

export interface ColumnRead {
  vReadVolts: number;
  activeRows: number;
  meanCellConductanceSiemens: number;
  cellColumnsPerConversion: number;
  senseTimeSeconds: number;
}

/** E = V² · n_active · Ḡ · c · t_sense (joules). */
export function arrayReadEnergyPerConversionJoules(r: ColumnRead): number {
  return (
    r.vReadVolts ** 2 *
    r.activeRows *
    r.meanCellConductanceSiemens *
    r.cellColumnsPerConversion *
    r.senseTimeSeconds
  );
}
