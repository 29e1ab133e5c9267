import { memo, useMemo, useState } from 'react';
import { CartesianGrid, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';
import {
  AXIS,
  ChartFrame,
  MARGIN,
  PCT_TICKS,
  digitalAccuracyLine,
  pctTick,
  xAxisTitle,
} from '../runs/chartFrame';
import { COST_METRICS, tradeOffPoints, type CostMetric, type TradeOffPoint } from './pareto';
import { costScale, shortNumber } from './scales';
import { formatAxisValue } from './sweepData';
import { pointLabel, useLoadPoint, type SweepChartRun } from './sweepRun';

const FRONT = 'var(--series-1)';
const OTHER = 'var(--muted)';
/** Front points listed as buttons under the chart (keyboard access to loading them), at most. */
const LISTED = 12;

/** Points are labelled with their values on the chart up to this many (more would overlap). */
const LABELLED = 24;

/**
 * A point as a circle that loads its settings when clicked, with its values beside it (plain SVG text:
 * nothing measured).
 */
function PointShape(props: {
  cx?: number;
  cy?: number;
  payload?: TradeOffPoint;
  label: ((p: TradeOffPoint) => string) | null;
  onLoad: (p: TradeOffPoint) => void;
}) {
  const { cx, cy, payload, label, onLoad } = props;
  if (cx === undefined || cy === undefined || !payload) return null;
  const front = payload.onFront;
  return (
    <g style={{ cursor: 'pointer' }} onClick={() => onLoad(payload)}>
      <circle
        cx={cx}
        cy={cy}
        r={front ? 6 : 4.5}
        fill={front ? FRONT : 'var(--panel)'}
        stroke={front ? FRONT : OTHER}
        strokeWidth={2}
      />
      {label && (
        <text x={cx + 8} y={cy + 14} fontSize={11} fill="var(--muted)">
          {label(payload)}
        </text>
      )}
    </g>
  );
}

/**
 * Accuracy (mean over the point's runs) against the estimated energy per image, chip area or latency per
 * image of every point of a sweep, the points no other beats on both (the Pareto front) joined and
 * highlighted. Clicking a point loads its settings.
 */
export const ParetoChart = memo(function ParetoChart({ run }: { run: SweepChartRun }) {
  const [metric, setMetric] = useState<CostMetric>('energy');
  const load = useLoadPoint(run);
  const points = useMemo(() => tradeOffPoints(run.points, metric), [run.points, metric]);
  const front = useMemo(() => points.filter((p) => p.onFront).sort((a, b) => a.cost - b.cost), [points]);
  const others = useMemo(() => points.filter((p) => !p.onFront), [points]);
  const scale = useMemo(
    () =>
      points.length === 0
        ? costScale(1, 1)
        : costScale(Math.min(...points.map((p) => p.cost)), Math.max(...points.map((p) => p.cost))),
    [points],
  );
  const { label, unit } = COST_METRICS[metric];
  // Each point's values as the axes show them ("5", or "4 / 64" on a grid).
  const valuesText =
    points.length <= LABELLED
      ? (p: TradeOffPoint) => run.sweep.axes.map((a, i) => formatAxisValue(a.path, p.values[i]!)).join(' / ')
      : null;
  const shape = (props: unknown) => (
    <PointShape {...(props as object)} label={valuesText} onLoad={(p) => load(p.values)} />
  );
  const selectId = `pareto-metric-${run.id}`;
  return (
    <div className="pareto">
      <div className="field pareto-metric">
        <label htmlFor={selectId}>Cost axis</label>
        <select id={selectId} value={metric} onChange={(e) => setMetric(e.target.value as CostMetric)}>
          {(Object.keys(COST_METRICS) as CostMetric[]).map((m) => (
            <option key={m} value={m}>
              {COST_METRICS[m].label} ({COST_METRICS[m].unit})
            </option>
          ))}
        </select>
      </div>
      <ChartFrame
        title={`Accuracy against ${label.toLowerCase()} (estimate) · ${run.label}`}
        testId="pareto-chart"
        points={points.length}
        series={2}
        dataAttributes={{ 'data-front': front.length, 'data-metric': metric }}
        legend={[
          {
            label: 'Pareto front (no point more accurate for less)',
            stroke: FRONT,
            strokeDasharray: undefined,
          },
          { label: 'other points', stroke: OTHER, strokeDasharray: '1 5', width: 4 },
        ]}
      >
        {(width, tooltip) => (
          <ScatterChart width={width} height={280} margin={{ ...MARGIN, bottom: 24 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" />
            <XAxis
              dataKey="cost"
              type="number"
              scale={scale.log ? 'log' : 'linear'}
              domain={scale.domain}
              ticks={scale.ticks}
              allowDataOverflow
              tickFormatter={shortNumber}
              {...AXIS}
              label={xAxisTitle(`${label}, ${unit} (estimate)`)}
            />
            <YAxis
              dataKey="accuracyPct"
              domain={[0, 100]}
              ticks={PCT_TICKS}
              tickFormatter={pctTick}
              {...AXIS}
            />
            {tooltip && (
              <Tooltip
                cursor={{ strokeDasharray: '3 3' }}
                content={(props) => {
                  const p = props.payload?.[0]?.payload as TradeOffPoint | undefined;
                  if (!props.active || !p) return null;
                  return (
                    <div className="chart-tooltip">
                      <strong>{pointLabel(run.sweep, p.values)}</strong>
                      <br />
                      {p.accuracyPct.toFixed(2)} %{p.stdPct > 0 ? ` ± ${p.stdPct.toFixed(2)} %` : ''} ·{' '}
                      {shortNumber(p.cost)} {unit} (estimate){p.onFront ? ' · on the front' : ''}
                    </div>
                  );
                }}
              />
            )}
            {digitalAccuracyLine(run.baselineAccuracy)}
            <Scatter data={others} shape={shape} isAnimationActive={false} />
            <Scatter
              data={front}
              shape={shape}
              line={{ stroke: FRONT, strokeWidth: 2 }}
              isAnimationActive={false}
            />
          </ScatterChart>
        )}
      </ChartFrame>
      {front.length > 0 && (
        <p className="pareto-front small">
          <span className="muted">Pareto front, cheapest first (click to load):</span>{' '}
          {front.slice(0, LISTED).map((p) => (
            <button key={p.index} type="button" className="small-button" onClick={() => load(p.values)}>
              {pointLabel(run.sweep, p.values)} · {p.accuracyPct.toFixed(1)} % · {shortNumber(p.cost)} {unit}
            </button>
          ))}
          {front.length > LISTED && <span className="muted"> and {front.length - LISTED} more</span>}
        </p>
      )}
    </div>
  );
});
