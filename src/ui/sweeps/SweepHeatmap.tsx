import { memo, useMemo } from 'react';
import { axisLabel } from './axes';
import { heatmapOf, type HeatmapCell } from './heatmap';
import { VIRIDIS } from './scales';
import { pointLabel, useLoadPoint, type SweepChartRun } from './sweepRun';

const GRADIENT = `linear-gradient(to right, ${VIRIDIS.join(', ')})`;

/** One cell: its mean accuracy (± std) on its colour; a button that loads its point (once it has run). */
function HeatmapCellButton({
  cell,
  label,
  onLoad,
}: {
  cell: HeatmapCell;
  label: string;
  onLoad: (values: HeatmapCell['values']) => void;
}) {
  const done = cell.meanPct !== null;
  return (
    <button
      type="button"
      className="heatmap-cell"
      data-testid="heatmap-cell"
      data-accuracy={cell.meanPct ?? ''}
      disabled={!done}
      style={cell.background ? { background: cell.background, color: cell.text! } : undefined}
      title={`Load ${label}`}
      aria-label={`${label}: ${done ? `${cell.meanPct!.toFixed(1)} %` : 'not run yet'}. Load these settings.`}
      onClick={() => onLoad(cell.values)}
    >
      {done ? <strong>{cell.meanPct!.toFixed(1)} %</strong> : '…'}
      {cell.stdPct !== null && <small> ± {cell.stdPct.toFixed(1)}</small>}
    </button>
  );
}

/**
 * A two-setting sweep as a table: one row per value of the first setting, one column per value of the
 * second, each cell its mean accuracy (± std) on the viridis scale from the lowest to the highest finished
 * point. A plain HTML table: no chart library, nothing measured, readable by screen readers; each cell is
 * a button that loads its point's settings.
 */
export const SweepHeatmap = memo(function SweepHeatmap({ run }: { run: SweepChartRun }) {
  const load = useLoadPoint(run);
  const map = useMemo(() => heatmapOf(run.sweep, run.points), [run.sweep, run.points]);
  if (!map) return null;
  const [rows, columns] = run.sweep.axes as [
    SweepChartRun['sweep']['axes'][number],
    SweepChartRun['sweep']['axes'][number],
  ];
  const finished = map.cells.flat().filter((c) => c.meanPct !== null).length;
  return (
    <figure className="chart-frame sweep-heatmap" data-testid="sweep-heatmap" data-cells={finished}>
      <figcaption>
        <span>
          Mean accuracy: {axisLabel(rows.path)} × {axisLabel(columns.path)} · {run.label}
        </span>
      </figcaption>
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col" className="corner">
                {axisLabel(rows.path)} ↓ · {axisLabel(columns.path)} →
              </th>
              {map.columnLabels.map((label, j) => (
                <th key={j} scope="col">
                  {label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {map.cells.map((row, i) => (
              <tr key={i}>
                <th scope="row">{map.rowLabels[i]}</th>
                {row.map((cell) => (
                  <td key={cell.index}>
                    <HeatmapCellButton cell={cell} label={pointLabel(run.sweep, cell.values)} onLoad={load} />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {map.range && (
        <p className="heatmap-legend small" aria-label="Colour scale">
          <span>{map.range.minPct.toFixed(1)} %</span>
          <span className="heatmap-gradient" style={{ background: GRADIENT }} aria-hidden="true" />
          <span>{map.range.maxPct.toFixed(1)} %</span>
          <span className="muted">
            mean accuracy over each point’s runs (lowest to highest of this sweep); click a cell to load it
          </span>
        </p>
      )}
    </figure>
  );
});
