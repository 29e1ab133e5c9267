import { useEffect, useRef } from 'react';

/** Viridis-like stops (perceptually ordered, readable by colour-blind viewers and in greyscale). */
const STOPS: [number, number, number][] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];
/** Diverging blue–white–red for signed deviations. */
const DIVERGING: [number, number, number][] = [
  [33, 102, 172],
  [247, 247, 247],
  [178, 24, 43],
];

function colourAt(stops: [number, number, number][], t: number): [number, number, number] {
  const u = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(u));
  const f = u - i;
  const a = stops[i]!;
  const b = stops[i + 1]!;
  return [a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]), a[2] + f * (b[2] - a[2])];
}

export const gradientCss = (diverging: boolean) =>
  `linear-gradient(to right, ${(diverging ? DIVERGING : STOPS).map((c) => `rgb(${c.join(' ')})`).join(', ')})`;

interface HeatMapProps {
  values: Float32Array;
  rows: number;
  cols: number;
  lo: number;
  hi: number;
  diverging: boolean;
  /** 1 = stuck at G_min, 2 = stuck at G_max: drawn as black / white cells. */
  stuck: Uint8Array | null;
  label: string;
}

/** One pixel per device, scaled up without smoothing. */
export function HeatMap({ values, rows, cols, lo, hi, diverging, stuck, label }: HeatMapProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    canvas.width = cols;
    canvas.height = rows;
    const image = ctx.createImageData(cols, rows);
    const span = hi - lo || 1;
    for (let i = 0; i < rows * cols; i++) {
      let rgb: [number, number, number];
      if (stuck && stuck[i] === 1) rgb = [0, 0, 0];
      else if (stuck && stuck[i] === 2) rgb = [255, 255, 255];
      else rgb = colourAt(diverging ? DIVERGING : STOPS, (values[i]! - lo) / span);
      image.data.set([rgb[0], rgb[1], rgb[2], 255], 4 * i);
    }
    ctx.putImageData(image, 0, 0);
  }, [values, rows, cols, lo, hi, diverging, stuck]);
  const scale = Math.max(1, Math.floor(Math.min(220 / cols, 220 / rows)));
  return (
    <canvas
      ref={ref}
      className="heatmap"
      role="img"
      aria-label={label}
      style={{ width: cols * scale, height: rows * scale }}
    />
  );
}
