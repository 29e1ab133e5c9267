import { describe, expect, it } from 'vitest';
import { decodeWeights, mapWeights, snapToLevels, sliceBitsOf, computeWMax } from './mapping';
import { randomArray, testConfig } from './testUtils';

const gMax = 1e-4;
const gMin = 1e-5;
const dG = gMax - gMin;
/** Conductances are stored as float32: compare to 1e-6 relative. */
const near = (got: number | undefined, want: number) =>
  expect(Math.abs(got! - want)).toBeLessThanOrEqual(1e-6 * Math.abs(want));

describe('weight → conductance mapping', () => {
  it('differential pair: G± = G_min + s·max(±w, 0), s = ΔG/max|W| (hand-computed)', () => {
    const c = testConfig({ crossbar: { mapping: 'differential', gMaxSiemens: gMax, onOffRatio: 10 } });
    const m = mapWeights([0.5, -1, 0, 0.25], 2, 2, c.crossbar, 1);
    expect(m.wMax).toBe(1);
    expect(Array.from(m.arrays[0]!.gSiemens)).toEqual(
      Array.from(Float32Array.from([gMin + dG * 0.5, gMin, gMin, gMin + dG * 0.25])),
    );
    expect(Array.from(m.arrays[1]!.gSiemens)).toEqual(
      Array.from(Float32Array.from([gMin, gMin + dG, gMin, gMin])),
    );
  });

  it('offset: G = G_mid + w·ΔG/(2·w_max) against a reference at G_mid (hand-computed)', () => {
    const c = testConfig({ crossbar: { mapping: 'offset', gMaxSiemens: gMax, onOffRatio: 10 } });
    const m = mapWeights([0.5, -1, 0, 0.25], 2, 2, c.crossbar, 1);
    near(m.arrays[0]!.gSiemens[0], gMin + dG * 0.75);
    near(m.arrays[0]!.gSiemens[1], gMin);
    expect(m.arrays[1]!.role).toBe('reference');
    near(m.arrays[1]!.gSiemens[0], (gMin + gMax) / 2);
  });

  it('NeuroSim quantiser: 6-bit weights round to 2^−5 first; 16-bit weights do not (wage Q, hand-computed)', () => {
    const w = [0.3, -0.61, 1, 0.0001234];
    const levels = (bits: number) => {
      const c = testConfig({
        crossbar: { mapping: 'offset', weightBits: bits, cellBits: bits, weightQuantiser: 'neurosim' },
      });
      const m = mapWeights(w, 4, 1, c.crossbar, 1);
      const { gMaxSiemens: hi, gMinSiemens: lo } = m;
      return Array.from(m.arrays[0]!.gSiemens, (g) => Math.round(((g - lo) / (hi - lo)) * (2 ** bits - 1)));
    };
    // 6 bits: L = round(31.5·(round(32·w)/32 + 1)); 0.0001234 rounds to W_q = 0, L = round(31.5) = 32.
    expect(levels(6)).toEqual(w.map((x) => Math.round(31.5 * (Math.round(32 * x) / 32 + 1))));
    // 16 bits: Q returns w for B > 15, so L = round(32767.5·(w + 1)) — 32772 for 0.0001234, not 32768.
    expect(levels(16)).toEqual(w.map((x) => Math.round(32767.5 * (x + 1))));
    expect(levels(16)[3]).toBe(32772);
  });

  it('bit slicing: magnitude 11 = 0b10_11 on 2-bit cells, recombined by shift-add (hand-computed)', () => {
    const c = testConfig({
      crossbar: { mapping: 'differential', weightBits: 5, cellBits: 2, gMaxSiemens: gMax, onOffRatio: 10 },
    });
    expect(sliceBitsOf(c.crossbar)).toEqual([2, 2]);
    // w = 11/15 of w_max = 1 → M = 11: slice 0 holds 3 (G_max), slice 1 holds 2 (G_min + ⅔ΔG).
    const m = mapWeights([11 / 15, -1], 1, 2, c.crossbar, 1);
    const [p0, n0, p1, n1] = m.arrays;
    near(p0!.gSiemens[0], gMax);
    near(p1!.gSiemens[0], gMin + (2 / 3) * dG);
    near(n0!.gSiemens[0], gMin);
    // w = −1 → M = 15 = 0b11_11 on the negative devices.
    near(n0!.gSiemens[1], gMax);
    near(n1!.gSiemens[1], gMax);
    // Digital recombination Σ_k 2^(2k)·3/ΔG·(G⁺ − G⁻)·w_max/15.
    const decoded = decodeWeights(m.arrays, m.groups, 1, 2, 2);
    expect(decoded[0]).toBeCloseTo(11 / 15, 6);
    expect(decoded[1]).toBeCloseTo(-1, 6);
  });

  it('bit-sliced offset binary: X = round(7.5·(w + 1)) = 9 = 0b10_01 (hand-computed)', () => {
    const c = testConfig({
      crossbar: { mapping: 'offset', weightBits: 4, cellBits: 2, gMaxSiemens: gMax, onOffRatio: 10 },
    });
    const m = mapWeights([0.2, -1], 1, 2, c.crossbar, 1);
    const data = m.arrays.filter((a) => a.role === 'offset');
    near(data[0]!.gSiemens[0], gMin + dG / 3);
    near(data[1]!.gSiemens[0], gMin + (2 * dG) / 3);
    // (X − 7.5)·2/15: 9 → 0.2; 0 → −1.
    const decoded = decodeWeights(m.arrays, m.groups, 1, 2, 2);
    expect(decoded[0]).toBeCloseTo(0.2, 6);
    expect(decoded[1]).toBeCloseTo(-1, 6);
  });

  it('round-trips unquantised weights through every scheme', () => {
    const w = randomArray(7 * 5, 3);
    for (const mapping of ['differential', 'offset'] as const)
      for (const differentialSubtraction of ['analog', 'digital'] as const) {
        const c = testConfig({ crossbar: { mapping, differentialSubtraction } });
        const m = mapWeights(w, 7, 5, c.crossbar, 2);
        const back = decodeWeights(m.arrays, m.groups, 7, 5, 3);
        for (let i = 0; i < w.length; i++) expect(back[i]).toBeCloseTo(w[i]!, 5);
      }
  });

  it('quantised round trip is within half a code step', () => {
    const w = randomArray(9 * 4, 4);
    const c = testConfig({ crossbar: { mapping: 'offset', weightBits: 8, cellBits: 3 } });
    const m = mapWeights(w, 9, 4, c.crossbar, 1);
    const back = decodeWeights(m.arrays, m.groups, 9, 4, 4);
    const step = (2 * m.wMax) / 255;
    for (let i = 0; i < w.length; i++)
      expect(Math.abs(back[i]! - w[i]!)).toBeLessThanOrEqual(step / 2 + 1e-9);
  });

  it('w_max from a percentile clips the largest weights; finite levels snap', () => {
    const w = Array.from({ length: 101 }, (_, i) => i / 100); // |W| 0 … 1
    near(computeWMax(w, { wMaxMode: 'percentile', wMaxPercentile: 90, wMaxFixed: 1 }), 0.9);
    near(snapToLevels(3.4e-5, gMin, gMax, 6), gMin + 1.8e-5); // levels every 18 µS
    const c = testConfig({ crossbar: { wMaxMode: 'percentile', wMaxPercentile: 90, conductanceLevels: 4 } });
    const m = mapWeights(w, 101, 1, c.crossbar, 1);
    near(m.arrays[0]!.gSiemens[100], c.crossbar.gMaxSiemens); // clipped to w_max
    const levels = new Set(Array.from(m.arrays[0]!.gSiemens));
    expect(levels.size).toBeLessThanOrEqual(4);
  });
});
