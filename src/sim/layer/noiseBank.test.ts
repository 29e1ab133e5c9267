import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../rng';
import { useCpuBackend } from '../testUtils';
import { NoiseBank } from './noiseBank';

beforeAll(useCpuBackend);

const SIZE = 1 << 20;

describe('noise bank: per-read normals as seeded windows of a bank drawn once per chip', () => {
  it('a window holds standard normals (mean, variance, kurtosis within statistical bounds)', async () => {
    const n = 200_000;
    const t = new NoiseBank(createRng(1), SIZE).normals([n], 12345);
    const v = await t.data();
    t.dispose();
    let s = 0;
    let q = 0;
    let f = 0;
    for (const x of v) {
      s += x;
      q += x * x;
      f += x ** 4;
    }
    // Standard errors: mean 1/√n, variance √(2/n), fourth moment √(96/n) (for N(0, 1): E x⁴ = 3, Var x⁴ = 96).
    expect(Math.abs(s / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(q / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(f / n - 3)).toBeLessThan(5 * Math.sqrt(96 / n));
  });

  it('the same seed gives the same window whatever was read before; nearby seeds give unrelated ones', async () => {
    const read = async (bank: NoiseBank, seed: number) => {
      const t = bank.normals([4, 1000], seed);
      const v = Array.from(await t.data());
      t.dispose();
      return v;
    };
    const a = new NoiseBank(createRng(7), SIZE);
    const b = new NoiseBank(createRng(7), SIZE);
    await read(b, 99); // b draws other blocks first
    expect(await read(b, 5)).toEqual(await read(a, 5));
    // Seeds 5 and 6 (e.g. the first draws of streams seeded 5 and 6): uncorrelated windows.
    const [x, y] = [await read(a, 5), await read(a, 6)];
    const corr = x.reduce((acc, xi, i) => acc + xi * y[i]!, 0) / x.length;
    expect(Math.abs(corr)).toBeLessThan(5 / Math.sqrt(x.length));
    expect(await read(new NoiseBank(createRng(8), SIZE), 5)).not.toEqual(await read(a, 5));
  });

  it('a window longer than the bank wraps around it', async () => {
    const bank = new NoiseBank(createRng(3), 1 << 16);
    const t = bank.normals([3 << 16], 1);
    const v = await t.data();
    t.dispose();
    for (const i of [0, 17, 40_000]) expect(v[i + (1 << 16)]).toBe(v[i]);
    expect(tf.memory().numTensors).toBe(0);
  });
});
