/**
 * The VGG-8 training routine (SPEC §2 "Training"), three modes:
 *  - digital: the paper's baseline (SGD with momentum, step schedule, pad-crop-flip augmentation);
 *  - hardwareAware: every forward pass runs through simulated crossbars (weights programmed anew each
 *    mini-batch, so programming noise is redrawn per batch), gradients go straight through to the
 *    digital weights (straight-through estimator), the optimiser updates digital weights;
 *  - insitu: the conv/dense kernels are device states in [w_min, w_max]; the forward pass reads them
 *    through the crossbars, and each update becomes pulses through a device update model
 *    (src/sim/updateModels.ts). Biases and batch-norm (periphery) are updated digitally.
 * Batch-norm uses batch statistics while training and running averages (PyTorch momentum 0.1) for the
 * test pass. The steps are plain functions in ./training/; this file is the epoch loop around them.
 *
 * Random streams: initial weights `seed → 'init'`; data order/augmentation `seed → 'data'`; chip
 * programming `seed → 'train-chip' → epoch → batch`; reads `seed → 'train-read' → epoch → batch`;
 * device spreads `seed → 'devices'`; pulse rounding and c2c noise `seed → 'pulses' → epoch → batch`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CifarImages } from '../../data/cifar10';
import { createBatcher } from '../../data/augment';
import { getModel, type ModelDefinition } from '../../models';
import type { ExperimentConfig } from '../../sim/config';
import { createRng, type Rng } from '../../sim/rng';
import type { PulseUpdate } from '../../sim/updateModels';
import { ProgrammedModel } from '../analogRunner';
import { JobStopped, type JobControl } from '../jobControl';
import type { DataSetName, ExperimentProgress, ExperimentResult } from '../protocol';
import { BN_MOMENTUM, updateBatchNormStats } from './training/batchNorm';
import { drawDevices, disposeDevices } from './training/devices';
import { checkExportable, checkLoss, checkWeightsAfterUpdate, readParams } from './training/divergence';
import { insituPulseStep } from './training/insituPulse';
import { createParams, disposeParams, type TrainingParams } from './training/params';
import { TrainingProgress } from './training/progress';
import { SteRunner, TrainableRunner } from './training/runners';
import { learningRateAt, sgdStep } from './training/sgd';
import { lossAndGradients, testAccuracy } from './training/step';

export interface TrainingInputs {
  config: ExperimentConfig;
  train: CifarImages;
  test: CifarImages;
  /** Which set `test` comes from (recorded with the result). */
  testSet: DataSetName;
  /** Defaults to the paper's VGG-8; tests pass a reduced-width one. */
  model?: ModelDefinition;
}

/** The first `count` images of `images`. */
function firstImages(images: CifarImages, count: number): CifarImages {
  if (count >= images.count) return images;
  return { count, labels: images.labels.subarray(0, count), pixels: images.pixels.subarray(0, count * 3072) };
}

/** What a run updates: the parameters, SGD's velocities, and (in situ) the kernels' devices. */
interface TrainingState {
  params: TrainingParams;
  velocity: Map<string, tf.Tensor>;
  devices: Map<string, PulseUpdate> | null;
}

function disposeState({ params, velocity, devices }: TrainingState): void {
  disposeParams(params);
  tf.dispose([...velocity.values()]);
  if (devices) disposeDevices(devices);
}

/**
 * One update of every trainable parameter from its gradient. Digital and hardware-aware: momentum SGD.
 * In situ: each analog kernel by pulses on its devices; the periphery (biases, γ, β) by plain SGD.
 */
function updateWeights(
  { params, velocity, devices }: TrainingState,
  grads: Map<string, tf.Tensor>,
  lr: number,
  momentum: number,
  pulseRng: Rng,
): void {
  if (!devices) {
    sgdStep(params.variables, grads, velocity, { learningRate: lr, momentum });
    return;
  }
  const periphery = new Map(params.variables);
  for (const [layer, device] of devices) {
    const name = `${layer}/kernel`;
    periphery.delete(name);
    const draws = { rounding: pulseRng.fork(name), c2c: pulseRng.fork(`${name}/c2c`) };
    insituPulseStep(params.variables.get(name)!, grads.get(name)!, device, lr, draws);
  }
  sgdStep(periphery, grads, velocity, { learningRate: lr, momentum: 0 });
}

