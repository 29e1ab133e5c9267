/** The peer conventions' layouts and draws (issue 13) leak no tensor across repeated reads. */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ExperimentConfig } from '../config';
import { createRng } from '../rng';
import { convLayer, denseLayer, useCpuBackend } from '../testUtils';
import { type AnalogLayerSpec } from '../tiling';
import { inputOf, preset, program } from './fixture';

beforeAll(useCpuBackend);

describe('the new layouts and draws leak no tensor', () => {
  it('per-bit draws with read noise and IR drop, gathered row tiles, channel-major tiles, the first layer', () => {
    const cases: [AnalogLayerSpec, ExperimentConfig][] = [
      [
        { ...convLayer(20, 5, 5), inputNonNegative: true },
        preset('neurosim', {
          device: { readNoise: { enabled: true }, irDrop: { enabled: true } },
          periphery: { maxChunkElements: 1 << 16 },
        }),
      ],
      [convLayer(3, 4, 5), preset('neurosim')],
      [convLayer(3, 4, 5), preset('memtorch')],
      [{ ...denseLayer(20, 3), inputNonNegative: true }, preset('neurosimAsShipped')],
    ];
    for (const [spec, config] of cases) {
      const before = tf.memory().numTensors;
      const { layer } = program(spec, config);
      const input = inputOf(spec, 3, 15, spec.inputNonNegative ?? false);
      const x = tf.tensor(input.data, input.shape);
      layer.calibrate(x);
      layer.forward(x, createRng(1)).dispose();
      const held = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) {
        layer.calibrate(x);
        layer.forward(x, createRng(2 + i)).dispose();
      }
      expect(tf.memory().numTensors).toBe(held);
      layer.dispose();
      x.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
  });
});
