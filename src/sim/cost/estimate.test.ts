import { describe, expect, it } from 'vitest';
import { defaultExperimentConfig, withOverrides, type DeepPartial, type ExperimentConfig } from '../config';
import type { AnalogLayerSpec } from '../tiling';
import { createVgg8 } from '../../models/vgg8';
import { estimateCost, estimateLayerCost } from './estimate';
import { COMPONENTS, defaultCostOptions, sumBreakdown, type ComponentBreakdown } from './types';

const config = (patch: DeepPartial<ExperimentConfig>) => withOverrides(defaultExperimentConfig(), patch);
const opts = (patch: Partial<ReturnType<typeof defaultCostOptions>> = {}) => ({
  ...defaultCostOptions(),
  ...patch,
});

/** The paper's VGG-8 (src/models) as analog specs, mapped as src/engine/analogRunner.ts `toAnalogSpec` does. */
const vgg8: AnalogLayerSpec[] = createVgg8().linearLayers.map((l, i) => ({
  name: l.name,
  kind: l.kind,
  inChannels: l.inChannels,
  outChannels: l.outChannels,
  kernelSize: l.kernelSize,
  stride: l.stride,
  padding: l.padding,
  inputHeight: l.inputHeight,
  inputWidth: l.inputWidth,
  inputNonNegative: i > 0,
}));
const conv3 = vgg8[2]!; // 3×3, 48 → 96 channels on 16×16: K = 432 rows, N = 96 columns, 256 output pixels.

const CELL_SQUARE_MICRONS = 4 * 12 * 0.04 ** 2; // NeuroSim 1T1R, 48 F² with F = 40 nm = 0.0768 µm²
const A_T = 212.8 * 0.022 ** 2; // minimum transistor at 22 nm (see adc.test.ts)

