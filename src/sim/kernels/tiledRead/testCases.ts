/**
 * Read configurations and set-up shared by the tiled-read tests (Node: reference vs reference.ts;
 * WebGPU: kernel vs the composite tfjs path). Same chips and conventions as analogLayer.test.ts.
 */
import { expect } from 'vitest';
import { programChip, type CalibrationState, type ProgrammedChip } from '../../chip';
import type { DeepPartial, ExperimentConfig } from '../../config';
import { referenceCalibrate, type RefInput } from '../../reference';
import { createRng } from '../../rng';
import {
  breakTies,
  convSpec,
  dacModes,
  denseSpec,
  kernelShape,
  mappings,
  randomArray,
  testConfig,
} from '../../testUtils';
import type { AnalogLayerSpec } from '../../tiling';
import {
  convGeometry,
  denseGeometry,
  driftLogTimeRatio,
  packChip,
  tiledReadParams,
  type PackedChip,
  type TiledReadParams,
} from './layout';
import type { TiledReadData } from './tiledRead.reference';

export const tiles: DeepPartial<ExperimentConfig> = { crossbar: { tileRows: 8, tileCols: 5 } };

const adcRanges: Record<string, DeepPartial<ExperimentConfig>> = {
  fixed: { periphery: { adcRange: 'fixed', adcBits: 7, adcFixedFullScaleGmaxCurrents: 2 } },
  calibrated: { periphery: { adcRange: 'calibrated', adcBits: 6, adcCalibrationPercentile: 100 } },
  ideal: { periphery: { adcBits: 0 } },
};
const conventions: Record<string, DeepPartial<ExperimentConfig>> = {
  'powerOfTwo levels, fixed range, half-up': {
    periphery: { adcRange: 'fixed', adcLevels: 'powerOfTwo', adcRounding: 'halfUp', adcBits: 6 },
  },
  // (Floor rounding is covered by the unsigned NeuroSim case: on a signed grid a zero current, e.g. a row
  // tile of padding, sits exactly on a floor boundary.)
  'minMax levels, calibrated range': {
    periphery: { adcRange: 'calibrated', adcLevels: 'minMax', adcBits: 5 },
  },
  'per-vector input scaling': { periphery: { inputScaling: 'perVector', adcRange: 'fixed', adcBits: 6 } },
  'dynamic input range, ideal DAC, unsigned ADC on offset, 99th-percentile range': {
    crossbar: { mapping: 'offset' },
    periphery: { inputScaling: 'dynamic', dacBits: 0, adcRange: 'calibrated', adcCalibrationPercentile: 99 },
  },
  'NeuroSim gain conventions, unsigned bit-serial inputs': {
    ...breakTies,
    crossbar: { mapping: 'offset', weightBits: 6, cellBits: 6, weightQuantiser: 'neurosim' },
    periphery: {
      dacMode: 'bitSerial',
      dacBits: 6,
      dacGainConvention: 'neurosim',
      dacEncoding: 'unsigned',
      adcRange: 'calibrated',
      adcLevels: 'minMax',
      adcRounding: 'floor',
    },
  },
  'no input scaling, half-up DAC': { periphery: { inputScaling: 'none', dacRounding: 'halfUp' } },
  'one tile per layer': { crossbar: { tileRows: 0, tileCols: 0 } },
  'finite conductance levels': { crossbar: { conductanceLevels: 9 } },
  'drift with compensation': {
    device: { drift: { enabled: true, compensation: true, readTimeSeconds: 1e5 } },
  },
};

export interface ReadCase {
  name: string;
  spec: AnalogLayerSpec;
  config: ExperimentConfig;
}

