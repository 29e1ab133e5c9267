/**
 * Reading a programmed chip at other read settings (readSettings.ts, chip.ts `readChipAt`, the layer's
 * `readAt`): the same devices re-read at a later time give exactly what a chip programmed for that time
 * from the same seed gives, with noise off and on.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DeepPartial, ExperimentConfig } from './config';
import { programChip, readChipAt } from './chip';
import { driftFactor } from './devices';
import { programAnalogLayer } from './layer';
import { programsSameChip } from './readSettings';
import { createRng } from './rng';
import { convSpec, kernelShape, randomArray, testConfig, useCpuBackend } from './testUtils';

beforeAll(useCpuBackend);

const HOUR_SECONDS = 3600;
const DAY_SECONDS = 86_400;

/** PCM-like devices (G-dependent ν), stuck cells and programming noise; 8×5 tiles, calibrated 6-bit ADC. */
const drifting = (readTimeSeconds: number, ...patches: DeepPartial<ExperimentConfig>[]) =>
  testConfig(
    {
      crossbar: { tileRows: 8, tileCols: 5 },
      periphery: { adcBits: 6, adcRange: 'calibrated' },
      device: {
        programmingNoise: { enabled: true, model: 'pcm' },
        stuckAt: { enabled: true, fractionAtGmin: 0.02, fractionAtGmax: 0.02 },
        drift: { enabled: true, nuModel: 'pcm', t0Seconds: 20, readTimeSeconds },
      },
    },
    ...patches,
  );

const kernel = randomArray(
  kernelShape(convSpec).reduce((a, b) => a * b, 1),
  31,
  0.3,
);
const bias = randomArray(convSpec.outChannels, 32, 0.1);
const input = { data: randomArray(3 * 7 * 7 * 3, 33), shape: [3, 7, 7, 3] };

/** The layer's outputs on `input` after calibrating on it, read with seed 5. */
async function outputs(layer: ReturnType<typeof programAnalogLayer>): Promise<Float32Array> {
  const x = tf.tensor(input.data, input.shape);
  layer.calibrate(x);
  const y = layer.forward(x, createRng(5).fork('read'));
  const values = (await y.data()) as Float32Array;
  tf.dispose([x, y]);
  return values;
}

describe('a chip read at another time equals the chip programmed for that time', () => {
  it('same conductances (G(t0)·(t/t0)^−ν, stuck devices unchanged), compensation α and read variance', () => {
    const later = drifting(DAY_SECONDS, {
      device: { drift: { compensation: true }, readNoise: { enabled: true } },
    });
    const early = programChip(convSpec, kernel, bias, drifting(HOUR_SECONDS), createRng(1));
    const reread = readChipAt(early, later);
    const fresh = programChip(convSpec, kernel, bias, later, createRng(1));
    reread.arrays.forEach((a, i) => {
      expect(a.gSiemens).toEqual(fresh.arrays[i]!.gSiemens);
      // Against the closed form, device by device; stuck devices keep G_min / G_max.
      const nu = a.driftNu!;
      for (let j = 0; j < a.gSiemens.length; j++) {
        const g0 = a.gUndriftedSiemens[j]!;
        const want = a.stuck![j] ? g0 : Math.fround(g0 * (DAY_SECONDS / 20) ** -nu[j]!);
        expect(a.gSiemens[j]).toBe(want);
      }
      expect(a.stuck!.some((s) => s !== 0)).toBe(true);
    });
    expect(reread.driftCompensation).toBe(fresh.driftCompensation);
    expect(reread.driftCompensation).toBeGreaterThan(1);
    expect(reread.readVariance).toEqual(fresh.readVariance);
    expect(driftFactor(0.05, DAY_SECONDS, 20)).toBeLessThan(driftFactor(0.05, HOUR_SECONDS, 20));
  });

  const cases: Record<string, DeepPartial<ExperimentConfig>> = {
    'noise off': {},
    'read, output and ADC noise on (same read seed)': {
      device: { readNoise: { enabled: true, sigma: 0.05 }, outputNoise: { enabled: true } },
      periphery: { adcNoise: { enabled: true, sigmaLsb: 0.5 } },
    },
  };
  for (const [name, noise] of Object.entries(cases))
    for (const compensation of [false, true])
      it(`layer outputs, ${name}, compensation ${compensation ? 'on' : 'off'}`, async () => {
        const later = drifting(DAY_SECONDS, noise, { device: { drift: { compensation } } });
        const layer = programAnalogLayer(convSpec, kernel, bias, drifting(HOUR_SECONDS, noise), createRng(1));
        const atHour = await outputs(layer);
        layer.readAt(later);
        const reread = await outputs(layer);
        const fresh = programAnalogLayer(convSpec, kernel, bias, later, createRng(1));
        expect(reread).toEqual(await outputs(fresh));
        expect(reread).not.toEqual(atHour);
        layer.dispose();
        fresh.dispose();
      });

  it('the same tiles read through another ADC (6 → 4 bits, then ideal) equal a chip programmed with it', async () => {
    const layer = programAnalogLayer(convSpec, kernel, bias, drifting(HOUR_SECONDS), createRng(1));
    const sixBits = await outputs(layer);
    for (const adcBits of [4, 0]) {
      const other = drifting(HOUR_SECONDS, { periphery: { adcBits } });
      layer.readAt(other);
      const reread = await outputs(layer);
      const fresh = programAnalogLayer(convSpec, kernel, bias, other, createRng(1));
      expect(reread).toEqual(await outputs(fresh));
      expect(reread).not.toEqual(sixBits);
      fresh.dispose();
    }
    layer.dispose();
  });

  it('refuses a config that programs another chip, and frees the tensors of the previous read', () => {
    const layer = programAnalogLayer(convSpec, kernel, bias, drifting(HOUR_SECONDS), createRng(1));
    const before = tf.memory().numTensors;
    layer.readAt(drifting(DAY_SECONDS, { device: { readNoise: { enabled: true } } }));
    layer.readAt(drifting(2 * DAY_SECONDS));
    expect(tf.memory().numTensors).toBe(before);
    expect(() => layer.readAt(drifting(DAY_SECONDS, { periphery: { dacBits: 5 } }))).toThrow(/another chip/);
    expect(programsSameChip(drifting(1), drifting(2, { device: { outputNoise: { enabled: true } } }))).toBe(
      true,
    );
    expect(programsSameChip(drifting(1), drifting(1, { device: { drift: { nuMean: 0.1 } } }))).toBe(false);
    layer.dispose();
  });
});
