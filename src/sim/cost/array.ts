/**
 * Crossbar array cost, split as NeuroSim splits it (SubArray.cpp, CalculatePower, conventional parallel read):
 *
 *  - area: tiles × rows × columns × A_cell (A_cell from the technology; NeuroSim's 1T1R cell by default);
 *  - energy per input cycle of one tile: the bit lines and word lines charged once,
 *      E = C_BL·V_read²·columns + C_WL·V_dd²·(rows driven),
 *    with C_BL = rows·h_cell·c_wire and C_WL = columns·w_cell·c_wire (SubArray.cpp: capBL = lengthCol·0.2 fF/µm;
 *    the word line is costed as its wire only — an assumption: NeuroSim's capRow2 adds the access gates).
 *
 * The read current through the cells is not here: NeuroSim books it in the ADC's power fit (a term ∝ column
 * conductance, MultilevelSenseAmp.cpp / SarADC.cpp GetColumnPower), and so does adc.ts.
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

/** Bit-line capacitance of a column of `tileRows` cells (farads). */
export function bitLineCapacitanceFarads(tileRows: number, tech: Technology): number {
  return tileRows * tech.cellHeightMeters * tech.wireCapacitanceFaradsPerMeter;
}

/** Word-line capacitance of a row of `tileCols` cells (farads). */
export function wordLineCapacitanceFarads(tileCols: number, tech: Technology): number {
  return tileCols * tech.cellWidthMeters * tech.wireCapacitanceFaradsPerMeter;
}

/**
 * Array energy (joules) of `tileCycles` tile reads (one input cycle each) that drive `drivenRowCycles` rows
 * in total: tileCycles·C_BL·V_read²·tileCols + drivenRowCycles·C_WL·V_dd².
 */
export function arrayReadEnergyJoules(
  tileCycles: number,
  drivenRowCycles: number,
  tileRows: number,
  tileCols: number,
  vReadVolts: number,
  tech: Technology,
): number {
  return (
    tileCycles * bitLineCapacitanceFarads(tileRows, tech) * vReadVolts ** 2 * tileCols +
    drivenRowCycles * wordLineCapacitanceFarads(tileCols, tech) * tech.vddVolts ** 2
  );
}

/** Mean cell conductance (G_max + G_min)/2 with G_min = G_max / onOffRatio (siemens): levels used evenly (assumption). */
export function meanCellConductanceSiemens(gMaxSiemens: number, onOffRatio: number): number {
  return (gMaxSiemens + gMaxSiemens / onOffRatio) / 2;
}

/** Conductance a conversion senses (siemens): driven rows × mean cell conductance × cell columns read together. */
export function columnConductanceSiemens(
  drivenRows: number,
  meanCellConductance: number,
  cellColumnsPerConversion: number,
): number {
  return drivenRows * meanCellConductance * cellColumnsPerConversion;
}
