import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { programAnalogLayer } from './layer';
import type { DeepPartial, ExperimentConfig } from './config';
import { referenceCalibrate, referenceForward, referenceOutputVariance } from './reference';
import { createRng } from './rng';
import { denseSpec, kernelShape, randomArray, testConfig, useCpuBackend } from './testUtils';

beforeAll(useCpuBackend);

const base = { crossbar: { tileRows: 8, tileCols: 5 }, periphery: { adcBits: 0, dacBits: 6 } };
const noises: Record<string, DeepPartial<ExperimentConfig>> = {
  'read noise (proportional)': {
    device: { readNoise: { enabled: true, model: 'proportional', sigma: 0.05 } },
  },
  'read noise (aihwkit PCM_READ), bit-serial': {
    device: { readNoise: { enabled: true, model: 'pcmRead', sigma: 0.05 } },
    periphery: { dacMode: 'bitSerial', dacBits: 4 },
  },
  'output noise': { device: { outputNoise: { enabled: true, sigmaFracOfGmaxCurrent: 0.05 } } },
  'ADC noise (14-bit fixed range)': {
    periphery: {
      adcBits: 14,
      adcRange: 'fixed',
      adcFixedFullScaleGmaxCurrents: 4,
      adcNoise: { enabled: true, sigmaLsb: 20 },
    },
  },
  'per-batch d2d variation (NeuroSim), offset mapping': {
    crossbar: { mapping: 'offset' },
    device: {
      d2dVariation: { enabled: true, model: 'multiplicative', sigmaRelative: 0.05, redrawEachBatch: true },
    },
  },
};

function setup(patch: DeepPartial<ExperimentConfig>) {
  const config = testConfig(base, patch);
  const kernel = tf.tensor(randomArray(37 * 11, 1, 0.3), kernelShape(denseSpec));
  const layer = programAnalogLayer(denseSpec, kernel.dataSync(), null, config, createRng(1));
  const input = { data: randomArray(2 * 37, 2), shape: [2, 37] };
  const x = tf.tensor2d(input.data, [2, 37]);
  layer.calibrate(x);
  kernel.dispose();
  return { config, layer, input, x };
}

describe('per-read and per-batch noise', () => {
  for (const [name, patch] of Object.entries(noises)) {
    it(`${name}: same seed ⇒ identical outputs; another seed differs`, () => {
      const { layer, x } = setup(patch);
      const run = (seed: number) => {
        const y = layer.forward(x, createRng(seed));
        const v = Array.from(y.dataSync());
        y.dispose();
        return v;
      };
      expect(run(5)).toEqual(run(5));
      expect(run(5)).not.toEqual(run(6));
      layer.dispose();
      x.dispose();
    });

    it(`${name}: empirical mean and variance within statistical bounds of the closed form`, () => {
      const { config, layer, input, x } = setup(patch);
      const n = 400;
      const ys = tf.tidy(() =>
        tf.stack(Array.from({ length: n }, (_, i) => layer.forward(x, createRng(100 + i)))),
      ) as tf.Tensor;
      const values = ys.dataSync();
      ys.dispose();
      const calib = referenceCalibrate(layer.chip, config, input);
      const mean = referenceForward(layer.chip, config, input, calib);
      const variance = referenceOutputVariance(layer.chip, config, input, calib);
      const E = mean.length;
      let worstMean = 0;
      let worstVar = 0;
      for (let e = 0; e < E; e++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += values[i * E + e]!;
        const m = s / n;
        let q = 0;
        for (let i = 0; i < n; i++) q += (values[i * E + e]! - m) ** 2;
        const v = q / (n - 1);
        expect(variance[e]!).toBeGreaterThan(0);
        // z-scores: mean error in standard errors; variance ratio in its standard error √(2/(n−1)).
        worstMean = Math.max(worstMean, Math.abs(m - mean[e]!) / Math.sqrt(variance[e]! / n));
        worstVar = Math.max(worstVar, Math.abs(v / variance[e]! - 1) / Math.sqrt(2 / (n - 1)));
      }
      // 22 outputs, each within 4.5 standard errors (family-wise false-alarm rate < 1e-3).
      expect(worstMean).toBeLessThan(4.5);
      expect(worstVar).toBeLessThan(4.5);
      layer.dispose();
      x.dispose();
    });
  }
});

describe('drift with global compensation', () => {
  it('(t/t0)^−ν scales outputs by hand-computed factor; compensation restores them', () => {
    const drift = { enabled: true, nuMean: 0.08, nuStd: 0, t0Seconds: 20, readTimeSeconds: 20 * 1000 };
    const kernel = tf.tensor(randomArray(37 * 11, 3, 0.3), kernelShape(denseSpec));
    const x = tf.tensor2d(randomArray(2 * 37, 4), [2, 37]);
    const out = (patch: DeepPartial<ExperimentConfig>) => {
      const layer = programAnalogLayer(
        denseSpec,
        kernel.dataSync(),
        null,
        testConfig(base, patch),
        createRng(1),
      );
      const y = layer.forward(x, createRng(2));
      const v = Array.from(y.dataSync());
      y.dispose();
      layer.dispose();
      return v;
    };
    const fresh = out({});
    const drifted = out({ device: { drift: { ...drift, compensation: false } } });
    const compensated = out({ device: { drift: { ...drift, compensation: true } } });
    const factor = 1000 ** -0.08; // every device (and both polarities) drifts by the same factor
    for (let i = 0; i < fresh.length; i++) {
      expect(drifted[i]).toBeCloseTo(fresh[i]! * factor, 5);
      expect(compensated[i]).toBeCloseTo(fresh[i]!, 5);
    }
    tf.dispose([kernel, x]);
  });
});
