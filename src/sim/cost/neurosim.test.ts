/**
 * The cost model against NeuroSim: its default VGG-8/CIFAR-10 benchmark setting (counts checked by hand)
 * and NeuroSim's published per-array figures at 22 nm (Luo et al., IEEE JETCAS 2022, Table I). README.md
 * puts the chip totals beside NeuroSim's published VGG-8 figures.
 */
import { describe, expect, it } from 'vitest';
import { defaultExperimentConfig, withOverrides } from '../config';
import type { AnalogLayerSpec } from '../tiling';
import { estimateCost, estimateLayerCost } from './estimate';
import { LUO_2022_TABLE1_FEFET_22NM } from './technology';
import { defaultCostOptions } from './types';

/** NeuroSim's VGG-8 (NeuroSIM/NetWork.csv): 3×3 convs 128-128-256-256-512-512 on 32×32, pools after 2, 4, 6; FC 8192 → 1024 → 10. */
function neurosimVgg8(): AnalogLayerSpec[] {
  const layers: AnalogLayerSpec[] = [];
  let size = 32;
  let inChannels = 3;
  [128, 128, 256, 256, 512, 512].forEach((outChannels, i) => {
    const conv = { kind: 'conv', kernelSize: 3, stride: 1, padding: 'same' } as const;
    layers.push({
      name: `conv${i + 1}`,
      ...conv,
      inChannels,
      outChannels,
      inputHeight: size,
      inputWidth: size,
    });
    if (i % 2 === 1) size /= 2;
    inChannels = outChannels;
  });
  const dense = { kind: 'dense', kernelSize: 1, stride: 1, padding: 'valid' } as const;
  layers.push({ name: 'fc1', ...dense, inChannels: 8192, outChannels: 1024 });
  layers.push({ name: 'fc2', ...dense, inChannels: 1024, outChannels: 10 });
  return layers;
}

/**
 * NeuroSim V1.3 Param.cpp defaults: RRAM 1T1R, R_on 6 kΩ, R_off = 150·R_on, read voltage 0.5 V, 128 × 128
 * sub-arrays, cellBit 2, 5-bit MLSA ADC (levelOutput 32), numColMuxed 8; 8-bit weights and activations
 * (inference.py wl_weight = wl_activate = 8), inputs applied bit-serially. Its dummy (reference) columns
 * are modelled as our offset mapping's reference column inside each tile.
 */
const neurosimDefault = withOverrides(defaultExperimentConfig(), {
  crossbar: {
    ...{ tileRows: 128, tileCols: 128, mapping: 'offset', weightBits: 8, cellBits: 2 },
    ...{ gMaxSiemens: 1 / 6e3, onOffRatio: 150 },
  },
  periphery: { dacMode: 'bitSerial', dacBits: 8, adcBits: 5, vReadVolts: 0.5 },
});

describe("NeuroSim's default VGG-8 setting", () => {
  const est = estimateCost(neurosimDefault, neurosimVgg8(), { adcType: 'flash', columnsPerAdc: 8 });

  it('counts its MACs, tiles and ADC latency as by hand', () => {
    // MACs: 27·128·1024 + 1152·128·1024 + 1152·256·256 + 2304·256·256 + 2304·512·64 + 4608·512·64
    //       + 8192·1024 + 1024·10.
    expect(est.totals.macsPerImage).toBe(615_917_568);
    // Tiles (127 data columns + 1 reference per tile, 4 slices): row tiles × column tiles × 4 =
    // 1·2 + 9·2 + 9·3 + 18·3 + 18·5 + 36·5 + 64·9 + 8·1 = 955 → 3820.
    expect(est.layers.reduce((s, l) => s + l.plan.tileCount, 0)).toBe(3820);
    // 16 ADCs per tile (128 columns / 8) → 61,120 ADCs.
    expect(est.layers.reduce((s, l) => s + l.adcCount, 0)).toBe(61_120);
    // ADC latency: (1024 + 1024 + 256 + 256 + 64 + 64 + 1 + 1) vectors × 8 input cycles × 8 columns × 1 ns.
    expect(est.latencyPerImageSeconds.adc).toBeCloseTo(2690 * 8 * 8 * 1e-9, 15);
  });
});

describe("NeuroSim's published per-array figures at 22 nm (Luo et al. 2022, Table I, 2D FeFET)", () => {
  // One 128 × 128 array read for one 1-bit input: 2-bit cells, R_on 110 kΩ (the paper's Table II), on/off 100
  // (assumed), 0.5 V read (NeuroSim default), 5-bit MLSA ADCs, 8 columns per ADC.
  const cfg = withOverrides(defaultExperimentConfig(), {
    crossbar: {
      ...{ tileRows: 128, tileCols: 128, mapping: 'offset', weightBits: 2, cellBits: 2 },
      ...{ gMaxSiemens: 1 / 110e3, onOffRatio: 100 },
    },
    periphery: { dacMode: 'bitSerial', dacBits: 1, adcBits: 5, vReadVolts: 0.5 },
  });
  const spec: AnalogLayerSpec = {
    ...{ name: 'array', kind: 'dense', kernelSize: 1, stride: 1, padding: 'valid' },
    ...{ inChannels: 128, outChannels: 127 },
  };
  const array = estimateLayerCost(spec, cfg, {
    ...defaultCostOptions(),
    ...{ adcType: 'flash', columnsPerAdc: 8, inputActivity: 0.5 },
  });
  const published = LUO_2022_TABLE1_FEFET_22NM;

  it('is one array converting 128 columns', () => {
    expect(array.plan.tileCount).toBe(1);
    expect(array.adcConversionsPerImage).toBe(128);
    expect(array.adcCount).toBe(16);
  });

  it('ADC area within 1.5× (ours 16 × 338 µm² = 5415 µm² vs 4429 µm²)', () => {
    const ratio = array.areaSquareMicrons.adc / published.areaSquareMicrons.adc;
    expect(ratio).toBeGreaterThan(1 / 1.5);
    expect(ratio).toBeLessThan(1.5);
  });

  it('ADC energy per 1-bit input within 1.5× (ours ≈ 9.1 pJ vs 9.6 pJ)', () => {
    const ratio = array.energyPerImageJoules.adc / published.energyPerInputBitJoules.adc;
    expect(ratio).toBeGreaterThan(1 / 1.5);
    expect(ratio).toBeLessThan(1.5);
  });
});
