import { describe, expect, it } from 'vitest';
import {
  adcAreaSquareMicrons,
  adcColumnEnergyJoules,
  adcConversionTimeSeconds,
  adcEnergyPerConversionJoules,
  adcSharing,
  flashComparators,
} from './adc';
import { minTransistorAreaSquareMicrons, TECH_22NM } from './technology';

// Hand values. A minimum transistor in NeuroSim's bulk layout (formula.cpp CalculateGateArea, constant.h):
// 28F high × 2·(1.0 + 2.8)F = 7.6F wide, F = 22 nm → 212.8 · 0.022² µm² = 0.1029952 µm².
const A_T = 212.8 * 0.022 * 0.022;

describe('minimum transistor area', () => {
  it('is 212.8 F² at 22 nm', () => {
    expect(minTransistorAreaSquareMicrons(22e-9)).toBeCloseTo(A_T, 10);
    expect(A_T).toBeCloseTo(0.1029952, 7);
  });
});

describe('flash ADC (NeuroSim multi-level sense amp)', () => {
  it('has 2^b − 1 comparators', () => {
    expect([1, 2, 3, 5, 8].map(flashComparators)).toEqual([1, 3, 7, 31, 255]);
  });

  it('area: (2^b − 1) levels × (57 NMOS + 49 PMOS) minimum transistors', () => {
    // 5 bits: 31 · 106 · 0.1029952 = 338.4424 µm².
    expect(adcAreaSquareMicrons('flash', 5, TECH_22NM)).toBeCloseTo(31 * 106 * A_T, 9);
    expect(adcAreaSquareMicrons('flash', 5, TECH_22NM)).toBeCloseTo(338.4424, 3);
    // 1 bit: one level, 106 · A_T = 10.9175 µm².
    expect(adcAreaSquareMicrons('flash', 1, TECH_22NM)).toBeCloseTo(10.9175, 3);
  });

  it('area and energy grow as 2^b − 1: one more bit roughly doubles them', () => {
    for (const b of [2, 4, 6]) {
      const areaRatio =
        adcAreaSquareMicrons('flash', b + 1, TECH_22NM) / adcAreaSquareMicrons('flash', b, TECH_22NM);
      const energyRatio =
        adcEnergyPerConversionJoules('flash', b + 1, TECH_22NM) /
        adcEnergyPerConversionJoules('flash', b, TECH_22NM);
      expect(areaRatio).toBeCloseTo((2 ** (b + 1) - 1) / (2 ** b - 1), 12);
      expect(energyRatio).toBeCloseTo((2 ** (b + 1) - 1) / (2 ** b - 1), 12);
    }
  });

  it('energy per conversion: 1.7 µW per level for 1 ns (22 nm LP)', () => {
    // 5 bits: 31 · 1.7e-6 W · 1e-9 s = 5.27e-14 J; 8 bits: 255 · 1.7e-15 = 4.335e-13 J.
    expect(adcEnergyPerConversionJoules('flash', 5, TECH_22NM)).toBeCloseTo(5.27e-14, 20);
    expect(adcEnergyPerConversionJoules('flash', 8, TECH_22NM)).toBeCloseTo(4.335e-13, 19);
  });

  it('converts in 1 ns whatever the bits', () => {
    expect([1, 4, 8].map((b) => adcConversionTimeSeconds('flash', b, TECH_22NM))).toEqual([1e-9, 1e-9, 1e-9]);
  });
});

