import { memo, useDeferredValue, useMemo, useState, type ReactNode } from 'react';
import {
  Area,
  CartesianGrid,
  ComposedChart,
  Line,
  LineChart,
  ReferenceLine,
  Tooltip,
  XAxis,
  YAxis,
  type XAxisTickContentProps,
  type YAxisTickContentProps,
} from 'recharts';
import { useShallow } from 'zustand/react/shallow';
import { useLab } from '../../state/store';
import type { RunSeries } from '../../state/slices/runsSlice';
import { useElementWidth } from '../useElementWidth';
import { chartToPng, download } from './exporters';
import { decimate, inferenceRows, perRunRows, trainingRows } from './chartData';
import { errorMessage } from '../../sim/errors';

const COLOURS = ['var(--series-1)', 'var(--series-2)', 'var(--series-3)', 'var(--series-4)'];
/** Runs differ by dash pattern too, not by colour alone (WCAG 1.4.1). */
const DASHES = [undefined, '6 3', '2 2', '8 3 2 3'];
const style = (k: number) => ({
  stroke: COLOURS[k % COLOURS.length]!,
  strokeDasharray: DASHES[Math.floor(k / COLOURS.length) % DASHES.length],
});

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
 */
function ChartFrame({
  title,
  testId,
  points,
  series,
  legend,
  children,
}: {
  title: string;
  /** null: no test id (the hidden warm-up copy). */
  testId: string | null;
  points: number;
  series: number;
  legend: LegendItem[];
  children: (width: number) => ReactNode;
}) {
  const [ref, width] = useElementWidth<HTMLDivElement>(640);
  const [error, setError] = useState<string | null>(null);
  return (
    <figure className="chart-frame">
      <figcaption>
        <span>{title}</span>
        <button
          type="button"
          className="small-button"
          disabled={points === 0}
          onClick={() => {
            if (!ref.current) return;
            chartToPng(ref.current, title).then(
              (blob) => download(`crossbar-lab-${testId}.png`, blob),
              (e: unknown) => setError(errorMessage(e)),
            );
          }}
        >
          Save PNG
        </button>
      </figcaption>
      <div
        ref={ref}
        className="chart"
        data-testid={testId ?? undefined}
        data-points={points}
        data-series={series}
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
        {children(width)}
      </div>
      {error && <p className="field-error">{error}</p>}
    </figure>
  );
}

const pctTick = (v: number) => `${v} %`;

/** What a chart draws of a run: its name, the workload's shape and its measured series. */
export interface ChartRun {
  id: string;
  label: string;
  routine: string;
  /** Inference: test images per run, repeats (the x range and whether a ± std band exists). */
  images: number;
  repeats: number;
  series: RunSeries;
}

const hasPoints = (s: RunSeries) => s.batchPoints.length > 0 || s.epochPoints.length > 0;

/**
 * The runs as the charts see them: those with points so far. Progress messages arrive every 100 ms and
 * replace each run's record, but a run's `series` (and config) is replaced only when new points come,
 * so selecting those per-run objects re-renders the charts only then (recharts redraws every SVG
 * element) — pressing Run, while the worker loads weights and data, costs no chart update.
 */
function useChartRuns(): ChartRun[] {
  const series = useLab(useShallow((s) => s.runs.map((r) => r.series)));
  const configs = useLab(useShallow((s) => s.runs.map((r) => r.config)));
  const labels = useLab(useShallow((s) => s.runs.map((r) => r.label)));
  const ids = useLab(useShallow((s) => s.runs.map((r) => r.id)));
  return useMemo(
    () =>
      ids.flatMap((id, i) => {
        const config = configs[i]!;
        return hasPoints(series[i]!)
          ? [
              {
                id,
                label: labels[i]!,
                routine: config.experiment.routine,
                images: config.experiment.images,
                repeats: config.experiment.runs,
                series: series[i]!,
              },
            ]
          : [];
      }),
    [ids, configs, labels, series],
  );
}

interface ChartProps {
  runs: ChartRun[];
  /** The hidden copy drawn once by RunViewsWarmUp. */
  warmUp?: boolean;
}

/** A series with a single point draws no line: show its points as dots then. */
const dotFor = (points: number) => (points < 3 ? { r: 4 } : false);

const HEIGHT = 260;
const PCT_TICKS = [0, 25, 50, 75, 100];
/** Five round ticks from 0 to `max`: fixed while a run streams, so no tick label is measured again. */
function ticksTo(max: number): number[] {
  const step = 10 ** Math.floor(Math.log10(Math.max(1, max / 4)));
  const nice = [1, 2, 2.5, 5, 10].map((m) => m * step).find((s) => max / s <= 5) ?? 10 * step;
  return Array.from({ length: Math.floor(max / nice) + 1 }, (_, i) => i * nice);
}
const MARGIN = { top: 8, right: 24, bottom: 16, left: 0 };

