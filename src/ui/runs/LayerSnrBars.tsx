import { useDeferredValue, useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useLab } from '../../state/store';
import type { LayerSnr } from '../../engine/protocol';
import { pointConfig } from '../../sim/sweep';
import { LayerCostList } from '../cost/LayerCostBars';
import { pointLabel } from '../sweeps/sweepRun';

/**
 * Signal-to-noise of every layer's analog output against its ideal output (dB) for the latest inference
 * run that measured it: the lowest bars are the layers that hurt accuracy most. Beside it, the estimated
 * cost of each layer under the same settings (for a sweep: its latest finished point).
 */
export function LayerSnrBars() {
  // Label, SNR and settings only: the run's record changes with every progress message, these rarely do.
  const run = useDeferredValue(
    useLab(
      useShallow((s) => {
        const r = s.runs.findLast((x) => x.layerSnr.length > 0);
        if (!r) return null;
        const point = r.sweep ? r.series.sweepPoints.at(-1) : undefined;
        return {
          label: r.label,
          layerSnr: point?.layerSnr ?? r.layerSnr,
          config: r.config,
          sweep: r.sweep,
          values: point?.values ?? null,
        };
      }),
    ),
  );
  // The settings the SNR was measured at (a sweep's point), or null while a sweep has no finished point.
  const measured = useMemo(() => {
    if (!run) return null;
    if (!run.sweep) return { config: run.config, label: run.label };
    if (!run.values) return null;
    return {
      config: pointConfig(run.config, run.sweep.axes, run.values),
      label: `${run.label} · ${pointLabel(run.sweep, run.values)}`,
    };
  }, [run]);
  if (!run) return null;
  return (
    <div className="snr-beside-cost">
      <LayerSnrList label={measured?.label ?? run.label} layerSnr={run.layerSnr} />
      {measured && <LayerCostList label={measured.label} config={measured.config} />}
    </div>
  );
}

/** The bars of one run's per-layer SNR. */
export function LayerSnrList({
  label,
  layerSnr,
  testId = 'layer-snr',
  caption = 'Signal-to-noise per layer (analog vs ideal output, first batch)',
}: {
  label: string;
  layerSnr: readonly LayerSnr[];
  caption?: string;
  /** null: no test id (the hidden warm-up copy). */
  testId?: string | null;
}) {
  const finite = layerSnr.map((l) => l.snrDb).filter((v) => Number.isFinite(v));
  const top = Math.max(1, ...finite);
  const worst = finite.length ? Math.min(...finite) : null;
  return (
    <figure className="snr-bars" data-testid={testId ?? undefined}>
      <figcaption>
        {caption} · {label}
      </figcaption>
      <ul>
        {layerSnr.map((l) => {
          const infinite = !Number.isFinite(l.snrDb);
          const width = infinite ? 100 : Math.max(1, (100 * Math.max(0, l.snrDb)) / top);
          return (
            <li key={l.layer} className={l.snrDb === worst ? 'worst' : undefined} data-snr-db={l.snrDb}>
              <span className="snr-layer">{l.layer}</span>
              <span className="snr-track" aria-hidden="true">
                <span className="snr-fill" style={{ width: `${width}%` }} />
              </span>
              <span className="snr-value">
                {infinite ? 'exact' : `${l.snrDb.toFixed(1)} dB`}
                {l.snrDb === worst && finite.length > 1 && <strong> lowest</strong>}
              </span>
            </li>
          );
        })}
      </ul>
    </figure>
  );
}
