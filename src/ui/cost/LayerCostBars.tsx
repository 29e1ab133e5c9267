import { Suspense } from 'react';
import { DISPLAY_UNITS } from '../../sim/cost';
import type { ExperimentConfig } from '../../sim/config';
import { useCostEstimate } from './CostEstimatePanel';
import { StackedBar } from './StackedBar';

const { area, energy } = DISPLAY_UNITS;
const short = (v: number) => String(Number(v.toPrecision(2)));

/**
 * The estimated energy per image of every layer of `config`'s model, split by component, in the rows of
 * the per-layer SNR beside it (same layers, same order): where the accuracy is lost next to where the
 * energy goes.
 */
export function LayerCostList({ label, config }: { label: string; config: ExperimentConfig }) {
  return (
    <Suspense fallback={null}>
      <LayerCostRows label={label} config={config} />
    </Suspense>
  );
}

function LayerCostRows({ label, config }: { label: string; config: ExperimentConfig }) {
  const result = useCostEstimate(config, config.experiment.model);
  if ('error' in result) return null;
  const layers = result.estimate.layers;
  const largest = Math.max(...layers.map((l) => l.totals.energyPerImageJoules), Number.MIN_VALUE);
  return (
    <figure className="snr-bars cost-bars" data-testid="layer-cost">
      <figcaption>Estimated cost per layer (energy per image by component; area) · {label}</figcaption>
      <ul>
        {layers.map((l) => (
          <li key={l.layer} data-energy-uj={l.totals.energyPerImageJoules * energy.factor}>
            <span className="snr-layer">{l.layer}</span>
            <StackedBar parts={l.energyPerImageJoules} scale={largest} />
            <span className="snr-value">
              {short(l.totals.energyPerImageJoules * energy.factor)} {energy.unit},{' '}
              {short(l.totals.areaSquareMicrons * area.factor)} {area.unit}
            </span>
          </li>
        ))}
      </ul>
    </figure>
  );
}
