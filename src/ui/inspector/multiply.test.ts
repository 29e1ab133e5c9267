import { describe, expect, it } from 'vitest';
import { programChip } from '../../sim/chip';
import type { ExperimentConfig } from '../../sim/config';
import { referenceCalibrate, referenceForward } from '../../sim/reference';
import { createRng } from '../../sim/rng';
import { testConfig } from '../../sim/testUtils';
import { planLayer, type AnalogLayerSpec } from '../../sim/tiling';
import {
  adcHistogram,
  describeTileRows,
  multiply,
  readConfigOf,
  rowSource,
  type Inspection,
} from './multiply';

const uS = 1e-6;
const V_READ = 0.2;
/** 3 rows × 2 columns, differential pair (siemens, row-major). G⁺ − G⁻ = [[40, −30], [−20, 20], [0, 15]] µS. */
const G_POS = [50, 10, 10, 30, 20, 20].map((g) => g * uS);
const G_NEG = [10, 40, 30, 10, 20, 5].map((g) => g * uS);
/** Weight units per siemens of digitised current-per-volt (the group's c_g). */
const C_G = 1e4;
const NU = 2;
/** One input vector: x̃ = x/ν = [0.5, −0.25, 1]. */
const X = [1, -0.5, 2];

const config = (patch: Parameters<typeof testConfig>[0] = {}): ExperimentConfig =>
  testConfig(
    {
      crossbar: { mapping: 'differential' },
      periphery: {
        dacBits: 4,
        adcBits: 4,
        adcRange: 'calibrated',
        inputScaling: 'calibrated',
        vReadVolts: V_READ,
        dacMode: 'multilevel',
        dacEncoding: 'signed',
      },
    },
    patch,
  );

function array(label: string, role: 'positive' | 'negative', g: number[]) {
  return {
    label,
    role,
    slice: 0,
    cols: 2,
    gSiemens: Float32Array.from(g),
    targetSiemens: Float32Array.from(g),
    stuck: null,
  };
}

/** A hand-built inspection of the 3 × 2 tile. `analog`: one G⁺ − G⁻ group, else one group per polarity. */
function inspection(analog: boolean, fullScale: number[], inputs: number[] = X): Inspection {
  // Float32 storage of the hand values; the expected results below use the same rounded values.
  return {
    rowTile: 0,
    colTile: 0,
    rows: 3,
    rowIndex: Int32Array.from([0, 1, 2]),
    unrolling: { kernelSize: 1, inChannels: 3 },
    dataCols: 2,
    readPeriphery: null,
    gMinSiemens: 1 * uS,
    gMaxSiemens: 100 * uS,
    arrays: [array('G⁺', 'positive', G_POS), array('G⁻', 'negative', G_NEG)],
    adcFullScaleAmperes: fullScale,
    inputs: Float32Array.from(inputs),
    numVectors: inputs.length / 3,
    inputRows: 3,
    inputScale: NU,
    inputSigned: true,
    groups: analog
      ? [
          {
            label: 'G⁺ − G⁻',
            terms: [
              { array: 0, sign: 1 },
              { array: 1, sign: -1 },
            ],
            weightPerSiemens: C_G,
            signedCurrents: true,
          },
        ]
      : [
          { label: 'G⁺', terms: [{ array: 0, sign: 1 }], weightPerSiemens: C_G, signedCurrents: false },
          { label: 'G⁻', terms: [{ array: 1, sign: -1 }], weightPerSiemens: C_G, signedCurrents: false },
        ],
  };
}

const halfEven = (u: number) => {
  const f = Math.floor(u);
  const d = u - f;
  return d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
};

/**
 * Independent plain-loop float64 multiply for a signed input DAC (B_in bits, full-scale gain) and a
 * symmetric signed ADC (B_out bits, full scale FS_g per group), written from chip.ts's documented steps.
 */