describe('a small dense layer, every component computed by hand', () => {
  // 6 inputs → 5 outputs on 4×4 tiles, differential pairs subtracted in analog, unquantised weights (one
  // slice), 4-bit bit-serial inputs, 3-bit flash ADCs shared by 2 columns.
  const cfg = config({
    crossbar: {
      ...{
        tileRows: 4,
        tileCols: 4,
        mapping: 'differential',
        differentialSubtraction: 'analog',
        weightBits: 0,
      },
      ...{ gMaxSiemens: 1e-4, onOffRatio: 10 },
    },
    periphery: { dacMode: 'bitSerial', dacBits: 4, adcBits: 3, vReadVolts: 0.2 },
  });
  const spec: AnalogLayerSpec = {
    name: 'd',
    kind: 'dense',
    inChannels: 6,
    outChannels: 5,
    kernelSize: 1,
    stride: 1,
    padding: 'valid',
  };
  const cost = estimateLayerCost(spec, cfg, opts({ columnsPerAdc: 2, inputActivity: 0.5 }));

  it('counts tiles, ADCs and conversions', () => {
    // 2 row tiles (4 + 2 rows) × 2 column tiles (4 + 1) × 2 polarities = 8 tiles; 4 groups × ⌈4/2⌉ = 8 ADCs.
    expect(cost.plan.tileCount).toBe(8);
    expect(cost.adcCount).toBe(8);
    expect(cost.sequentialConversionsPerAdc).toBe(2);
    // 2 row tiles × 4 input cycles × 5 column pairs.
    expect(cost.adcConversionsPerImage).toBe(40);
    expect(cost.partialSumsPerOutput).toBe(2);
  });

  it('area per component', () => {
    const a = cost.areaSquareMicrons;
    expect(a.array).toBeCloseTo(8 * 4 * 4 * CELL_SQUARE_MICRONS, 9); // 9.8304
    expect(a.adc).toBeCloseTo(8 * 7 * 106 * A_T, 9); // 8 ADCs × 7 levels × 106 transistors = 611.38
    expect(a.dacDrivers).toBeCloseTo(8 * 4 * ((271 + 386) / 128), 9); // 32 rows × 5.1328 = 164.25
    // 8 shift-add units × 832/16 µm² + 5 accumulators × 7 bits × (137/32 µm² at 45 nm × (22/45)²).
    // Accumulator bits: 3 (ADC) + 3 (input shifts) + 0 (one slice) + ⌈log₂ 2⌉ = 7.
    expect(a.shiftAddAccumulation).toBeCloseTo(8 * 52 + 5 * 7 * (137 / 32) * (22 / 45) ** 2, 9); // 451.81
    expect(a.buffers).toBeCloseTo(8 * 4 * 4 * 0.184, 9); // input registers: 128 bits × 0.184 µm²
  });

  it('energy per image per component', () => {
    const e = cost.energyPerImageJoules;
    // Array: 32 tile-cycles (8 tiles × 4 cycles) × C_BL (4 rows × 0.16 µm × 0.2 fF/µm = 0.128 fF) × 0.2² V² × 4
    // columns, plus 48 driven row-cycles (4 cycles × 24 used rows × 0.5) × C_WL (4 × 0.48 µm × 0.2 fF/µm) × 0.85² V².
    expect(e.array).toBeCloseTo(32 * 0.128e-15 * 0.04 * 4 + 48 * 0.384e-15 * 0.7225, 26); // 1.3972e-14 J
    // ADC: 40 conversions × (7 levels × 1.7 µW + 0.0631 V² × G × 0.2/0.5) × 1 ns, where the sensed conductance
    // G = 1.5 driven rows (3 per row tile × 0.5) × Ḡ (5.5e-5 S) × 2 cells (the pair) = 1.65e-4 S.
    expect(e.adc).toBeCloseTo(40 * (7 * 1.7e-6 + 0.0631 * 1.65e-4 * 0.4) * 1e-9, 24); // 6.4258e-13 J
    // Drivers: 4 cycles × 24 used rows (6 rows × 2 column tiles × 2 polarities) × 0.5 × 6.6 pJ/128 × 4/128.
    expect(e.dacDrivers).toBeCloseTo(4 * 24 * 0.5 * (6.6e-12 / 128) * (4 / 128), 24); // 7.734e-14 J
    // Shift-add: 40 × 9.1 pJ/128; accumulation: 5 outputs × 1 addition × 7 bits × 3.125 fJ × (22/45)(0.85/0.9)².
    const bitAdd = (0.1e-12 / 32) * (22 / 45) * (0.85 / 0.9) ** 2;
    expect(e.shiftAddAccumulation).toBeCloseTo(40 * (9.1e-12 / 128) + 5 * 7 * bitAdd, 24);
    // Buffers: 6 inputs × 4 bits + 5 outputs × 8 bits = 64 bits × (10 pJ / 64 bits) × scale.
    expect(e.buffers).toBeCloseTo(64 * (10e-12 / 64) * (22 / 45) * (0.85 / 0.9) ** 2, 24);
  });

  it('latency per image per component', () => {
    const l = cost.latencyPerImageSeconds;
    expect(l.adc).toBeCloseTo(1 * 4 * 2 * 1e-9, 18); // 1 vector × 4 cycles × 2 columns per ADC × 1 ns
    expect(l.shiftAddAccumulation).toBeCloseTo(1e-9, 18); // ⌈log₂ 2⌉ = 1 cycle at 1 GHz
    expect(l.buffers).toBeCloseTo(1e-9, 18); // ⌈64 / 2048⌉ = 1 cycle
    expect(l.array + l.dacDrivers).toBe(0); // row drive and settling hidden under the conversions
    expect(cost.totals.latencyPerImageSeconds).toBeCloseTo(10e-9, 18);
  });

  it('per-tile figures are the layer figures over its 8 tiles', () => {
    for (const c of COMPONENTS) {
      expect(cost.perTile.areaSquareMicrons[c]).toBeCloseTo(cost.areaSquareMicrons[c] / 8, 12);
      expect(cost.perTile.energyPerImageJoules[c]).toBeCloseTo(cost.energyPerImageJoules[c] / 8, 26);
    }
  });
});

