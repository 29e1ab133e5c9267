/**
 * `insituPulseStep` with cycle-to-cycle noise off, against hand-computed device updates: the pulse count
 * n = ⌊−η·g/Δw_nominal + u⌋ (clipped to ±31), then n pulses of the device model applied one at a time
 * in float64 (aihwkit ConstantStep / SoftBounds; NeuroSim's LTP/LTD curve).
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../../sim/rng';
import type { PulseUpdate } from '../../../sim/updateModels';
import { insituPulseStep, MAX_PULSES_PER_UPDATE } from './insituPulse';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const rng = createRng(21);
const draws = () => ({ rounding: rng.fork('rounding'), c2c: rng.fork('c2c') });

/** A device of `model` for every element of `w0`, with scalar step sizes and bounds; noise off. */
function device(model: PulseUpdate['model'], size: number, d: { up: number; down: number; lo: number; hi: number }) {
  return {
    model,
    params: {
      dwUp: tf.fill([size], d.up),
      dwDown: tf.fill([size], d.down),
      wMax: tf.fill([size], d.hi),
      wMin: tf.fill([size], d.lo),
    },
    c2cSigma: 0,
  } satisfies PulseUpdate;
}

/** The weights after one `insituPulseStep` from `w0` with gradient `g`; checks that no tensor leaks. */
async function step(w0: number[], g: number[], update: PulseUpdate, lr: number): Promise<number[]> {
  const before = tf.memory().numTensors;
  const w = tf.tidy(() => tf.variable(tf.tensor1d(w0)));
  const grad = tf.tensor1d(g);
  insituPulseStep(w, grad, update, lr, draws());
  const out = Array.from(await w.data());
  tf.dispose([w, grad]);
  expect(tf.memory().numTensors).toBe(before);
  return out;
}

const disposeDevice = (update: PulseUpdate) => tf.dispose(Object.values(update.params));

describe('insituPulseStep: a gradient step as whole pulses through the device model (noise off)', () => {
  it('constant step: n = −η·g/Δw pulses of Δw each, at most 31', async () => {
    // Δw = 1/8, η = 1/2: g = −1 → 4 pulses up; 0.25 → 1 down; 0 → none; −100 → 400, capped at 31; 3 → 12 down.
    const update = device('constantStep', 5, { up: 0.125, down: 0.125, lo: -8, hi: 8 });
    const w = await step([0, 0.2, -0.1, 0.1, 0.5], [-1, 0.25, 0, -100, 3], update, 0.5);
    expect(MAX_PULSES_PER_UPDATE).toBe(31);
    const expected = [0 + 4 * 0.125, 0.2 - 0.125, -0.1, 0.1 + 31 * 0.125, 0.5 - 12 * 0.125];
    w.forEach((value, i) => expect(value).toBeCloseTo(expected[i]!, 6));
    disposeDevice(update);
  });

  it('asymmetric constant step: counted in the mean step, applied with the up or down step', async () => {
    // Δw⁺ = 1/4, Δw⁻ = 1/8, nominal 3/16; η = 3/8: g = −1 → 2 pulses up (+0.5); g = 0.5 → 1 down (−0.125).
    const update = device('constantStep', 2, { up: 0.25, down: 0.125, lo: -1, hi: 1 });
    const w = await step([0, 0], [-1, 0.5], update, 0.375);
    expect(w[0]).toBeCloseTo(0.5, 6);
    expect(w[1]).toBeCloseTo(-0.125, 6);
    disposeDevice(update);
  });

  it('soft bounds: each pulse moves Δw·(1 − w/w_max) up or Δw·(1 − w/w_min) down', async () => {
    const update = device('softBounds', 3, { up: 0.125, down: 0.125, lo: -1, hi: 1 });
    // 4 up from 0, 2 down from 0.5, 31 (capped) up from −0.5.
    const w0 = [0, 0.5, -0.5];
    const w = await step(w0, [-1, 0.5, -20], update, 0.5);
    const iterate = (x: number, n: number) => {
      for (let k = 0; k < Math.abs(n); k++) x += n > 0 ? 0.125 * (1 - x / 1) : -0.125 * (1 - x / -1);
      return x;
    };
    const expected = [iterate(0, 4), iterate(0.5, -2), iterate(-0.5, 31)];
    expect(expected[0]).toBeCloseTo(1 - 0.875 ** 4, 12); // 0.413818359375
    w.forEach((value, i) => expect(value).toBeCloseTo(expected[i]!, 6));
    disposeDevice(update);
  });

  it('NeuroSim non-linear: the state moves n pulses along the LTP or LTD curve', async () => {
    // G_LTP(P) = B(1 − e^(−P/A)) + G_min; depression from G_max: G(q) = G_max − B(1 − e^(−q/A)),
    // B = (G_max − G_min)/(1 − e^(−P_max/A)); in weight units w ∈ [−1, 1], P_max = 64, A = 20.
    const pMax = 64,
      a = 20,
      lo = -1,
      hi = 1;
    const b = (hi - lo) / (1 - Math.exp(-pMax / a));
    const ltp = (p: number) => lo + b * (1 - Math.exp(-p / a));
    const ltpPulses = (w: number) => -a * Math.log(1 - (w - lo) / b);
    const ltd = (q: number) => hi - b * (1 - Math.exp(-q / a));
    const ltdPulses = (w: number) => -a * Math.log(1 - (hi - w) / b);
    const nominal = (hi - lo) / pMax;
    const update: PulseUpdate = {
      ...device('neurosimNonlinear', 2, { up: nominal, down: nominal, lo, hi }),
      maxPulses: pMax,
      aLtp: a,
      aLtd: a,
    };
    // η = 1, g = ∓3·nominal: 3 pulses up from −0.2, 3 down from 0.4.
    const w = await step([-0.2, 0.4], [-3 * nominal, 3 * nominal], update, 1);
    expect(w[0]).toBeCloseTo(ltp(ltpPulses(-0.2) + 3), 5);
    expect(w[1]).toBeCloseTo(ltd(ltdPulses(0.4) + 3), 5);
    disposeDevice(update);
  });

  it('rounds a fraction of a pulse stochastically and without bias', async () => {
    // −η·g/Δw = ±0.25: a quarter of the devices get one pulse, the rest none.
    const size = 20_000;
    const update = device('constantStep', size, { up: 0.125, down: 0.125, lo: -1, hi: 1 });
    const g = Array.from({ length: size }, (_, i) => (i % 2 === 0 ? -0.0625 : 0.0625));
    const w = await step(new Array<number>(size).fill(0), g, update, 0.5);
    const up = w.filter((x, i) => i % 2 === 0 && Math.abs(x - 0.125) < 1e-6).length;
    const down = w.filter((x, i) => i % 2 === 1 && Math.abs(x + 0.125) < 1e-6).length;
    const unchanged = w.filter((x) => x === 0).length;
    expect(up + down + unchanged).toBe(size);
    // Binomial(10,000, 0.25): σ ≈ 43.
    expect(Math.abs(up - 2500)).toBeLessThan(200);
    expect(Math.abs(down - 2500)).toBeLessThan(200);
    disposeDevice(update);
  });
});