function plainLoop(ins: Inspection, cfg: ExperimentConfig, v: number): number[] {
  const p = cfg.periphery;
  const qIn = 2 ** (p.dacBits - 1) - 1;
  const qOut = 2 ** (p.adcBits - 1) - 1;
  const x = Array.from({ length: 3 }, (_, j) => ins.inputs[v * 3 + j]!);
  const codes = x.map((xi) => halfEven(Math.min(1, Math.max(-1, xi / NU)) * qIn));
  // Multi-level: one read with V = V_read·q/q_max. Bit-serial: one read per bit of the 4-bit two's complement.
  const cycles: { volts: number[]; weight: number }[] =
    p.dacMode === 'multilevel'
      ? [{ volts: codes.map((q) => (V_READ * q) / qIn), weight: 1 }]
      : Array.from({ length: p.dacBits }, (_, z) => ({
          volts: codes.map((q) => V_READ * (Math.floor((q < 0 ? q + 2 ** p.dacBits : q) / 2 ** z) % 2)),
          weight: z === p.dacBits - 1 ? -(2 ** z) : 2 ** z,
        }));
  const post = p.dacMode === 'multilevel' ? 1 / V_READ : 1 / (V_READ * qIn);
  const y = [0, 0];
  ins.groups.forEach((group, g) => {
    const fs = ins.adcFullScaleAmperes![g]!;
    for (const { volts, weight } of cycles)
      for (let c = 0; c < 2; c++) {
        let current = 0;
        for (const t of group.terms) {
          const G = ins.arrays[t.array]!.gSiemens;
          for (let j = 0; j < 3; j++)
            current += volts[j]! * G[j * 2 + c]! * (group.terms.length > 1 ? t.sign : 1);
        }
        const sign = group.terms.length > 1 ? 1 : group.terms[0]!.sign;
        const code =
          p.adcBits === 0
            ? current / (fs / qOut)
            : Math.min(qOut, Math.max(-qOut, halfEven(current / (fs / qOut))));
        y[c]! += NU * post * sign * group.weightPerSiemens * weight * code * (fs / qOut);
      }
  });
  return y;
}

/** Equal to `rel` of the vector's largest magnitude (an exactly cancelling column may be ~0). */
const close = (actual: ArrayLike<number>, expected: ArrayLike<number>, rel = 1e-9) => {
  expect(actual.length).toBe(expected.length);
  const scale = Math.max(...Array.from(expected, Math.abs));
  for (let i = 0; i < expected.length; i++)
    expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThanOrEqual(rel * scale);
};

describe('inspector multiply (3 rows × 2 columns, differential pair, 4-bit DAC, 4-bit ADC)', () => {
  it('matches the hand computation, phase by phase', () => {
    const ins = inspection(true, [8 * uS]);
    const m = multiply(ins, config(), 0);
    // DAC: x̃ = [0.5, −0.25, 1] → codes rnd(7·x̃) = [4 (3.5 to even), −2 (−1.75), 7], V = 0.2·q/7 volts.
    expect(Array.from(m.dacStep.codes!)).toEqual([4, -2, 7]);
    close(m.dacStep.volts[0]!, [(0.2 * 4) / 7, (0.2 * -2) / 7, (0.2 * 7) / 7]);
    // Array: I = Σ V·(G⁺ − G⁻) = 0.2/7·[4·40 + 2·20, −4·30 − 2·20 + 7·15] µA = [40/7, −11/7] µA.
    const read = m.reads[0]![0]!;
    close(read.currents, [(40 / 7) * uS, (-11 / 7) * uS], 1e-6);
    // ADC: step 8/7 µA → codes [5, rnd(−1.375) = −1].
    expect(Array.from(read.codes)).toEqual([5, -1]);
    // Shift-add: y = ν·(1/V_read)·c_g·Q = 2·5·1e4·[40/7, −8/7] µA.
    close(m.result, [2 * 5 * C_G * (40 / 7) * uS, 2 * 5 * C_G * (-8 / 7) * uS], 1e-6);
    // Ideal: c_g·Σ x·ΔG = 1e4·[40 + 10, −30 − 10 + 30] µS = [0.5, −0.1].
    close(m.ideal, [0.5, -0.1], 1e-6);
  });

  for (const [name, analog, patch] of [
    ['analog subtraction, multi-level DAC', true, {}],
    ['digital subtraction, multi-level DAC', false, {}],
    ['analog subtraction, bit-serial DAC', true, { periphery: { dacMode: 'bitSerial' } }],
    ['ideal ADC', true, { periphery: { adcBits: 0 } }],
  ] as const) {
    it(`equals an independent plain-loop float64 multiply (${name})`, () => {
      const rng = createRng(7).fork(name);
      // Random inputs (some beyond ν, so the DAC clips) and a full scale that makes some reads clip.
      const inputs = Array.from({ length: 3 * 16 }, () => 5 * (rng.uniform() - 0.5));
      const cfg = config(patch);
      const ins = inspection(analog, analog ? [5 * uS] : [6 * uS, 6 * uS], inputs);
      for (let v = 0; v < ins.numVectors; v++) close(multiply(ins, cfg, v).result, plainLoop(ins, cfg, v));
    });
  }

  it('counts as clipped exactly the ADC inputs beyond the full scale', () => {
    const rng = createRng(11).fork('clip');
    const inputs = Array.from({ length: 3 * 32 }, () => 4 * (rng.uniform() - 0.5));
    const ins = inspection(true, [3 * uS], inputs);
    const cfg = config();
    const hist = adcHistogram(ins, cfg);
    let beyond = 0;
    for (let v = 0; v < ins.numVectors; v++)
      for (const i of multiply(ins, cfg, v).reads[0]![0]!.currents) if (Math.abs(i) > 3 * uS) beyond += 1;
    expect(hist.total).toBe(ins.numVectors * 2);
    expect(beyond).toBeGreaterThan(0);
    expect(hist.clipped).toBe(beyond);
    expect(hist.counts.reduce((s, n) => s + n, 0)).toBe(hist.total);
    expect([hist.lo, hist.hi]).toEqual([-3 * uS, 3 * uS]);
  });

  it('shows what the simulated chip computes (src/sim/reference.ts) for a layer that fits one tile', () => {
    const spec: AnalogLayerSpec = {
      name: 'tiny',
      kind: 'dense',
      inChannels: 3,
      outChannels: 2,
      kernelSize: 1,
      stride: 1,
      padding: 'valid',
    };
    const cfg = config({ periphery: { adcCalibrationPercentile: 90 } });
    const rng = createRng(3);
    const kernel = Array.from({ length: 6 }, () => rng.normal());
    const chip = programChip(spec, kernel, null, cfg, rng.fork('programming'));
    expect([chip.plan.rowTiles, chip.plan.colTiles]).toEqual([1, 1]);
    const data = Array.from({ length: 3 * 24 }, () => 2 * rng.normal());
    const input = { data, shape: [24, 3] };
    const calib = referenceCalibrate(chip, cfg, input);
    const expected = referenceForward(chip, cfg, input, calib);
    const ins: Inspection = {
      rowTile: 0,
      colTile: 0,
      rows: 3,
      rowIndex: Int32Array.from([0, 1, 2]),
      unrolling: { kernelSize: 1, inChannels: 3 },
      dataCols: 2,
      readPeriphery: null,
      gMinSiemens: chip.gMinSiemens,
      gMaxSiemens: chip.gMaxSiemens,
      arrays: chip.arrays.map((a) => ({ ...a, stuck: null })),
      adcFullScaleAmperes: calib.adcFullScaleAmperes,
      inputs: Float32Array.from(data),
      numVectors: 24,
      inputRows: 3,
      inputScale: calib.inputScale,
      inputSigned: chip.inputSigned,
      groups: chip.groups,
    };
    // The 90th-percentile full scale clips some reads: the comparison covers the ADC's saturation too.
    expect(adcHistogram(ins, cfg).clipped).toBeGreaterThan(0);
    for (let v = 0; v < 24; v++)
      close(multiply(ins, cfg, v).result, expected.subarray(2 * v, 2 * v + 2), 1e-6);
  });
});

