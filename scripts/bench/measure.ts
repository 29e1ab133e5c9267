/**
 * The measurement, one implementation for every backend: it runs wherever tfjs does (Node's WASM/CPU, a
 * browser page on WebGPU) and reaches its data, weights and output only through a `BenchEnvironment`.
 *
 * Per model: loads the weights and takes the first N test images. Cases: each preset, then the default
 * config (when no preset equals it) and the default config on 16×16 tiles, the paper's case. Per case it
 * programs one simulated chip (timed) and, when the config calibrates its converters, runs the inference
 * job's calibration pass on training images (timed); then one untimed warm-up batch of each path, then R
 * repetitions of (digital pass, simulated pass) over the N images, alternating which goes first, so that
 * load drift on a shared machine hits both alike. The cost ratio of a case is the median of the paired
 * ratios t_sim / t_digital. After the warm-up, the calibration pass is timed again beside one simulated
 * batch of the same images. Peak bytes are the tfjs engine's tracked bytes (tf.profile) during the
 * warm-up batch: weights + programmed chip + intermediates. Timings are printed, never asserted.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CifarImages } from '../../src/data/cifar10';
import {
  AnalogRunner,
  ProgrammedModel,
  calibrateChip,
  needsCalibration,
} from '../../src/engine/analogRunner';
import { inferenceBatchSize } from '../../src/engine/jobs/inferenceJob';
import {
  DigitalRunner,
  getModel,
  type ModelDefinition,
  type ModelName,
  type WeightMap,
} from '../../src/models/index';
import { loadWeights, type FetchLike } from '../../src/models/weights';
import { defaultExperimentConfig, withOverrides, type ExperimentConfig } from '../../src/sim/config';
import { applyPreset } from '../../src/sim/presets';
import { createRng, type Rng } from '../../src/sim/rng';
import {
  DEFAULT_IMAGES,
  PER_INPUT_CYCLE_TARGET_RATIO,
  SMALL_TILES_TARGET_RATIO,
  TARGET_RATIO,
} from './defaults';
import type { BenchOptions } from './options';
import { memoryCheck } from './memoryCheck';
import { makeBatches, median, pass, type Batch } from './passes';
import { peakBytesOf, profilePreset, randomNormalNsPerDraw } from './profile';
import { formatModelReport } from './report';
import type { CalibrationTiming, CostTarget, ModelResult, PresetResult, SummaryTiles } from './results';

const MB = 1024 * 1024;
/** The paper's small-tile case: the default config with tileRows = tileCols = 16. */
const SMALL_TILES = 16;

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

/** One row of the report: a label, the config it runs and its cost target. */
export interface BenchCase {
  label: string;
  config: ExperimentConfig;
  summary: SummaryTiles | null;
  target: CostTarget;
}

/**
 * A case's cost target: the paper's 16×16 tiles ≤ 3× and a bit-serial config ≤ 2× its input cycles
 * (issue 11: a read per input bit), else SPEC §5's 1.5×.
 */
export function costTarget(config: ExperimentConfig, summary: SummaryTiles | null): CostTarget {
  if (summary === '16x16') return { ratio: SMALL_TILES_TARGET_RATIO, source: 'issue 11, 16x16 tiles' };
  const p = config.periphery;
  if (p.dacMode === 'bitSerial')
    return {
      ratio: PER_INPUT_CYCLE_TARGET_RATIO * p.dacBits,
      source: `issue 11, ${PER_INPUT_CYCLE_TARGET_RATIO}x per input cycle, ${p.dacBits} cycles`,
    };
  return { ratio: TARGET_RATIO, source: 'SPEC §5' };
}

/**
 * The cases for `model`: each preset of `options`, then the default config on its own 128×128 tiles
 * (unless a preset is exactly the default config, as 'ideal' is: that row stands for it), then the
 * default config on 16×16 tiles.
 */
