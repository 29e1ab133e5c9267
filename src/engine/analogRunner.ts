/**
 * Runs a model's conv and dense layers on simulated crossbars: the bridge between the model
 * definitions (src/models, which call a `LinearLayerRunner` for every linear layer) and the simulation
 * core (src/sim, which programs each layer onto tiles and reads it).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CifarImages } from '../data/cifar10';
import { makeBatch } from '../data/augment';
import type { LinearLayerRunner, LinearLayerSpec, ModelDefinition, WeightMap } from '../models';
import { DigitalRunner } from '../models';
import type { ExperimentConfig } from '../sim/config';
import {
  NoiseBank,
  loadFusedKernels,
  programAnalogLayer,
  type AnalogLayer,
  type AnalogLayerOptions,
} from '../sim/layer';
import type { AnalogLayerSpec } from '../sim/tiling';
import type { Rng } from '../sim/rng';

/**
 * The simulation core's view of a model layer. Every layer but the network's first reads
 * non-negative inputs (they come from ReLU, max-pool or average-pool of ReLU outputs), which lets an
 * 'auto' DAC encoding use unsigned inputs.
 */
export function toAnalogSpec(layer: LinearLayerSpec, index: number): AnalogLayerSpec {
  return {
    name: layer.name,
    kind: layer.kind,
    inChannels: layer.inChannels,
    outChannels: layer.outChannels,
    kernelSize: layer.kernelSize,
    stride: layer.stride,
    padding: layer.padding,
    inputHeight: layer.inputHeight,
    inputWidth: layer.inputWidth,
    inputNonNegative: index > 0,
  };
}

/**
 * Programs linear layer `index` of `model`. The weights are read back asynchronously: programming runs
 * on the CPU, and a synchronous read of a WebGPU tensor would stall the queue (and breaks SwiftShader).
 */
export async function programLayer(
  model: ModelDefinition,
  index: number,
  weights: WeightMap,
  config: ExperimentConfig,
  rng: Rng,
  options: AnalogLayerOptions = {},
): Promise<AnalogLayer> {
  const layer = model.linearLayers[index]!;
  const read = async (key: string) => {
    const tensor = weights.get(key);
    return tensor ? ((await tensor.data()) as Float32Array) : null;
  };
  const kernel = await read(`${layer.name}/kernel`);
  if (!kernel) throw new Error(`weight "${layer.name}/kernel" is missing`);
  const bias = await read(`${layer.name}/bias`);
  return programAnalogLayer(toAnalogSpec(layer, index), kernel, bias, config, rng, options);
}

/** A model's layers programmed onto one simulated chip. */
export class ProgrammedModel {
  private constructor(readonly layers: ReadonlyMap<string, AnalogLayer>) {}

  /**
   * Programs every linear layer, drawing the programming-time randomness of layer `name` from
   * `chipRng.fork(name)`, and the chip's bank of normals for per-read noise from
   * `chipRng.fork('noise bank')` (shared by the layers). On the webgpu backend the layers read through
   * the fused kernels where these cover the settings (src/sim/layer/fusedRead.ts). `between` runs after
   * each layer (the job yields there to stay responsive).
   */
  static async program(
    model: ModelDefinition,
    weights: WeightMap,
    config: ExperimentConfig,
    chipRng: Rng,
    between: () => Promise<void> = async () => {},
  ): Promise<ProgrammedModel> {
    const layers = new Map<string, AnalogLayer>();
    const options = {
      noiseBank: new NoiseBank(chipRng.fork('noise bank')),
      fusedKernels: await loadFusedKernels(),
    };
    try {
      for (const [index, layer] of model.linearLayers.entries()) {
        const rng = chipRng.fork(layer.name);
        layers.set(layer.name, await programLayer(model, index, weights, config, rng, options));
        await between();
      }
    } catch (error) {
      for (const layer of layers.values()) layer.dispose();
      throw error;
    }
    return new ProgrammedModel(layers);
  }

  /**
   * Reads every layer under the read settings of `config` (src/sim/readSettings.ts: drift read time and
   * compensation, per-read noises) from now on, without programming again; calibrated ranges are kept.
   */
  readAt(config: ExperimentConfig): void {
    for (const layer of this.layers.values()) layer.readAt(config);
  }

  layer(name: string): AnalogLayer {
    const layer = this.layers.get(name);
    if (!layer) throw new Error(`layer "${name}" was not programmed`);
    return layer;
  }

  dispose(): void {
    for (const layer of this.layers.values()) layer.dispose();
  }
}

/**
 * What the calibration of a programmed chip left unusable, one sentence per layer: a calibrated input
 * range or ADC range of 0 (nothing reached it on the calibration images) or not a finite number. Such a
 * layer reads every output as 0 (or NaN): the run's numbers would not mean what they seem.
 */
export async function collapsedRanges(chip: ProgrammedModel): Promise<string[]> {
  const out: string[] = [];
  for (const [name, layer] of chip.layers) {
    const { inputScale, adcFullScaleAmperes } = await layer.readCalibration();
    const bad = (v: number) => !Number.isFinite(v) || v <= 0;
    if (inputScale !== null && bad(inputScale))
      out.push(
        `Layer ${name}: its calibrated input range is ${inputScale} (the calibration images never reached it), so its inputs all read as 0.`,
      );
    const collapsed = (adcFullScaleAmperes ?? []).filter(bad).length;
    if (collapsed > 0)
      out.push(
        `Layer ${name}: ${collapsed} of its ${adcFullScaleAmperes!.length} calibrated ADC ranges are 0 A or not finite (no current reached them on the calibration images), so those outputs read as 0.`,
      );
  }
  return out;
}