describe('which rows a tile holds', () => {
  const conv = (inChannels: number): AnalogLayerSpec => ({
    name: 'c',
    kind: 'conv',
    inChannels,
    outChannels: 2,
    kernelSize: 3,
    stride: 1,
    padding: 'same',
  });
  const tile = (spec: AnalogLayerSpec, crossbar: Parameters<typeof testConfig>[0], t: number): Inspection => {
    const plan = planLayer(spec, testConfig(crossbar).crossbar);
    const rowIndex = plan.tileRowIndex[t]!;
    return {
      ...inspection(true, [1]),
      rows: rowIndex.length,
      rowIndex,
      unrolling: { kernelSize: spec.kernelSize, inChannels: spec.inChannels },
    };
  };

  it('names NeuroSim sub-arrays by kernel position and MemTorch tiles by torch’s row order', () => {
    // Cin = 5, per kernel position: tile 5 is position (2, 3) (1-based), channels 1–5.
    const ns = tile(conv(5), { crossbar: { tileRows: 16, rowTiling: 'perKernelPosition' } }, 5);
    expect(describeTileRows(ns)).toBe('This tile holds channels 1–5 at one kernel position (2, 3).');
    expect(rowSource(ns, 4)).toEqual({ channel: 4, position: [1, 2] });
    // Cin = 3, channel-major cut of 16: channel 1 at all 9 positions, then channel 2 at 7.
    const mt = tile(conv(3), { crossbar: { tileRows: 16, rowOrder: 'channelMajor' } }, 0);
    expect(describeTileRows(mt)).toBe(
      'This tile holds channels 1–2 across 9 kernel positions, in torch’s (cin, kh, kw) row order.',
    );
    expect(rowSource(mt, 9)).toEqual({ channel: 1, position: [0, 0] });
    const km = tile(conv(3), { crossbar: { tileRows: 16 } }, 0);
    expect(describeTileRows(km)).toBe(
      'This tile holds channels 1–3 across 6 kernel positions, in the (kh, kw, cin) row order.',
    );
  });

  it('reads the image-input layer with the periphery the worker sends', () => {
    const cfg = config();
    const ins = { ...inspection(true, [1]), readPeriphery: { ...cfg.periphery, dacBits: 0, adcBits: 0 } };
    expect(readConfigOf(ins, cfg).periphery.adcBits).toBe(0);
    // Ideal converters: the result is the exact product with the programmed conductances.
    const m = multiply(ins, cfg, 0);
    for (let c = 0; c < 2; c++) expect(m.result[c]).toBeCloseTo(m.ideal[c]!, 6);
  });
});
