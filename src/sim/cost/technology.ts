/**
 * Technology constants of the cost model: one node, 22 nm, as in DNN+NeuroSim's default `Param.cpp`
 * (`technode = 22`, LSTP device roadmap, 1 GHz clock). Every constant names its source. Three kinds:
 *
 *  - NeuroSim source: formulas and fits copied from DNN+NeuroSim V1.3 (github.com/neurosim/DNN_NeuroSim_V1.3,
 *    `Inference_pytorch/NeuroSIM/`), with the file and function named.
 *  - NeuroSim published: per-array module figures that NeuroSim V1.3 produced at 22 nm, published in
 *    Y. Luo et al., "A Compute-in-Memory Hardware Accelerator Design With BEOL Transistor Based
 *    Reconfigurable Interconnect", IEEE JETCAS 12(2), 2022, doi:10.1109/JETCAS.2022.3177577, Table I,
 *    column "2D FeFET, 22nm" (128 × 128 array, 5-bit multi-level sense-amp ADC; energies per 1-bit input).
 *  - Scaled literature: M. Horowitz, "Computing's energy problem", ISSCC 2014, Fig. 1.1.9 (45 nm, 0.9 V),
 *    scaled to 22 nm by energy ∝ F·Vdd² and area ∝ F² (an assumption, stated where used).
 *
 * Plain data: a second node is a second object of the same type.
 */

export interface FlashAdcConstants {
  /** Bias power of one comparator level (watts); an ADC of b bits has 2^b − 1 levels. */
  comparatorPowerWatts: number;
  /** Column-current term: P = k·G_column·(V_read / fitReadVoltsVolts) (k in V², i.e. watts per siemens). */
  columnPowerVoltsSquared: number;
  /** One conversion (seconds), independent of b. */
  conversionTimeSeconds: number;
  /** Minimum-size transistors per comparator level. */
  nmosPerLevel: number;
  pmosPerLevel: number;
}

export interface SarAdcConstants {
  /** Power of one ADC: powerPerBitWatts·b + powerOffsetWatts. */
  powerPerBitWatts: number;
  powerOffsetWatts: number;
  /** Column-current term, as for the flash ADC (V²). */
  columnPowerVoltsSquared: number;
  /** A b-bit conversion takes (b + 1)·bitTimeSeconds. */
  bitTimeSeconds: number;
  /** Minimum-size transistors: base + perBit·(b − 1), for NMOS and PMOS. */
  nmosBase: number;
  nmosPerBit: number;
  pmosBase: number;
  pmosPerBit: number;
}

export interface Technology {
  name: string;
  featureSizeMeters: number;
  clockHz: number;
  /** Supply voltage of the logic and word lines (volts). */
  vddVolts: number;
  /** Read voltage at which the ADC power fits were made; NeuroSim rescales the column term by V_read / this. */
  fitReadVoltageVolts: number;
  /** Layout area of one minimum-size transistor (square microns). */
  minTransistorAreaSquareMicrons: number;
  flash: FlashAdcConstants;
  sar: SarAdcConstants;
  /** One memory cell (square microns), and its height (along the bit line) and width (along the word line). */
  cellAreaSquareMicrons: number;
  cellHeightMeters: number;
  cellWidthMeters: number;
  /** Capacitance of array wires per length (farads per meter). */
  wireCapacitanceFaradsPerMeter: number;
  /** Row driver (word-line switch matrix) energy per driven row per input cycle, for a row of
   *  `rowDriverReferenceColumns` cells (joules); scales with the row's length. */
  rowDriverEnergyPerRowJoules: number;
  rowDriverReferenceColumns: number;
  /** Row driver plus decoder/control area per tile row (square microns). */
  rowPeripheryAreaPerRowSquareMicrons: number;
  /** Shift-add of one ADC output into its column register (joules per conversion). */
  shiftAddEnergyPerConversionJoules: number;
  /** One shift-add unit (NeuroSim: one per ADC) (square microns). */
  shiftAddAreaPerAdcSquareMicrons: number;
  /** Digital adder, per bit of width (joules per addition·bit; square microns per bit). */
  adderEnergyPerBitJoules: number;
  adderAreaPerBitSquareMicrons: number;
  /** SRAM buffer, per bit read or written (joules) and per bit stored (square microns). */
  bufferEnergyPerBitJoules: number;
  bufferAreaPerBitSquareMicrons: number;
}

