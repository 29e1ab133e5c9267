import { startTransition, useEffect, useState } from 'react';
import { LayerSnrList } from './LayerSnrBars';
import { InferenceChart, PerRunChart, TrainingCharts, type ChartRun } from './RunCharts';

/** Two made-up runs (one with repeats, so the ± std band is drawn too) for the warm-up copy. */
const WARM_UP_RUNS: ChartRun[] = [1, 2].map((n) => ({
  id: `warm-up-${n}`,
  label: `warm-up ${n}`,
  routine: n === 1 ? 'inference' : 'training',
  images: 200,
  repeats: n,
  series: {
    batchPoints: [0, 1, 2, 3].flatMap((run) =>
      [1, 2].map((batch) => ({
        run,
        batch,
        imagesDone: 100 * batch,
        batchAccuracy: 0.5,
        runningAccuracy: 0.4 + 0.1 * run,
      })),
    ),
    epochPoints: [0, 1, 2].map((epoch) => ({
      epoch,
      trainLoss: 2 - epoch / 2,
      trainAccuracy: 0.2 * epoch,
      testAccuracy: 0.2 * epoch,
      elapsedSeconds: epoch,
    })),
    runSummaries: [0, 1, 2].map((run) => ({ run, accuracy: 0.5 + 0.01 * run, images: 200 })),
    sweepPoints: [],
    baselineAccuracy: 0.6,
  },
}));

/** Layer names like GoogLeNet's, for the warm-up copy of the SNR bars. */
const WARM_UP_SNR = Array.from({ length: 66 }, (_, i) => ({ layer: `layer${i}`, snrDb: 10 + (i % 7) }));

/** One view at a time, so that no single commit mounts them all (each is its own short task). */
const STAGES = [
  () => <InferenceChart runs={WARM_UP_RUNS} warmUp />,
  () => <PerRunChart runs={WARM_UP_RUNS} warmUp />,
  () => <TrainingCharts runs={WARM_UP_RUNS} warmUp />,
  () => <LayerSnrList label="warm-up" layerSnr={WARM_UP_SNR} testId={null} />,
];
/** Long enough for recharts to settle its layout over a few animation frames. */
const STAGE_MS = 250;

/**
 * Draws the run views (charts, SNR bars) once, hidden, as the page loads, then removes them; sets
 * `data-run-views="warm"` on the document element when done. The first time recharts draws a series,
 * V8 compiles its drawing code: measured in Chromium, a run's first streamed point took a 50–75 ms
 * main-thread task, the same point in a second run 20–30 ms. Warming up at page load moves that one-off
 * cost out of the first run (SPEC: no task over 50 ms during a run).
 */
export function RunViewsWarmUp() {
  // Stage k draws STAGES[k]; each starts in a transition (interruptible rendering).
  const [stage, setStage] = useState(-1);
  useEffect(() => {
    if (stage >= STAGES.length) {
      document.documentElement.dataset.runViews = 'warm';
      return undefined;
    }
    const id = window.setTimeout(() => startTransition(() => setStage(stage + 1)), stage < 0 ? 0 : STAGE_MS);
    return () => window.clearTimeout(id);
  }, [stage]);
  const View = STAGES[stage];
  if (!View) return null;
  return (
    <div className="chart-warm-up" aria-hidden="true" inert>
      <View />
    </div>
  );
}
