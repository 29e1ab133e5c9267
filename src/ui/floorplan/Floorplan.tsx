import { Suspense, use, useMemo, useState } from 'react';
import { planModel, type ModelPlan } from '../../sim/tiling';
import { useLab } from '../../state/store';
import { useElementWidth } from '../useElementWidth';
import { TileInspector } from '../inspector/TileInspector';
import { ChipView } from './ChipView';
import { LayerGrid } from './LayerGrid';
import { layerColour, layoutChip } from './layout';
import { loadModelLayers } from './useModelLayers';
import { errorMessage } from '../../sim/errors';

const fmt = new Intl.NumberFormat('en');
const pct = (v: number) => `${(100 * v).toFixed(1)} %`;

/** The tile floorplan of the chosen model and tile size; click a layer, then a tile, to inspect it. */
export function Floorplan() {
  const model = useLab((s) => s.config.experiment.model);
  return (
    <section className="panel" aria-labelledby="floorplan-title">
      <h2 id="floorplan-title">Tile floorplan</h2>
      <Suspense fallback={<p className="muted">Loading the network’s layers…</p>}>
        <FloorplanBody model={model} />
      </Suspense>
    </section>
  );
}

function FloorplanBody({ model }: { model: 'vgg8' | 'googlenet' }) {
  const layers = use(loadModelLayers(model));
  const crossbar = useLab((s) => s.config.crossbar);
  const periphery = useLab((s) => s.config.periphery);
  const [selected, setSelected] = useState<{ model: string; index: number } | null>(null);
  const [inspecting, setInspecting] = useState<{ layer: string; rowTile: number; colTile: number } | null>(
    null,
  );
  const [ref, width] = useElementWidth<HTMLDivElement>(760);

  const result = useMemo((): { plan: ModelPlan } | { error: string } => {
    try {
      return { plan: planModel([...layers], crossbar, periphery) };
    } catch (error) {
      return { error: errorMessage(error) };
    }
  }, [layers, crossbar, periphery]);
  const layout = useMemo(
    () => ('plan' in result ? layoutChip(result.plan.layers, width, 340) : null),
    [result, width],
  );
  if ('error' in result || !layout) {
    return (
      <p className="notice notice-error" role="alert">
        These settings cannot be laid out on tiles: {'error' in result ? result.error : ''}
      </p>
    );
  }
  const plan = result.plan;
  const layerIndex = selected?.model === model && selected.index < plan.layers.length ? selected.index : null;
  const layerPlan = layerIndex === null ? null : plan.layers[layerIndex]!;
  const tileOfLayer =
    inspecting && layerPlan && inspecting.layer === layerPlan.layer
      ? { rowTile: inspecting.rowTile, colTile: inspecting.colTile }
      : null;
  const validInspect =
    tileOfLayer &&
    layerPlan &&
    tileOfLayer.rowTile < layerPlan.rowTiles &&
    tileOfLayer.colTile < layerPlan.colTiles;

  return (
    <div ref={ref} className="floorplan">
      <dl className="stats" aria-label="Chip totals">
        <div>
          <dt>Tiles</dt>
          <dd data-testid="tile-count" data-value={plan.tileCount}>
            {fmt.format(plan.tileCount)}
          </dd>
        </div>
        <div>
          <dt>Tile size</dt>
          <dd>
            {crossbar.tileRows || 'layer'} × {crossbar.tileCols || 'layer'}
          </dd>
        </div>
        <div>
          <dt>Utilisation</dt>
          <dd>{pct(plan.utilisation)}</dd>
        </div>
        <div>
          <dt>Devices used</dt>
          <dd>{fmt.format(plan.usedCells)}</dd>
        </div>
        <div>
          <dt>ADC conversions / image</dt>
          <dd>{plan.adcConversionsPerImage === null ? '—' : fmt.format(plan.adcConversionsPerImage)}</dd>
        </div>
      </dl>
      <p className="muted small">
        {layout.aggregated
          ? `${fmt.format(plan.tileCount)} tiles are too many to draw one by one at this size: each block is one layer, its area proportional to its tiles.`
          : 'Each small square is one tile; each coloured block is one layer (paler = less of its tiles used).'}{' '}
        Select a layer to see its tiles.
      </p>
      <ChipView
        layout={layout}
        selected={layerIndex}
        onSelect={(index) => {
          setSelected({ model, index });
          setInspecting(null);
        }}
      />
      {layerPlan && layerIndex !== null && (
        <div className="layer-detail">
          <h3>
            <span className="swatch" style={{ background: layerColour(layerIndex) }} aria-hidden="true" />
            {layerPlan.layer}: {layerPlan.rows} × {layerPlan.cols} weights on {layerPlan.rowTiles} ×{' '}
            {layerPlan.colTiles} tiles per array
          </h3>
          <LayerGrid
            plan={layerPlan}
            index={layerIndex}
            width={width}
            selected={validInspect ? tileOfLayer : null}
            onInspect={(rowTile, colTile) => setInspecting({ layer: layerPlan.layer, rowTile, colTile })}
          />
        </div>
      )}
      {validInspect && layerPlan && inspecting && (
        <TileInspector
          key={`${inspecting.layer}/${inspecting.rowTile}/${inspecting.colTile}`}
          plan={layerPlan}
          rowTile={inspecting.rowTile}
          colTile={inspecting.colTile}
          onClose={() => setInspecting(null)}
        />
      )}
      <LayerTable plan={plan} selected={layerIndex} onSelect={(index) => setSelected({ model, index })} />
    </div>
  );
}

function LayerTable({
  plan,
  selected,
  onSelect,
}: {
  plan: ModelPlan;
  selected: number | null;
  onSelect(index: number): void;
}) {
  return (
    <details className="layer-table">
      <summary>All {plan.layers.length} layers</summary>
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Layer</th>
              <th scope="col">Weights K × N</th>
              <th scope="col">Tiles (rows × cols × arrays)</th>
              <th scope="col">Utilisation</th>
              <th scope="col">ADC conversions / image</th>
            </tr>
          </thead>
          <tbody>
            {plan.layers.map((l, i) => (
              <tr key={l.layer} className={selected === i ? 'selected' : ''}>
                <th scope="row">
                  <button type="button" className="link" onClick={() => onSelect(i)}>
                    <span className="swatch" style={{ background: layerColour(i) }} aria-hidden="true" />
                    {l.layer}
                  </button>
                </th>
                <td>
                  {l.rows} × {l.cols}
                </td>
                <td>
                  {fmt.format(l.tileCount)} ({l.rowTiles} × {l.colTiles} × {l.arrays.length})
                </td>
                <td>
                  <meter min={0} max={1} value={l.utilisation} aria-label={`utilisation of ${l.layer}`} />{' '}
                  {pct(l.utilisation)}
                </td>
                <td>{l.adcConversionsPerImage === null ? '—' : fmt.format(l.adcConversionsPerImage)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}
