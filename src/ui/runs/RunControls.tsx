import { useEffect } from 'react';
import { useLab } from '../../state/store';
import { isLive } from '../../state/slices/runsSlice';
import { withOverrides } from '../../sim/config';
import { DataPanel } from '../DataPanel';
import { describeExperiment, describeSweep } from './experimentSummary';
import { SweepPanel } from '../sweeps/SweepPanel';
import { axisLabel } from '../sweeps/axes';

const fmtSeconds = (s: number) =>
  s < 90 ? `${Math.ceil(s)} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`;

/** The paper's inference workload: every test image, ten repeated runs. */
const FULL_IMAGES = 10_000;
const FULL_RUNS = 10;

/**
 * The run bar above every view: what Run will do (one sentence), Run / Pause / Stop, the paper's full
 * workload one click away, progress with speed and ETA, the backend and the data in use.
 */
export function RunControls() {
  const config = useLab((s) => s.config);
  const sweep = useLab((s) => s.sweep);
  const setConfig = useLab((s) => s.setConfig);
  const start = useLab((s) => s.startRun);
  const pause = useLab((s) => s.pauseRun);
  const resume = useLab((s) => s.resumeRun);
  const stop = useLab((s) => s.stopRun);
  const active = useLab((s) => s.runs.find((r) => r.id === s.activeId) ?? null);
  const backend = useLab((s) => s.backend);
  const fullData = useLab((s) => s.data?.full.state === 'ready');
  const status = active?.status ?? 'idle';
  const live = isLive(status);
  const progress = active?.progress ?? null;
  const eta =
    progress && progress.imagesPerSecond > 0
      ? (progress.imagesTotal - progress.imagesDone) / progress.imagesPerSecond
      : null;
  const inference = config.experiment.routine === 'inference';
  const isFull = config.experiment.images === FULL_IMAGES && config.experiment.runs >= FULL_RUNS;

  useEffect(() => {
    if (!live) return;
    // Leaving the page loses a running experiment: ask first (ux-and-web-stack.md §4 "Cancel").
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [live]);

  const runFull = () => {
    const full = withOverrides(config, { experiment: { images: FULL_IMAGES, runs: FULL_RUNS } });
    setConfig(full);
    void start(full);
  };

  return (
    <section className="run-controls panel" aria-label="Run">
      <p className="run-summary" data-testid="run-summary">
        {describeExperiment(config)}
        {sweep && config.experiment.routine === 'inference' && <> {describeSweep(sweep)}</>}
      </p>
      <div className="buttons">
        <button
          type="button"
          className="primary"
          disabled={live}
          onClick={() =>
            void start(
              config,
              inference ? sweep : null,
              sweep ? sweep.axes.map((a) => axisLabel(a.path)).join(' × ') : undefined,
            )
          }
        >
          {sweep && inference ? '▶ Run sweep' : '▶ Run'}
        </button>
        <button
          type="button"
          aria-pressed={status === 'paused'}
          disabled={status !== 'running' && status !== 'paused'}
          onClick={() => (status === 'paused' ? resume() : pause())}
        >
          {status === 'paused' ? 'Resume' : 'Pause'}
        </button>
        <button type="button" disabled={!live || status === 'stopping'} onClick={stop}>
          ■ Stop
        </button>
        {inference && !isFull && !sweep && (
          <button
            type="button"
            disabled={live || !fullData}
            title={fullData ? undefined : 'Needs the full CIFAR-10 data set (see Data below)'}
            onClick={runFull}
          >
            Run on all {FULL_IMAGES.toLocaleString('en')} test images × {FULL_RUNS}
          </button>
        )}
      </div>
      <div className="run-progress" role="status" data-testid="experiment-status" data-status={status}>
        {!active && <span>Ready: press Run.</span>}
        {active && (
          <>
            <strong>{active.label}</strong>: {status}
            {progress && (
              <>
                {' '}
                · {progress.message} · {progress.imagesDone.toLocaleString('en')} /{' '}
                {progress.imagesTotal.toLocaleString('en')}
                {progress.imagesPerSecond > 0 && <> · {progress.imagesPerSecond.toFixed(1)} images/s</>}
                {live && eta !== null && <> · about {fmtSeconds(eta)} left</>}
              </>
            )}
            {active.error && <span className="error-text"> {active.error}</span>}
          </>
        )}
        {progress && live && (
          <progress max={progress.imagesTotal} value={progress.imagesDone} aria-label="Progress of the run" />
        )}
      </div>
      <p className="muted small">
        {backend ? (
          <>
            Runs on <strong>{backend.backend}</strong> · {backend.adapterDescription}
          </>
        ) : (
          'The simulation engine is starting…'
        )}
      </p>
      {inference && <SweepPanel />}
      <DataPanel neededTestImages={config.experiment.images} />
    </section>
  );
}
