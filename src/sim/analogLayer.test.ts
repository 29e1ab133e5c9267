import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { selectBackend } from '../../scripts/lib/backend';
import { wasmAdcSum, wasmAdcValuesSum } from './kernels/wasm/adc';
import { programAnalogLayer, sumParts, type AnalogLayerOptions } from './layer';
import type { DeepPartial, ExperimentConfig } from './config';
import { referenceCalibrate, referenceForwardDetailed } from './reference';
import { createRng } from './rng';
import {
  breakTies,
  convSpec,
  dacModes,
  mappings,
  denseSpec,
  kernelShape,
  maxRelDiff,
  maxRelDiffExcept,
  randomArray,
  testConfig,
  useCpuBackend,
} from './testUtils';
import type { AnalogLayerSpec } from './tiling';

beforeAll(useCpuBackend);

// The fused WebAssembly ADC, wrapped to see whether it served a read.
vi.mock('./kernels/wasm/adc', async (importOriginal) => {
  const original = await importOriginal<typeof import('./kernels/wasm/adc')>();
  return {
    ...original,
    wasmAdcSum: vi.fn(original.wasmAdcSum),
    wasmAdcValuesSum: vi.fn(original.wasmAdcValuesSum),
  };
});

const tiles = { crossbar: { tileRows: 8, tileCols: 5 } };

const adcRanges: Record<string, DeepPartial<ExperimentConfig>> = {
  fixed: { periphery: { adcRange: 'fixed', adcBits: 7, adcFixedFullScaleGmaxCurrents: 2 } },
  calibrated: { periphery: { adcRange: 'calibrated', adcBits: 6, adcCalibrationPercentile: 100 } },
  dynamic: { periphery: { adcRange: 'dynamic', adcBits: 6, adcDynamicScope: 'rowTile' } },
};

function inputFor(spec: AnalogLayerSpec, batch: number, seed: number, nonNegative = false) {
  const shape =
    spec.kind === 'conv'
      ? [batch, spec.inputHeight!, spec.inputWidth!, spec.inChannels]
      : [batch, spec.inChannels];
  const data = randomArray(
    shape.reduce((a, b) => a * b, 1),
    seed,
  );
  if (nonNegative) for (let i = 0; i < data.length; i++) data[i] = Math.max(0, data[i]!);
  return { data, shape };
}

/** Runs the tfjs layer and the float64 reference on the same chip and input; returns the relative error. */
async function compare(
  spec: AnalogLayerSpec,
  config: ExperimentConfig,
  batch = 3,
  seed = 11,
  options: AnalogLayerOptions = {},
) {
  const kernelValues = randomArray(
    kernelShape(spec).reduce((a, b) => a * b, 1),
    seed,
    0.3,
  );
  const biasValues = randomArray(spec.outChannels, seed + 1, 0.1);
  const kernel = tf.tensor(kernelValues, kernelShape(spec));
  const bias = tf.tensor1d(biasValues);
  const layer = programAnalogLayer(
    spec,
    kernelValues,
    biasValues,
    config,
    createRng(seed).fork('programming'),
    options,
  );
  const input = inputFor(spec, batch, seed + 2, spec.inputNonNegative);
  const x = tf.tensor(input.data, input.shape);
  layer.calibrate(x);
  const y = layer.forward(x, createRng(seed).fork('read'));
  const got = await y.data();
  const calib = referenceCalibrate(layer.chip, config, input);
  const { y: want, ambiguous } = referenceForwardDetailed(layer.chip, config, input, calib);
  const expectedShape =
    spec.kind === 'conv'
      ? tf.conv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, spec.stride, spec.padding as 'same').shape
      : [batch, spec.outChannels];
  expect(y.shape).toEqual(expectedShape);
  const calibrated = await layer.readCalibration();
  tf.dispose([kernel, bias, x, y]);
  layer.dispose();
  if (calib.inputScale !== null)
    expect(maxRelDiff([calibrated.inputScale!], [calib.inputScale])).toBeLessThan(1e-6);
  if (calib.adcFullScaleAmperes)
    expect(maxRelDiff(calibrated.adcFullScaleAmperes!, calib.adcFullScaleAmperes)).toBeLessThan(1e-5);
  // Outputs fed by an ADC input sitting on a code boundary are only defined in exact arithmetic: they are
  // excluded, and must stay a minority (an output sums up to ~150 conversions when bit-serial × sliced).
  const tieFraction = ambiguous.reduce((s, v) => s + v, 0) / ambiguous.length;
  expect(tieFraction).toBeLessThan(0.3);
  return maxRelDiffExcept(got, want, ambiguous);
}