/** Every mapping × DAC × ADC range, then other conventions; dense and conv each. */
export function readCases(): ReadCase[] {
  const cases: ReadCase[] = [];
  for (const spec of [denseSpec, convSpec]) {
    for (const [mapName, mapping] of Object.entries(mappings))
      for (const [dacName, dac] of Object.entries(dacModes))
        for (const [adcName, adc] of Object.entries(adcRanges)) {
          const lattice = mapName.startsWith('bit-sliced') || dacName === 'bitSerial';
          cases.push({
            name: `${spec.kind}: ${mapName} × ${dacName} × ADC ${adcName}`,
            spec,
            config: testConfig(tiles, mapping, dac, adc, lattice ? breakTies : {}),
          });
        }
    for (const [name, patch] of Object.entries(conventions))
      cases.push({ name: `${spec.kind}: ${name}`, spec, config: testConfig(tiles, patch) });
  }
  const valid = { ...convSpec, stride: 1, padding: 'valid' as const, inputNonNegative: true };
  cases.push({
    name: 'conv: valid padding, stride 1, non-negative bit-serial inputs',
    spec: valid,
    config: testConfig(tiles, dacModes.bitSerial!, breakTies),
  });
  return cases;
}

export function inputFor(spec: AnalogLayerSpec, batch: number, seed: number): RefInput {
  const shape =
    spec.kind === 'conv'
      ? [batch, spec.inputHeight!, spec.inputWidth!, spec.inChannels]
      : [batch, spec.inChannels];
  const data = randomArray(
    shape.reduce((a, b) => a * b, 1),
    seed,
  );
  if (spec.inputNonNegative) for (let i = 0; i < data.length; i++) data[i] = Math.max(0, data[i]!);
  return { data, shape };
}

export function programFor(spec: AnalogLayerSpec, config: ExperimentConfig, seed = 11) {
  const kernel = randomArray(
    kernelShape(spec).reduce((a, b) => a * b, 1),
    seed,
    0.3,
  );
  const bias = randomArray(spec.outChannels, seed + 1, 0.1);
  return { kernel, bias, chip: programChip(spec, kernel, bias, config, createRng(seed).fork('programming')) };
}

/** ν for inputScaleMode 'given' (calibrated, dynamic or none), as the composite path takes it. */
export function givenInputScale(
  config: ExperimentConfig,
  input: RefInput,
  calib: CalibrationState,
): number | null {
  switch (config.periphery.inputScaling) {
    case 'perVector':
      return null;
    case 'none':
      return 1;
    case 'calibrated':
      return calib.inputScale!;
    case 'dynamic': {
      const m = Array.from(input.data).reduce((s, v) => Math.max(s, Math.abs(v)), 0);
      return m > 0 ? m : 1;
    }
  }
}

export interface PreparedRead {
  chip: ProgrammedChip;
  config: ExperimentConfig;
  packed: PackedChip;
  input: RefInput;
  calib: CalibrationState;
  params: (seed: readonly [number, number]) => TiledReadParams;
  data: TiledReadData;
}

/** Chip, input, calibration (float64, as reference.ts does it), kernel parameters and data of a case. */
export function prepareRead(
  spec: AnalogLayerSpec,
  config: ExperimentConfig,
  batch = 3,
  seed = 11,
): PreparedRead {
  const { chip } = programFor(spec, config, seed);
  const input = inputFor(spec, batch, seed + 2);
  const calib = referenceCalibrate(chip, config, input);
  return prepareWith(chip, config, input, calib);
}

export function prepareWith(
  chip: ProgrammedChip,
  config: ExperimentConfig,
  input: RefInput,
  calib: CalibrationState,
): PreparedRead {
  const packed = packChip(chip);
  const geometry =
    chip.spec.kind === 'conv' ? convGeometry(chip.spec, input.shape) : denseGeometry(input.shape[0]!, chip.K);
  return {
    chip,
    config,
    packed,
    input,
    calib,
    params: (seed) => tiledReadParams(chip, config, geometry, seed),
    data: {
      layerInput: input.data,
      conductances: packed.conductancesSiemens,
      readPlan: packed.readPlan,
      groupWeights: packed.groupWeights,
      adcFullScale: calib.adcFullScaleAmperes,
      inputScale: givenInputScale(config, input, calib),
      driftNu: null,
    },
  };
}

