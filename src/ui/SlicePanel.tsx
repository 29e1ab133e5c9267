import { useState } from 'react';
import { useEngineStore, type RunStatus } from '../state/engineStore';
import { NumberField } from './NumberField';

const STATUS_TEXT: Record<RunStatus, string> = {
  idle: 'Ready to run.',
  starting: 'Starting…',
  running: 'Running…',
  paused: 'Paused.',
  stopping: 'Stopping after this batch…',
  finished: 'Finished.',
  stopped: 'Stopped.',
  failed: 'Failed.',
};

/**
 * The foundation's demo experiment: a small, randomly initialised CNN evaluated on real CIFAR-10 test
 * images in the worker, streaming per-batch accuracy. (The real networks arrive with the routines.)
 */
export function SlicePanel() {
  const [images, setImages] = useState(256);
  const [batchSize, setBatchSize] = useState(32);
  const [seed, setSeed] = useState(1);
  const [valid, setValid] = useState({ images: true, batchSize: true, seed: true });
  const run = useEngineStore((s) => s.run);
  const ready = useEngineStore((s) => s.backend !== null && s.data?.state === 'ready');
  const runSlice = useEngineStore((s) => s.runSlice);
  const stop = useEngineStore((s) => s.stop);
  const busy =
    run.status === 'starting' ||
    run.status === 'running' ||
    run.status === 'stopping' ||
    run.status === 'paused';
  const allValid = valid.images && valid.batchSize && valid.seed;
  const progress = run.progress;
  const etaSeconds =
    progress && progress.imagesPerSecond > 0
      ? (progress.imagesTotal - progress.imagesDone) / progress.imagesPerSecond
      : null;

  return (
    <section className="panel" aria-labelledby="slice-title">
      <h2 id="slice-title">Quick check: a small CNN on CIFAR-10</h2>
      <p className="muted">
        A randomly initialised network (so expect about 10 % accuracy) runs in the simulation worker on real
        CIFAR-10 test images; each batch's accuracy streams into the chart.
      </p>
      <form
        className="field-row"
        onSubmit={(event) => {
          event.preventDefault();
          if (ready && allValid && !busy) void runSlice({ images, batchSize, seed });
        }}
      >
        <NumberField
          label="Test images"
          value={images}
          min={1}
          max={10000}
          onChange={(v, ok) => {
            setValid((s) => ({ ...s, images: ok }));
            if (ok) setImages(v);
          }}
        />
        <NumberField
          label="Batch size"
          value={batchSize}
          min={1}
          max={500}
          onChange={(v, ok) => {
            setValid((s) => ({ ...s, batchSize: ok }));
            if (ok) setBatchSize(v);
          }}
        />
        <NumberField
          label="Seed"
          value={seed}
          min={0}
          max={2 ** 31 - 1}
          onChange={(v, ok) => {
            setValid((s) => ({ ...s, seed: ok }));
            if (ok) setSeed(v);
          }}
        />
        <div className="buttons">
          <button type="submit" className="primary" disabled={!ready || !allValid || busy}>
            Run
          </button>
          <button type="button" onClick={stop} disabled={!busy || run.status === 'stopping'}>
            Stop
          </button>
        </div>
      </form>
      <p className="run-status" role="status" data-testid="run-status" data-status={run.status}>
        {STATUS_TEXT[run.status]}
        {progress && (
          <>
            {' '}
            {run.result?.imagesDone ?? progress.imagesDone} / {progress.imagesTotal} images
            {progress.imagesPerSecond > 0 && <> · {progress.imagesPerSecond.toFixed(1)} images/s</>}
            {busy && etaSeconds !== null && <> · about {Math.ceil(etaSeconds)} s left</>}
          </>
        )}
        {run.result && <> · accuracy {(100 * run.result.accuracy).toFixed(1)} %</>}
        {run.error && <span className="error-text"> {run.error}</span>}
      </p>
    </section>
  );
}
