/**
 * The measurement, one implementation for every backend: it runs wherever tfjs does (Node's WASM/CPU, a
 * browser page on WebGPU) and reaches its data, weights and output only through a `BenchEnvironment`.
 *
 * Per model: loads the weights, takes the first N test images, and for each preset programs one simulated
 * chip (timed separately, as is the converter calibration on training images that calibrated presets need,
 * exactly as the inference job does), runs one untimed warm-up batch of each path, then R repetitions of
 * (digital pass, simulated pass) over the N images, alternating which goes first, so that load drift on a
 * shared machine hits both alike. The cost ratio of a preset is the median of the paired ratios
 * t_sim / t_digital. Peak bytes are the tfjs engine's tracked bytes (tf.profile) during the warm-up batch:
 * weights + programmed chip + intermediates. Timings are printed, never asserted.
 */
import * as tf from '@tensorflow/tfjs';
import { makeBatch } from '../../src/data/augment';
import type { CifarImages } from '../../src/data/cifar10';
import { AnalogRunner, ProgrammedModel } from '../../src/engine/analogRunner';
import { inferenceBatchSize, needsCalibration } from '../../src/engine/jobs/inferenceJob';
import { DigitalRunner, getModel, type ModelName } from '../../src/models/index';
import { loadWeights, type FetchLike } from '../../src/models/weights';
import { defaultExperimentConfig, withOverrides } from '../../src/sim/config';
import { applyPreset } from '../../src/sim/presets';
import { createRng } from '../../src/sim/rng';
import { DEFAULT_IMAGES, TARGET_RATIO } from './defaults';
import type { BenchOptions } from './options';
import { makeBatches, median, pass } from './passes';
import { peakBytesOf, profilePreset, randomNormalNsPerDraw } from './profile';
import { formatModelReport } from './report';
import type { ModelResult, PresetResult } from './results';

const MB = 1024 * 1024;

/** What the measurement needs from where it runs. */
export interface BenchEnvironment {
  /** The test images; the bench reads the first N. */
  test: CifarImages;
  /** Training images for the calibration pass, loaded on first use. */
  calibration: () => Promise<CifarImages>;
  /** Model `name`'s weights: a folder URL, or a FetchLike over the folder. */
  weights: (name: ModelName) => string | FetchLike;
  /** One line of output. */
  log: (line: string) => void;
}

