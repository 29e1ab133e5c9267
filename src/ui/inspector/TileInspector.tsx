import { useEffect, useMemo, useState } from 'react';
import type { ExperimentConfig } from '../../sim/config';
import type { TilePlan } from '../../sim/tiling';
import { useLab } from '../../state/store';
import { HeatMap, gradientCss } from './HeatMap';
import { Histogram } from './Histogram';
import { adcHistogram, type Inspection } from './multiply';
import { StepThrough } from './StepThrough';
import { errorMessage } from '../../sim/errors';

interface TileInspectorProps {
  plan: TilePlan;
  rowTile: number;
  colTile: number;
  onClose(): void;
}

type Fetched = { config: ExperimentConfig; ins: Inspection | null; error: string | null };
type MapMode = 'programmed' | 'target' | 'deviation';

const micro = (s: number) => `${(s * 1e6).toPrecision(3)} µS`;

/** One tile: its conductances, the ADC inputs it produces, and one multiply step by step. */
export function TileInspector({ plan, rowTile, colTile, onClose }: TileInspectorProps) {
  const config = useLab((s) => s.config);
  const [fetched, setFetched] = useState<Fetched | null>(null);
  const [mode, setMode] = useState<MapMode>('programmed');

  useEffect(() => {
    let cancelled = false;
    useLab
      .getState()
      .inspectTile(config, plan.layer, rowTile, colTile)
      .then(
        (ins) => !cancelled && setFetched({ config, ins, error: null }),
        (error: unknown) => !cancelled && setFetched({ config, ins: null, error: errorMessage(error) }),
      );
    return () => {
      cancelled = true;
    };
  }, [config, plan.layer, rowTile, colTile]);

  const current = fetched && fetched.config === config ? fetched : null;
  const ins = current?.ins ?? null;
  const hist = useMemo(() => (ins ? adcHistogram(ins, config) : null), [ins, config]);

  return (
    <section className="inspector panel-inner" aria-labelledby="inspector-title" data-testid="tile-inspector">
      <header className="inspector-header">
        <h3 id="inspector-title">
          Tile {plan.layer} · row tile {rowTile + 1}, column tile {colTile + 1}
        </h3>
        <button type="button" onClick={onClose} aria-label="Close the tile inspector">
          Close
        </button>
      </header>
      {!current && <p role="status">Programming this layer on a simulated chip in the worker…</p>}
      {current?.error && (
        <p className="notice notice-error" role="alert">
          The worker could not inspect this tile: {current.error}
        </p>
      )}
      {ins && hist && (
        <>
          <div className="inspector-maps">
            <div className="field">
              <label htmlFor="map-mode">Show</label>
              <select id="map-mode" value={mode} onChange={(e) => setMode(e.target.value as MapMode)}>
                <option value="programmed">Programmed conductance G</option>
                <option value="target">Target conductance</option>
                <option value="deviation">Deviation G − target</option>
              </select>
            </div>
            <ConductanceMaps ins={ins} mode={mode} />
          </div>
          <h4>ADC inputs</h4>
          <Histogram hist={hist} />
          <h4>One multiply, step by step</h4>
          <StepThrough key={`${plan.layer}/${rowTile}/${colTile}`} ins={ins} config={config} />
        </>
      )}
    </section>
  );
}

function ConductanceMaps({ ins, mode }: { ins: Inspection; mode: MapMode }) {
  const maps = ins.arrays.map((a) => {
    if (mode === 'deviation') {
      const d = a.gSiemens.map((g, i) => g - a.targetSiemens[i]!);
      return { a, values: d };
    }
    return { a, values: mode === 'programmed' ? a.gSiemens : a.targetSiemens };
  });
  const diverging = mode === 'deviation';
  let lo = ins.gMinSiemens;
  let hi = ins.gMaxSiemens;
  if (diverging) {
    const m = Math.max(
      1e-15,
      ...maps.map(({ values }) => values.reduce((s, v) => Math.max(s, Math.abs(v)), 0)),
    );
    lo = -m;
    hi = m;
  }
  return (
    <div className="maps">
      {maps.map(({ a, values }) => (
        <figure key={a.label}>
          <figcaption>
            {a.label} ({ins.rows} × {a.cols})
          </figcaption>
          <HeatMap
            values={values}
            rows={ins.rows}
            cols={a.cols}
            lo={lo}
            hi={hi}
            diverging={diverging}
            stuck={mode === 'deviation' ? null : a.stuck}
            label={`${a.label} conductances of this tile`}
          />
        </figure>
      ))}
      <div className="legend">
        <span>{diverging ? micro(lo) : micro(lo)}</span>
        <span className="gradient" style={{ background: gradientCss(diverging) }} aria-hidden="true" />
        <span>{micro(hi)}</span>
        {!diverging && ins.arrays.some((a) => a.stuck) && (
          <span className="muted small"> black: stuck at G_min, white: stuck at G_max</span>
        )}
      </div>
    </div>
  );
}