describe('tfjs analog layer equals the float64 reference (noise off)', () => {
  for (const [mapName, mapping] of Object.entries(mappings))
    for (const [dacName, dac] of Object.entries(dacModes))
      for (const [adcName, adc] of Object.entries(adcRanges))
        for (const spec of [denseSpec, convSpec])
          it(`${spec.kind}: ${mapName} × ${dacName} × ADC ${adcName}`, async () => {
            const lattice = mapName.startsWith('bit-sliced') || dacName === 'bitSerial';
            expect(
              await compare(spec, testConfig(tiles, mapping, dac, adc, lattice ? breakTies : {})),
            ).toBeLessThan(1e-4);
          });
});

describe('on the wasm backend: the WebAssembly ADC kernels equal the float64 reference', () => {
  beforeAll(() => selectBackend('wasm'));
  afterAll(useCpuBackend);
  for (const [mapName, mapping] of Object.entries(mappings))
    for (const [dacName, dac] of Object.entries(dacModes))
      for (const [adcName, adc] of Object.entries(adcRanges))
        for (const spec of [denseSpec, convSpec])
          it(`${spec.kind}: ${mapName} × ${dacName} × ADC ${adcName}`, async () => {
            const fused = vi.mocked(adcName === 'dynamic' ? wasmAdcValuesSum : wasmAdcSum);
            fused.mockClear();
            const lattice = mapName.startsWith('bit-sliced') || dacName === 'bitSerial';
            expect(
              await compare(spec, testConfig(tiles, mapping, dac, adc, lattice ? breakTies : {})),
            ).toBeLessThan(1e-4);
            expect(fused.mock.results.some((r) => r.type === 'return' && r.value !== null)).toBe(true);
          });
});

/** A 4-bit ADC with a full scale of one device's current: reads that clip are read again with smaller inputs. */
const boundManagement: DeepPartial<ExperimentConfig> = {
  periphery: {
    inputScaling: 'perVector',
    adcRange: 'fixed',
    adcFixedFullScaleGmaxCurrents: 1,
    adcBits: 4,
    boundManagement: 'iterative',
  },
};

