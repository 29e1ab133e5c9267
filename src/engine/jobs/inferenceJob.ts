/**
 * The inference routine (SPEC §2 "Inference"): M repeated runs of a trained network over the first N
 * CIFAR-10 test images on simulated crossbars — at one setting, or at every point of a sweep over one or
 * two settings (src/sim/sweep.ts), or at chosen points of it (a shard: `points`). Each run reads with new read noise; with `newChipEachRun` it also
 * programs a new chip. Accuracy streams per batch; each run's first batch also measures every layer's
 * SNR against its ideal output, and the first run measures the digital network's accuracy on the same
 * images (the baseline the runs compare to).
 *
 * Random streams (src/sim/rng.ts): programming `seed → 'chip' → chip index → layer`, reads
 * `seed → 'read' → run → batch → layer`, calibration `seed → 'calibration'`. They do not depend on the
 * sweep point: every point reads the same devices with the same noise (common random numbers), so
 * points differ only by their settings, and a point's numbers are the same whichever machine or shard
 * runs it. Points whose settings program the same chip (`chipKey`) share one programmed chip, read under
 * each point's read settings (drift read time, noises: src/sim/readSettings.ts) and calibrated again.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CifarImages } from '../../data/cifar10';
import { makeBatch } from '../../data/augment';
import { DigitalRunner, imagesTensor, type ModelDefinition, type WeightMap } from '../../models';
import type { ExperimentConfig } from '../../sim/config';
import { estimateCost } from '../../sim/cost';
import { createRng, type Rng } from '../../sim/rng';
import {
  MAX_RUNNER_SWEEP_POINTS,
  MAX_SWEEP_POINTS,
  chipKey,
  expandSweep,
  type SweepPointSpec,
  type SweepSpec,
} from '../../sim/sweep';
import {
  AnalogRunner,
  ProgrammedModel,
  calibrateChip,
  collapsedRanges,
  needsCalibration,
  readSnr,
  toAnalogSpec,
  type SnrSums,
} from '../analogRunner';
import { JobStopped, type JobControl } from '../jobControl';
import type {
  BatchPoint,
  DataSetName,
  ExperimentProgress,
  ExperimentProgressSummary,
  ExperimentResult,
  LayerSnr,
  RunSummary,
  SweepPointResult,
} from '../protocol';
import { Coalescer } from '../throttle';
import { fitBatchSize, measureReadMemory } from '../memoryBudget';
import { isBackendName } from '../protocol';

/** A run whose numbers cannot be trusted (non-finite outputs): it ends with this message instead of a result. */
export class InvalidResult extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidResult';
  }
}

export interface InferenceInputs {
  config: ExperimentConfig;
  /** null: one point, the config itself. */
  sweep: SweepSpec | null;
  model: ModelDefinition;
  weights: WeightMap;
  /** The test images; the runs read the first `config.experiment.images` of them. */
  test: CifarImages;
  /** Which set `test` comes from (recorded with the result). */
  testSet: DataSetName;
  /** Images for the ADC / input-range calibration pass (training images: never the test set). */
  calibration: CifarImages;
  /**
   * The digital network's top-1 on exactly these test images with these weights, when already
   * measured (the worker remembers it); otherwise the first run measures it on the way.
   */
  knownBaseline: number | null;
  /**
   * Sweep only: the grid indices of the points to run (a shard: `shardOf`), in grid order; absent or
   * null runs every point. A point's numbers do not depend on which others run.
   */
  points?: readonly number[] | null;
}

/**
 * The points of a sweep (or the config alone) the job runs; throws for an index not in the grid. A grid
 * with chosen points (the command-line runner's shards) may be larger than the lab's MAX_SWEEP_POINTS.
 */
export function pointsToRun(
  config: ExperimentConfig,
  sweep: SweepSpec | null,
  only: readonly number[] | null = null,
): { points: SweepPointSpec[]; gridSize: number } {
  if (!sweep) {
    if (only !== null) throw new Error('Only a sweep has points to choose from.');
    return { points: [{ index: 0, values: [], config }], gridSize: 1 };
  }
  const grid = expandSweep(config, sweep, only === null ? MAX_SWEEP_POINTS : MAX_RUNNER_SWEEP_POINTS);
  if (only === null) return { points: grid, gridSize: grid.length };
  const missing = only.filter((i) => !grid.some((p) => p.index === i));
  if (missing.length > 0)
    throw new Error(`The sweep has points 0 to ${grid.length - 1}, not ${missing.join(', ')}.`);
  const chosen = new Set(only);
  return { points: grid.filter((p) => chosen.has(p.index)), gridSize: grid.length };
}

