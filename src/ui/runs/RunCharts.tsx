import { memo, useDeferredValue, useMemo } from 'react';
import {
  CartesianGrid,
  ComposedChart,
  Line,
  LineChart,
  ReferenceLine,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { useShallow } from 'zustand/react/shallow';
import { useLab } from '../../state/store';
import type { RunSeries } from '../../state/slices/runsSlice';
import { decimate, inferenceRows, perRunRows, trainingRows } from './chartData';
import {
  AXIS,
  ChartFrame,
  HEIGHT,
  MARGIN,
  PCT_TICKS,
  SERIES_STYLE as style,
  pctOrBand,
  pctTick,
  stdBand,
  ticksTo,
  xAxisTitle,
} from './chartFrame';

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
  // Sweeps have their own charts (src/ui/sweeps/).
  const sweeps = useLab(useShallow((s) => s.runs.map((r) => r.sweep !== null)));
  return useMemo(
    () =>
      ids.flatMap((id, i) => {
        const config = configs[i]!;
        return hasPoints(series[i]!) && !sweeps[i]
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
    [ids, configs, labels, series, sweeps],
  );
}

interface ChartProps {
  runs: ChartRun[];
  /** The hidden copy drawn once by RunViewsWarmUp. */
  warmUp?: boolean;
}

/** A series with a single point draws no line: show its points as dots then. */
const dotFor = (points: number) => (points < 3 ? { r: 4 } : false);

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
      {(width, tooltip) => (
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
          {tooltip && <Tooltip formatter={pctOrBand(1)} />}
          {runs.map((r, k) => (r.repeats < 2 ? null : stdBand(r.id, r.label, k)))}
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
      {(width, tooltip) => (
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
          {tooltip && <Tooltip formatter={pctOrBand(2)} />}
          {runs.map((r, k) => (r.series.runSummaries.length < 2 ? null : stdBand(r.id, r.label, k)))}
          {/* A mean of one run is that run's point: no line (recharts would draw a lone segment as a dot). */}
          {runs.map((r, k) =>
            r.series.runSummaries.length < 2 ? null : (
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
            ),
          )}
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
        {(width, tooltip) => (
          <LineChart width={width} height={HEIGHT - 20} data={rows} margin={MARGIN}>
            <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" />
            {xAxis}
            <YAxis {...AXIS} />
            {tooltip && <Tooltip />}
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
        {(width, tooltip) => (
          <LineChart width={width} height={HEIGHT - 20} data={rows} margin={MARGIN}>
            <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" />
            {xAxis}
            <YAxis domain={[0, 100]} ticks={PCT_TICKS} tickFormatter={pctTick} {...AXIS} />
            {tooltip && <Tooltip formatter={(v) => `${Number(v).toFixed(1)} %`} />}
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
  // With only sweeps so far, their charts stand alone (no empty per-batch chart beside them).
  const anySweep = useLab((s) => s.runs.some((r) => r.sweep !== null));
  const finished = useMemo(() => inference.filter((r) => r.series.runSummaries.length > 0), [inference]);
  return (
    <div className="charts">
      {(batched.length > 0 || (finished.length === 0 && training.length === 0 && !anySweep)) && (
        <InferenceChart runs={batched} />
      )}
      {finished.length > 0 && <PerRunChart runs={finished} />}
      {training.length > 0 && <TrainingCharts runs={training} />}
    </div>
  );
}
