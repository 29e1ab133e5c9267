import { useDeferredValue, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { isLive, useRunsStore, type RunRecord } from '../../state/runsStore';
import { useWeightsStore } from '../../state/weightsStore';
import { differingKeys, valueText } from './configDiff';
import { download, runsToCsv, runsToJson } from './exporters';

const pct = (v: number | null | undefined) =>
  v === null || v === undefined ? '—' : `${(100 * v).toFixed(2)} %`;

function accuracyText(r: RunRecord): string {
  if (r.config.experiment.routine === 'training')
    return pct(r.epochPoints[r.epochPoints.length - 1]?.testAccuracy);
  if (r.result?.meanAccuracy !== null && r.result?.meanAccuracy !== undefined)
    return `${pct(r.result.meanAccuracy)} ± ${pct(r.result.stdAccuracy ?? 0)}`;
  const done = r.runSummaries.map((s) => s.accuracy);
  return done.length ? `${pct(done.reduce((a, b) => a + b, 0) / done.length)} (so far)` : '—';
}

/** A training run's weights: download them as one zip, or use them for inference runs. */
function TrainedWeightsActions({ run }: { run: RunRecord }) {
  const { busy, exportTrained, loadTrained } = useWeightsStore();
  const [error, setError] = useState<string | null>(null);
  return (
    <>
      <button
        type="button"
        className="small-button"
        onClick={() => {
          setError(null);
          exportTrained(run).then(
            (zip) => download(`crossbar-lab-${run.id}-${run.config.experiment.model}-weights.zip`, zip),
            (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
          );
        }}
      >
        Export weights
      </button>
      <button type="button" className="small-button" disabled={busy} onClick={() => void loadTrained(run)}>
        Use for inference
      </button>
      {error && <span className="error-text small">{error}</span>}
    </>
  );
}

/** Every run, with what differs between their configs; export as CSV or JSON. */
export function ResultsTable() {
  // Deferred: the table re-renders in an interruptible background pass, not inside a progress message.
  const runs = useDeferredValue(useRunsStore((s) => s.runs));
  const rename = useRunsStore((s) => s.rename);
  const remove = useRunsStore((s) => s.remove);
  // Configs change only when runs are added or removed, not with every progress message.
  const configs = useRunsStore(useShallow((s) => s.runs.map((r) => r.config)));
  const diffs = useMemo(() => differingKeys(configs), [configs]);
  const stamp = () => new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
  return (
    <div className="results">
      <div className="results-header">
        <h3>Results</h3>
        <div className="buttons">
          <button
            type="button"
            disabled={runs.length === 0}
            onClick={() =>
              download(`crossbar-lab-runs-${stamp()}.csv`, new Blob([runsToCsv(runs)], { type: 'text/csv' }))
            }
          >
            Export CSV
          </button>
          <button
            type="button"
            disabled={runs.length === 0}
            onClick={() =>
              download(
                `crossbar-lab-runs-${stamp()}.json`,
                new Blob([runsToJson(runs)], { type: 'application/json' }),
              )
            }
          >
            Export JSON
          </button>
        </div>
      </div>
      {runs.length === 0 ? (
        <p className="muted">
          No runs yet. Each run you start is listed here; change a setting and run again to compare.
        </p>
      ) : (
        <div className="table-scroll">
          <table data-testid="results-table">
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Status</th>
                <th scope="col">Accuracy</th>
                <th
                  scope="col"
                  title="The digital network's top-1 on the same test images, with the same weights"
                >
                  Digital, same images
                </th>
                <th scope="col">Images</th>
                <th scope="col">Time</th>
                <th scope="col">Differs in</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {runs.map((r) => (
                <tr key={r.id} data-run={r.id} data-status={r.status}>
                  <th scope="row">
                    <input
                      className="run-label"
                      aria-label={`Name of ${r.id}`}
                      value={r.label}
                      onChange={(e) => rename(r.id, e.target.value)}
                    />
                  </th>
                  <td>
                    {r.status}
                    {r.error && (
                      <span className="error-text small" title={r.error}>
                        {' '}
                        (error)
                      </span>
                    )}
                  </td>
                  <td data-testid="run-accuracy" data-value={r.result?.meanAccuracy ?? ''}>
                    {accuracyText(r)}
                  </td>
                  <td data-testid="run-baseline" data-value={r.baselineAccuracy ?? ''}>
                    {pct(r.baselineAccuracy)}
                  </td>
                  <td data-testid="run-images">
                    {r.config.experiment.images.toLocaleString('en')}
                    {r.config.experiment.routine === 'inference' && ` × ${r.config.experiment.runs}`}
                    {r.result && (
                      <span className="muted small">
                        {' '}
                        ({r.result.data.testSet === 'starter' ? 'starter set' : 'full set'})
                      </span>
                    )}
                  </td>
                  <td>{r.result ? `${r.result.seconds.toFixed(1)} s` : '—'}</td>
                  <td className="diff">
                    {diffs.length === 0
                      ? '—'
                      : diffs.map((d) => `${d.key}=${valueText(r.config, d.path)}`).join(' · ')}
                  </td>
                  <td className="row-actions">
                    {r.result?.weights && <TrainedWeightsActions run={r} />}
                    <button
                      type="button"
                      className="small-button"
                      disabled={isLive(r.status)}
                      onClick={() => remove(r.id)}
                      aria-label={`Remove ${r.label}`}
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