describe('scaling laws', () => {
  it('tile counts, ADC counts and array area vs tile size (conv3: K = 432, N = 96)', () => {
    const at = (size: number) =>
      estimateLayerCost(
        conv3,
        config({ crossbar: { tileRows: size, tileCols: size, mapping: 'differential' } }),
      );
    // 64: ⌈432/64⌉ = 7 × ⌈96/64⌉ = 2 × 2 polarities = 28 tiles; ADCs 14 groups × 64/8 = 112.
    // 128: 4 × 1 × 2 = 8 tiles, ADCs 4 × 16 = 64. 256: 2 × 1 × 2 = 4 tiles, ADCs 2 × 32 = 64.
    expect([64, 128, 256].map((s) => at(s).plan.tileCount)).toEqual([28, 8, 4]);
    expect([64, 128, 256].map((s) => at(s).adcCount)).toEqual([112, 64, 64]);
    expect(at(64).areaSquareMicrons.array).toBeCloseTo(28 * 64 * 64 * CELL_SQUARE_MICRONS, 6);
    expect(at(256).areaSquareMicrons.array).toBeCloseTo(4 * 256 * 256 * CELL_SQUARE_MICRONS, 6);
  });

  it('ADC latency grows with the bit-serial input cycles (and SAR with its b + 1 cycles)', () => {
    const adcLatency = (
      periphery: DeepPartial<ExperimentConfig['periphery']>,
      adcType: 'flash' | 'sar' = 'flash',
    ) =>
      estimateLayerCost(conv3, config({ periphery: { adcBits: 5, ...periphery } }), opts({ adcType }))
        .latencyPerImageSeconds.adc;
    // 256 vectors × cycles × 8 columns per ADC × 1 ns.
    expect(adcLatency({ dacMode: 'bitSerial', dacBits: 8 })).toBeCloseTo(256 * 8 * 8 * 1e-9, 15); // 16.384 µs
    expect(adcLatency({ dacMode: 'bitSerial', dacBits: 4 })).toBeCloseTo(256 * 4 * 8 * 1e-9, 15); // 8.192 µs
    expect(adcLatency({ dacMode: 'multilevel', dacBits: 8 })).toBeCloseTo(256 * 1 * 8 * 1e-9, 15); // 2.048 µs
    expect(adcLatency({ dacMode: 'bitSerial', dacBits: 8 }, 'sar')).toBeCloseTo(256 * 8 * 8 * 6e-9, 15);
  });

  it('sharing an ADC among more columns trades ADC area for latency; ADC energy is unchanged', () => {
    const at = (columnsPerAdc: number) =>
      estimateLayerCost(conv3, defaultExperimentConfig(), opts({ columnsPerAdc }));
    const [m4, m8, m16] = [at(4), at(8), at(16)];
    // 128 columns: 32, 16, 8 ADCs per group (4 groups of 2 tiles); 4, 8, 16 conversions in a row.
    expect([m4.adcCount, m8.adcCount, m16.adcCount]).toEqual([128, 64, 32]);
    expect(m4.areaSquareMicrons.adc / m8.areaSquareMicrons.adc).toBeCloseTo(2, 12);
    expect(m16.latencyPerImageSeconds.adc / m8.latencyPerImageSeconds.adc).toBeCloseTo(2, 12);
    expect(m16.energyPerImageJoules.adc).toBeCloseTo(m4.energyPerImageJoules.adc, 20);
  });

  it('ADC energy: the conversions the plan counts × (comparators + sensed column current)', () => {
    const cfg = config({
      crossbar: { mapping: 'offset', weightBits: 8, cellBits: 2 },
      periphery: { adcBits: 5 },
    });
    const cost = estimateLayerCost(conv3, cfg);
    // Offset, 4 slices: per pixel 4 row tiles × 1 cycle × 4 slices × (96 + 1 reference) = 1552 conversions.
    expect(cost.adcConversionsPerImage).toBe(256 * 1552);
    // Each: 31 levels × 1.7 µW × 1 ns + column current 0.0631 V² × (108 rows per tile × 0.5 × 5.5e-5 S) × 0.2/0.5 × 1 ns.
    expect(cost.energyPerImageJoules.adc).toBeCloseTo(
      256 * 1552 * (31 * 1.7e-15 + 0.0631 * 54 * 5.5e-5 * 0.4e-9),
      18,
    );
  });
});

/** a ≈ b to 12 significant digits (exactly, when b is 0). */
function expectRelativelyClose(a: number, b: number) {
  if (b === 0) expect(a).toBe(0);
  else expect(a / b).toBeCloseTo(1, 12);
}

function expectTotalsEqualBreakdown(
  totals: { areaSquareMicrons: number; energyPerImageJoules: number; latencyPerImageSeconds: number },
  parts: {
    areaSquareMicrons: ComponentBreakdown;
    energyPerImageJoules: ComponentBreakdown;
    latencyPerImageSeconds: ComponentBreakdown;
  },
) {
  const manual = (b: ComponentBreakdown) =>
    b.array + b.adc + b.dacDrivers + b.shiftAddAccumulation + b.buffers;
  expectRelativelyClose(totals.areaSquareMicrons, manual(parts.areaSquareMicrons));
  expectRelativelyClose(totals.energyPerImageJoules, manual(parts.energyPerImageJoules));
  expectRelativelyClose(totals.latencyPerImageSeconds, manual(parts.latencyPerImageSeconds));
}

