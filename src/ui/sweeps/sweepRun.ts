/** A sweep run as its charts see it, and what every sweep chart shares: naming a point and loading it. */
import type { ExperimentResult, SweepPointResult } from '../../engine/protocol';
import type { ExperimentConfig } from '../../sim/config';
import { pointConfig, type SweepSpec, type SweepValue } from '../../sim/sweep';
import { useLab } from '../../state/store';
import { axisLabel } from './axes';
import { formatAxisValue } from './sweepData';

export interface SweepChartRun {
  id: string;
  label: string;
  config: ExperimentConfig;
  sweep: SweepSpec;
  points: readonly SweepPointResult[];
  baselineAccuracy: number | null;
  /** The finished (or stopped) run's result; null while it runs. */
  result: ExperimentResult | null;
}

/** "ADC bits = 5, Tile rows = 64". */
export function pointLabel(sweep: SweepSpec, values: readonly SweepValue[]): string {
  return sweep.axes.map((a, i) => `${axisLabel(a.path)} = ${formatAxisValue(a.path, values[i]!)}`).join(', ');
}

/** Loads a point's settings into the lab (and clears the sweep, so that Run runs that point). */
export function useLoadPoint(run: SweepChartRun): (values: readonly SweepValue[]) => void {
  const setConfig = useLab((s) => s.setConfig);
  const setSweep = useLab((s) => s.setSweep);
  return (values) => {
    setConfig(pointConfig(run.config, run.sweep.axes, values));
    setSweep(null);
  };
}
