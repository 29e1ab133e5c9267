import { describe, expect, it } from 'vitest';
import { VIRIDIS, costScale, luminance, shortNumber, textOn, viridis } from './scales';

describe('costScale', () => {
  it('is logarithmic with 1-2-5 ticks when the costs span a decade or more', () => {
    expect(costScale(1.3, 42)).toEqual({ log: true, domain: [1, 50], ticks: [1, 2, 5, 10, 20, 50] });
    expect(costScale(0.003, 0.04)).toEqual({
      log: true,
      domain: [0.002, 0.05],
      ticks: [0.002, 0.005, 0.01, 0.02, 0.05],
    });
  });

  it('is linear with round steps around the data otherwise, and never crosses zero', () => {
    expect(costScale(1.23, 1.52)).toEqual({
      log: false,
      domain: [1.2, 1.6],
      ticks: [1.2, 1.3, 1.4, 1.5, 1.6],
    });
    // One value (every point has the same latency): ± 10 % around it.
    expect(costScale(29.6, 29.6)).toEqual({ log: false, domain: [26, 34], ticks: [26, 28, 30, 32, 34] });
    // Just under a decade stays linear.
    expect(costScale(0.003, 0.02).log).toBe(false);
    expect(costScale(0.1, 0.9).domain[0]).toBe(0);
  });
});

describe('colours of the heat map', () => {
  it('runs viridis from its first to its last stop', () => {
    expect(viridis(0)).toBe(VIRIDIS[0]);
    expect(viridis(1)).toBe(VIRIDIS[9]);
    expect(viridis(-3)).toBe(VIRIDIS[0]);
    expect(viridis(Number.NaN)).toBe(VIRIDIS[0]);
    // Half-way between the 5th and 6th stops: the mean of #26828e and #1f9e89, rounded.
    expect(viridis(4.5 / 9)).toBe('#23908c');
  });

  it('gets lighter from low to high, so order reads in grey too', () => {
    const l = Array.from({ length: 21 }, (_, i) => luminance(viridis(i / 20)));
    for (let i = 1; i < l.length; i++) expect(l[i]!).toBeGreaterThan(l[i - 1]!);
  });

  it('writes every cell’s value at a contrast of at least 4.5:1 (WCAG AA)', () => {
    const contrast = (a: string, b: string) => {
      const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
      return (hi + 0.05) / (lo + 0.05);
    };
    for (let i = 0; i <= 100; i++) {
      const bg = viridis(i / 100);
      expect(contrast(bg, textOn(bg))).toBeGreaterThanOrEqual(4.5);
    }
    expect(textOn(VIRIDIS[0])).toBe('#ffffff');
    expect(textOn(VIRIDIS[9])).toBe('#000000');
  });
});

it('shortNumber keeps three significant digits', () => {
  expect([0.0012345, 1.5, 249.6, 12345].map(shortNumber)).toEqual(['0.00123', '1.5', '250', '12300']);
});
