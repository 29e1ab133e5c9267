import { useEffect, useState, type KeyboardEvent } from 'react';
import { useLab } from '../state/store';
import { CostEstimatePanel } from './cost/CostEstimatePanel';
import { Floorplan } from './floorplan/Floorplan';
import { loadModelLayers } from './floorplan/useModelLayers';
import { SweepCharts } from './sweeps/SweepCharts';
import { SingleImageView } from './image/SingleImageView';
import { RunControls } from './runs/RunControls';
import { WeightsPicker } from './runs/WeightsPicker';
import { RunCharts } from './runs/RunCharts';
import { ResultsTable } from './runs/ResultsTable';
import { LayerSnrBars } from './runs/LayerSnrBars';

const TABS = [
  { id: 'runs', label: 'Experiments' },
  { id: 'floorplan', label: 'Floorplan' },
  { id: 'image', label: 'One image' },
] as const;
type TabId = (typeof TABS)[number]['id'];

/**
 * The main area: the run bar (what Run does, Run / Pause / Stop, progress, data) above the views —
 * the experiments' charts and results first, then the chip floorplan — as tabs.
 */
export function Workspace() {
  const hidden = useLab((s) => s.hidden);
  const model = useLab((s) => s.config.experiment.model);
  // The layer specs (floorplan, cost estimate) come from the worker: ask while it is idle.
  useEffect(() => {
    loadModelLayers(model).catch(() => undefined);
  }, [model]);
  const tabs = TABS.filter((t) => !hidden.includes(t.id));
  const [chosen, setChosen] = useState<TabId>('runs');
  const active = tabs.find((t) => t.id === chosen)?.id ?? tabs[0]?.id;
  const onKey = (e: KeyboardEvent) => {
    const i = tabs.findIndex((t) => t.id === active);
    const d = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (d === 0 || i < 0) return;
    e.preventDefault();
    const next = tabs[(i + d + tabs.length) % tabs.length]!;
    setChosen(next.id);
    document.getElementById(`tab-${next.id}`)?.focus();
  };
  return (
    <div className="workspace">
      {!hidden.includes('runs') && <RunControls />}
      <div className="tabs" role="tablist" aria-label="Views" onKeyDown={onKey}>
        {tabs.map((t) => (
          <button
            key={t.id}
            id={`tab-${t.id}`}
            type="button"
            role="tab"
            aria-selected={t.id === active}
            aria-controls={`panel-${t.id}`}
            tabIndex={t.id === active ? 0 : -1}
            onClick={() => setChosen(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      {active && (
        <div id={`panel-${active}`} role="tabpanel" aria-labelledby={`tab-${active}`} className="tab-panel">
          {active === 'floorplan' && (
            <>
              <Floorplan />
              <CostEstimatePanel />
            </>
          )}
          {active === 'image' && <SingleImageView />}
          {active === 'runs' && (
            <section className="panel" aria-labelledby="runs-title">
              <h2 id="runs-title">Experiments</h2>
              <WeightsPicker />
              <SweepCharts />
              <RunCharts />
              <ResultsTable />
              <LayerSnrBars />
            </section>
          )}
        </div>
      )}
    </div>
  );
}
