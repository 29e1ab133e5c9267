import { useEffect, useRef, useState } from 'react';
import type { ClassScore, ImageClassification } from '../../engine/protocol';
import { createRng } from '../../sim/rng';
import { errorMessage } from '../../sim/errors';
import { useLab } from '../../state/store';
import { LayerSnrList } from '../runs/LayerSnrBars';

const SCALE = 6;

/** A 32×32 CIFAR-10 image drawn 6× larger with its pixels kept square. */
function ImageCanvas({ rgba, label }: { rgba: Uint8ClampedArray; label: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (ctx) ctx.putImageData(new ImageData(new Uint8ClampedArray(rgba), 32, 32), 0, 0);
  }, [rgba]);
  return (
    <canvas
      ref={ref}
      width={32}
      height={32}
      className="single-image"
      style={{ width: 32 * SCALE, height: 32 * SCALE }}
      role="img"
      aria-label={`Test image: ${label}`}
    />
  );
}

/** A top-5 list: class, probability bar, the true class marked. */
function TopClasses({
  title,
  scores,
  label,
  testId,
}: {
  title: string;
  scores: ClassScore[];
  label: number;
  testId: string;
}) {
  return (
    <figure className="top-classes" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <ol>
        {scores.map((s) => (
          <li key={s.classIndex} className={s.classIndex === label ? 'true-class' : undefined}>
            <span className="top-name">
              {s.className}
              {s.classIndex === label && <span className="visually-hidden"> (true class)</span>}
            </span>
            <span className="snr-track" aria-hidden="true">
              <span className="snr-fill" style={{ width: `${Math.max(1, 100 * s.probability)}%` }} />
            </span>
            <span className="top-value">{(100 * s.probability).toFixed(1)} %</span>
          </li>
        ))}
      </ol>
    </figure>
  );
}

/**
 * One image, digital vs analog: pick a test image (or draw one), see the digital network's and the
 * simulated chip's top-5 side by side, and each layer's SNR on that image — which layers' error moved
 * the result. The chip is the experiment's first chip, as run 1 of an inference programs it.
 */
export function SingleImageView() {
  const config = useLab((s) => s.config);
  const engineApi = useLab((s) => s.engineApi);
  const available = useLab((s) =>
    s.data ? (s.data.full.state === 'ready' ? 10_000 : s.data.starter.testImages) : 1000,
  );
  const [index, setIndex] = useState(0);
  const [draws, setDraws] = useState(0);
  const [result, setResult] = useState<ImageClassification | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const classify = async (imageIndex: number) => {
    setBusy(true);
    setError(null);
    try {
      setResult(await (await engineApi()).classifyImage(config, imageIndex));
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  const draw = () => {
    // Through the seeded RNG like every draw: the same seed offers the same images in the same order.
    const next = createRng(config.experiment.seed).fork('image pick').fork(draws).int(available);
    setDraws(draws + 1);
    setIndex(next);
    void classify(next);
  };

  const moved =
    result && result.digital[0]!.classIndex !== result.analog[0]!.classIndex
      ? `The chip changed the answer: ${result.digital[0]!.className} → ${result.analog[0]!.className}.`
      : result
        ? `Both answer ${result.analog[0]!.className}${result.analog[0]!.classIndex === result.label ? ' (right)' : ` (the image is a ${result.labelName})`}.`
        : null;

  return (
    <section className="panel single-image-view" aria-labelledby="single-image-title">
      <h2 id="single-image-title">One image, digital vs analog</h2>
      <p className="muted small">
        The digital network and the simulated chip of the current settings read the same test image.
      </p>
      <div className="field-row">
        <div className="field">
          <label htmlFor="image-index">Test image (0–{available - 1})</label>
          <input
            id="image-index"
            inputMode="numeric"
            value={index}
            onChange={(e) => {
              const n = Number(e.target.value);
              if (Number.isInteger(n) && n >= 0 && n < available) setIndex(n);
            }}
          />
        </div>
        <div className="buttons">
          <button type="button" className="primary" disabled={busy} onClick={() => void classify(index)}>
            Classify
          </button>
          <button type="button" disabled={busy} onClick={draw}>
            Draw an image at random
          </button>
        </div>
      </div>
      {busy && (
        <p role="status" className="muted">
          Reading the image (the first time for these settings, the chip is programmed and calibrated first)…
        </p>
      )}
      {error && (
        <p role="alert" className="field-error">
          {error}
        </p>
      )}
      {result && (
        <div className="single-image-result" data-testid="single-image-result">
          <div className="single-image-picture">
            <ImageCanvas rgba={result.rgba} label={result.labelName} />
            <p>
              Image {result.imageIndex}: <strong>{result.labelName}</strong>
            </p>
          </div>
          <TopClasses
            title="Digital network"
            scores={result.digital}
            label={result.label}
            testId="top5-digital"
          />
          <TopClasses
            title="Simulated chip"
            scores={result.analog}
            label={result.label}
            testId="top5-analog"
          />
          <p className="single-image-verdict" data-testid="single-image-verdict">
            {moved}
          </p>
          <LayerSnrList
            label={`image ${result.imageIndex}`}
            layerSnr={result.layerSnr}
            testId="single-image-snr"
            caption="Signal-to-noise per layer on this image (the lowest moved the result most)"
          />
        </div>
      )}
    </section>
  );
}
