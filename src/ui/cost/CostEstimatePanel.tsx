import { Suspense, use, useMemo } from 'react';
import type { ModelName } from '../../models/model';
import { DISPLAY_UNITS, describeEstimate, estimateCost, type CostEstimate } from '../../sim/cost';
import type { ExperimentConfig } from '../../sim/config';
import { errorMessage } from '../../sim/errors';
import { useLab } from '../../state/store';
import { loadModelLayers } from '../floorplan/useModelLayers';
import { ComponentKey, StackedBar, COMPONENT_COLOURS } from './StackedBar';

const { area, energy, latency } = DISPLAY_UNITS;
/** Three significant digits, grouped thousands ("1,234", "12.3", "0.0123"). */
const fmt = (v: number) => Number(v.toPrecision(3)).toLocaleString('en', { maximumSignificantDigits: 3 });
/** A component's figure in display units, and its share of the chip's total. */
function ShareCell({ value, part, whole }: { value: number; part: number; whole: number }) {
  return (
    <td>
      {fmt(value)}{' '}
      <span className="muted">({whole > 0 ? `${Math.round((100 * part) / whole)} %` : '—'})</span>
    </td>
  );
}

/** The estimate of `config` on the layers of its model, or why there is none. */
export function useCostEstimate(
  config: ExperimentConfig,
  model: ModelName,
): { estimate: CostEstimate } | { error: string } {
  const layers = use(loadModelLayers(model));
  return useMemo(() => {
    try {
      return { estimate: estimateCost(config, layers) };
    } catch (error) {
      return { error: errorMessage(error) };
    }
  }, [config, layers]);
}

/**
 * The hardware cost of the current settings: area, energy and latency per image and TOPS/W, split by
 * component and by layer, always labelled as an estimate with its assumptions (src/sim/cost).
 */
export function CostEstimatePanel() {
  const model = useLab((s) => s.config.experiment.model);
  return (
    <section className="panel cost-panel" aria-labelledby="cost-title" data-testid="cost-estimate">
      <h2 id="cost-title">
        Cost estimate <span className="badge">estimate, not a measurement</span>
      </h2>
      <Suspense fallback={<p className="muted">Loading the network’s layers…</p>}>
        <CostBody model={model} />
      </Suspense>
    </section>
  );
}

function CostBody({ model }: { model: ModelName }) {
  const config = useLab((s) => s.config);
  const result = useCostEstimate(config, model);
  if ('error' in result)
    return (
      <p className="notice notice-error" role="alert">
        No estimate for these settings: {result.error}
      </p>
    );
  const est = result.estimate;
  const d = describeEstimate(est);
  const t = est.totals;
  const p = config.periphery;
  return (
    <>
      <p className="muted small">
        {d.title}: the tile plan of the Floorplan with{' '}
        {p.adcBits > 0 ? `${p.adcBits}-bit ${p.adcType === 'sar' ? 'SAR' : 'flash'} ADCs` : 'ideal ADCs'}, one
        per {p.columnsPerAdc} columns (Converters → More settings), layers run one after another.
      </p>
      <dl className="stats" aria-label="Estimated totals">
        {[
          ['Area', 'cost-area', `${fmt(t.areaSquareMicrons * area.factor)} ${area.unit}`],
          [
            'Energy per image',
            'cost-energy',
            `${fmt(t.energyPerImageJoules * energy.factor)} ${energy.unit}`,
          ],
          [
            'Latency per image',
            'cost-latency',
            `${fmt(t.latencyPerImageSeconds * latency.factor)} ${latency.unit}`,
          ],
          ['TOPS/W', 'cost-tops-per-watt', fmt(t.topsPerWatt)],
        ].map(([label, testId, value]) => (
          <div key={testId}>
            <dt>{label} (estimate)</dt>
            <dd data-testid={testId}>{value}</dd>
          </div>
        ))}
      </dl>
      <h3>By component</h3>
      <ComponentKey />
      <div className="table-scroll">
        <table className="cost-table">
          <thead>
            <tr>
              <th scope="col">Component</th>
              <th scope="col">Area, {area.unit}</th>
              <th scope="col">Energy, {energy.unit}/image</th>
              <th scope="col">Latency, {latency.unit}/image</th>
            </tr>
          </thead>
          <tbody>
            {d.rows.map((r) => (
              <tr key={r.component}>
                <th scope="row">
                  <span
                    className="swatch"
                    style={{ background: COMPONENT_COLOURS[r.component] }}
                    aria-hidden="true"
                  />
                  {r.label}
                </th>
                <ShareCell
                  value={r.areaSquareMillimeters}
                  part={est.areaSquareMicrons[r.component]}
                  whole={t.areaSquareMicrons}
                />
                <ShareCell
                  value={r.energyPerImageMicrojoules}
                  part={est.energyPerImageJoules[r.component]}
                  whole={t.energyPerImageJoules}
                />
                <ShareCell
                  value={r.latencyPerImageMicroseconds}
                  part={est.latencyPerImageSeconds[r.component]}
                  whole={t.latencyPerImageSeconds}
                />
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <LayerCostTable estimate={est} />
      <details className="cost-notes" open>
        <summary>Assumptions ({d.notes.length})</summary>
        <ul className="small">
          {d.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
        <p className="small muted">
          Constants, sources and a comparison with NeuroSim’s published figures: src/sim/cost/README.md.
        </p>
      </details>
    </>
  );
}

function LayerCostTable({ estimate }: { estimate: CostEstimate }) {
  const largest = Math.max(...estimate.layers.map((l) => l.totals.energyPerImageJoules), Number.MIN_VALUE);
  return (
    <details className="layer-table" open={estimate.layers.length <= 12}>
      <summary>Per layer ({estimate.layers.length} layers)</summary>
      <div className="table-scroll">
        <table className="cost-table" data-testid="cost-layers">
          <thead>
            <tr>
              <th scope="col">Layer</th>
              <th scope="col">Tiles</th>
              <th scope="col">ADCs</th>
              <th scope="col">Area, {area.unit}</th>
              <th scope="col">Energy, {energy.unit}/image</th>
              <th scope="col">Latency, {latency.unit}/image</th>
              <th scope="col">Energy by component</th>
            </tr>
          </thead>
          <tbody>
            {estimate.layers.map((l) => (
              <tr key={l.layer}>
                <th scope="row">{l.layer}</th>
                <td>{l.plan.tileCount.toLocaleString('en')}</td>
                <td>{l.adcCount.toLocaleString('en')}</td>
                <td>{fmt(l.totals.areaSquareMicrons * area.factor)}</td>
                <td>{fmt(l.totals.energyPerImageJoules * energy.factor)}</td>
                <td>{fmt(l.totals.latencyPerImageSeconds * latency.factor)}</td>
                <td className="bar-cell">
                  <StackedBar parts={l.energyPerImageJoules} scale={largest} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="small muted">
        The chip’s global buffer ({fmt(estimate.globalBufferAreaSquareMicrons * area.factor)} {area.unit}) is
        counted in the totals, not in a layer.
      </p>
    </details>
  );
}
