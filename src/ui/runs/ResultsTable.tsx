import { useDeferredValue, useMemo, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { isLive, type RunRecord } from '../../state/slices/runsSlice';
import { useLab } from '../../state/store';
import { differingKeys, valueText } from './configDiff';
import { download, runsToCsv } from './exporters';
import { runsFromJson, runsToJson } from '../../state/runsFile';
import { errorMessage } from '../../sim/errors';

const pct = (v: number | null | undefined) =>
  v === null || v === undefined ? '—' : `${(100 * v).toFixed(2)} %`;

function accuracyText(r: RunRecord): string {
  if (r.sweep) {
    const means = r.series.sweepPoints.flatMap((p) => (p.meanAccuracy === null ? [] : [p.meanAccuracy]));
    if (means.length === 0) return '—';
    const points = `${means.length} point${means.length === 1 ? '' : 's'}`;
    return `${points}: ${pct(Math.min(...means))} … ${pct(Math.max(...means))}`;
  }
  if (r.config.experiment.routine === 'training') return pct(r.series.epochPoints.at(-1)?.testAccuracy);
  if (r.result?.meanAccuracy !== null && r.result?.meanAccuracy !== undefined)
    return `${pct(r.result.meanAccuracy)} ± ${pct(r.result.stdAccuracy ?? 0)}`;
  const done = r.series.runSummaries.map((s) => s.accuracy);
  return done.length ? `${pct(done.reduce((a, b) => a + b, 0) / done.length)} (so far)` : '—';
}

/** A training run's weights: download them as one zip, or use them for inference runs. */
function TrainedWeightsActions({ run }: { run: RunRecord }) {
  const busy = useLab((s) => s.weightsBusy);
  const exportTrained = useLab((s) => s.exportTrainedWeights);
  const loadTrained = useLab((s) => s.useTrainedWeights);
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
            (e: unknown) => setError(errorMessage(e)),
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
  const runs = useDeferredValue(useLab((s) => s.runs));
  const rename = useLab((s) => s.renameRun);
  const remove = useLab((s) => s.removeRun);
  // Configs change only when runs are added or removed, not with every progress message.
  const configs = useLab(useShallow((s) => s.runs.map((r) => r.config)));
  const diffs = useMemo(() => differingKeys(configs), [configs]);
  const addRuns = useLab((s) => s.addRuns);
  const importInput = useRef<HTMLInputElement>(null);
  const [importMessage, setImportMessage] = useState<{ text: string; error: boolean } | null>(null);
  const stamp = () => new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
  const importRuns = async (file: File) => {
    const read = runsFromJson(await file.text());
    if (!read.ok) {
      setImportMessage({ text: read.message, error: true });
      return;
    }
    addRuns(read.runs);
    setImportMessage({
      text: `Imported ${read.runs.length} run${read.runs.length === 1 ? '' : 's'} from ${file.name}.`,
      error: false,
    });
  };
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
          <button
            type="button"
            onClick={() => importInput.current?.click()}
            title="Runs saved with Export JSON, to compare with these"
          >
            Import JSON…
          </button>
          <input
            ref={importInput}
            type="file"
            accept=".json,application/json"
            hidden
            aria-label="Runs file"
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = '';
              if (file) void importRuns(file);
            }}
          />
        </div>
      </div>
      {importMessage && (
        <p
          className={importMessage.error ? 'field-error' : 'muted small'}
          role={importMessage.error ? 'alert' : 'status'}
          data-testid="runs-import-message"
        >
          {importMessage.text}
        </p>
      )}
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
                    {r.result && r.result.warnings.length > 0 && (
                      <span
                        className="error-text small"
                        title={r.result.warnings.join('\n')}
                        data-testid="run-warnings"
                      >
                        {' '}
                        ⚠ {r.result.warnings.length} warning{r.result.warnings.length > 1 ? 's' : ''}
                      </span>
                    )}
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
                  <td data-testid="run-baseline" data-value={r.series.baselineAccuracy ?? ''}>
                    {pct(r.series.baselineAccuracy)}
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
