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
 * test pass.
 *
 * Random streams: initial weights `seed → 'init'`; data order/augmentation `seed → 'data'`; chip
 * programming `seed → 'train-chip' → epoch → batch`; reads `seed → 'train-read' → epoch → batch`;
 * device spreads `seed → 'devices'`; pulse rounding and c2c noise `seed → 'pulses' → epoch → batch`.
 */
import * as tf from '@tensorflow/tfjs';
import type { CifarImages } from '../../data/cifar10';
import { createBatcher, makeBatch } from '../../data/augment';
import {
  getModel,
  DigitalRunner,
  type LinearLayerRunner,
  type LinearLayerSpec,
  type ModelDefinition,
  type WeightMap,
} from '../../models';
import { im2col } from '../../sim/im2col';
import type { BatchNormFn } from '../../models/layers';
import { BATCH_NORM_EPSILON } from '../../models/layers';
import { firstNonFinite, nonFiniteText } from '../../models/weightsFormat';
import type { ExperimentConfig } from '../../sim/config';
import { createRng, type Rng } from '../../sim/rng';
import {
  aNormOfNonlinearity,
  applyPulses,
  type DeviceParams,
  type PulseUpdate,
} from '../../sim/updateModels';
import { ProgrammedModel, toAnalogSpec } from '../analogRunner';
import { JobStopped, type JobControl } from '../jobControl';
import type {
  ExperimentProgressSummary,
  BatchPoint,
  DataSetName,
  EpochPoint,
  ExperimentProgress,
  ExperimentResult,
} from '../protocol';
import { Coalescer } from '../throttle';

export interface TrainingInputs {
  config: ExperimentConfig;
  train: CifarImages;
  test: CifarImages;
  /** Which set `test` comes from (recorded with the result). */
  testSet: DataSetName;
  /** Defaults to the paper's VGG-8; tests pass a reduced-width one. */
  model?: ModelDefinition;
}

/** PyTorch BatchNorm2d momentum: running = (1 − m)·running + m·batch. */
const BN_MOMENTUM = 0.1;
/** aihwkit's desired_bl: at most 31 pulses per device per update. */
const MAX_PULSES_PER_UPDATE = 31;

/** Straight-through estimator: the value of `analog`, the gradient of `ideal` (customGrad). */
function straightThrough(ideal: tf.Tensor, analog: () => tf.Tensor): tf.Tensor {
  const ste = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
    void inputs;
    return { value: analog(), gradFunc: (dy: tf.Tensor) => dy };
  });
  return ste(ideal);
}

/**
 * A conv for training with a gradient that is fast on every backend: forward tf.conv2d; backward
 * dx = conv2dTranspose(dy) and dW = im2col(x)ᵀ·dy (a matMul). tfjs's WASM backend has no conv filter
 * gradient kernel, and its CPU backend's is far slower than a matMul (measured here: ~15 s for one
 * 32×32×8→8 layer at batch 32).
 */
function trainableConv2d(
  x: tf.Tensor4D,
  kernel: tf.Tensor4D,
  bias: tf.Tensor1D,
  spec: LinearLayerSpec,
): tf.Tensor4D {
  const conv = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, filter, offset, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D, tf.GradSaveFunc];
    save([input, filter]);
    const value = tf.add(tf.conv2d(input, filter, spec.stride, spec.padding), offset);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
      const dy4 = dy as tf.Tensor4D;
      const dx = tf.conv2dTranspose(dy4, ws, xs.shape, spec.stride, spec.padding);
      const cols = im2col(xs, toAnalogSpec(spec, 0));
      const dw = tf.reshape(tf.matMul(cols, tf.reshape(dy4, [-1, spec.outChannels]), true, false), ws.shape);
      return [dx, dw, tf.sum(dy4, [0, 1, 2])];
    };
    return { value, gradFunc };
  });
  return conv(x, kernel, bias) as tf.Tensor4D;
}

/** The digital layers for training (convs through `trainableConv2d`). */
class TrainableRunner implements LinearLayerRunner {
  private readonly digital: DigitalRunner;
  private readonly specs: Map<string, LinearLayerSpec>;
  constructor(
    private readonly weights: WeightMap,
    model: ModelDefinition,
  ) {
    this.digital = new DigitalRunner(weights);
    this.specs = new Map(model.linearLayers.map((l) => [l.name, l]));
  }
  conv2d(name: string, x: tf.Tensor4D): tf.Tensor4D {
    return trainableConv2d(
      x,
      this.weights.get(`${name}/kernel`) as tf.Tensor4D,
      this.weights.get(`${name}/bias`) as tf.Tensor1D,
      this.specs.get(name)!,
    );
  }
  dense(name: string, x: tf.Tensor2D): tf.Tensor2D {
    return this.digital.dense(name, x);
  }
}

