import { SHIPPED_WEIGHTS } from '../../engine/protocol';
import { sweepPointsToCsv } from '../../state/sweepCsv';
import { sweepFileOf, sweepFileToJson } from '../../state/sweepFile';
import { download } from '../runs/exporters';
import type { SweepChartRun } from './sweepRun';

/**
 * A sweep's downloads: its points as CSV (one row per point, as `npm run sweep -- --csv` writes) and, once
 * the run has ended, the sweep file (as `npm run sweep` writes: `npm run sweep -- file.json` runs it
 * again). The runs JSON of the results table holds sweeps too.
 */
export function SweepExport({ run }: { run: SweepChartRun }) {
  const name = `crossbar-lab-${run.id}-sweep`;
  const result = run.result;
  return (
    <div className="buttons sweep-export">
      <button
        type="button"
        className="small-button"
        disabled={run.points.length === 0}
        onClick={() =>
          download(`${name}.csv`, new Blob([sweepPointsToCsv(run.sweep, run.points)], { type: 'text/csv' }))
        }
      >
        Points CSV
      </button>
      <button
        type="button"
        className="small-button"
        disabled={!result}
        title={result ? undefined : 'when the run has ended'}
        onClick={() => {
          if (!result) return;
          const file = sweepFileOf({
            config: run.config,
            sweep: run.sweep,
            shard: null,
            points: [...run.points],
            baselineAccuracy: run.baselineAccuracy,
            data: result.data,
            weights: { source: result.weightsSource ?? SHIPPED_WEIGHTS, sha256: null },
            // The record does not keep which backend ran it.
            backend: null,
            outcome: result.outcome,
            seconds: result.seconds,
          });
          download(`${name}.json`, new Blob([sweepFileToJson(file)], { type: 'application/json' }));
        }}
      >
        Sweep JSON
      </button>
    </div>
  );
}
