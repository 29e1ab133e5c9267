/**
 * What every chart of the lab shares: the frame (title, Save PNG / SVG, an HTML legend, the measured width),
 * the series colours and dashes, and axes that measure nothing in the DOM.
 */
import { useState, type ReactNode } from 'react';
import { Area, ReferenceLine, type XAxisTickContentProps, type YAxisTickContentProps } from 'recharts';
import { errorMessage } from '../../sim/errors';
import { useElementWidth } from '../useElementWidth';
import { chartToPng, chartToSvg, download } from './exporters';

export const COLOURS = ['var(--series-1)', 'var(--series-2)', 'var(--series-3)', 'var(--series-4)'];
/** Runs differ by dash pattern too, not by colour alone (WCAG 1.4.1). */
const DASHES = [undefined, '6 3', '2 2', '8 3 2 3'];
export const SERIES_STYLE = (k: number) => ({
  stroke: COLOURS[k % COLOURS.length]!,
  strokeDasharray: DASHES[Math.floor(k / COLOURS.length) % DASHES.length],
});

const EXPORTERS = { png: chartToPng, svg: chartToSvg };

interface LegendItem {
  label: string;
  stroke: string;
  strokeDasharray: string | undefined;
  width?: number;
}

/**
 * A chart's frame: title, Save PNG, an HTML legend and the chart at the measured width. The legend is
 * drawn here rather than by recharts, whose legend measures itself and lays the chart out a second time
 * on every change (main-thread time while a run streams). Its items keep recharts' class for the PNG.
 * The chart's Tooltip is mounted only under the pointer, for the same reason.
 */
export function ChartFrame({
  title,
  testId,
  points,
  series,
  legend,
  dataAttributes,
  children,
}: {
  title: string;
  /** null: no test id (the hidden warm-up copy). */
  testId: string | null;
  points: number;
  series: number;
  legend: LegendItem[];
  /** More `data-*` attributes of the chart element, for tests (e.g. `{ 'data-front': 3 }`). */
  dataAttributes?: Record<`data-${string}`, string | number>;
  /** The chart at `width`; `tooltip`: whether to mount its recharts Tooltip (the pointer is over it). */
  children: (width: number, tooltip: boolean) => ReactNode;
}) {
  const [ref, width] = useElementWidth<HTMLDivElement>(640);
  const [error, setError] = useState<string | null>(null);
  // recharts' Tooltip measures itself (getBoundingClientRect) when it mounts and when its payload changes,
  // forcing a layout of the whole page inside the render: mounted only while the pointer is over the chart.
  const [tooltip, setTooltip] = useState(false);
  return (
    <figure className="chart-frame">
      <figcaption>
        <span>{title}</span>
        <span className="buttons">
          {(['png', 'svg'] as const).map((format) => (
            <button
              key={format}
              type="button"
              className="small-button"
              disabled={points === 0}
              onClick={() => {
                const chart = ref.current;
                if (!chart) return;
                // async: a synchronous throw (SVG) rejects like a failed rasterisation (PNG).
                (async () => EXPORTERS[format](chart, title))().then(
                  (file) => download(`crossbar-lab-${testId}.${format}`, file),
                  (e: unknown) => setError(errorMessage(e)),
                );
              }}
            >
              Save {format.toUpperCase()}
            </button>
          ))}
        </span>
      </figcaption>
      <div
        ref={ref}
        className="chart"
        data-testid={testId ?? undefined}
        data-points={points}
        data-series={series}
        {...dataAttributes}
        onPointerEnter={() => setTooltip(true)}
        onPointerLeave={() => setTooltip(false)}
      >
        {legend.length > 0 && (
          <ul className="chart-legend">
            {legend.map((item) => (
              <li key={item.label} className="recharts-legend-item">
                <svg width="22" height="10" aria-hidden="true">
                  <line
                    x1="1"
                    x2="21"
                    y1="5"
                    y2="5"
                    style={{ stroke: item.stroke }}
                    strokeWidth={item.width ?? 2}
                    strokeDasharray={item.strokeDasharray}
                  />
                </svg>
                {item.label}
              </li>
            ))}
          </ul>
        )}
        {children(width, tooltip)}
      </div>
      {error && <p className="field-error">{error}</p>}
    </figure>
  );
}