describe('tfjs vs reference: other periphery conventions', () => {
  const cases: Record<string, DeepPartial<ExperimentConfig>> = {
    'powerOfTwo levels, per-conversion dynamic range, half-up': {
      periphery: {
        adcRange: 'dynamic',
        adcDynamicScope: 'conversion',
        adcLevels: 'powerOfTwo',
        adcRounding: 'halfUp',
        adcBits: 6,
      },
    },
    'minMax levels, floor (NeuroSim)': {
      periphery: { adcRange: 'dynamic', adcLevels: 'minMax', adcRounding: 'floor', adcBits: 5 },
    },
    'per-vector input scaling + iterative bound management': boundManagement,
    'iterative bound management with an ideal ADC (nothing clips)': {
      periphery: { inputScaling: 'perVector', adcBits: 0, boundManagement: 'iterative' },
    },
    'dynamic input range, ideal DAC, unsigned ADC on offset': {
      crossbar: { mapping: 'offset' },
      periphery: {
        inputScaling: 'dynamic',
        dacBits: 0,
        adcRange: 'calibrated',
        adcCalibrationPercentile: 99,
      },
    },
    'IR drop (aihwkit analytic)': {
      crossbar: { gMaxSiemens: 1e-3 },
      device: { irDrop: { enabled: true, wireResistanceOhms: 2 } },
      periphery: { adcBits: 8 },
    },
    'NeuroSim gain conventions, unsigned bit-serial inputs': {
      ...breakTies,
      crossbar: { mapping: 'offset', weightBits: 6, cellBits: 6, weightQuantiser: 'neurosim' },
      periphery: {
        dacMode: 'bitSerial',
        dacBits: 6,
        dacGainConvention: 'neurosim',
        dacEncoding: 'unsigned',
        adcRange: 'dynamic',
        adcLevels: 'minMax',
        adcRounding: 'floor',
      },
    },
    'one tile per layer': { crossbar: { tileRows: 0, tileCols: 0 } },
    'finite conductance levels': { crossbar: { conductanceLevels: 9 } },
  };
  for (const [name, patch] of Object.entries(cases))
    for (const spec of [denseSpec, convSpec])
      it(`${spec.kind}: ${name}`, async () => {
        expect(await compare(spec, testConfig(tiles, patch))).toBeLessThan(1e-4);
      });

  it('conv with valid and numeric padding, stride 1, non-negative inputs', async () => {
    const base = { ...convSpec, stride: 1, inputNonNegative: true };
    expect(
      await compare({ ...base, padding: 'valid' }, testConfig(tiles, dacModes.bitSerial!, breakTies)),
    ).toBeLessThan(1e-4);
    expect(await compare({ ...base, padding: 1 }, testConfig(tiles))).toBeLessThan(1e-4);
  });

  it('splits a large batch into chunks without changing the dynamic row-tile range', async () => {
    const config = testConfig(tiles, dacModes.bitSerial!, adcRanges.dynamic!, breakTies, {
      periphery: { maxChunkElements: 1 << 16 },
    });
    expect(await compare(convSpec, config, 16)).toBeLessThan(1e-4);
  });
});

describe('without synchronous read-back (the WebGPU path)', () => {
  const cases: Record<string, DeepPartial<ExperimentConfig>> = {
    'iterative bound management picks per vector with masks': boundManagement,
    'calibrated input range and ADC full scale at percentiles (on-device order statistics)': {
      periphery: {
        inputScaling: 'calibrated',
        inputCalibrationPercentile: 99.5,
        adcRange: 'calibrated',
        adcCalibrationPercentile: 97,
        adcLevels: 'minMax',
        adcBits: 6,
      },
    },
    'calibrated ADC at the 60th percentile, power-of-two levels': {
      periphery: {
        adcRange: 'calibrated',
        adcCalibrationPercentile: 60,
        adcLevels: 'powerOfTwo',
        adcBits: 6,
      },
    },
  };
  for (const [name, patch] of Object.entries(cases))
    for (const spec of [denseSpec, convSpec])
      it(`${spec.kind}: ${name}; no tensor is read synchronously`, async () => {
        const dataSync = vi.spyOn(tf.Tensor.prototype, 'dataSync');
        try {
          expect(await compare(spec, testConfig(tiles, patch), 3, 11, { syncReadBack: false })).toBeLessThan(
            1e-4,
          );
          expect(dataSync).not.toHaveBeenCalled();
        } finally {
          dataSync.mockRestore();
        }
      });
});

describe('sumParts (AddN in groups: WebGPU binds at most 8 buffers per shader stage)', () => {
  it('equals a plain float32 left fold ((p0 + p1) + p2) + … for 1 to 40 parts, bit for bit', () => {
    for (const n of [1, 2, 6, 7, 11, 18, 40]) {
      const parts = Array.from({ length: n }, (_, i) => randomArray(12, 100 + i));
      const want = new Float32Array(12);
      for (const p of parts) for (let j = 0; j < 12; j++) want[j] = Math.fround(want[j]! + p[j]!);
      const tensors = parts.map((p) => tf.tensor2d(p, [3, 4]));
      const sum = sumParts(tensors);
      expect(sum.dataSync()).toEqual(want);
      tf.dispose([sum, ...tensors]);
    }
  });
});