export function benchCases(model: ModelName, options: BenchOptions): BenchCase[] {
  const base = withOverrides(
    defaultExperimentConfig(),
    { experiment: { model, seed: options.seed } },
    options.calibrationImages === null ? {} : { periphery: { calibrationImages: options.calibrationImages } },
  );
  const cases: Omit<BenchCase, 'target'>[] = options.presets.map((id) => ({
    label: id,
    config: applyPreset(base, id),
    summary: null,
  }));
  const key = JSON.stringify(base);
  const same = cases.find((c) => JSON.stringify(c.config) === key);
  if (same) same.summary = '128x128';
  else cases.push({ label: 'default', config: base, summary: '128x128' });
  cases.push({
    label: `default ${SMALL_TILES}x${SMALL_TILES}`,
    config: withOverrides(base, { crossbar: { tileRows: SMALL_TILES, tileCols: SMALL_TILES } }),
    summary: '16x16',
  });
  return cases.map((c) => ({ ...c, target: costTarget(c.config, c.summary) }));
}

/** What every case of one model shares. */
interface ModelRun {
  model: ModelDefinition;
  weights: WeightMap;
  batches: Batch[];
  images: number;
  repeats: number;
  rng: Rng;
  digital: DigitalRunner;
  options: BenchOptions;
  env: BenchEnvironment;
  nsPerDraw: number;
}

/** The digital passes of every case of one model. */
interface DigitalTally {
  seconds: number[];
  accuracy: number;
}

/** Programs, calibrates, warms up, then R paired passes; the digital passes also go to `tally`. */
async function benchCase(run: ModelRun, c: BenchCase, tally: DigitalTally): Promise<PresetResult> {
  const { model, weights, batches, images, repeats, rng, digital, env } = run;
  const { label: id, config } = c;
  const chipBytesBefore = tf.memory().numBytes;
  let t0 = performance.now();
  const chip = await ProgrammedModel.program(model, weights, config, rng.fork('chip').fork(id));
  const programSeconds = (performance.now() - t0) / 1000;
  let calibrationBatch: Batch | null = null;
  try {
    // The inference job's own calibration pass, timed until its ranges are read back (a GPU has finished).
    const train = needsCalibration(config) ? await env.calibration() : null;
    const calibrate = async () => {
      const start = performance.now();
      calibrateChip(model, weights, chip, config, train!, rng.fork('calibration'));
      await chip.layer(model.linearLayers.at(-1)!.name).readCalibration();
      return (performance.now() - start) / 1000;
    };
    let firstCalibrationSeconds = 0;
    if (train) {
      const count = Math.min(config.periphery.calibrationImages, train.count);
      calibrationBatch = makeBatches(train, count, count)[0]!;
      firstCalibrationSeconds = await calibrate();
    }
    const chipMB = (tf.memory().numBytes - chipBytesBefore) / MB;
    const readRng = rng.fork('read').fork(id);
    const simRunner = (rep: number | string) => (b: number) =>
      new AnalogRunner(chip, readRng.fork(rep).fork(b));
    // Simulated warm-up batch (and its memory peak).
    t0 = performance.now();
    const peak = await peakBytesOf(() => pass(model, weights, [batches[0]!], simRunner('warm-up')));
    const warmUpSeconds = (performance.now() - t0) / 1000;
    env.log(
      `  ${id}: programmed in ${programSeconds.toFixed(1)} s, calibrated in ${firstCalibrationSeconds.toFixed(1)} s, ` +
        `warm-up batch ${warmUpSeconds.toFixed(1)} s (~${((warmUpSeconds * images * repeats) / batches[0]!.labels.length / 60).toFixed(1)} min of simulated passes to go)`,
    );

    let calibration: CalibrationTiming | null = null;
    if (calibrationBatch) {
      // Warm now: calibrating again (same images and stream, so the same ranges) beside one simulated batch.
      const seconds = await calibrate();
      const batchSeconds = (await pass(model, weights, [calibrationBatch], simRunner('calibration'))).seconds;
      const count = calibrationBatch.labels.length;
      calibration = { images: count, firstSeconds: firstCalibrationSeconds, seconds, batchSeconds };
    }

    const dSeconds: number[] = [];
    const sSeconds: number[] = [];
    const ratios: number[] = [];
    let simCorrect = 0;
    for (let rep = 0; rep < repeats; rep++) {
      const runDigital = async () => {
        const r = await pass(model, weights, batches, () => digital);
        tally.accuracy = r.correct / images;
        return r.seconds;
      };
      const runSim = async () => {
        const r = await pass(model, weights, batches, simRunner(rep));
        simCorrect += r.correct;
        return r.seconds;
      };
      // Alternate the order so neither path always runs right after the other's garbage.
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
      env.log(
        `  ${id} rep ${rep + 1}/${repeats}: digital ${(images / d).toFixed(1)} img/s, simulated ${(images / s).toFixed(1)} img/s, ratio ${(s / d).toFixed(2)}`,
      );
    }
    tally.seconds.push(...dSeconds);
    const result: PresetResult = {
      preset: id,
      summary: c.summary,
      target: c.target,
      programSeconds,
      calibration,
      chipMB,
      peakMB: peak === null ? null : peak / MB,
      digitalImagesPerSecond: images / median(dSeconds),
      simImagesPerSecond: images / median(sSeconds),
      ratio: median(ratios),
      ratioMin: Math.min(...ratios),
      ratioMax: Math.max(...ratios),
      simAccuracy: simCorrect / (images * repeats),
    };
    if (run.options.profile)
      result.profile = await profilePreset(
        model,
        weights,
        batches[0]!,
        chip,
        config,
        readRng.fork('profile'),
        run.nsPerDraw,
      );
    return result;
  } finally {
    calibrationBatch?.x.dispose();
    chip.dispose();
  }
}