async function benchModel(
  name: ModelName,
  options: BenchOptions,
  env: BenchEnvironment,
  nsPerDraw: number,
): Promise<ModelResult> {
  const { log } = env;
  const model = getModel(name);
  const images = options.images ?? DEFAULT_IMAGES[name];
  const batchSize = Math.min(options.batch ?? inferenceBatchSize(model), images);
  const repeats = options.repeats;
  const bytesBefore = tf.memory().numBytes;
  const { tensors: weights } = await loadWeights(model, env.weights(name));
  const weightsMB = (tf.memory().numBytes - bytesBefore) / MB;
  const batches = makeBatches(env.test, images, batchSize);
  const digital = new DigitalRunner(weights);
  const rng = createRng(options.seed);
  log(
    `\n== ${name}: ${images} test images in batches of ${batchSize}, ${repeats} repetitions, ` +
      `weights ${weightsMB.toFixed(1)} MB`,
  );

  try {
    // Digital warm-up batch (and its memory peak).
    const digitalPeak = await peakBytesOf(() => pass(model, weights, [batches[0]!], () => digital));
    const digitalSeconds: number[] = [];
    let digitalAccuracy = 0;
    const results: PresetResult[] = [];
    for (const id of options.presets) {
      let config = applyPreset(
        withOverrides(defaultExperimentConfig(), { experiment: { model: name, seed: options.seed } }),
        id,
      );
      if (options.calibrationImages !== null)
        config = withOverrides(config, { periphery: { calibrationImages: options.calibrationImages } });
      const chipBytesBefore = tf.memory().numBytes;
      let t0 = performance.now();
      const chip = await ProgrammedModel.program(model, weights, config, rng.fork('chip').fork(id));
      const programSeconds = (performance.now() - t0) / 1000;
      try {
        let calibrateSeconds = 0;
        if (needsCalibration(config)) {
          // As the inference job: the first calibrationImages training images, one calibrating forward pass.
          const train = await env.calibration();
          const count = Math.min(config.periphery.calibrationImages, train.count);
          const data = makeBatch(
            train,
            Int32Array.from({ length: count }, (_, i) => i),
          );
          t0 = performance.now();
          tf.tidy(() => {
            const x = tf.tensor4d(data.x, [count, 32, 32, 3]);
            model.forward(weights, new AnalogRunner(chip, rng.fork('calibration'), { calibrate: true }), x);
          });
          calibrateSeconds = (performance.now() - t0) / 1000;
        }
        const chipMB = (tf.memory().numBytes - chipBytesBefore) / MB;
        const readRng = rng.fork('read').fork(id);
        const simRunner = (rep: number | string) => (b: number) =>
          new AnalogRunner(chip, readRng.fork(rep).fork(b));
        // Simulated warm-up batch (and its memory peak).
        t0 = performance.now();
        const peak = await peakBytesOf(() => pass(model, weights, [batches[0]!], simRunner('warm-up')));
        const warmUpSeconds = (performance.now() - t0) / 1000;
        log(
          `  ${id}: programmed in ${programSeconds.toFixed(1)} s, calibrated in ${calibrateSeconds.toFixed(1)} s, ` +
            `warm-up batch ${warmUpSeconds.toFixed(1)} s (~${((warmUpSeconds * images * repeats) / batches[0]!.labels.length / 60).toFixed(1)} min of simulated passes to go)`,
        );

        const dSeconds: number[] = [];
        const sSeconds: number[] = [];
        const ratios: number[] = [];
        let simCorrect = 0;
        for (let rep = 0; rep < repeats; rep++) {
          // Alternate the order so neither path always runs right after the other's garbage.
          const runDigital = async () => {
            const r = await pass(model, weights, batches, () => digital);
            digitalAccuracy = r.correct / images;
            return r.seconds;
          };
          const runSim = async () => {
            const r = await pass(model, weights, batches, simRunner(rep));
            simCorrect += r.correct;
            return r.seconds;
          };
          let d: number, s: number;
          if (rep % 2 === 0) {
            d = await runDigital();
            s = await runSim();
          } else {
            s = await runSim();
            d = await runDigital();
          }
          dSeconds.push(d);
          sSeconds.push(s);
          ratios.push(s / d);
          log(
            `  ${id} rep ${rep + 1}/${repeats}: digital ${(images / d).toFixed(1)} img/s, simulated ${(images / s).toFixed(1)} img/s, ratio ${(s / d).toFixed(2)}`,
          );
        }
        digitalSeconds.push(...dSeconds);
        const result: PresetResult = {
          preset: id,
          programSeconds,
          calibrateSeconds,
          chipMB,
          peakMB: peak === null ? null : peak / MB,
          digitalImagesPerSecond: images / median(dSeconds),
          simImagesPerSecond: images / median(sSeconds),
          ratio: median(ratios),
          ratioMin: Math.min(...ratios),
          ratioMax: Math.max(...ratios),
          simAccuracy: simCorrect / (images * repeats),
        };
        if (options.profile)
          result.profile = await profilePreset(
            model,
            weights,
            batches[0]!,
            chip,
            config,
            readRng.fork('profile'),
            nsPerDraw,
          );
        results.push(result);
      } finally {
        chip.dispose();
      }
    }
    return {
      model: name,
      images,
      batch: batchSize,
      repeats,
      weightsMB,
      digitalPeakMB: digitalPeak === null ? null : digitalPeak / MB,
      digitalImagesPerSecond: images / median(digitalSeconds),
      digitalAccuracy,
      presets: results,
    };
  } finally {
    for (const b of batches) b.x.dispose();
    for (const t of weights.values()) t.dispose();
  }
}

/** Every model of `options`, each followed by its report; warns about tensors a model left behind. */
export async function runBench(options: BenchOptions, env: BenchEnvironment): Promise<ModelResult[]> {
  const { log } = env;
  log(
    `presets: ${options.presets.join(', ')}; target: simulated <= ${TARGET_RATIO}x ideal digital (SPEC §5), ratio = median of paired t_sim/t_digital`,
  );
  const nsPerDraw = options.profile ? randomNormalNsPerDraw() : 0;
  if (options.profile) log(`tf.randomNormal: ${nsPerDraw.toFixed(1)} ns per seeded draw`);

  const results: ModelResult[] = [];
  for (const name of options.models) {
    const tensorsBefore = tf.memory().numTensors;
    const result = await benchModel(name, options, env, nsPerDraw);
    results.push(result);
    log(formatModelReport(result));
    const leaked = tf.memory().numTensors - tensorsBefore;
    if (leaked !== 0) log(`warning: ${leaked} tensors left after ${name}`);
  }
  return results;
}
