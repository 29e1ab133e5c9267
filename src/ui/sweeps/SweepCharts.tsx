import { memo, useMemo } from 'react';
import { CartesianGrid, ErrorBar, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import { useShallow } from 'zustand/react/shallow';
import type { SweepSpec } from '../../sim/sweep';
import { useLab } from '../../state/store';
import { ChartFrame, SERIES_STYLE, digitalAccuracyLine } from '../runs/chartFrame';
import { axisLabel } from './axes';
import { ParetoChart } from './ParetoChart';
import { costVaries } from './pareto';
import { SweepExport } from './SweepExport';
import { SweepHeatmap } from './SweepHeatmap';
import { useLoadPoint, type SweepChartRun } from './sweepRun';
import { formatAxisValue, isNumericAxis, sweepRows, wantsLogScale } from './sweepData';

/** The sweep runs with points so far (selected as stable per-run objects: config, sweep, series). */
function useSweepRuns(): SweepChartRun[] {
  const ids = useLab(useShallow((s) => s.runs.map((r) => r.id)));
  const labels = useLab(useShallow((s) => s.runs.map((r) => r.label)));
  const configs = useLab(useShallow((s) => s.runs.map((r) => r.config)));
  const sweeps = useLab(useShallow((s) => s.runs.map((r) => r.sweep)));
  const series = useLab(useShallow((s) => s.runs.map((r) => r.series)));
  const results = useLab(useShallow((s) => s.runs.map((r) => r.result)));
  return useMemo(
    () =>
      ids.flatMap((id, i) => {
        const sweep = sweeps[i];
        const points = series[i]!.sweepPoints;
        if (!sweep || points.length === 0) return [];
        return [
          {
            id,
            label: labels[i]!,
            config: configs[i]!,
            sweep,
            points,
            baselineAccuracy: series[i]!.baselineAccuracy,
            result: results[i] ?? null,
          },
        ];
      }),
    [ids, labels, configs, sweeps, series, results],
  );
}

const PCT_TICKS = [0, 25, 50, 75, 100];
const MARGIN = { top: 8, right: 24, bottom: 24, left: 0 };

/**
 * Accuracy (mean ± std over the point's runs) against the first axis, one line per value of the second
 * axis, the digital network on the same images dashed. Clicking a point loads its settings.
 */
export const SweepLineChart = memo(function SweepLineChart({ run }: { run: SweepChartRun }) {
  const load = useLoadPoint(run);
  const [first, second] = run.sweep.axes as [
    SweepSpec['axes'][number],
    SweepSpec['axes'][number] | undefined,
  ];
  const rows = useMemo(() => sweepRows(run.sweep, run.points), [run.sweep, run.points]);
  const numeric = isNumericAxis(first.values);
  const log = wantsLogScale(first.values);
  const series = second ? second.values : [null];
  const names = series.map((v) =>
    second ? `${axisLabel(second.path)} = ${formatAxisValue(second.path, v!)}` : run.label,
  );
  const loadPoint = (i: number, j: number) =>
    load(second ? [first.values[i]!, second.values[j]!] : [first.values[i]!]);
  return (
    <ChartFrame
      title={`Accuracy against ${axisLabel(first.path)} · ${run.label}`}
      testId="sweep-chart"
      points={run.points.length}
      series={series.length}
      legend={names.map((label, j) => ({ label, ...SERIES_STYLE(j) }))}
    >
      {(width, tooltip) => (
        <LineChart width={width} height={260} data={rows} margin={MARGIN}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" />
          <XAxis
            dataKey="x"
            type={numeric ? 'number' : 'category'}
            scale={log ? 'log' : 'auto'}
            domain={numeric ? ['dataMin', 'dataMax'] : undefined}
            ticks={rows.map((r) => r.x)}
            interval={0}
            tickFormatter={(x: number) => rows.find((r) => r.x === x)?.label ?? String(x)}
            stroke="var(--muted)"
            label={{
              value: axisLabel(first.path),
              position: 'insideBottom',
              offset: -14,
              fill: 'var(--muted)',
            }}
          />
          <YAxis
            domain={[0, 100]}
            ticks={PCT_TICKS}
            tickFormatter={(v: number) => `${v} %`}
            stroke="var(--muted)"
          />
          {tooltip && (
            <Tooltip
              labelFormatter={(x) => `${axisLabel(first.path)} = ${rows.find((r) => r.x === x)?.label ?? x}`}
              formatter={(v) => `${Number(v).toFixed(2)} %`}
            />
          )}
          {series.map((_, j) => (
            <Line
              key={j}
              dataKey={`mean${j}`}
              name={second ? names[j] : 'mean'}
              {...SERIES_STYLE(j)}
              strokeWidth={2}
              isAnimationActive={false}
              dot={{ r: 4, cursor: 'pointer' }}
              activeDot={{
                r: 6,
                cursor: 'pointer',
                onClick: (_e: unknown, payload: unknown) => {
                  const index = (payload as { index?: number }).index;
                  if (index !== undefined) loadPoint(index, j);
                },
              }}
            >
              <ErrorBar dataKey={`std${j}`} width={4} stroke={SERIES_STYLE(j).stroke} />
            </Line>
          ))}
          {digitalAccuracyLine(run.baselineAccuracy)}
        </LineChart>
      )}
    </ChartFrame>
  );
});

/** Every sweep run's charts (the newest first). */
export function SweepCharts() {
  const runs = useSweepRuns();
  if (runs.length === 0) return null;
  return (
    <div className="charts" data-testid="sweep-charts">
      {[...runs].reverse().map((run) => (
        <section key={run.id} className="sweep-run" aria-label={`Sweep: ${run.label}`}>
          <SweepExport run={run} />
          <SweepLineChart run={run} />
          {run.sweep.axes.length === 2 && <SweepHeatmap run={run} />}
          {run.points.length < 2 || costVaries(run.points) ? (
            <ParetoChart run={run} />
          ) : (
            <p className="muted small" data-testid="no-trade-off">
              Every point has the same estimated area, energy and latency (the swept settings do not change
              the hardware), so there is no accuracy-against-cost chart.
            </p>
          )}
        </section>
      ))}
      <p className="muted small">
        Click a point or a cell to load its settings (the sweep is cleared). Area, energy and latency are
        estimates of the cost model (Floorplan tab: Cost estimate), not measurements.
      </p>
    </div>
  );
}