describe('totals', () => {
  const cases: [string, DeepPartial<ExperimentConfig>, 'flash' | 'sar'][] = [
    ['default (differential, analog subtraction)', {}, 'flash'],
    [
      'offset, 4 slices, bit-serial, SAR',
      {
        crossbar: { mapping: 'offset', weightBits: 8, cellBits: 2 },
        periphery: { dacMode: 'bitSerial', adcBits: 5 },
      },
      'sar',
    ],
    [
      'digital subtraction, 64×32 tiles',
      { crossbar: { differentialSubtraction: 'digital', tileRows: 64, tileCols: 32 } },
      'flash',
    ],
  ];
  for (const [name, patch, adcType] of cases)
    it(`equal the sum of the breakdown, per layer and for the chip: ${name}`, () => {
      const est = estimateCost(config(patch), vgg8, { adcType });
      for (const layer of est.layers) expectTotalsEqualBreakdown(layer.totals, layer);
      expectTotalsEqualBreakdown(est.totals, est);
      // The chip breakdown is the layers' sum, plus the global buffer under buffers.
      for (const key of ['areaSquareMicrons', 'energyPerImageJoules', 'latencyPerImageSeconds'] as const)
        for (const c of COMPONENTS) {
          const layersSum = est.layers.reduce((s, l) => s + l[key][c], 0);
          const extra =
            key === 'areaSquareMicrons' && c === 'buffers' ? est.globalBufferAreaSquareMicrons : 0;
          expectRelativelyClose(est[key][c], layersSum + extra);
        }
      expect(est.totals.areaSquareMicrons).toBeCloseTo(sumBreakdown(est.areaSquareMicrons), 6);
    });

  it('TOPS/W, TOPS and FPS follow from 2 operations per MAC', () => {
    const est = estimateCost(defaultExperimentConfig(), vgg8);
    expect(est.totals.macsPerImage).toBe(75_206_400); // paper-companion-code.md §1
    expect(est.totals.topsPerWatt).toBeCloseTo((2 * 75_206_400) / est.totals.energyPerImageJoules / 1e12, 9);
    expect(est.totals.tops).toBeCloseTo((2 * 75_206_400) / est.totals.latencyPerImageSeconds / 1e12, 9);
    expect(est.totals.framesPerSecond).toBeCloseTo(1 / est.totals.latencyPerImageSeconds, 6);
    expect(est.isEstimate).toBe(true);
  });

  it('sizes the global buffer for the largest input + output activations', () => {
    // VGG-8 conv2 (48×32×32 in, 48×32×32 out) is the largest: (49152 + 49152) values × 8 bits × 0.184 µm²
    // (conv1: 3072 + 49152; conv3: 12288 + 24576).
    const est = estimateCost(defaultExperimentConfig(), vgg8);
    expect(est.globalBufferAreaSquareMicrons).toBeCloseTo((49152 + 49152) * 8 * 0.184, 6);
  });
});

describe('the config fields the estimate reads', () => {
  it('takes the ADC type and columns per ADC from the config, and an option overrides them', () => {
    const sarBy16 = config({ periphery: { adcType: 'sar', columnsPerAdc: 16 } });
    const fromConfig = estimateCost(sarBy16, vgg8);
    expect(fromConfig.options.adcType).toBe('sar');
    expect(fromConfig.options.columnsPerAdc).toBe(16);
    // The same numbers as the defaults' config with the same options passed explicitly.
    const fromOptions = estimateCost(defaultExperimentConfig(), vgg8, { adcType: 'sar', columnsPerAdc: 16 });
    expect(fromConfig.totals).toEqual(fromOptions.totals);
    expect(fromConfig.totals).not.toEqual(estimateCost(defaultExperimentConfig(), vgg8).totals);
    // Explicit options win over the config; undefined ones do not erase it.
    const overridden = estimateCost(sarBy16, vgg8, { adcType: 'flash', columnsPerAdc: undefined });
    expect(overridden.options.adcType).toBe('flash');
    expect(overridden.options.columnsPerAdc).toBe(16);
    expect(estimateLayerCost(conv3, sarBy16).adcCount).toBe(
      estimateLayerCost(conv3, defaultExperimentConfig(), opts({ columnsPerAdc: 16 })).adcCount,
    );
  });

  it('defaults to a flash ADC shared by 8 columns (NeuroSim Param.cpp)', () => {
    const c = defaultExperimentConfig();
    expect([c.periphery.adcType, c.periphery.columnsPerAdc]).toEqual(['flash', 8]);
  });
});

describe('edge cases', () => {
  it('needs the input size of a conv layer', () => {
    const { inputHeight: _h, inputWidth: _w, ...noSize } = conv3;
    expect(() => estimateLayerCost(noSize, defaultExperimentConfig())).toThrow(/input size/);
  });

  it('does not cost an ideal (0-bit) ADC, and says so', () => {
    const est = estimateCost(config({ periphery: { adcBits: 0 } }), vgg8);
    expect(est.areaSquareMicrons.adc).toBe(0);
    expect(est.energyPerImageJoules.adc).toBe(0);
    expect(est.warnings.some((w) => w.includes('ADC bits = 0'))).toBe(true);
    expect(estimateCost(defaultExperimentConfig(), vgg8).warnings.some((w) => w.includes('ADC'))).toBe(false);
  });
});
