import { useEffect } from 'react';
import { useConfigStore } from '../../state/configStore';
import { useEngineStore } from '../../state/engineStore';
import { isLive, useRunsStore } from '../../state/runsStore';

const fmtSeconds = (s: number) =>
  s < 90 ? `${Math.ceil(s)} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`;

/** Run / Pause / Stop for the configured experiment, with progress, speed, ETA and the backend in use. */
export function RunControls() {
  const config = useConfigStore((s) => s.config);
  const start = useRunsStore((s) => s.start);
  const pause = useRunsStore((s) => s.pause);
  const resume = useRunsStore((s) => s.resume);
  const stop = useRunsStore((s) => s.stop);
  const active = useRunsStore((s) => s.runs.find((r) => r.id === s.activeId) ?? null);
  const backend = useEngineStore((s) => s.backend);
  const status = active?.status ?? 'idle';
  const live = isLive(status);
  const progress = active?.progress ?? null;
  const eta =
    progress && progress.imagesPerSecond > 0
      ? (progress.imagesTotal - progress.imagesDone) / progress.imagesPerSecond
      : null;

  useEffect(() => {
    if (!live) return;
    // Leaving the page loses a running experiment: ask first (ux-and-web-stack.md §4 "Cancel").
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [live]);

  return (
    <div className="run-controls">
      <div className="buttons">
        <button type="button" className="primary" disabled={live} onClick={() => void start(config)}>
          ▶ Run
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
      </div>
      <div className="run-progress" role="status" data-testid="experiment-status" data-status={status}>
        {!active && (
          <span>
            Ready. Press Run to start{' '}
            {config.experiment.routine === 'inference'
              ? `${config.experiment.runs} inference run${config.experiment.runs > 1 ? 's' : ''} over ${config.experiment.images.toLocaleString('en')} test images`
              : `training for ${config.training.epochs} epoch${config.training.epochs > 1 ? 's' : ''} on ${config.training.trainImages.toLocaleString('en')} images, testing on ${config.experiment.images.toLocaleString('en')}`}
            .
          </span>
        )}
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
    </div>
  );
}
