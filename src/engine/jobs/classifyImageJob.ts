/**
 * One test image through the digital network and through the simulated chip (the experiment's first
 * chip, calibrated as run 1 of an inference would be): both top-5 predictions, and each layer's SNR on
 * this image, so a student sees which layers' error moved the result. The programmed chip is kept for
 * the next image of the same settings (programming a network takes longer than reading one image).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CifarImages } from '../../data/cifar10';
import { CLASS_NAMES, imageToRGBA } from '../../data/cifar10';
import { makeBatch } from '../../data/augment';
import { DigitalRunner, imagesTensor, type ModelDefinition, type WeightMap } from '../../models';
import type { ExperimentConfig } from '../../sim/config';
import { createRng } from '../../sim/rng';
import { AnalogRunner, ProgrammedModel, calibrateChip, readSnr, type SnrSums } from '../analogRunner';
import type { ClassScore, ImageClassification } from '../protocol';

const TOP = 5;

/** The `TOP` most probable classes of one row of logits (softmax probabilities). */
function topClasses(logits: Float32Array): ClassScore[] {
  const max = Math.max(...logits);
  const exp = Array.from(logits, (v) => Math.exp(v - max));
  const sum = exp.reduce((a, b) => a + b, 0);
  return exp
    .map((e, classIndex) => ({ classIndex, className: CLASS_NAMES[classIndex]!, probability: e / sum }))
    .sort((a, b) => b.probability - a.probability)
    .slice(0, TOP);
}

/** The chip a sequence of single-image reads shares, and the settings it was programmed with. */
export class ImageChipCache {
  private entry: { key: string; weights: WeightMap; chip: ProgrammedModel } | null = null;

  /** The chip for these settings and weights, programmed and calibrated when they changed. */
  async get(
    model: ModelDefinition,
    weights: WeightMap,
    config: ExperimentConfig,
    calibration: CifarImages,
  ): Promise<ProgrammedModel> {
    const { crossbar, periphery, device } = config;
    const key = JSON.stringify([model.name, config.experiment.seed, crossbar, periphery, device]);
    if (this.entry && this.entry.key === key && this.entry.weights === weights) return this.entry.chip;
    this.clear();
    const rng = createRng(config.experiment.seed);
    const chip = await ProgrammedModel.program(model, weights, config, rng.fork('chip').fork(0));
    try {
      calibrateChip(model, weights, chip, config, calibration, rng.fork('calibration'));
    } catch (error) {
      chip.dispose();
      throw error;
    }
    this.entry = { key, weights, chip };
    return chip;
  }

  /** Frees the kept chip (before other jobs, which need the memory). */
  clear(): void {
    this.entry?.chip.dispose();
    this.entry = null;
  }
}

export interface ClassifyImageInputs {
  config: ExperimentConfig;
  model: ModelDefinition;
  weights: WeightMap;
  test: CifarImages;
  imageIndex: number;
  calibration: CifarImages;
  chips: ImageChipCache;
}

export async function classifyImage(inputs: ClassifyImageInputs): Promise<ImageClassification> {
  const { config, model, weights, test, imageIndex } = inputs;
  if (!Number.isInteger(imageIndex) || imageIndex < 0 || imageIndex >= test.count)
    throw new RangeError(`There is no test image ${imageIndex}: choose one from 0 to ${test.count - 1}.`);
  const chip = await inputs.chips.get(model, weights, config, inputs.calibration);
  const batch = makeBatch(test, Int32Array.of(imageIndex));
  const sums = new Map<string, SnrSums>();
  // The image's own read stream: the same image and seed always read the same noise.
  const readRng = createRng(config.experiment.seed).fork('image').fork(imageIndex);
  const [digital, analog] = tf.tidy(() => {
    const x = imagesTensor(batch.x, 1);
    return [
      model.forward(weights, new DigitalRunner(weights), x),
      model.forward(weights, new AnalogRunner(chip, readRng, { measureSnr: { weights, sums } }), x),
    ];
  });
  const [d, a] = [(await digital.data()) as Float32Array, (await analog.data()) as Float32Array];
  tf.dispose([digital, analog]);
  return {
    imageIndex,
    label: test.labels[imageIndex]!,
    labelName: CLASS_NAMES[test.labels[imageIndex]!]!,
    rgba: imageToRGBA(test, imageIndex),
    digital: topClasses(d),
    analog: topClasses(a),
    layerSnr: await readSnr(sums),
  };
}