describe('SAR ADC (NeuroSim SarADC.cpp)', () => {
  it('area: (269 + 109(b−1)) NMOS + (209 + 73(b−1)) PMOS, linear in b', () => {
    // 5 bits: (269 + 436) + (209 + 292) = 1206 transistors · 0.1029952 = 124.2122 µm².
    expect(adcAreaSquareMicrons('sar', 5, TECH_22NM)).toBeCloseTo(124.2122, 3);
    // 1 bit: 478 transistors = 49.2317 µm²; each further bit adds 182 · A_T = 18.7451 µm².
    expect(adcAreaSquareMicrons('sar', 1, TECH_22NM)).toBeCloseTo(49.2317, 3);
    for (const b of [1, 3, 7])
      expect(
        adcAreaSquareMicrons('sar', b + 1, TECH_22NM) - adcAreaSquareMicrons('sar', b, TECH_22NM),
      ).toBeCloseTo(18.7451, 3);
  });

  it('conversion time (b + 1) ns', () => {
    const cases: [number, number][] = [
      [1, 2e-9],
      [5, 6e-9],
      [8, 9e-9],
    ];
    for (const [bits, seconds] of cases)
      expect(adcConversionTimeSeconds('sar', bits, TECH_22NM)).toBeCloseTo(seconds, 20);
  });

  it('energy: (0.538·b + 4.3753) µW over (b + 1) ns', () => {
    // 5 bits: 7.0653 µW · 6 ns = 4.23918e-14 J; 8 bits: 8.6793 µW · 9 ns = 7.81137e-14 J.
    expect(adcEnergyPerConversionJoules('sar', 5, TECH_22NM)).toBeCloseTo(4.23918e-14, 19);
    expect(adcEnergyPerConversionJoules('sar', 8, TECH_22NM)).toBeCloseTo(7.81137e-14, 19);
  });

  it('is smaller than flash at 4 bits and above (area) and 6 bits and above (energy), larger below', () => {
    // Flash 3 bits: 7·106·A_T = 76.42 µm² < SAR 3 bits: 842·A_T = 86.72 µm²; at 4: 163.8 > 105.5.
    expect(adcAreaSquareMicrons('flash', 3, TECH_22NM)).toBeLessThan(
      adcAreaSquareMicrons('sar', 3, TECH_22NM),
    );
    expect(adcAreaSquareMicrons('flash', 4, TECH_22NM)).toBeGreaterThan(
      adcAreaSquareMicrons('sar', 4, TECH_22NM),
    );
    // Energy: flash 5 bits 52.7 fJ > SAR 42.4 fJ; flash 4 bits 25.5 fJ < SAR (6.5273 µW · 5 ns) 32.6 fJ.
    expect(adcEnergyPerConversionJoules('flash', 4, TECH_22NM)).toBeLessThan(
      adcEnergyPerConversionJoules('sar', 4, TECH_22NM),
    );
    expect(adcEnergyPerConversionJoules('flash', 5, TECH_22NM)).toBeGreaterThan(
      adcEnergyPerConversionJoules('sar', 5, TECH_22NM),
    );
  });

  it('rejects non-positive or fractional bits', () => {
    expect(() => adcAreaSquareMicrons('sar', 0, TECH_22NM)).toThrow(RangeError);
    expect(() => adcEnergyPerConversionJoules('flash', 2.5, TECH_22NM)).toThrow(RangeError);
  });
});

describe('sensed column current (NeuroSim GetColumnPower, term ∝ 1/R_column)', () => {
  it('is k·G·(V_read / 0.5 V) over the conversion time', () => {
    // Flash: 0.0631 V² × 1 mS × (0.5/0.5) × 1 ns = 6.31e-14 J, whatever the bits.
    expect(adcColumnEnergyJoules('flash', 5, 1e-3, 0.5, TECH_22NM)).toBeCloseTo(6.31e-14, 24);
    expect(adcColumnEnergyJoules('flash', 8, 1e-3, 0.5, TECH_22NM)).toBeCloseTo(6.31e-14, 24);
    // SAR, 5 bits at 0.25 V: 0.072341 V² × 1 mS × 0.5 × 6 ns = 2.17023e-13 J.
    expect(adcColumnEnergyJoules('sar', 5, 1e-3, 0.25, TECH_22NM)).toBeCloseTo(2.17023e-13, 22);
    // Linear in the conductance.
    expect(adcColumnEnergyJoules('flash', 5, 3e-3, 0.5, TECH_22NM)).toBeCloseTo(3 * 6.31e-14, 24);
  });
});

describe('columns shared per ADC', () => {
  it('divides the columns among ⌈columns / m⌉ ADCs, each converting its share one after another', () => {
    expect(adcSharing(128, 8)).toEqual({ numAdcs: 16, sequentialConversions: 8 });
    expect(adcSharing(128, 1)).toEqual({ numAdcs: 128, sequentialConversions: 1 });
    // 20 columns, 8 per ADC → 3 ADCs; the busiest converts ⌈20/3⌉ = 7.
    expect(adcSharing(20, 8)).toEqual({ numAdcs: 3, sequentialConversions: 7 });
    expect(adcSharing(4, 16)).toEqual({ numAdcs: 1, sequentialConversions: 4 });
    expect(() => adcSharing(128, 0)).toThrow(RangeError);
  });
});