const NM = 1e-9;
const SQUARE_MICRONS_PER_SQUARE_METER = 1e12;

/** constant.h (V1.3): MAX_TRANSISTOR_HEIGHT = 28, POLY_WIDTH = 1.0, MIN_GAP_BET_GATE_POLY = 2.8 (units of F). */
const MAX_TRANSISTOR_HEIGHT_F = 28;
const POLY_WIDTH_F = 1.0;
const MIN_GAP_BET_GATE_POLY_F = 2.8;

/**
 * Area of a minimum-size (unfolded) transistor in NeuroSim's bulk layout model, formula.cpp
 * `CalculateGateArea(INV, 1, …)`: height MAX_TRANSISTOR_HEIGHT·F, width 2·(POLY_WIDTH + MIN_GAP_BET_GATE_POLY)·F.
 * At 22 nm: 28F × 7.6F = 212.8 F² = 0.1030 µm². Valid for bulk nodes ≥ 22 nm (FinFET below).
 */
export function minTransistorAreaSquareMicrons(featureSizeMeters: number): number {
  const heightMeters = MAX_TRANSISTOR_HEIGHT_F * featureSizeMeters;
  const widthMeters = 2 * (POLY_WIDTH_F + MIN_GAP_BET_GATE_POLY_F) * featureSizeMeters;
  return heightMeters * widthMeters * SQUARE_MICRONS_PER_SQUARE_METER;
}

/** Luo et al. JETCAS 2022 Table I, "2D FeFET 22nm" (NeuroSim V1.3, 128 × 128 array, one 1-bit input). */
export const LUO_2022_TABLE1_FEFET_22NM = {
  arrayRows: 128,
  arrayColumns: 128,
  adcBits: 5,
  areaSquareMicrons: {
    memArray: 1661,
    writeCircuit: 2790,
    adc: 4429,
    shiftAdd: 832,
    inputDriver: 271,
    others: 386,
  },
  energyPerInputBitJoules: { memArray: 7.9e-12, adc: 9.6e-12, shiftAdd: 9.1e-12, inputDriver: 6.6e-12 },
} as const;

/** Horowitz ISSCC 2014 Fig. 1.1.9, 45 nm at 0.9 V: 32-bit integer add 0.1 pJ and 137 µm²; 8 KB SRAM, 64-bit read 10 pJ. */
const HOROWITZ_45NM = { add32Joules: 0.1e-12, add32SquareMicrons: 137, sram8kRead64Joules: 10e-12 };
/** Vdd of NeuroSim's 22 nm PTM transistors (Technology.cpp, "PTM model: 22nm.pm": vdd = 0.85 V). */
const VDD_22NM_VOLTS = 0.85;
/** Assumption: dynamic energy ∝ C·V² with C ∝ F; area ∝ F². */
const ENERGY_SCALE_45_TO_22 = (22 / 45) * (VDD_22NM_VOLTS / 0.9) ** 2;
const AREA_SCALE_45_TO_22 = (22 / 45) ** 2;

/**
 * Intel 22 nm high-density 6T SRAM cell, 0.092 µm² (E. Karl et al., ISSCC 2012, "A 4.6 GHz 162 Mb SRAM
 * design in 22 nm tri-gate CMOS"). Assumption: ×2 for the sub-array periphery (decoders, sense amps).
 */
const SRAM_CELL_22NM_SQUARE_MICRONS = 0.092;
const SRAM_PERIPHERY_OVERHEAD = 2;

/** NeuroSim assumes numColMuxed = 8 (Param.cpp): 128 columns → 16 ADCs and 16 shift-add units per array. */
const LUO_2022_ASSUMED_ADCS_PER_ARRAY = 16;

const t = LUO_2022_TABLE1_FEFET_22NM;