describe('ideal limits', () => {
  for (const spec of [denseSpec, convSpec])
    it(`${spec.kind}: ideal devices with 16-bit converters reproduce the digital layer to 1e-3`, () => {
      const config = testConfig(tiles, { periphery: { dacBits: 16, adcBits: 16, adcRange: 'calibrated' } });
      const kernel = tf.tensor(
        randomArray(
          kernelShape(spec).reduce((a, b) => a * b, 1),
          5,
          0.3,
        ),
        kernelShape(spec),
      );
      const bias = tf.tensor1d(randomArray(spec.outChannels, 6, 0.1));
      const input = inputFor(spec, 4, 7);
      const x = tf.tensor(input.data, input.shape);
      const digital =
        spec.kind === 'conv'
          ? tf.add(tf.conv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, spec.stride, 'same'), bias)
          : tf.add(tf.matMul(x as tf.Tensor2D, kernel as tf.Tensor2D), bias);
      const layer = programAnalogLayer(spec, kernel.dataSync(), bias.dataSync(), config, createRng(1));
      layer.calibrate(x);
      const y = layer.forward(x, createRng(2));
      expect(maxRelDiff(y.dataSync(), digital.dataSync())).toBeLessThan(1e-3);
      tf.dispose([kernel, bias, x, digital, y]);
      layer.dispose();
    });

  it('mean squared error falls monotonically as ADC bits rise from 2 to 10', () => {
    const spec = convSpec;
    const kernel = tf.tensor(
      randomArray(
        kernelShape(spec).reduce((a, b) => a * b, 1),
        21,
        0.3,
      ),
      kernelShape(spec),
    );
    const input = inputFor(spec, 4, 22);
    const x = tf.tensor(input.data, input.shape);
    const digital = tf.conv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, spec.stride, 'same');
    const mse: number[] = [];
    for (let bits = 2; bits <= 10; bits++) {
      const layer = programAnalogLayer(
        spec,
        kernel.dataSync(),
        null,
        testConfig(tiles, { periphery: { dacBits: 0, adcBits: bits } }),
        createRng(1),
      );
      layer.calibrate(x);
      const y = layer.forward(x, createRng(2));
      mse.push(tf.tidy(() => tf.mean(tf.squaredDifference(y, digital)).dataSync()[0]!));
      y.dispose();
      layer.dispose();
    }
    for (let i = 1; i < mse.length; i++) expect(mse[i]!).toBeLessThan(mse[i - 1]!);
    tf.dispose([kernel, x, digital]);
  });

  it('the fused path (no ADC) equals the tiled reference', async () => {
    for (const spec of [denseSpec, convSpec]) {
      const config = testConfig(tiles, { periphery: { adcBits: 0, dacBits: 6 } });
      expect(await compare(spec, config)).toBeLessThan(1e-4);
      expect(
        await compare(spec, testConfig(config, { periphery: { inputScaling: 'perVector' } })),
      ).toBeLessThan(1e-4);
    }
  });
});

describe('tensor hygiene', () => {
  it('keeps tf.memory().numTensors unchanged over repeated layer calls', () => {
    const config = testConfig(tiles, dacModes.bitSerial!, adcRanges.dynamic!, {
      device: {
        readNoise: { enabled: true },
        outputNoise: { enabled: true },
        irDrop: { enabled: true },
        d2dVariation: { enabled: true, redrawEachBatch: true },
      },
      periphery: { adcNoise: { enabled: true }, boundManagement: 'iterative', maxChunkElements: 1 << 16 },
    });
    const kernel = tf.tensor(
      randomArray(
        kernelShape(convSpec).reduce((a, b) => a * b, 1),
        1,
      ),
      kernelShape(convSpec),
    );
    const input = inputFor(convSpec, 16, 2);
    const x = tf.tensor(input.data, input.shape);
    const layer = programAnalogLayer(convSpec, kernel.dataSync(), null, config, createRng(1));
    const rng = createRng(3);
    layer.forward(x, rng).dispose();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      layer.calibrate(x);
      layer.forward(x, rng).dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    const held = tf.memory().numTensors;
    layer.dispose();
    expect(tf.memory().numTensors).toBeLessThan(held);
    tf.dispose([kernel, x]);
  });
});
