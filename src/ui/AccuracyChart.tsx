import { memo } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useEngineStore } from '../state/engineStore';
import type { BatchPoint } from '../engine/protocol';

interface ChartRow {
  imagesDone: number;
  batch: number;
  running: number;
}

const toRows = (points: BatchPoint[]): ChartRow[] =>
  points.map((p) => ({
    imagesDone: p.imagesDone,
    batch: 100 * p.batchAccuracy,
    running: 100 * p.runningAccuracy,
  }));

/** Per-batch and running accuracy of the current run; animation off for streaming (§2.7). */
export const AccuracyChart = memo(function AccuracyChart() {
  const points = useEngineStore((s) => s.run.points);
  const rows = toRows(points);
  return (
    <section className="panel" aria-labelledby="chart-title">
      <h2 id="chart-title">Accuracy</h2>
      <div className="chart" data-testid="accuracy-chart" data-points={rows.length}>
        <ResponsiveContainer width="100%" height={280}>
          <LineChart data={rows} margin={{ top: 8, right: 24, bottom: 8, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" />
            <XAxis
              dataKey="imagesDone"
              type="number"
              domain={[0, 'dataMax']}
              label={{ value: 'test images evaluated', position: 'insideBottom', offset: -4 }}
              stroke="var(--muted)"
            />
            <YAxis domain={[0, 100]} unit=" %" stroke="var(--muted)" />
            <Tooltip formatter={(v) => `${Number(v).toFixed(1)} %`} />
            <Legend verticalAlign="top" />
            <Line
              name="batch accuracy"
              dataKey="batch"
              stroke="var(--series-2)"
              dot={false}
              isAnimationActive={false}
            />
            <Line
              name="running accuracy"
              dataKey="running"
              stroke="var(--series-1)"
              strokeWidth={2}
              dot={false}
              isAnimationActive={false}
            />
          </LineChart>
        </ResponsiveContainer>
      </div>
      {rows.length === 0 && <p className="muted">Press Run to see points arrive.</p>}
    </section>
  );
});