/** y + bias, for comparing with reference.ts / the layer (which add the bias). */
export function withBias(y: ArrayLike<number>, chip: ProgrammedChip): Float64Array {
  const out = Float64Array.from(y);
  if (chip.bias) for (let i = 0; i < out.length; i++) out[i]! += chip.bias[i % chip.N]!;
  return out;
}

/** Read noise (PCM), output noise and ADC noise on a fine ADC: quantisation adds only Δ²/12. */
export const noisy = (patch: Parameters<typeof testConfig>[0] = {}): ExperimentConfig =>
  testConfig(
    tiles,
    {
      device: {
        readNoise: { enabled: true, model: 'pcmRead', sigma: 0.05 },
        outputNoise: { enabled: true, sigmaFracOfGmaxCurrent: 0.1 },
      },
      periphery: { adcBits: 0 },
    },
    patch,
  );

/**
 * Per output: |mean − 0| < 5·σ/√n and |s²/σ² − 1| < 5·√(2/(n − 1)) (normal sampling error, 5 standard
 * errors: with ~33 outputs a false alarm has probability ~1e-5).
 */
export function expectMoments(sum: Float64Array, sq: Float64Array, variance: Float64Array, n: number) {
  for (let i = 0; i < variance.length; i++) {
    const mean = sum[i]! / n;
    const s2 = (sq[i]! - n * mean * mean) / (n - 1);
    expect(Math.abs(mean)).toBeLessThan(5 * Math.sqrt(variance[i]! / n));
    expect(Math.abs(s2 / variance[i]! - 1)).toBeLessThan(5 * Math.sqrt(2 / (n - 1)));
  }
}

/** Noise configurations whose output moments have a closed form (referenceOutputVariance). */
export const noiseCases: [string, ExperimentConfig][] = [
  ['read + output noise, multilevel DAC', noisy()],
  ['read + output noise, bit-serial DAC', noisy({ periphery: { dacMode: 'bitSerial', dacBits: 4 } })],
  [
    'ADC noise on a 14-bit fixed-range ADC',
    noisy({ periphery: { adcBits: 14, adcRange: 'fixed', adcNoise: { enabled: true, sigmaLsb: 40 } } }),
  ],
];

/** The same read with every noise off. */
export function withoutNoise(p: TiledReadParams): TiledReadParams {
  return { ...p, noise: { ...p.noise, readModel: 'off', outputSigmaAmperes: 0, adcSigmaLsb: 0 } };
}

/**
 * The read of `r` with drift applied in the kernel: conductances G(t0) (the chip's undrifted ones) and
 * drift exponents ν ~ |N(0.06, 0.02)| per device (the programmed chip keeps no ν, so they are drawn
 * here), plus the same conductances drifted on the host to `readTimeSeconds` for comparison.
 */
export function kernelDrift(r: PreparedRead, readTimeSeconds: number, seed = 3) {
  const nu = r.chip.arrays.map((a, i) => {
    const v = randomArray(a.gSiemens.length, seed + i, 0.02);
    return Float32Array.from(v, (x) => Math.abs(0.06 + x));
  });
  const packed = packChip(r.chip, {
    conductances: (i) => r.chip.arrays[i]!.gUndriftedSiemens,
    driftNu: (i) => nu[i]!,
  });
  const config = {
    ...r.config,
    device: { ...r.config.device, drift: { ...r.config.device.drift, enabled: true, readTimeSeconds } },
  };
  const logRatio = driftLogTimeRatio(config);
  const hostDrifted = Float64Array.from(
    packed.conductancesSiemens,
    (g, i) => g * Math.exp(-packed.driftNu![i]! * logRatio),
  );
  const inKernel: TiledReadData = {
    ...r.data,
    conductances: packed.conductancesSiemens,
    driftNu: packed.driftNu,
  };
  const onHost: TiledReadData = { ...r.data, conductances: hostDrifted, driftNu: null };
  return { packed, config, logRatio, inKernel, onHost };
}