/*
 * Nothing in these charts is measured in the DOM. recharts sizes tick labels (to thin crowded ticks) and
 * wraps axis titles by measuring text in a hidden element, which forces a layout of the whole page on
 * every chart update: most of a streamed point's main-thread time. The ticks here are few and fixed, so
 * every axis shows all of them (`interval={0}`, no measuring), and axis titles are plain SVG text.
 */
const AXIS = { interval: 0, niceTicks: 'none', stroke: 'var(--muted)', tick: PlainTick } as const;

/** A tick label as plain SVG text (recharts' Text measures its words when given the axis width). */
function PlainTick(props: XAxisTickContentProps | YAxisTickContentProps) {
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
function xAxisTitle(value: string) {
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

/** Accuracy per batch: mean ± std across each experiment's repeated runs, experiments overlaid. */
export const InferenceChart = memo(function InferenceChart({ runs, warmUp = false }: ChartProps) {
  const rows = useMemo(() => decimate(inferenceRows(runs.map((r) => r.series))), [runs]);
  const withPoints = runs.filter((r) => r.series.batchPoints.length > 0).length;
  const maxImages = Math.max(1, ...runs.map((r) => r.images));
  return (
    <ChartFrame
      title="Inference accuracy (mean ± std across runs)"
      testId={warmUp ? null : 'inference-chart'}
      points={rows.length}
      series={withPoints}
      legend={runs.map((r, k) => ({ label: r.label, ...style(k) }))}
    >
      {(width) => (
        <ComposedChart width={width} height={HEIGHT} data={rows} margin={MARGIN}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" />
          <XAxis
            dataKey="x"
            type="number"
            domain={[0, maxImages]}
            ticks={ticksTo(maxImages)}
            {...AXIS}
            label={xAxisTitle('test images evaluated')}
          />
          <YAxis domain={[0, 100]} ticks={PCT_TICKS} tickFormatter={pctTick} {...AXIS} />
          <Tooltip
            formatter={(v) =>
              Array.isArray(v)
                ? v.map((x) => `${Number(x).toFixed(1)} %`).join(' … ')
                : `${Number(v).toFixed(1)} %`
            }
          />
          {runs.map((r, k) =>
            r.repeats < 2 ? null : (
              <Area
                key={`band${r.id}`}
                dataKey={`band${k}`}
                name={`${r.label} ± std`}
                fill={COLOURS[k % COLOURS.length]}
                fillOpacity={0.15}
                stroke="none"
                isAnimationActive={false}
                legendType="none"
                connectNulls
              />
            ),
          )}
          {runs.map((r, k) => (
            <Line
              key={r.id}
              dataKey={`mean${k}`}
              name={r.label}
              {...style(k)}
              strokeWidth={2}
              dot={dotFor(new Set(r.series.batchPoints.map((p) => p.batch)).size)}
              isAnimationActive={false}
              connectNulls
            />
          ))}
        </ComposedChart>
      )}
    </ChartFrame>
  );
});

/**
 * Accuracy of every repeated run (dots), each experiment's mean ± std across its runs (line and band),
 * and the digital network on the same images (dashed). Runs of a single batch show here as they are.
 */
export const PerRunChart = memo(function PerRunChart({ runs, warmUp = false }: ChartProps) {
  const rows = useMemo(() => perRunRows(runs.map((r) => r.series)), [runs]);
  const maxRuns = Math.max(1, ...runs.map((r) => r.repeats));
  return (
    <ChartFrame
      title="Accuracy of each run, and the digital network on the same images"
      testId={warmUp ? null : 'per-run-chart'}
      points={rows.length}
      series={runs.filter((r) => r.series.runSummaries.length > 0).length}
      legend={runs.flatMap((r, k) => [
        { label: r.label, ...style(k) },
        ...(r.series.baselineAccuracy === null
          ? []
          : [{ label: `${r.label}: digital`, ...style(k), strokeDasharray: '2 3', width: 1 }]),
      ])}
    >
      {(width) => (
        <ComposedChart width={width} height={HEIGHT - 40} data={rows} margin={MARGIN}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" />
          <XAxis
            dataKey="x"
            type="number"
            domain={[0.5, maxRuns + 0.5]}
            ticks={Array.from({ length: Math.min(maxRuns, 10) }, (_, i) =>
              Math.round(1 + (i * (maxRuns - 1)) / Math.max(1, Math.min(maxRuns, 10) - 1)),
            )}
            {...AXIS}
            label={xAxisTitle('run')}
          />
          <YAxis domain={[0, 100]} ticks={PCT_TICKS} tickFormatter={pctTick} {...AXIS} />
          <Tooltip
            formatter={(v) =>
              Array.isArray(v)
                ? v.map((x) => `${Number(x).toFixed(2)} %`).join(' … ')
                : `${Number(v).toFixed(2)} %`
            }
          />
          {runs.map((r, k) => (
            <Area
              key={`band${r.id}`}
              dataKey={`band${k}`}
              name={`${r.label} ± std`}
              fill={COLOURS[k % COLOURS.length]}
              fillOpacity={0.15}
              stroke="none"
              isAnimationActive={false}
              legendType="none"
              connectNulls
            />
          ))}
          {runs.map((r, k) => (
            <Line
              key={`mean${r.id}`}
              dataKey={`mean${k}`}
              name={`${r.label} mean`}
              {...style(k)}
              strokeWidth={1}
              dot={false}
              isAnimationActive={false}
              connectNulls
            />
          ))}
          {runs.map((r, k) => (
            <Line
              key={r.id}
              dataKey={`run${k}`}
              name={r.label}
              stroke={style(k).stroke}
              strokeWidth={0}
              dot={{ r: 4, fill: style(k).stroke }}
              isAnimationActive={false}
            />
          ))}
          {runs.map((r, k) =>
            r.series.baselineAccuracy === null ? null : (
              <ReferenceLine
                key={`digital${r.id}`}
                y={100 * r.series.baselineAccuracy}
                stroke={style(k).stroke}
                strokeDasharray="2 3"
              />
            ),
          )}
        </ComposedChart>
      )}
    </ChartFrame>
  );
});

export const TrainingCharts = memo(function TrainingCharts({ runs, warmUp = false }: ChartProps) {
  const rows = useMemo(() => decimate(trainingRows(runs.map((r) => r.series))), [runs]);
  const xAxis = (
    <XAxis
      dataKey="x"
      type="number"
      domain={['dataMin', 'dataMax']}
      allowDecimals={false}
      {...AXIS}
      label={xAxisTitle('epoch')}
    />
  );
  return (
    <>
      <ChartFrame
        title="Training loss per epoch"
        testId={warmUp ? null : 'loss-chart'}
        points={rows.length}
        series={runs.length}
        legend={runs.map((r, k) => ({ label: `${r.label} loss`, ...style(k) }))}
      >
        {(width) => (
          <LineChart width={width} height={HEIGHT - 20} data={rows} margin={MARGIN}>
            <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" />
            {xAxis}
            <YAxis {...AXIS} />
            <Tooltip />
            {runs.map((r, k) => (
              <Line
                key={r.id}
                dataKey={`loss${k}`}
                name={`${r.label} loss`}
                {...style(k)}
                dot={dotFor(r.series.epochPoints.length)}
                isAnimationActive={false}
              />
            ))}
          </LineChart>
        )}
      </ChartFrame>
      <ChartFrame
        title="Training and test accuracy per epoch"
        testId={warmUp ? null : 'epoch-accuracy-chart'}
        points={rows.length}
        series={runs.length}
        legend={runs.flatMap((r, k) => [
          { label: `${r.label} train`, ...style(k), strokeDasharray: '4 3', width: 1 },
          { label: `${r.label} test`, ...style(k) },
        ])}
      >
        {(width) => (
          <LineChart width={width} height={HEIGHT - 20} data={rows} margin={MARGIN}>
            <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" />
            {xAxis}
            <YAxis domain={[0, 100]} ticks={PCT_TICKS} tickFormatter={pctTick} {...AXIS} />
            <Tooltip formatter={(v) => `${Number(v).toFixed(1)} %`} />
            {runs.map((r, k) => (
              <Line
                key={`train${r.id}`}
                dataKey={`train${k}`}
                name={`${r.label} train`}
                {...style(k)}
                strokeDasharray="4 3"
                strokeWidth={1}
                dot={dotFor(r.series.epochPoints.length)}
                isAnimationActive={false}
              />
            ))}
            {runs.map((r, k) => (
              <Line
                key={`test${r.id}`}
                dataKey={`test${k}`}
                name={`${r.label} test`}
                {...style(k)}
                strokeWidth={2}
                dot={dotFor(r.series.epochPoints.length)}
                isAnimationActive={false}
              />
            ))}
          </LineChart>
        )}
      </ChartFrame>
    </>
  );
});

/**
 * The live charts: inference runs and training runs, each overlaid. The chart data is a deferred value,
 * so React renders new points in an interruptible background pass instead of one long main-thread task.
 */
export function RunCharts() {
  const runs = useDeferredValue(useChartRuns());
  const inference = useMemo(() => runs.filter((r) => r.routine === 'inference'), [runs]);
  const training = useMemo(() => runs.filter((r) => r.routine === 'training'), [runs]);
  // A run of one batch per repeat has one point per run on the per-batch chart: the per-run chart says
  // it better, so the per-batch chart shows only when some run has several batches.
  const batched = useMemo(
    () => inference.filter((r) => new Set(r.series.batchPoints.map((p) => p.batch)).size > 1),
    [inference],
  );
  const finished = useMemo(() => inference.filter((r) => r.series.runSummaries.length > 0), [inference]);
  return (
    <div className="charts">
      {(batched.length > 0 || (finished.length === 0 && training.length === 0)) && (
        <InferenceChart runs={batched} />
      )}
      {finished.length > 0 && <PerRunChart runs={finished} />}
      {training.length > 0 && <TrainingCharts runs={training} />}
    </div>
  );
}