export const TECH_22NM: Technology = {
  name: '22 nm CMOS (NeuroSim V1.3 defaults, PTM LSTP)',
  featureSizeMeters: 22 * NM,
  /** Param.cpp: clkFreq = 1e9. */
  clockHz: 1e9,
  vddVolts: VDD_22NM_VOLTS,
  /** MultilevelSenseAmp.cpp, SarADC.cpp: "in Cadence simulation, we fix Vread to 0.5V"; columnRes *= 0.5/readVoltage. */
  fitReadVoltageVolts: 0.5,
  minTransistorAreaSquareMicrons: minTransistorAreaSquareMicrons(22 * NM),
  flash: {
    /** MultilevelSenseAmp.cpp GetColumnPower, current mode, LP, technode 22:
     *  1.7 µW·(levelOutput − 1) + 0.0631·exp(−2.303·log10 R_column) W, and exp(−2.303·log10 R) = R^−1.0002 ≈ 1/R. */
    comparatorPowerWatts: 1.7e-6,
    columnPowerVoltsSquared: 0.0631,
    /** MultilevelSenseAmp.cpp GetColumnLatency: 1 ns for technode ≤ 22 nm (LP). */
    conversionTimeSeconds: 1e-9,
    /** MultilevelSenseAmp.cpp CalculateArea (current mode): per level one current sense amp
     *  (CurrentSenseAmp.cpp: 48 NMOS + 40 PMOS) plus 9 NMOS + 9 PMOS. */
    nmosPerLevel: 48 + 9,
    pmosPerLevel: 40 + 9,
  },
  sar: {
    /** SarADC.cpp GetColumnPower, LP, technode 22: (0.538·b + 4.3753) µW + 0.072341·exp(−2.303·log10 R_column) W. */
    powerPerBitWatts: 0.538e-6,
    powerOffsetWatts: 4.3753e-6,
    columnPowerVoltsSquared: 0.072341,
    /** SarADC.cpp CalculateLatency: (b + 1) ns. */
    bitTimeSeconds: 1e-9,
    /** SarADC.cpp CalculateUnitArea: (269 + 109·(b − 1)) NMOS + (209 + 73·(b − 1)) PMOS. */
    nmosBase: 269,
    nmosPerBit: 109,
    pmosBase: 209,
    pmosPerBit: 73,
  },
  /** Param.cpp: 1T1R cell 4F × 12F (heightInFeatureSize1T1R, widthInFeatureSize1T1R) with featuresize = 40 nm
   *  (the wire width Param.cpp uses at technode 22): 0.16 µm × 0.48 µm = 0.0768 µm². */
  cellAreaSquareMicrons: 0.16 * 0.48,
  cellHeightMeters: 4 * 40 * NM,
  cellWidthMeters: 12 * 40 * NM,
  /** SubArray.cpp: capBL = lengthCol · 0.2e-15/1e-6 (0.2 fF per µm of wire). */
  wireCapacitanceFaradsPerMeter: 0.2e-15 / 1e-6,
  /** Luo 2022 Table I: input driver 6.6 pJ per 1-bit input over 128 rows (all rows driven, assumed). */
  rowDriverEnergyPerRowJoules: t.energyPerInputBitJoules.inputDriver / t.arrayRows,
  rowDriverReferenceColumns: t.arrayColumns,
  /** Luo 2022 Table I: input driver 271 µm² + others (decoders, control) 386 µm², over 128 rows. */
  rowPeripheryAreaPerRowSquareMicrons:
    (t.areaSquareMicrons.inputDriver + t.areaSquareMicrons.others) / t.arrayRows,
  /** Luo 2022 Table I: shift-add 9.1 pJ per 1-bit input over 128 column conversions. */
  shiftAddEnergyPerConversionJoules: t.energyPerInputBitJoules.shiftAdd / t.arrayColumns,
  /** Luo 2022 Table I: shift-add 832 µm² over the array's ADCs (16 assumed, see above). */
  shiftAddAreaPerAdcSquareMicrons: t.areaSquareMicrons.shiftAdd / LUO_2022_ASSUMED_ADCS_PER_ARRAY,
  adderEnergyPerBitJoules: (HOROWITZ_45NM.add32Joules / 32) * ENERGY_SCALE_45_TO_22,
  adderAreaPerBitSquareMicrons: (HOROWITZ_45NM.add32SquareMicrons / 32) * AREA_SCALE_45_TO_22,
  bufferEnergyPerBitJoules: (HOROWITZ_45NM.sram8kRead64Joules / 64) * ENERGY_SCALE_45_TO_22,
  bufferAreaPerBitSquareMicrons: SRAM_CELL_22NM_SQUARE_MICRONS * SRAM_PERIPHERY_OVERHEAD,
};
