/**
 * The inference routine (SPEC §2 "Inference"): M repeated runs of a trained network over the chosen
 * CIFAR-10 test images on simulated crossbars. Each run reads with new read noise; with
 * `newChipEachRun` it also programs a new chip (new programming-time draws). Accuracy streams per
 * batch; each run's first batch also measures every layer's SNR against its ideal output, and the first
 * run measures the digital network's accuracy on the same images (the baseline the runs compare to).
 *
 * Random streams (src/sim/rng.ts): programming `seed → 'chip' → chip index → layer`, reads
 * `seed → 'read' → run → batch → layer`. The same config and seed give the same numbers on one backend.
 */
import * as tf from '@tensorflow/tfjs';
import type { CifarImages } from '../../data/cifar10';
import { makeBatch } from '../../data/augment';
import { DigitalRunner, type ModelDefinition, type WeightMap } from '../../models';
import type { ExperimentConfig } from '../../sim/config';
import { createRng } from '../../sim/rng';
import {
  AnalogRunner,
  ProgrammedModel,
  calibrateChip,
  needsCalibration,
  readSnr,
  type SnrSums,
} from '../analogRunner';
import { JobStopped, type JobControl } from '../jobControl';
import type {
  ExperimentProgressSummary,
  BatchPoint,
  DataSetName,
  ExperimentProgress,
  ExperimentResult,
  LayerSnr,
  RunSummary,
} from '../protocol';
import { Coalescer } from '../throttle';

export interface InferenceInputs {
  config: ExperimentConfig;
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
}

/** Images per batch: bounded so that GoogLeNet's analog intermediates stay within GPU memory. */
export function inferenceBatchSize(model: ModelDefinition): number {
  return model.name === 'googlenet' ? 25 : 100;
}

function meanAndStd(values: number[]): { mean: number | null; std: number | null } {
  if (values.length === 0) return { mean: null, std: null };
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  if (values.length < 2) return { mean, std: null };
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1);
  return { mean, std: Math.sqrt(variance) };
}

export async function runInferenceJob(
  inputs: InferenceInputs,
  control: JobControl,
  onProgress: (progress: ExperimentProgress) => void,
  progressIntervalMs = 100,
): Promise<ExperimentResult> {
  const { config, model, weights, test } = inputs;
  const images = Math.min(config.experiment.images, test.count);
  const runs = config.experiment.runs;
  const batchSize = inferenceBatchSize(model);
  const rng = createRng(config.experiment.seed);
  const startMs = performance.now();
  let imagesDone = 0;
  let phase: ExperimentProgress['phase'] = 'programming';
  let message = '';
  const summaries: RunSummary[] = [];
  let layerSnr: LayerSnr[] = [];
  let pendingRuns: RunSummary[] = [];
  let pendingSnr: LayerSnr[] | null = null;
  let baseline = inputs.knownBaseline;
  let pendingBaseline: number | null = baseline;
  /** Digital top-1 count on the first run's batches, while the baseline is being measured. */
  let digitalCorrect = 0;

  const summary = (): ExperimentProgressSummary => ({
    kind: 'inference',
    imagesDone,
    imagesTotal: images * runs,
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
      layerSnr: pendingSnr,
      baselineAccuracy: pendingBaseline,
    });
    pendingRuns = [];
    pendingSnr = null;
    pendingBaseline = null;
  }, progressIntervalMs);
  const setPhase = (next: ExperimentProgress['phase'], text: string) => {
    phase = next;
    message = text;
    progress.flush(summary());
  };

  let chip: ProgrammedModel | null = null;
  let outcome: ExperimentResult['outcome'] = 'finished';
  const checkpoint = () => control.checkpoint(() => setPhase('paused', message));
  try {
    for (let run = 0; run < runs; run++) {
      const runLabel = `run ${run + 1} of ${runs}`;
      if (!chip || config.experiment.newChipEachRun) {
        chip?.dispose();
        chip = null;
        setPhase('programming', `${runLabel}: programming ${model.linearLayers.length} layers onto tiles`);
        const chipIndex = config.experiment.newChipEachRun ? run : 0;
        chip = await ProgrammedModel.program(
          model,
          weights,
          config,
          rng.fork('chip').fork(chipIndex),
          checkpoint,
        );
        if (needsCalibration(config)) {
          const count = Math.min(config.periphery.calibrationImages, inputs.calibration.count);
          setPhase('calibrating', `${runLabel}: calibrating converter ranges on ${count} training images`);
          calibrateChip(model, weights, chip, config, inputs.calibration, rng.fork('calibration'));
          await checkpoint();
        }
      }
      setPhase(run === 0 ? 'warming-up' : 'running', runLabel);
      let correctInRun = 0;
      let doneInRun = 0;
      for (let batch = 0; doneInRun < images; batch++) {
        await checkpoint();
        const count = Math.min(batchSize, images - doneInRun);
        const indices = Int32Array.from({ length: count }, (_, i) => doneInRun + i);
        const data = makeBatch(test, indices);
        const sums = batch === 0 ? new Map<string, SnrSums>() : null;
        const readRng = rng.fork('read').fork(run).fork(batch);
        const programmed = chip;
        const measureBaseline = baseline === null && run === 0;
        const [predicted, digital] = tf.tidy(() => {
          const x = tf.tensor4d(data.x, [count, 32, 32, 3]);
          const runner = new AnalogRunner(programmed, readRng, sums ? { measureSnr: { weights, sums } } : {});
          return [
            tf.argMax(model.forward(weights, runner, x), 1),
            measureBaseline ? tf.argMax(model.forward(weights, new DigitalRunner(weights), x), 1) : null,
          ];
        });
        const classes = await predicted.data();
        const digitalClasses = digital ? await digital.data() : null;
        tf.dispose([predicted, digital]);
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
            batch,
            imagesDone: doneInRun,
            batchAccuracy: correct / count,
            runningAccuracy: correctInRun / doneInRun,
          },
          summary(),
        );
      }
      const finished = { run, accuracy: correctInRun / doneInRun, images: doneInRun };
      summaries.push(finished);
      pendingRuns.push(finished);
      if (baseline === null) {
        baseline = digitalCorrect / doneInRun;
        pendingBaseline = baseline;
      }
    }
  } catch (error) {
    if (!(error instanceof JobStopped)) throw error;
    outcome = 'stopped';
  } finally {
    chip?.dispose();
  }
  progress.flush(summary());
  const { mean, std } = meanAndStd(summaries.map((s) => s.accuracy));
  return {
    kind: 'inference',
    outcome,
    seconds: (performance.now() - startMs) / 1000,
    runs: summaries,
    meanAccuracy: mean,
    stdAccuracy: std,
    layerSnr,
    epochs: [],
    data: { testImages: images, testSet: inputs.testSet },
    baselineAccuracy: baseline,
  };
}
