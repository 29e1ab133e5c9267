import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { aNormOfNonlinearity, applyPulses, nonlinearityOfA, type PulseUpdate } from './updateModels';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const params = (n: number, dwUp: number, dwDown: number, wMin = -0.6, wMax = 0.6) => ({
  dwUp: tf.fill([n], dwUp),
  dwDown: tf.fill([n], dwDown),
  wMax: tf.fill([n], wMax),
  wMin: tf.fill([n], wMin),
});

async function pulse(
  model: PulseUpdate['model'],
  w: number[],
  pulses: number[],
  extra: Partial<PulseUpdate> = {},
) {
  const update: PulseUpdate = { model, params: params(w.length, 0.01, 0.02), c2cSigma: 0, ...extra };
  const out = applyPulses(tf.tensor1d(w), tf.tensor1d(pulses), update, null);
  const values = Array.from(await out.data());
  tf.dispose([out, ...Object.values(update.params)]);
  return values;
}

describe('NeuroSim non-linearity label → A', () => {
  it('agrees with the curve’s own non-linearity, 10·max(g(x) − x), between the table entries', () => {
    for (const nl of [0.6, 0.8, 1.2, 1.6, 2.2, 2.7, 3.5, 4.5]) {
      expect(Math.abs(nonlinearityOfA(aNormOfNonlinearity(nl)) / nl - 1)).toBeLessThan(0.02);
    }
  });
  it('is the table value at an entry and falls monotonically', () => {
    expect(aNormOfNonlinearity(1.75)).toBeCloseTo(0.702, 10);
    expect(aNormOfNonlinearity(-1.75)).toBeCloseTo(0.702, 10);
    let previous = Infinity;
    for (let nl = 0.05; nl < 9; nl += 0.05) {
      const a = aNormOfNonlinearity(nl);
      expect(a).toBeLessThan(previous);
      previous = a;
    }
  });
});

describe('pulse update models', () => {
  it('constant step: n·Δw^d, clipped at the bounds', async () => {
    const out = await pulse('constantStep', [0, 0, 0.55, -0.55], [3, -2, 10, -10]);
    const expected = [0.03, -0.04, 0.6, -0.6];
    out.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
  });

  it('soft bounds: the closed form equals n single pulses applied one by one', async () => {
    const w0 = [0.3, -0.2, 0.1, 0.5];
    const n = [7, -5, 40, -13];
    const out = await pulse('softBounds', w0, n);
    w0.forEach((start, i) => {
      let w = start;
      for (let k = 0; k < Math.abs(n[i]!); k++) {
        w += n[i]! > 0 ? 0.01 * (1 - w / 0.6) : -0.02 * (1 - w / -0.6);
      }
      expect(out[i]).toBeCloseTo(w, 5);
    });
  });

  it('NeuroSim curve: P_max up-pulses take w_min to w_max, and the curve follows B(1 − e^(−P/A))', async () => {
    const aLtp = aNormOfNonlinearity(1.75) * 32;
    const extra = { maxPulses: 32, aLtp, aLtd: aNormOfNonlinearity(1.46) * 32 };
    const [full, partial] = await pulse('neurosimNonlinear', [-0.6, -0.6], [32, 8], extra);
    expect(full).toBeCloseTo(0.6, 5);
    const b = 1.2 / (1 - Math.exp(-32 / aLtp));
    expect(partial).toBeCloseTo(-0.6 + b * (1 - Math.exp(-8 / aLtp)), 5);
  });

  it('shows the update asymmetry: n up then n down does not return home when LTP ≠ LTD', async () => {
    const extra = {
      maxPulses: 32,
      aLtp: aNormOfNonlinearity(1.75) * 32,
      aLtd: aNormOfNonlinearity(1.46) * 32,
    };
    const [up] = await pulse('neurosimNonlinear', [0], [4], extra);
    const [back] = await pulse('neurosimNonlinear', [up!], [-4], extra);
    expect(Math.abs(back! - 0)).toBeGreaterThan(1e-3);
    // Constant step with up_down asymmetry: Δw⁺ = 0.01, Δw⁻ = 0.02 → net −0.01·n.
    const [cs] = await pulse('constantStep', [0], [5]);
    const [csBack] = await pulse('constantStep', [cs!], [-5]);
    expect(csBack).toBeCloseTo(-0.05, 6);
  });

  it('c2c noise has σ = σ_c2c·Δw·√n and stays inside the bounds', async () => {
    const count = 20000;
    const update: PulseUpdate = { model: 'constantStep', params: params(count, 0.01, 0.01), c2cSigma: 0.3 };
    const noise = tf.randomNormal([count], 0, 1, 'float32', 3);
    const out = applyPulses(tf.zeros([count]), tf.fill([count], 4), update, noise);
    const values = Array.from(await out.data());
    const mean = values.reduce((a, b) => a + b, 0) / count;
    const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (count - 1));
    expect(Math.abs(mean - 0.04)).toBeLessThan(5 * (0.006 / Math.sqrt(count)));
    expect(Math.abs(std / 0.006 - 1)).toBeLessThan(0.05);
    tf.dispose([noise, out, ...Object.values(update.params)]);
  });
});
