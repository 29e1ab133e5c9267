import { useRef } from 'react';
import { useLab } from '../../state/store';
import { MODEL_LABEL } from '../../models/labels';
import { isLive } from '../../state/slices/runsSlice';
import { SHIPPED_WEIGHTS } from '../../engine/protocol';

/**
 * The weights the configured model's inference runs use: the shipped ones, or weights the person
 * chooses (the .zip a training run exports, or model.json with its .bin shards). Checked in the worker:
 * a file that does not match the model is refused with the reason, and the weights in use stay.
 */
export function WeightsPicker() {
  const model = useLab((s) => s.config.experiment.model);
  const current = useLab((s) => s.weightsInUse[model]);
  const busy = useLab((s) => s.weightsBusy);
  const error = useLab((s) => s.weightsError);
  const loadFiles = useLab((s) => s.loadWeightsFiles);
  const restoreShipped = useLab((s) => s.restoreShippedWeights);
  const running = useLab((s) => s.runs.some((r) => isLive(r.status)));
  const input = useRef<HTMLInputElement>(null);
  const source = current?.source ?? SHIPPED_WEIGHTS;
  return (
    <div className="weights-picker" data-testid="weights-in-use" data-source={source}>
      <span>
        Inference weights of {MODEL_LABEL[model]}:{' '}
        <strong>{source === SHIPPED_WEIGHTS ? 'shipped with the app' : source}</strong>
        {current?.baselineAccuracy != null &&
          ` (digital top-1 ${(100 * current.baselineAccuracy).toFixed(2)} % on all 10,000 test images)`}
      </span>
      <input
        ref={input}
        type="file"
        multiple
        accept=".zip,.json,.bin"
        hidden
        aria-label="Weights files"
        onChange={(e) => {
          const files = [...(e.target.files ?? [])];
          e.target.value = '';
          if (files.length > 0) void loadFiles(files);
        }}
      />
      <button
        type="button"
        className="small-button"
        disabled={busy || running}
        onClick={() => input.current?.click()}
        title="A .zip exported from a training run, or model.json with its .bin shards"
      >
        Load weights…
      </button>
      {source !== SHIPPED_WEIGHTS && (
        <button
          type="button"
          className="small-button"
          disabled={busy || running}
          onClick={() => void restoreShipped(model)}
        >
          Use shipped weights
        </button>
      )}
      {busy && <span className="muted small"> checking…</span>}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