export const pctTick = (v: number) => `${v} %`;
export const HEIGHT = 260;
export const PCT_TICKS = [0, 25, 50, 75, 100];
/** Five round ticks from 0 to `max`: fixed while a run streams, so no tick label is measured again. */
export function ticksTo(max: number): number[] {
  const step = 10 ** Math.floor(Math.log10(Math.max(1, max / 4)));
  const nice = [1, 2, 2.5, 5, 10].map((m) => m * step).find((s) => max / s <= 5) ?? 10 * step;
  return Array.from({ length: Math.floor(max / nice) + 1 }, (_, i) => i * nice);
}
export const MARGIN = { top: 8, right: 24, bottom: 16, left: 0 };

/*
 * Nothing in these charts is measured in the DOM. recharts sizes tick labels (to thin crowded ticks) and
 * wraps axis titles by measuring text in a hidden element, which forces a layout of the whole page on
 * every chart update: most of a streamed point's main-thread time. The ticks here are few and fixed, so
 * every axis shows all of them (`interval={0}`, no measuring), and axis titles are plain SVG text.
 */
export const AXIS = { interval: 0, niceTicks: 'none', stroke: 'var(--muted)', tick: PlainTick } as const;

/** A tick label as plain SVG text (recharts' Text measures its words when given the axis width). */
export function PlainTick(props: XAxisTickContentProps | YAxisTickContentProps) {
  const { x, y, textAnchor, verticalAnchor, className, payload, tickFormatter, index } = props;
  // recharts' Text offsets by the cap height (0.71 em) for a top anchor and half of it for a middle one.
  const dy = verticalAnchor === 'start' ? '0.71em' : verticalAnchor === 'middle' ? '0.355em' : 0;
  return (
    <text x={x} y={y} dy={dy} textAnchor={textAnchor} className={className} fill="var(--muted)">
      {tickFormatter ? tickFormatter(payload.value, index) : String(payload.value)}
    </text>
  );
}

/** An x-axis title under the axis, as plain SVG text (recharts' Label measures every word). */
export function xAxisTitle(value: string) {
  return {
    value,
    content: ({ viewBox }: { viewBox?: unknown }) => {
      const box = viewBox as { x: number; y: number; width: number; height: number } | undefined;
      if (!box) return null;
      return (
        <text
          className="recharts-label"
          x={box.x + box.width / 2}
          y={box.y + box.height + 6}
          textAnchor="middle"
          fill="var(--muted)"
        >
          {value}
        </text>
      );
    },
  };
}

/** Tooltip text of a percentage, or of a [low, high] band of percentages. */
export const pctOrBand = (digits: number) => (v: unknown) =>
  Array.isArray(v)
    ? v.map((x) => `${Number(x).toFixed(digits)} %`).join(' … ')
    : `${Number(v).toFixed(digits)} %`;

/** Series k's ± std band (rows hold it as `band{k}` = [low, high]). */
export function stdBand(id: string, label: string, k: number) {
  return (
    <Area
      key={`band${id}`}
      dataKey={`band${k}`}
      name={`${label} ± std`}
      fill={COLOURS[k % COLOURS.length]}
      fillOpacity={0.15}
      stroke="none"
      isAnimationActive={false}
      legendType="none"
      connectNulls
    />
  );
}

/** The digital network's accuracy on the same images (a fraction) as a dashed line labelled "digital". */
export function digitalAccuracyLine(baselineAccuracy: number | null) {
  if (baselineAccuracy === null) return null;
  return (
    <ReferenceLine
      y={100 * baselineAccuracy}
      stroke="var(--muted)"
      strokeDasharray="2 3"
      label={{ value: 'digital', position: 'insideTopRight', fill: 'var(--muted)' }}
    />
  );
}
