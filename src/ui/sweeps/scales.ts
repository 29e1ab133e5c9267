/**
 * Scales of the sweep charts, computed once per data change so that nothing is measured in the DOM
 * (src/ui/runs/chartFrame.tsx): the cost axis's ticks (logarithmic when the costs span a decade or more)
 * and the heat map's colours. Pure, for the charts and their tests.
 */

/** Drops float noise from a computed tick (0.30000000000000004 → 0.3). */
const clean = (v: number) => Number(v.toPrecision(12));

export interface AxisScale {
  log: boolean;
  domain: [number, number];
  ticks: number[];
}

/**
 * Ticks for positive values from `min` to `max`: 1-2-5 steps per decade on a log scale when max/min ≥ 10,
 * otherwise about five round linear steps around the data (not from zero: costs of a sweep often differ
 * by a few per cent).
 */
export function costScale(min: number, max: number): AxisScale {
  if (min > 0 && max / min >= 10) {
    const ticks: number[] = [];
    for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++)
      for (const m of [1, 2, 5]) ticks.push(clean(m * 10 ** e));
    const lo = ticks.filter((t) => t <= min).at(-1) ?? ticks[0]!;
    const hi = ticks.find((t) => t >= max) ?? ticks.at(-1)!;
    return { log: true, domain: [lo, hi], ticks: ticks.filter((t) => t >= lo && t <= hi) };
  }
  const span = max - min || Math.abs(max) * 0.2 || 1;
  const raw = span / 4;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const lo = Math.max(0, Math.floor((max === min ? min - span / 2 : min) / step) * step);
  const hi = Math.ceil((max === min ? max + span / 2 : max) / step) * step;
  const ticks = Array.from({ length: Math.round((hi - lo) / step) + 1 }, (_, i) => clean(lo + i * step));
  return { log: false, domain: [clean(lo), clean(hi)], ticks };
}

/** A tick or value in at most three significant digits, without trailing zeros (0.00123, 1.5, 250). */
export const shortNumber = (v: number) => String(Number(v.toPrecision(3)));

/**
 * Viridis (matplotlib; perceptually uniform, readable with the common colour-vision deficiencies and in
 * grey), ten stops from dark purple (low) to yellow (high).
 */
export const VIRIDIS = [
  '#440154',
  '#482878',
  '#3e4989',
  '#31688e',
  '#26828e',
  '#1f9e89',
  '#35b779',
  '#6ece58',
  '#b5de2b',
  '#fde725',
] as const;

const rgbOf = (hex: string) =>
  [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];

/** The colour at t ∈ [0, 1] on the viridis scale, as #rrggbb. */
export function viridis(t: number): string {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const [a, b] = [rgbOf(VIRIDIS[i]!), rgbOf(VIRIDIS[i + 1]!)];
  return `#${a
    .map((c, k) => Math.round(c + (b[k]! - c) * (x - i)))
    .map((c) => c.toString(16).padStart(2, '0'))
    .join('')}`;
}

/** WCAG relative luminance of #rrggbb. */
export function luminance(hex: string): number {
  const [r, g, b] = rgbOf(hex).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** Black or white text, whichever contrasts more with the background (WCAG contrast ratio). */
export function textOn(background: string): '#000000' | '#ffffff' {
  const l = luminance(background);
  return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? '#000000' : '#ffffff';
}