async function benchModel(
  name: ModelName,
  options: BenchOptions,
  env: BenchEnvironment,
  nsPerDraw: number,
): Promise<ModelResult> {
  const model = getModel(name);
  const images = options.images ?? DEFAULT_IMAGES[name];
  const batchSize = Math.min(options.batch ?? inferenceBatchSize(model), images);
  const repeats = options.repeats;
  const bytesBefore = tf.memory().numBytes;
  const { tensors: weights } = await loadWeights(model, env.weights(name));
  const weightsMB = (tf.memory().numBytes - bytesBefore) / MB;
  const batches = makeBatches(env.test, images, batchSize);
  env.log(
    `\n== ${name}: ${images} test images in batches of ${batchSize}, ${repeats} repetitions, ` +
      `weights ${weightsMB.toFixed(1)} MB`,
  );
  try {
    const digital = new DigitalRunner(weights);
    const run: ModelRun = {
      model,
      weights,
      batches,
      images,
      repeats,
      rng: createRng(options.seed),
      digital,
      options,
      env,
      nsPerDraw,
    };
    // Digital warm-up batch (and its memory peak).
    const digitalPeak = await peakBytesOf(() => pass(model, weights, [batches[0]!], () => digital));
    const tally: DigitalTally = { seconds: [], accuracy: 0 };
    const results: PresetResult[] = [];
    for (const c of benchCases(name, options)) results.push(await benchCase(run, c, tally));
    return {
      model: name,
      images,
      batch: batchSize,
      repeats,
      weightsMB,
      digitalPeakMB: digitalPeak === null ? null : digitalPeak / MB,
      digitalImagesPerSecond: images / median(tally.seconds),
      digitalAccuracy: tally.accuracy,
      presets: results,
    };
  } finally {
    for (const b of batches) b.x.dispose();
    for (const t of weights.values()) t.dispose();
  }
}

/**
 * Every model of `options`, each followed by its report; warns about tensors a model left behind. With
 * --memory-check, each model's memory check instead (its report logged; no cost results).
 */
export async function runBench(options: BenchOptions, env: BenchEnvironment): Promise<ModelResult[]> {
  const { log } = env;
  if (options.memoryCheck) {
    for (const name of options.models) {
      const tensorsBefore = tf.memory().numTensors;
      const small = benchCases(name, options).find((c) => c.summary === '16x16')!;
      for (const line of await memoryCheck(name, options, env, small.config)) log(line);
      const leaked = tf.memory().numTensors - tensorsBefore;
      if (leaked !== 0) log(`warning: ${leaked} tensors left after ${name}`);
    }
    return [];
  }
  log(
    `presets: ${options.presets.join(', ')}, and the default config on ${SMALL_TILES}x${SMALL_TILES} tiles; ` +
      `targets: simulated <= ${TARGET_RATIO}x ideal digital (SPEC §5), <= ${SMALL_TILES_TARGET_RATIO}x on 16x16 tiles and ` +
      `<= ${PER_INPUT_CYCLE_TARGET_RATIO}x per input cycle when bit-serial (issue 11); ratio = median of paired t_sim/t_digital`,
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