/** Images per batch: bounded so that GoogLeNet's analog intermediates stay within GPU memory. */
export function inferenceBatchSize(model: ModelDefinition): number {
  return model.name === 'googlenet' ? 25 : 100;
}

/** A programmed chip and the batch size it is read with. */
interface ReadChip {
  chip: ProgrammedModel;
  batchSize: number;
}

export function meanAndStd(values: readonly number[]): { mean: number | null; std: number | null } {
  if (values.length === 0) return { mean: null, std: null };
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  if (values.length < 2) return { mean, std: null };
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1);
  return { mean, std: Math.sqrt(variance) };
}

/** The sweep point's label for progress messages ("point 3 of 6 (adcBits = 5)"). */
function pointLabel(point: SweepPointSpec, total: number, sweep: SweepSpec | null): string {
  if (!sweep) return '';
  const values = sweep.axes.map((a, i) => `${a.path.split('.').pop()} = ${String(point.values[i])}`);
  return `point ${point.index + 1} of ${total} (${values.join(', ')}), `;
}

export async function runInferenceJob(
  inputs: InferenceInputs,
  control: JobControl,
  onProgress: (progress: ExperimentProgress) => void,
  progressIntervalMs = 100,
): Promise<ExperimentResult> {
  const { config, model, weights, test, sweep } = inputs;
  const { points, gridSize } = pointsToRun(config, sweep, inputs.points ?? null);
  const images = Math.min(config.experiment.images, test.count);
  const runs = config.experiment.runs;
  const backend = tf.getBackend();
  const budgetBackend = isBackendName(backend) ? backend : 'cpu';
  const rng = createRng(config.experiment.seed);
  const specs = model.linearLayers.map(toAnalogSpec);
  const startMs = performance.now();
  let imagesDone = 0;
  let phase: ExperimentProgress['phase'] = 'programming';
  let message = '';
  const summaries: RunSummary[] = [];
  const pointResults: SweepPointResult[] = [];
  let layerSnr: LayerSnr[] = [];
  let pendingRuns: RunSummary[] = [];
  let pendingPoints: SweepPointResult[] = [];
  let pendingSnr: LayerSnr[] | null = null;
  let baseline = inputs.knownBaseline;
  /** What makes the numbers mean less than they seem (a collapsed calibrated range, a smaller batch). */
  const warnings: string[] = [];
  let pendingBaseline: number | null = baseline;

  const summary = (): ExperimentProgressSummary => ({
    kind: sweep ? 'sweep' : 'inference',
    imagesDone,
    imagesTotal: images * runs * points.length,
    imagesPerSecond: imagesDone / Math.max(1e-3, (performance.now() - startMs) / 1000),
    phase,
    message,
  });
  const progress = new Coalescer<BatchPoint, ExperimentProgressSummary>((batchPoints, rest) => {
    onProgress({
      ...rest,
      batchPoints,
      epochPoints: [],
      runSummaries: pendingRuns,
      sweepPoints: pendingPoints,
      layerSnr: pendingSnr,
      baselineAccuracy: pendingBaseline,
    });
    pendingRuns = [];
    pendingPoints = [];
    pendingSnr = null;
    pendingBaseline = null;
  }, progressIntervalMs);
  const setPhase = (next: ExperimentProgress['phase'], text: string) => {
    phase = next;
    message = text;
    progress.flush(summary());
  };
  const checkpoint = () => control.checkpoint(() => setPhase('paused', message));

  /** The calibration pass of `chip` read under `pointConfig`, when its converters calibrate. */
  const calibrate = async (chip: ProgrammedModel, pointConfig: ExperimentConfig, label: string) => {
    if (!needsCalibration(pointConfig)) return;
    const count = Math.min(pointConfig.periphery.calibrationImages, inputs.calibration.count);
    setPhase('calibrating', `${label}calibrating converter ranges on ${count} training images`);
    calibrateChip(model, weights, chip, pointConfig, inputs.calibration, rng.fork('calibration'));
    for (const warning of await collapsedRanges(chip))
      if (!warnings.includes(warning)) warnings.push(warning);
    await checkpoint();
  };

  /**
   * Programs (and calibrates) the chip of `pointConfig` drawn from chip stream `chipIndex`, and decides
   * the batch size it is read with: the model's, or smaller when a batch would not fit in memory.
   */
  const programChip = async (
    pointConfig: ExperimentConfig,
    chipIndex: number,
    label: string,
  ): Promise<ReadChip> => {
    setPhase('programming', `${label}programming ${model.linearLayers.length} layers onto tiles`);
    const chip = await ProgrammedModel.program(
      model,
      weights,
      pointConfig,
      rng.fork('chip').fork(chipIndex),
      checkpoint,
    );
    try {
      await calibrate(chip, pointConfig, label);
      // A run whose batches hold one or two images needs no probe: its first batch is as small.
      const wanted = Math.min(inferenceBatchSize(model), images);
      if (wanted <= 2) return { chip, batchSize: wanted };
      const probe = makeBatch(test, Int32Array.of(0, 1));
      const memory = await measureReadMemory((n) =>
        tf.tidy(() => {
          const x = imagesTensor(probe.x, n);
          model.forward(weights, new AnalogRunner(chip, rng.fork('memory probe')), x);
        }),
      );
      const fit = fitBatchSize(memory, wanted, budgetBackend);
      if (!fit.ok) throw new Error(fit.message);
      if (fit.note && !warnings.includes(fit.note)) warnings.push(fit.note);
      return { chip, batchSize: fit.batchSize };
    } catch (error) {
      chip.dispose();
      throw error;
    }
  };

  /** One run of `pointConfig` on `chip` over the first `images` test images; returns correct and digital-correct counts. */
  const readRun = async (
    { chip, batchSize }: ReadChip,
    run: number,
    point: number,
    snr: boolean,
    measureBaseline: boolean,
  ) => {
    let correctInRun = 0;
    let digitalCorrect = 0;
    let doneInRun = 0;
    for (let batch = 0; doneInRun < images; batch++) {
      await checkpoint();
      const count = Math.min(batchSize, images - doneInRun);
      const data = makeBatch(
        test,
        Int32Array.from({ length: count }, (_, i) => doneInRun + i),
      );
      const sums = snr && batch === 0 ? new Map<string, SnrSums>() : null;
      const readRng: Rng = rng.fork('read').fork(run).fork(batch);
      const flags: { layer: string; finite: tf.Tensor }[] = [];
      const [predicted, finite, digital] = tf.tidy(() => {
        const x = imagesTensor(data.x, count);
        const runner = new AnalogRunner(chip, readRng, {
          ...(sums ? { measureSnr: { weights, sums } } : {}),
          finiteFlags: flags,
        });
        const logits = model.forward(weights, runner, x);
        return [
          tf.argMax(logits, 1),
          tf.stack([...flags.map((f) => f.finite), tf.all(tf.isFinite(logits))]),
          measureBaseline ? tf.argMax(model.forward(weights, new DigitalRunner(weights), x), 1) : null,
        ];
      });
      const classes = await predicted.data();
      const finiteByLayer = await finite.data();
      const digitalClasses = digital ? await digital.data() : null;
      tf.dispose([predicted, finite, digital, ...flags.map((f) => f.finite)]);
      const broken = flags.findIndex((_, i) => finiteByLayer[i] === 0);
      if (broken >= 0 || finiteByLayer[flags.length] === 0) {
        if (sums) for (const s of sums.values()) tf.dispose([s.signal, s.error]);
        const where = broken >= 0 ? `, from layer ${flags[broken]!.layer} on` : '';
        throw new InvalidResult(
          `Run ${run + 1}, images ${doneInRun + 1}–${doneInRun + count}: the simulated network's outputs are not ` +
            `finite numbers (NaN or ∞)${where}, so no accuracy is reported. Check that layer’s weights, ` +
            'converter ranges and device settings (the tile inspector shows them).',
        );
      }
      if (digitalClasses)
        for (let i = 0; i < count; i++) if (digitalClasses[i] === data.labels[i]) digitalCorrect++;
      if (sums) {
        layerSnr = await readSnr(sums);
        pendingSnr = layerSnr;
      }
      let correct = 0;
      for (let i = 0; i < count; i++) if (classes[i] === data.labels[i]) correct++;
      correctInRun += correct;
      doneInRun += count;
      imagesDone += count;
      phase = 'running';
      progress.push(
        {
          run,
          point,
          batch,
          imagesDone: doneInRun,
          batchAccuracy: correct / count,
          runningAccuracy: correctInRun / doneInRun,
        },
        summary(),
      );
    }
    return { accuracy: correctInRun / doneInRun, digital: digitalCorrect / doneInRun };
  };

  /** The chip points with the same `chipKey` share, and the settings it is read under now. */
  let shared = null as { key: string; chip: ReadChip; readKey: string } | null;
  const readKey = (c: ExperimentConfig) => JSON.stringify([c.periphery, c.device]);
  let outcome: ExperimentResult['outcome'] = 'finished';
  try {
    for (const point of points) {
      const pointConfig = point.config;
      const pointRuns: RunSummary[] = [];
      let pointSnr: LayerSnr[] = [];
      for (let run = 0; run < runs; run++) {
        const label = `${pointLabel(point, gridSize, sweep)}run ${run + 1} of ${runs}: `;
        let chip: ReadChip;
        if (pointConfig.experiment.newChipEachRun) {
          shared?.chip.chip.dispose();
          shared = null;
          chip = await programChip(pointConfig, run, label);
        } else {
          const key = chipKey(pointConfig);
          if (shared?.key !== key) {
            shared?.chip.chip.dispose();
            shared = null;
            shared = { key, chip: await programChip(pointConfig, 0, label), readKey: readKey(pointConfig) };
          } else if (shared.readKey !== readKey(pointConfig)) {
            // The same devices read under this point's read settings (drift read time, noises), and
            // calibrated as a chip programmed for this point is: the point's numbers do not depend on
            // which points shared the chip before it.
            shared.readKey = readKey(pointConfig);
            shared.chip.chip.readAt(pointConfig);
            await calibrate(shared.chip.chip, pointConfig, label);
          }
          chip = shared.chip;
        }
        try {
          setPhase(run === 0 && point === points[0] ? 'warming-up' : 'running', label.slice(0, -2));
          const measureBaseline = baseline === null && run === 0;
          const read = await readRun(chip, run, point.index, true, measureBaseline);
          if (run === 0) pointSnr = layerSnr;
          if (measureBaseline) {
            baseline = read.digital;
            pendingBaseline = baseline;
          }
          const finished: RunSummary = { run, point: point.index, accuracy: read.accuracy, images };
          pointRuns.push(finished);
          summaries.push(finished);
          pendingRuns.push(finished);
        } finally {
          if (pointConfig.experiment.newChipEachRun) chip.chip.dispose();
        }
      }
      if (sweep) {
        const { mean, std } = meanAndStd(pointRuns.map((r) => r.accuracy));
        const result: SweepPointResult = {
          index: point.index,
          values: point.values,
          runs: pointRuns,
          meanAccuracy: mean,
          stdAccuracy: std,
          layerSnr: pointSnr,
          cost: estimateCost(pointConfig, specs).totals,
        };
        pointResults.push(result);
        pendingPoints.push(result);
      }
    }
  } catch (error) {
    if (!(error instanceof JobStopped)) throw error;
    outcome = 'stopped';
  } finally {
    shared?.chip.chip.dispose();
  }
  progress.flush(summary());
  const { mean, std } = meanAndStd(sweep ? [] : summaries.map((s) => s.accuracy));
  return {
    kind: sweep ? 'sweep' : 'inference',
    outcome,
    seconds: (performance.now() - startMs) / 1000,
    runs: summaries,
    meanAccuracy: mean,
    stdAccuracy: std,
    layerSnr,
    epochs: [],
    sweepPoints: pointResults,
    data: { testImages: images, testSet: inputs.testSet },
    baselineAccuracy: baseline,
    warnings,
  };
}
