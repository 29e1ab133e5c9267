import { describe, expect, it } from 'vitest';
import { driftFactor, drawStuckMask, pcmNuStats, programArrays, programmingSigmaSiemens } from './devices';
import type { ConductanceArray } from './mapping';
import { createRng } from './rng';
import { testConfig } from './testUtils';

const gMax = 1e-4;
const gMin = 1e-5;

function array(values: Float32Array, cols = values.length): ConductanceArray {
  return { label: 'G', role: 'positive', slice: 0, rows: values.length / cols, cols, gSiemens: values };
}

function meanVar(v: ArrayLike<number>) {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]!;
  const mean = s / v.length;
  let q = 0;
  for (let i = 0; i < v.length; i++) q += (v[i]! - mean) ** 2;
  return { mean, variance: q / (v.length - 1) };
}

describe('programming-time device effects', () => {
  it('stuck-at: exactly ⌊n·p⌋ devices at G_min and at G_max, without replacement', () => {
    const n = 10_000;
    const mask = drawStuckMask(n, 0.0123, 0.05, createRng(1));
    expect(mask.filter((v) => v === 1).length).toBe(123);
    expect(mask.filter((v) => v === 2).length).toBe(500);
    const config = testConfig({
      device: { stuckAt: { enabled: true, fractionAtGmin: 0.1, fractionAtGmax: 0.2 } },
    });
    const [p] = programArrays(
      [array(new Float32Array(50).fill(5e-5))],
      config.device,
      gMin,
      gMax,
      createRng(2),
    );
    const g = Array.from(p!.gSiemens);
    expect(g.filter((v) => v === Math.fround(gMin)).length).toBe(5);
    expect(g.filter((v) => v === Math.fround(gMax)).length).toBe(10);
    expect(g.filter((v) => v === Math.fround(5e-5)).length).toBe(35);
  });

  it('drift: G(t) = G0·(t/t0)^(−ν) (hand-computed), none before t0', () => {
    expect(driftFactor(0.05, 3600, 20)).toBeCloseTo(180 ** -0.05, 12);
    expect(driftFactor(0.05, 10, 20)).toBe(1);
    const config = testConfig({
      device: { drift: { enabled: true, nuMean: 0.1, nuStd: 0, readTimeSeconds: 2000, t0Seconds: 20 } },
    });
    const [p] = programArrays(
      [array(Float32Array.from([2e-5, 8e-5]))],
      config.device,
      gMin,
      gMax,
      createRng(3),
    );
    expect(p!.gSiemens[0]).toBeCloseTo(2e-5 * 100 ** -0.1, 10);
    expect(p!.gSiemens[1]).toBeCloseTo(8e-5 * 100 ** -0.1, 10);
    expect(p!.gUndriftedSiemens[1]).toBeCloseTo(8e-5, 10);
  });

  it('drift exponents ν = |N(μ, σ)| have the drawn mean and spread', () => {
    const config = testConfig({
      device: { drift: { enabled: true, nuMean: 0.06, nuStd: 0.01, readTimeSeconds: 2000, t0Seconds: 20 } },
    });
    const n = 40_000;
    const [p] = programArrays(
      [array(new Float32Array(n).fill(5e-5))],
      config.device,
      gMin,
      gMax,
      createRng(4),
    );
    const nu = Array.from(p!.gSiemens, (g) => -Math.log(g / Math.fround(5e-5)) / Math.log(100));
    const { mean, variance } = meanVar(nu);
    expect(Math.abs(mean - 0.06)).toBeLessThan(5 * Math.sqrt(1e-4 / n) + 1e-6);
    expect(Math.abs(variance / 1e-4 - 1)).toBeLessThan(5 * Math.sqrt(2 / n) + 1e-3);
  });

  it('aihwkit PCM drift statistics (hand-computed at g = G_max and g = 0.1·G_max)', () => {
    // ln 1 = 0: μ = clip(0.0244, 0.049, 0.1) = 0.049, σ = clip(−0.0059, 0.008, 0.045) = 0.008.
    expect(pcmNuStats(gMax, gMax)).toEqual({ mean: 0.049, std: 0.008 });
    const l = Math.log(0.1);
    const s = pcmNuStats(0.1 * gMax, gMax);
    expect(s.mean).toBeCloseTo(Math.min(0.1, Math.max(0.049, -0.0155 * l + 0.0244)), 12);
    expect(s.std).toBeCloseTo(Math.min(0.045, Math.max(0.008, -0.0125 * l - 0.0059)), 12);
  });

  it('programming noise has the closed-form σ (proportional and aihwkit PCM polynomial)', () => {
    const n = 40_000;
    const target = 4e-5;
    for (const model of ['proportional', 'pcm'] as const) {
      const config = testConfig({ device: { programmingNoise: { enabled: true, model, sigma: 0.05 } } });
      const sigma = programmingSigmaSiemens(target, 25e-6 * 4, config.device.programmingNoise);
      if (model === 'pcm') {
        const g = target / 1e-4;
        expect(sigma).toBeCloseTo((0.26348 + 1.965 * g - 1.1731 * g * g) * 4 * 1e-6, 15);
      } else expect(sigma).toBeCloseTo(0.05 * target, 15);
      const [p] = programArrays(
        [array(new Float32Array(n).fill(target))],
        config.device,
        gMin,
        1e-4,
        createRng(5),
      );
      const { mean, variance } = meanVar(p!.gSiemens);
      expect(Math.abs(mean - target)).toBeLessThan((5 * sigma) / Math.sqrt(n) + 1e-12);
      expect(Math.abs(variance / sigma ** 2 - 1)).toBeLessThan(5 * Math.sqrt(2 / n) + 1e-3);
    }
  });

  it('device-to-device variation: multiplicative spread, or clipping to each device’s own range', () => {
    const n = 40_000;
    const mult = testConfig({
      device: { d2dVariation: { enabled: true, model: 'multiplicative', sigmaRelative: 0.1 } },
    });
    const [a] = programArrays([array(new Float32Array(n).fill(5e-5))], mult.device, gMin, gMax, createRng(6));
    const { mean, variance } = meanVar(Array.from(a!.gSiemens, (g) => g / Math.fround(5e-5)));
    expect(Math.abs(mean - 1)).toBeLessThan((5 * 0.1) / Math.sqrt(n));
    expect(Math.abs(variance / 0.01 - 1)).toBeLessThan(5 * Math.sqrt(2 / n) + 1e-3);
    const range = testConfig({
      device: { d2dVariation: { enabled: true, model: 'conductanceRange', sigmaRelative: 0.1 } },
    });
    const [b] = programArrays(
      [array(new Float32Array(n).fill(gMax))],
      range.device,
      gMin,
      gMax,
      createRng(7),
    );
    // A device at nominal G_max is clipped to 1/R_on,i with R_on,i ~ N(10 kΩ, 1 kΩ): about half end below.
    const below = Array.from(b!.gSiemens).filter((g) => g < Math.fround(gMax)).length / n;
    expect(Math.abs(below - 0.5)).toBeLessThan((5 * 0.5) / Math.sqrt(n));
  });

  it('draws are reproducible per seed and independent per effect', () => {
    const config = testConfig({
      device: { programmingNoise: { enabled: true }, stuckAt: { enabled: true, fractionAtGmin: 0.1 } },
    });
    const run = (seed: number, c = config) =>
      Array.from(
        programArrays([array(new Float32Array(100).fill(5e-5))], c.device, gMin, gMax, createRng(seed))[0]!
          .gSiemens,
      );
    expect(run(1)).toEqual(run(1));
    expect(run(1)).not.toEqual(run(2));
    // Switching stuck-at off does not change the programming-noise draws of the healthy devices.
    const noStuck = testConfig(config, { device: { stuckAt: { enabled: false } } });
    const withStuck = programArrays(
      [array(new Float32Array(100).fill(5e-5))],
      config.device,
      gMin,
      gMax,
      createRng(1),
    )[0]!;
    const without = run(1, noStuck);
    for (let i = 0; i < 100; i++)
      if (withStuck.stuck![i] === 0) expect(withStuck.gSiemens[i]).toBe(without[i]);
  });
});