/** Reads each layer on the programmed chip in the forward pass; gradients flow through the digital layer. */
class SteRunner implements LinearLayerRunner {
  private readonly digital: TrainableRunner;
  constructor(
    weights: WeightMap,
    model: ModelDefinition,
    private readonly chip: ProgrammedModel,
    private readonly readRng: Rng,
  ) {
    this.digital = new TrainableRunner(weights, model);
  }
  conv2d(name: string, x: tf.Tensor4D): tf.Tensor4D {
    const ideal = this.digital.conv2d(name, x);
    return straightThrough(ideal, () =>
      this.chip.layer(name).forward(x, this.readRng.fork(name)),
    ) as tf.Tensor4D;
  }
  dense(name: string, x: tf.Tensor2D): tf.Tensor2D {
    const ideal = this.digital.dense(name, x);
    return straightThrough(ideal, () =>
      this.chip.layer(name).forward(x, this.readRng.fork(name)),
    ) as tf.Tensor2D;
  }
}

/** Batch-norm with the batch's statistics; records them for the running-average update. */
function trainingBatchNorm(batchStats: Map<string, { mean: tf.Tensor; variance: tf.Tensor }>): BatchNormFn {
  return (weights, name, x) => {
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    const n = x.shape[0] * x.shape[1] * x.shape[2];
    // Running variance uses the unbiased estimate, as PyTorch does.
    batchStats.set(name, {
      mean: tf.keep(mean.clone()),
      variance: tf.keep(tf.mul(variance, n / Math.max(1, n - 1))),
    });
    return tf.batchNorm4d(
      x,
      mean as tf.Tensor1D,
      variance as tf.Tensor1D,
      weights.get(`${name}/beta`) as tf.Tensor1D,
      weights.get(`${name}/gamma`) as tf.Tensor1D,
      BATCH_NORM_EPSILON,
    );
  };
}

function lrAt(config: ExperimentConfig, epoch: number): number {
  const t = config.training;
  const drops = t.lrSchedule.milestonesEpochs.filter((m) => epoch >= m).length;
  return t.learningRate * t.lrSchedule.gamma ** drops;
}

/** Device spreads, drawn once ('programming') for every analog kernel. */
function drawDevices(model: ModelDefinition, config: ExperimentConfig, rng: Rng): Map<string, PulseUpdate> {
  const t = config.training;
  const p = t.pulsed;
  const out = new Map<string, PulseUpdate>();
  for (const layer of model.linearLayers) {
    const shape = model.params.find((q) => q.name === `${layer.name}/kernel`)!.shape;
    const size = shape.reduce((a, b) => a * b, 1);
    const r = rng.fork(layer.name);
    const normals = (label: string) => {
      const v = new Float32Array(size);
      r.fork(label).fillNormal(v);
      return v;
    };
    if (t.updateModel === 'neurosimNonlinear') {
      const n = t.neurosim;
      const span = p.wMax - p.wMin;
      const step = span / n.numLevels;
      // d2d: the non-linearity label itself varies per device, N(NL, d2dSigma) (NeuroSim V2.1).
      const perDeviceA = (label: number, key: string) => {
        if (n.d2dSigma === 0) return aNormOfNonlinearity(label) * n.numLevels;
        const xi = normals(key);
        return tf.tensor(
          Float32Array.from(xi, (z) => aNormOfNonlinearity(label + n.d2dSigma * z) * n.numLevels),
          [...shape],
        );
      };
      const params: DeviceParams = {
        dwUp: tf.fill([...shape], step),
        dwDown: tf.fill([...shape], step),
        wMax: tf.fill([...shape], p.wMax),
        wMin: tf.fill([...shape], p.wMin),
      };
      out.set(layer.name, {
        model: 'neurosimNonlinear',
        params,
        c2cSigma: n.c2cSigma,
        c2cRelativeTo: 'range',
        maxPulses: n.numLevels,
        aLtp: perDeviceA(n.nlLtp, 'nl-ltp'),
        aLtd: perDeviceA(n.nlLtd, 'nl-ltd'),
      });
    } else {
      // aihwkit PulsedDevice: Δw^d = dw_min·(1 + d·β + σ_dtod·ξ), β = up_down + σ_up_down_dtod·ξ'.
      const xi = normals('dw'),
        beta = normals('up-down'),
        hi = normals('w-max'),
        lo = normals('w-min');
      const dwUp = new Float32Array(size),
        dwDown = new Float32Array(size),
        wMax = new Float32Array(size),
        wMin = new Float32Array(size);
      for (let i = 0; i < size; i++) {
        const b = p.upDown + p.upDownDtod * beta[i]!;
        dwUp[i] = Math.max(0, p.dwMin * (1 + b + p.dwMinDtod * xi[i]!));
        dwDown[i] = Math.max(0, p.dwMin * (1 - b + p.dwMinDtod * xi[i]!));
        wMax[i] = Math.max(1e-6, p.wMax * (1 + p.wMaxDtod * hi[i]!));
        wMin[i] = Math.min(-1e-6, p.wMin * (1 + p.wMinDtod * lo[i]!));
      }
      out.set(layer.name, {
        model: t.updateModel,
        params: {
          dwUp: tf.tensor(dwUp, [...shape]),
          dwDown: tf.tensor(dwDown, [...shape]),
          wMax: tf.tensor(wMax, [...shape]),
          wMin: tf.tensor(wMin, [...shape]),
        },
        c2cSigma: p.dwMinStd,
        c2cRelativeTo: 'step',
      });
    }
  }
  return out;
}