/** A calibration pass is needed for a calibrated input range, or a calibrated range of a real ADC. */
export function needsCalibration(config: ExperimentConfig): boolean {
  const p = config.periphery;
  return (p.adcRange === 'calibrated' && p.adcBits > 0) || p.inputScaling === 'calibrated';
}

/**
 * The calibration pass every routine runs once per programmed chip: the first
 * `config.periphery.calibrationImages` of `images` (training images, never the test set) go through
 * the chip, which records each layer's input range and ADC ranges ('calibrated' modes). Reads draw
 * from `rng`. Returns the number of images read (0 when no range is calibrated).
 */
export function calibrateChip(
  model: ModelDefinition,
  weights: WeightMap,
  chip: ProgrammedModel,
  config: ExperimentConfig,
  images: CifarImages,
  rng: Rng,
): number {
  if (!needsCalibration(config)) return 0;
  const count = Math.min(config.periphery.calibrationImages, images.count);
  const batch = makeBatch(
    images,
    Int32Array.from({ length: count }, (_, i) => i),
  );
  tf.tidy(() => {
    const x = tf.tensor4d(batch.x, [count, 32, 32, 3]);
    model.forward(weights, new AnalogRunner(chip, rng, { calibrate: true }), x);
  });
  return count;
}

/** Signal and error energy of one layer's analog output, summed over the measured batch. */
export interface SnrSums {
  signal: tf.Scalar;
  error: tf.Scalar;
}

export interface AnalogRunnerOptions {
  /**
   * Record input and ADC ranges on the way ('calibrated' modes), each layer in the same read that passes
   * its output on (`AnalogLayer.calibrateAndForward`).
   */
  calibrate?: boolean;
  /** Also compute each layer's ideal output from the same input and keep Σ ideal², Σ (analog − ideal)². */
  measureSnr?: { weights: WeightMap; sums: Map<string, SnrSums> };
  /**
   * Records, per layer read, whether its output is all finite (a boolean scalar, kept for the caller):
   * a NaN can be hidden downstream by a converter's clipping, so the logits alone do not tell.
   */
  finiteFlags?: { layer: string; finite: tf.Tensor }[];
}

/** The `LinearLayerRunner` that reads programmed tiles; read noise of layer `name` comes from `readRng.fork(name)`. */
export class AnalogRunner implements LinearLayerRunner {
  private readonly digital: DigitalRunner | null;

  constructor(
    private readonly chip: ProgrammedModel,
    private readonly readRng: Rng,
    private readonly options: AnalogRunnerOptions = {},
  ) {
    this.digital = options.measureSnr ? new DigitalRunner(options.measureSnr.weights) : null;
  }

  conv2d(name: string, x: tf.Tensor4D, stride: number, padding: 'same' | 'valid' | number): tf.Tensor4D {
    const analog = this.read(name, x) as tf.Tensor4D;
    if (this.digital) this.measure(name, analog, this.digital.conv2d(name, x, stride, padding));
    return analog;
  }

  dense(name: string, x: tf.Tensor2D): tf.Tensor2D {
    const analog = this.read(name, x) as tf.Tensor2D;
    if (this.digital) this.measure(name, analog, this.digital.dense(name, x));
    return analog;
  }

  private read(name: string, x: tf.Tensor): tf.Tensor {
    const layer = this.chip.layer(name);
    const rng = this.readRng.fork(name);
    const y = this.options.calibrate ? layer.calibrateAndForward(x, rng) : layer.forward(x, rng);
    this.options.finiteFlags?.push({ layer: name, finite: tf.keep(tf.all(tf.isFinite(y))) });
    return y;
  }

  private measure(name: string, analog: tf.Tensor, ideal: tf.Tensor): void {
    const sums = this.options.measureSnr!.sums;
    // Kept out of the surrounding tidy: the job reads and disposes them after the forward pass.
    const signal = tf.keep(tf.sum<tf.Tensor>(tf.square(ideal)) as tf.Scalar);
    const error = tf.keep(tf.sum<tf.Tensor>(tf.square(tf.sub(analog, ideal))) as tf.Scalar);
    const previous = sums.get(name);
    if (previous) {
      sums.set(name, {
        signal: tf.keep(tf.add<tf.Scalar>(previous.signal, signal)),
        error: tf.keep(tf.add<tf.Scalar>(previous.error, error)),
      });
      tf.dispose([previous.signal, previous.error, signal, error]);
    } else {
      sums.set(name, { signal, error });
    }
  }
}

/** SNR in dB = 10·log10(Σ ideal² / Σ (analog − ideal)²), read asynchronously; disposes the sums. */
export async function readSnr(sums: Map<string, SnrSums>): Promise<{ layer: string; snrDb: number }[]> {
  const out: { layer: string; snrDb: number }[] = [];
  for (const [layer, { signal, error }] of sums) {
    const [s, e] = await Promise.all([signal.data(), error.data()]);
    tf.dispose([signal, error]);
    const snrDb = 10 * Math.log10(s[0]! / Math.max(e[0]!, Number.MIN_VALUE));
    out.push({ layer, snrDb: Number.isFinite(snrDb) ? snrDb : 300 });
  }
  sums.clear();
  return out;
}
