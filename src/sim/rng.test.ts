import { describe, expect, it } from 'vitest';
import { createRng } from './rng';

describe('createRng', () => {
  it('gives the same sequence for the same seed and a different one for another seed', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const seqA = Array.from({ length: 8 }, () => a.uniform());
    expect(Array.from({ length: 8 }, () => b.uniform())).toEqual(seqA);
    expect(Array.from({ length: 8 }, () => c.uniform())).not.toEqual(seqA);
  });

  it('forks independent, reproducible streams by label', () => {
    const root = createRng(7);
    const programming = root.fork('programming').uniform();
    expect(createRng(7).fork('programming').uniform()).toBe(programming);
    expect(createRng(7).fork('read').uniform()).not.toBe(programming);
  });

  it('draws normals whose mean and variance lie within 5-sigma bounds of N(0, 1)', () => {
    const rng = createRng(1);
    const n = 200_000;
    const draws = new Float64Array(n);
    rng.fillNormal(draws);
    const mean = draws.reduce((s, x) => s + x, 0) / n;
    const variance = draws.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1);
    // Standard error of the mean is 1/sqrt(n); of the variance sqrt(2/(n-1)).
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(variance - 1)).toBeLessThan(5 * Math.sqrt(2 / (n - 1)));
  });

  it('shuffles into a permutation', () => {
    const items = Array.from({ length: 100 }, (_, i) => i);
    createRng(3).shuffle(items);
    expect([...items].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(items).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