function disposeDevices(devices: Map<string, PulseUpdate>): void {
  for (const d of devices.values()) {
    tf.dispose(Object.values(d.params));
    if (d.aLtp instanceof tf.Tensor) d.aLtp.dispose();
    if (d.aLtd instanceof tf.Tensor) d.aLtd.dispose();
  }
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
  const mode = t.mode;
  const rng = createRng(config.experiment.seed);
  const trainCount = Math.min(t.trainImages, inputs.train.count);
  const train: CifarImages =
    trainCount === inputs.train.count
      ? inputs.train
      : {
          count: trainCount,
          labels: inputs.train.labels.subarray(0, trainCount),
          pixels: inputs.train.pixels.subarray(0, trainCount * 3072),
        };
  const testCount = Math.min(config.experiment.images, inputs.test.count);
  const batcher = createBatcher(train, rng.fork('data'), {
    batchSize: t.batchSize,
    shuffle: true,
    augment: true,
  });
  const startMs = performance.now();

  // Parameters: trainable ones as variables; BN running statistics as plain tensors.
  const initial = model.randomInit(config.experiment.seed);
  const variables = new Map<string, tf.Variable>();
  const running = new Map<string, tf.Tensor>();
  for (const p of model.params) {
    let tensor = initial.get(p.name)!;
    if (mode === 'insitu' && p.role === 'kernel') {
      const clipped = tf.clipByValue(tensor, t.pulsed.wMin, t.pulsed.wMax);
      tensor.dispose();
      tensor = clipped;
    }
    if (p.role === 'movingMean' || p.role === 'movingVariance') running.set(p.name, tensor);
    else {
      variables.set(p.name, tf.variable(tensor, true, `${p.name}-${Math.random().toString(36).slice(2)}`));
      tensor.dispose();
    }
  }
  const weights = new Map<string, tf.Tensor>([...variables, ...running]);
  // SGD with momentum as PyTorch writes it (v ← μ·v + g; w ← w − η·v), kept here rather than
  // tf.train.momentum, whose momentum scalar outlives dispose() (one leaked tensor per run).
  const velocity = new Map<string, tf.Tensor>();
  const sgdStep = (grads: Record<string, tf.Tensor>, lr: number) => {
    for (const [name, variable] of variables) {
      const grad = grads[variable.name];
      if (!grad) continue;
      const previous = velocity.get(name);
      const v = tf.tidy(() => (previous ? tf.add(tf.mul(previous, t.momentum), grad) : tf.clone(grad)));
      previous?.dispose();
      velocity.set(name, v);
      tf.tidy(() => variable.assign(tf.sub(variable, tf.mul(v, lr))));
    }
  };
  const devices = mode === 'insitu' ? drawDevices(model, config, rng.fork('devices')) : null;
  const kernelNames = new Set(model.linearLayers.map((l) => `${l.name}/kernel`));

  let imagesDone = 0;
  const imagesTotal = trainCount * t.epochs;
  let phase: ExperimentProgress['phase'] = 'warming-up';
  let message = '';
  const epochs: EpochPoint[] = [];
  let pendingEpochs: EpochPoint[] = [];
  const summary = (): ExperimentProgressSummary => ({
    kind: 'training',
    imagesDone,
    imagesTotal,
    imagesPerSecond: imagesDone / Math.max(1e-3, (performance.now() - startMs) / 1000),
    phase,
    message,
  });
  const progress = new Coalescer<BatchPoint, ExperimentProgressSummary>((batchPoints, rest) => {
    onProgress({
      ...rest,
      batchPoints,
      epochPoints: pendingEpochs,
      runSummaries: [],
      layerSnr: null,
      baselineAccuracy: null,
    });
    pendingEpochs = [];
  }, progressIntervalMs);
  const checkpoint = () =>
    control.checkpoint(() => {
      phase = 'paused';
      progress.flush(summary());
    });

  /** Every parameter's values, in the model's order: to check, and to return as the result. */
  const readParams = async (): Promise<Map<string, Float32Array>> => {
    const out = new Map<string, Float32Array>();
    for (const p of model.params) out.set(p.name, (await weights.get(p.name)!.data()) as Float32Array);
    return out;
  };
  const disposeState = () => {
    tf.dispose([...variables.values(), ...running.values()]);
    tf.dispose([...velocity.values()]);
    if (devices) disposeDevices(devices);
  };

  const programIfAnalog = async (label: Rng): Promise<ProgrammedModel | null> =>
    mode === 'digital' ? null : ProgrammedModel.program(model, weights, config, label);

  /** Mean accuracy of the current weights on the first `testCount` test images (inference-mode BN). */
  const evaluate = async (epoch: number): Promise<number> => {
    const chip = await programIfAnalog(rng.fork('eval-chip').fork(epoch));
    try {
      let correct = 0;
      for (let start = 0; start < testCount; start += 100) {
        const count = Math.min(100, testCount - start);
        const batch = makeBatch(
          inputs.test,
          Int32Array.from({ length: count }, (_, i) => start + i),
        );
        const readRng = rng.fork('eval-read').fork(epoch).fork(start);
        const predicted = tf.tidy(() => {
          const x = tf.tensor4d(batch.x, [count, 32, 32, 3]);
          const runner = chip ? new SteRunner(weights, model, chip, readRng) : new DigitalRunner(weights);
          return tf.argMax(model.forward(weights, runner, x), 1);
        });
        const classes = await predicted.data();
        predicted.dispose();
        for (let i = 0; i < count; i++) if (classes[i] === batch.labels[i]) correct++;
        await checkpoint();
      }
      return correct / Math.max(1, testCount);
    } finally {
      chip?.dispose();
    }
  };

  let outcome: ExperimentResult['outcome'] = 'finished';
  try {
    for (let epoch = 0; epoch < t.epochs; epoch++) {
      const lr = lrAt(config, epoch);
      message = `epoch ${epoch + 1} of ${t.epochs} · learning rate ${lr}`;
      let lossSum = 0;
      let correctSum = 0;
      let seen = 0;
      for (let b = 0; b < batcher.numBatches; b++) {
        await checkpoint();
        phase = epoch === 0 && b === 0 ? 'warming-up' : 'running';
        const batch = batcher.batch(epoch, b);
        const chip = await programIfAnalog(rng.fork('train-chip').fork(epoch).fork(b));
        const readRng = rng.fork('train-read').fork(epoch).fork(b);
        const stats = new Map<string, { mean: tf.Tensor; variance: tf.Tensor }>();
        let correctTensor: tf.Tensor | null = null;
        const { value: loss, grads } = tf.tidy(() => {
          const x = tf.tensor4d(batch.x, [batch.size, 32, 32, 3]);
          const labels = tf.tensor1d(batch.labels, 'int32');
          return tf.variableGrads(() => {
            const runner = chip
              ? new SteRunner(weights, model, chip, readRng)
              : new TrainableRunner(weights, model);
            const logits = model.forward(weights, runner, x, { batchNorm: trainingBatchNorm(stats) });
            correctTensor = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'int32')));
            return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, model.numClasses), logits) as tf.Scalar;
          });
        });
        chip?.dispose();
        if (devices) {
          // In-situ: kernels move by pulses; the rest (biases, BN) by plain SGD in the digital periphery.
          const pulseRng = rng.fork('pulses').fork(epoch).fork(b);
          const digitalGrads: Record<string, tf.Tensor> = {};
          for (const [name, variable] of variables) {
            const grad = grads[variable.name]!;
            if (!kernelNames.has(name)) {
              digitalGrads[variable.name] = grad;
              continue;
            }
            const device = devices.get(name.slice(0, -'/kernel'.length))!;
            const next = tf.tidy(() => {
              // Desired change −η·g in units of the nominal step, rounded stochastically (unbiased).
              const nominal = tf.div(tf.add(device.params.dwUp, device.params.dwDown), 2);
              const steps = tf.div(tf.mul(grad, -lr), nominal);
              const u = tf.randomUniform(grad.shape, 0, 1, 'float32', pulseRng.fork(name).seed31());
              const pulses = tf.clipByValue(
                tf.floor(tf.add(steps, u)),
                -MAX_PULSES_PER_UPDATE,
                MAX_PULSES_PER_UPDATE,
              );
              const noise = tf.randomNormal(
                grad.shape,
                0,
                1,
                'float32',
                pulseRng.fork(`${name}/c2c`).seed31(),
              );
              return applyPulses(variable, pulses, device, noise);
            });
            variable.assign(next);
            next.dispose();
          }
          tf.tidy(() => {
            for (const [name, variable] of variables) {
              if (!kernelNames.has(name))
                variable.assign(tf.sub(variable, tf.mul(digitalGrads[variable.name]!, lr)));
            }
          });
        } else {
          sgdStep(grads, lr);
        }
        // Running statistics of batch-norm (PyTorch momentum 0.1).
        for (const [bn, { mean, variance }] of stats) {
          for (const [key, value] of [
            [`${bn}/movingMean`, mean],
            [`${bn}/movingVariance`, variance],
          ] as const) {
            const old = running.get(key)!;
            const updated = tf.tidy(() => tf.add(tf.mul(old, 1 - BN_MOMENTUM), tf.mul(value, BN_MOMENTUM)));
            running.set(key, updated);
            weights.set(key, updated);
            tf.dispose([old, value]);
          }
        }
        tf.dispose(Object.values(grads));
        const [lossValue, correct] = await Promise.all([
          loss.data(),
          (correctTensor as tf.Tensor | null)!.data(),
        ]);
        tf.dispose([loss, correctTensor as tf.Tensor | null].filter((x): x is tf.Tensor => x !== null));
        if (!Number.isFinite(lossValue[0]!)) {
          const bad = firstNonFinite(await readParams());
          throw new Error(
            `The training run diverged in epoch ${epoch + 1}, batch ${b + 1}: the loss is ${lossValue[0]}${bad ? `, and ${nonFiniteText(bad)}` : ''}.`,
          );
        }
        lossSum += lossValue[0]! * batch.size;
        correctSum += correct[0]!;
        seen += batch.size;
        imagesDone += batch.size;
        progress.push(
          {
            run: epoch,
            batch: b,
            imagesDone: seen,
            batchAccuracy: correct[0]! / batch.size,
            runningAccuracy: correctSum / seen,
          },
          summary(),
        );
      }
      // The last update can break a weight while the loss is still finite: never test broken weights.
      const bad = firstNonFinite(await readParams());
      if (bad) {
        throw new Error(
          `The training run diverged in epoch ${epoch + 1}, batch ${batcher.numBatches}: after the update, ${nonFiniteText(bad)}.`,
        );
      }
      phase = 'running';
      message = `epoch ${epoch + 1} of ${t.epochs}: testing on ${testCount} images`;
      const testAccuracy = await evaluate(epoch);
      const point: EpochPoint = {
        epoch: epoch + 1,
        trainLoss: lossSum / seen,
        trainAccuracy: correctSum / seen,
        testAccuracy,
        elapsedSeconds: (performance.now() - startMs) / 1000,
      };
      epochs.push(point);
      pendingEpochs.push(point);
      progress.flush(summary());
    }
  } catch (error) {
    if (!(error instanceof JobStopped)) {
      disposeState();
      throw error;
    }
    outcome = 'stopped';
  }
  const exported = await readParams().finally(disposeState);
  // Weights are offered for export or inference only when every value is finite (a run stopped after a
  // breaking update, before the next check, would otherwise slip through).
  const bad = firstNonFinite(exported);
  if (bad) throw new Error(`The training run's weights were refused: ${nonFiniteText(bad)}.`);
  progress.flush(summary());
  return {
    kind: 'training',
    outcome,
    seconds: (performance.now() - startMs) / 1000,
    runs: [],
    meanAccuracy: epochs.at(-1)?.testAccuracy ?? null,
    stdAccuracy: null,
    layerSnr: [],
    epochs,
    data: { testImages: testCount, testSet: inputs.testSet },
    baselineAccuracy: null,
    weights: exported,
  };
}
