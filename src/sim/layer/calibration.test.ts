/**
 * The calibration pass's step (`calibrateAndForward`): one read records the calibrated ranges from its
 * own noiseless currents and converts with them — the same outputs and ranges as the float64 reference
 * calibrated on the same batch, the same numbers as calibrate() then forward(), and no more matMuls than
 * a plain forward().
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DeepPartial, ExperimentConfig } from '../config';
import { referenceCalibrate, referenceForwardDetailed } from '../reference';
import { createRng } from '../rng';
import {
  breakTies,
  convSpec,
  denseSpec,
  kernelShape,
  maxRelDiff,
  maxRelDiffExcept,
  randomArray,
  testConfig,
  useCpuBackend,
} from '../testUtils';
import type { AnalogLayerSpec } from '../tiling';
import { programAnalogLayer } from './analogLayer';

beforeAll(useCpuBackend);

const tiles = { crossbar: { tileRows: 8, tileCols: 5 } };
const calibrated = { periphery: { adcRange: 'calibrated', adcBits: 6, inputScaling: 'calibrated' } } as const;
/** Small chunks: a batch of 6 is read in several chunks; the budget keeps some of their currents. */
const chunked = { periphery: { maxChunkElements: 1 << 16 } };

function setup(spec: AnalogLayerSpec, config: ExperimentConfig) {
  const kernel = randomArray(
    kernelShape(spec).reduce((a, b) => a * b, 1),
    3,
    0.3,
  );
  const layer = programAnalogLayer(spec, kernel, null, config, createRng(1));
  const shape = spec.kind === 'conv' ? [6, 7, 7, spec.inChannels] : [6, spec.inChannels];
  const input = {
    data: randomArray(
      shape.reduce((a, b) => a * b, 1),
      4,
    ),
    shape,
  };
  return { layer, input, x: tf.tensor(input.data, shape) };
}

const cases: Record<string, DeepPartial<ExperimentConfig>> = {
  'multi-level DAC, max |I|': {},
  'bit-serial DAC, 97th percentile': {
    ...breakTies,
    periphery: { dacMode: 'bitSerial', dacBits: 5, adcCalibrationPercentile: 97 },
  },
  'per-vector input scaling, chunked': { ...chunked, periphery: { inputScaling: 'perVector' } },
  'bit-serial, chunked': { ...chunked, ...breakTies, periphery: { dacMode: 'bitSerial', dacBits: 4 } },
};

describe('calibrateAndForward: calibration in the read itself', () => {
  for (const [name, patch] of Object.entries(cases))
    for (const spec of [denseSpec, convSpec])
      it(`${spec.kind}, ${name}: ranges and outputs equal the reference calibrated on the batch`, async () => {
        const config = testConfig(tiles, calibrated, patch);
        const { layer, input, x } = setup(spec, config);
        const y = layer.calibrateAndForward(x, createRng(5));
        const got = await y.data();
        const calib = referenceCalibrate(layer.chip, config, input);
        const ranges = await layer.readCalibration();
        expect(maxRelDiff(ranges.adcFullScaleAmperes!, calib.adcFullScaleAmperes!)).toBeLessThan(1e-5);
        const { y: want, ambiguous } = referenceForwardDetailed(layer.chip, config, input, calib);
        expect(ambiguous.reduce((n, a) => n + a, 0) / ambiguous.length).toBeLessThan(0.3);
        expect(maxRelDiffExcept(got, want, ambiguous)).toBeLessThan(1e-4);
        tf.dispose([x, y]);
        layer.dispose();
      });

  it('with read and ADC noise: the numbers of calibrate() then forward() with the same seed', async () => {
    const noisy = { device: { readNoise: { enabled: true } }, periphery: { adcNoise: { enabled: true } } };
    for (const patch of [{}, chunked]) {
      const config = testConfig(tiles, calibrated, noisy, patch);
      const one = setup(convSpec, config);
      const two = setup(convSpec, config);
      const a = one.layer.calibrateAndForward(one.x, createRng(5));
      two.layer.calibrate(two.x);
      const b = two.layer.forward(two.x, createRng(5));
      expect(await a.data()).toEqual(await b.data());
      tf.dispose([a, b, one.x, two.x]);
      one.layer.dispose();
      two.layer.dispose();
    }
  });

  it('reads the chip once: as many products as a forward() of the calibrated layer, no tensor left', async () => {
    const config = testConfig(tiles, calibrated, { device: { readNoise: { enabled: true } } });
    const { layer, x } = setup(convSpec, config);
    const products = async (f: () => tf.Tensor) => {
      const info = await tf.profile(() => tf.dispose(f()));
      return info.kernels.filter((k) => k.name === 'BatchMatMul').length;
    };
    const before = tf.memory().numTensors;
    const calibrating = await products(() => layer.calibrateAndForward(x, createRng(5)));
    const held = tf.memory().numTensors;
    const reading = await products(() => layer.forward(x, createRng(5)));
    expect(calibrating).toBe(reading);
    expect(reading).toBeGreaterThan(0);
    // Only the calibrated ranges (ν and one full scale per group) stay.
    expect(held - before).toBe(1 + layer.chip.groups.length);
    expect(tf.memory().numTensors).toBe(held);
    tf.dispose(x);
    layer.dispose();
  });
});