export async function runTrainingJob(
  inputs: TrainingInputs,
  control: JobControl,
  onProgress: (progress: ExperimentProgress) => void,
  progressIntervalMs = 200,
): Promise<ExperimentResult> {
  const { config } = inputs;
  const model = inputs.model ?? getModel('vgg8');
  const t = config.training;
  const rng = createRng(config.experiment.seed);
  const train = firstImages(inputs.train, t.trainImages);
  const testCount = Math.min(config.experiment.images, inputs.test.count);
  const batcher = createBatcher(train, rng.fork('data'), {
    batchSize: t.batchSize,
    shuffle: true,
    augment: true,
  });
  const progress = new TrainingProgress(
    onProgress,
    progressIntervalMs,
    train.count * t.epochs,
    performance.now(),
  );
  const params = createParams(model, config);
  const state: TrainingState = {
    params,
    velocity: new Map(),
    devices: t.mode === 'insitu' ? drawDevices(model, config, rng.fork('devices')) : null,
  };
  const checkpoint = () => control.checkpoint(() => progress.paused());
  const program = async (label: Rng) =>
    t.mode === 'digital' ? null : ProgrammedModel.program(model, params.all, config, label);

  let outcome: ExperimentResult['outcome'] = 'finished';
  try {
    for (let epoch = 0; epoch < t.epochs; epoch++) {
      const lr = learningRateAt(t, epoch);
      progress.startEpoch(`epoch ${epoch + 1} of ${t.epochs} · learning rate ${lr}`);
      for (let b = 0; b < batcher.numBatches; b++) {
        await checkpoint();
        progress.phase = epoch === 0 && b === 0 ? 'warming-up' : 'running';
        const batch = batcher.batch(epoch, b);
        const chip = await program(rng.fork('train-chip').fork(epoch).fork(b));
        const runner = chip
          ? new SteRunner(params.all, model, chip, rng.fork('train-read').fork(epoch).fork(b))
          : new TrainableRunner(params.all, model);
        const { loss, correct, grads, stats } = lossAndGradients(model, params, runner, batch);
        chip?.dispose();
        updateWeights(state, grads, lr, t.momentum, rng.fork('pulses').fork(epoch).fork(b));
        updateBatchNormStats(params.all, stats, BN_MOMENTUM);
        tf.dispose([...grads.values()]);
        const [lossValue, correctValue] = await Promise.all([loss.data(), correct.data()]);
        tf.dispose([loss, correct]);
        await checkLoss(lossValue[0]!, epoch, b, () => readParams(model, params.all));
        progress.batchDone(epoch, b, batch.size, lossValue[0]!, correctValue[0]!);
      }
      checkWeightsAfterUpdate(await readParams(model, params.all), epoch, batcher.numBatches - 1);
      progress.phase = 'running';
      progress.message = `epoch ${epoch + 1} of ${t.epochs}: testing on ${testCount} images`;
      const chip = await program(rng.fork('eval-chip').fork(epoch));
      const readRng = (start: number) => rng.fork('eval-read').fork(epoch).fork(start);
      const accuracy = await testAccuracy(
        model,
        params,
        chip,
        inputs.test,
        testCount,
        readRng,
        checkpoint,
      ).finally(() => chip?.dispose());
      progress.endEpoch(epoch, accuracy);
    }
  } catch (error) {
    if (!(error instanceof JobStopped)) {
      disposeState(state);
      throw error;
    }
    outcome = 'stopped';
  }
  const exported = await readParams(model, params.all).finally(() => disposeState(state));
  checkExportable(exported);
  progress.flush();
  return {
    kind: 'training',
    outcome,
    seconds: progress.elapsedSeconds(),
    runs: [],
    meanAccuracy: progress.epochs.at(-1)?.testAccuracy ?? null,
    stdAccuracy: null,
    layerSnr: [],
    epochs: progress.epochs,
    sweepPoints: [],
    data: { testImages: testCount, testSet: inputs.testSet },
    baselineAccuracy: null,
    warnings: [],
    weights: exported,
  };
}
