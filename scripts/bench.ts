/**
 * Benchmark of SPEC §5's first performance target: simulated inference costs at most 1.5× ideal digital
 * inference on the same backend and model. Node, tfjs WASM (default) or CPU backend.
 *
 *   npm run bench -- [--model vgg8|googlenet|all] [--backend wasm|cpu] [--images N] [--batch B]
 *                    [--presets ideal,rram,memtorch,neurosim,aihwkit] [--repeats R] [--seed S] [--profile]
 *                    [--calibration-images N] [--json FILE]
 *
 * Per model: loads the shipped weights (public/models/<m>/), takes the first N CIFAR-10 test images, and for
 * each preset programs one simulated chip (timed separately, as is the converter calibration on training
 * images that calibrated presets need, exactly as the inference job does), runs one untimed warm-up batch of
 * each path, then R repetitions of (digital pass, simulated pass) over the N images, alternating which goes
 * first, so that load drift on a shared machine hits both alike. The cost ratio of a preset is the median of
 * the paired ratios t_sim / t_digital. Peak bytes are the tfjs engine's tracked bytes (tf.profile) during the
 * warm-up batch: weights + programmed chip + intermediates. Timings are printed, never asserted.
 *
 * --profile adds, per preset, one profiled batch: time per tfjs kernel, time outside kernels (JS work such as
 * tf.randomNormal's generator, which is not a kernel), an estimate of the per-read normal draws and their
 * cost, and the slowest layers next to their digital time.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { makeBatch } from '../src/data/augment';
import { parseCifarBatch, type CifarImages } from '../src/data/cifar10';
import { readCifarFile } from '../src/data/testing/nodeData';
import { AnalogRunner, ProgrammedModel } from '../src/engine/analogRunner';
import { inferenceBatchSize, needsCalibration } from '../src/engine/jobs/inferenceJob';
import {
  DigitalRunner,
  getModel,
  isModelName,
  type LinearLayerRunner,
  type ModelDefinition,
  type ModelName,
  type WeightMap,
} from '../src/models/index';
import { selectBackend } from '../src/models/testing/backend';
import { REPO_ROOT, nodeFileFetch } from '../src/models/testing/nodeFiles';
import { loadWeights } from '../src/models/weights';
import { boundReductions, layerReadConfig, redrawsPerBatch, variesArray } from '../src/sim/chip';
import { defaultExperimentConfig, withOverrides, type ExperimentConfig } from '../src/sim/config';
import { applyPreset, presets } from '../src/sim/presets';
import { createRng, type Rng } from '../src/sim/rng';

/** SPEC §5: simulated inference costs at most 1.5× ideal digital inference. */
const TARGET_RATIO = 1.5;
const DEFAULT_PRESETS = ['ideal', 'rram', 'memtorch', 'neurosim', 'aihwkit'];
const DEFAULT_IMAGES: Record<ModelName, number> = { vgg8: 200, googlenet: 20 };
const TEST_SET_SIZE = 10_000;
const MB = 1024 * 1024;

const USAGE =
  'usage: npm run bench -- [--model vgg8|googlenet|all] [--backend wasm|cpu] [--images N] [--batch B]\n' +
  `                        [--presets ${DEFAULT_PRESETS.join(',')}] [--repeats 3] [--seed 1] [--profile]\n` +
  '                        [--calibration-images N] [--json FILE]\n' +
  `presets: ${presets.map((p) => p.id).join(', ')}`;

class UsageError extends Error {}

interface Options {
  models: ModelName[];
  backend: 'wasm' | 'cpu';
  images: number | null;
  batch: number | null;
  presets: string[];
  repeats: number;
  seed: number;
  profile: boolean;
  json: string | null;
  /** Overrides periphery.calibrationImages (default: the config's 64). */
  calibrationImages: number | null;
}

function positiveInt(value: string | undefined, name: string, max = Number.MAX_SAFE_INTEGER): number | null {
  if (value === undefined) return null;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`--${name} must be an integer 1…${max}`);
  return n;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string', default: 'vgg8' },
      backend: { type: 'string', default: 'wasm' },
      images: { type: 'string' },
      batch: { type: 'string' },
      presets: { type: 'string', default: DEFAULT_PRESETS.join(',') },
      repeats: { type: 'string', default: '3' },
      seed: { type: 'string', default: '1' },
      profile: { type: 'boolean', default: false },
      json: { type: 'string' },
      'calibration-images': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const model = values.model;
  const models: ModelName[] = model === 'all' ? ['vgg8', 'googlenet'] : isModelName(model) ? [model] : [];
  if (models.length === 0) throw new UsageError(`--model must be vgg8, googlenet or all, got "${model}"`);
  const backend = values.backend;
  if (backend !== 'wasm' && backend !== 'cpu')
    throw new UsageError(`--backend must be wasm or cpu, got "${backend}"`);
  const ids = values.presets
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const known = new Set(presets.map((p) => p.id));
  const unknown = ids.filter((id) => !known.has(id));
  if (ids.length === 0 || unknown.length > 0)
    throw new UsageError(
      `unknown preset(s) ${unknown.join(', ') || '(none given)'}; known: ${[...known].join(', ')}`,
    );
  const seed = Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new UsageError('--seed must be a non-negative integer');
  return {
    models,
    backend,
    images: positiveInt(values.images, 'images', TEST_SET_SIZE),
    batch: positiveInt(values.batch, 'batch'),
    presets: ids,
    repeats: positiveInt(values.repeats, 'repeats', 1000)!,
    seed,
    profile: values.profile,
    json: values.json ?? null,
    calibrationImages: positiveInt(values['calibration-images'], 'calibration-images', 1024),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Measurement helpers

interface Batch {
  x: tf.Tensor4D;
  labels: Int32Array;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The test images as prebuilt input tensors (built outside every timed region). */
function makeBatches(test: CifarImages, images: number, batchSize: number): Batch[] {
  const out: Batch[] = [];
  for (let first = 0; first < images; first += batchSize) {
    const n = Math.min(batchSize, images - first);
    const data = makeBatch(
      test,
      Int32Array.from({ length: n }, (_, i) => first + i),
    );
    out.push({ x: tf.tensor4d(data.x, [n, 32, 32, 3]), labels: data.labels });
  }
  return out;
}

/** One inference pass over `batches` (argmax read back, as the inference job does): seconds and hits. */
async function pass(
  model: ModelDefinition,
  weights: WeightMap,
  batches: readonly Batch[],
  runnerFor: (batch: number) => LinearLayerRunner,
): Promise<{ seconds: number; correct: number }> {
  let correct = 0;
  const start = performance.now();
  for (const [b, { x, labels }] of batches.entries()) {
    const predicted = tf.tidy(() => tf.argMax(model.forward(weights, runnerFor(b), x), 1));
    const classes = await predicted.data();
    predicted.dispose();
    for (let i = 0; i < labels.length; i++) if (classes[i] === labels[i]) correct++;
  }
  return { seconds: (performance.now() - start) / 1000, correct };
}

type ProfileKernels = Awaited<ReturnType<typeof tf.profile>>['kernels'];

/**
 * tf.profile, robust to long runs: tfjs summarises a profile with Math.max(...kernels), which overflows
 * the call stack past ~100k kernel calls (NeuroSim-style VGG-8 makes more per batch). Then the same
 * records, which the engine keeps, are summarised here with a loop.
 */
async function profileOf(f: () => Promise<unknown>): Promise<{ peakBytes: number; kernels: ProfileKernels }> {
  try {
    const info = await tf.profile(async () => {
      await f();
    });
    return { peakBytes: info.peakBytes, kernels: info.kernels };
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    const kernels = (tf.engine().state as unknown as { activeProfile: { kernels: ProfileKernels } })
      .activeProfile.kernels;
    let peakBytes = -Infinity;
    for (const k of kernels) {
      peakBytes = Math.max(peakBytes, k.totalBytesSnapshot);
      k.kernelTimeMs = await k.kernelTimeMs;
    }
    return { peakBytes, kernels };
  }
}

/** Engine-tracked peak bytes (absolute: everything resident + intermediates) while `f` runs. */
async function peakBytesOf(f: () => Promise<unknown>): Promise<number | null> {
  const { peakBytes } = await profileOf(f);
  return Number.isFinite(peakBytes) ? peakBytes : null;
}

/** Wraps a runner and adds the wall time of each layer call (kernels on wasm/cpu run synchronously). */
class TimedRunner implements LinearLayerRunner {
  constructor(
    private readonly inner: LinearLayerRunner,
    readonly ms: Map<string, number>,
  ) {}

  private time<T>(name: string, f: () => T): T {
    const t0 = performance.now();
    const y = f();
    this.ms.set(name, (this.ms.get(name) ?? 0) + performance.now() - t0);
    return y;
  }

  conv2d(name: string, x: tf.Tensor4D, stride: number, padding: 'same' | 'valid' | number): tf.Tensor4D {
    return this.time(name, () => this.inner.conv2d(name, x, stride, padding));
  }

  dense(name: string, x: tf.Tensor2D): tf.Tensor2D {
    return this.time(name, () => this.inner.dense(name, x));
  }
}

/**
 * Standard normals that `tf.randomNormal` draws in JS for one forward pass of `images` images (same shapes
 * as analogLayer.ts): per-read noise [T, Z·M, cols] per read group and bound-management reduction, ADC
 * noise alike, and NeuroSim's per-batch device variation [T, R, cols] per array.
 */
function normalDrawsPerBatch(chip: ProgrammedModel, config: ExperimentConfig, images: number): number {
  const d = config.device;
  const p = config.periphery;
  const perRead =
    (d.readNoise.enabled || d.outputNoise.enabled ? 1 : 0) + (p.adcBits > 0 && p.adcNoise.enabled ? 1 : 0);
  const reductions = boundReductions(config).length;
  let draws = 0;
  for (const layer of chip.layers.values()) {
    const { plan } = layer;
    const vectors = images * (plan.vectorsPerImage ?? 0);
    for (const group of layer.chip.groups) {
      const cols = layer.chip.arrays[group.terms[0]!.array]!.cols;
      draws += perRead * reductions * plan.rowTiles * plan.inputCycles * vectors * cols;
    }
    // Per batch, or per input bit (NeuroSim), on the varied arrays only (not its reference columns).
    const read = layerReadConfig(layer.spec, config);
    if (redrawsPerBatch(read)) {
      const perBit = read.device.d2dVariation.redrawEachInputBit ? plan.inputCycles : 1;
      for (const a of layer.chip.arrays)
        if (variesArray(read, a.role)) draws += perBit * plan.rowTiles * plan.tileRows * a.cols;
    }
  }
  return draws;
}

/** Nanoseconds per seeded tf.randomNormal draw on this backend (best of three 2^20-element draws). */
function randomNormalNsPerDraw(): number {
  const n = 1 << 20;
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const r = tf.randomNormal([n], 0, 1, 'float32', 12345 + i);
    r.dataSync();
    best = Math.min(best, performance.now() - t0);
    r.dispose();
  }
  return (best * 1e6) / n;
}

// ---------------------------------------------------------------------------------------------------------
// The benchmark

interface PresetResult {
  preset: string;
  programSeconds: number;
  calibrateSeconds: number;
  chipMB: number;
  peakMB: number | null;
  digitalImagesPerSecond: number;
  simImagesPerSecond: number;
  /** Median of the paired ratios t_sim / t_digital. */
  ratio: number;
  ratioMin: number;
  ratioMax: number;
  simAccuracy: number;
  profile?: ProfileResult;
}

interface ProfileResult {
  simMs: number;
  kernelMs: number;
  outsideKernelsMs: number;
  topKernels: { kernel: string; ms: number }[];
  normalDraws: number;
  normalDrawsMsEstimate: number;
  topLayers: { layer: string; simMs: number; digitalMs: number }[];
}

interface ModelResult {
  model: ModelName;
  images: number;
  batch: number;
  repeats: number;
  weightsMB: number;
  digitalPeakMB: number | null;
  digitalImagesPerSecond: number;
  digitalAccuracy: number;
  presets: PresetResult[];
}

function weightsDirOf(name: ModelName): string {
  const dir = path.join(REPO_ROOT, 'public/models', name);
  if (!existsSync(path.join(dir, 'model.json')))
    throw new Error(
      `${name} weights not found: ${path.join(dir, 'model.json')} does not exist. ` +
        `The trained weights ship in public/models/${name}/ (model.json + weights-N.bin).`,
    );
  return dir;
}

async function profilePreset(
  model: ModelDefinition,
  weights: WeightMap,
  batch: Batch,
  chip: ProgrammedModel,
  config: ExperimentConfig,
  readRng: Rng,
  nsPerDraw: number,
): Promise<ProfileResult> {
  const digitalLayers = new Map<string, number>();
  const simLayers = new Map<string, number>();
  await pass(model, weights, [batch], () => new TimedRunner(new DigitalRunner(weights), digitalLayers));
  let simMs = 0;
  const info = await profileOf(async () => {
    const t0 = performance.now();
    await pass(model, weights, [batch], () => new TimedRunner(new AnalogRunner(chip, readRng), simLayers));
    simMs = performance.now() - t0;
  });
  const byKernel = new Map<string, number>();
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + ms);
  }
  const kernelMs = [...byKernel.values()].reduce((a, b) => a + b, 0);
  const normalDraws = normalDrawsPerBatch(chip, config, batch.labels.length);
  return {
    simMs,
    kernelMs,
    outsideKernelsMs: simMs - kernelMs,
    topKernels: [...byKernel.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([kernel, ms]) => ({ kernel, ms })),
    normalDraws,
    normalDrawsMsEstimate: (normalDraws * nsPerDraw) / 1e6,
    topLayers: [...simLayers.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 4)
      .map(([layer, ms]) => ({ layer, simMs: ms, digitalMs: digitalLayers.get(layer) ?? 0 })),
  };
}

async function benchModel(
  name: ModelName,
  options: Options,
  test: CifarImages,
  calibration: () => CifarImages,
  nsPerDraw: number,
): Promise<ModelResult> {
  const model = getModel(name);
  const images = options.images ?? DEFAULT_IMAGES[name];
  const batchSize = Math.min(options.batch ?? inferenceBatchSize(model), images);
  const repeats = options.repeats;
  const bytesBefore = tf.memory().numBytes;
  const { tensors: weights } = await loadWeights(model, nodeFileFetch(weightsDirOf(name)));
  const weightsMB = (tf.memory().numBytes - bytesBefore) / MB;
  const batches = makeBatches(test, images, batchSize);
  const digital = new DigitalRunner(weights);
  const rng = createRng(options.seed);
  console.log(
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
          const train = calibration();
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
        console.log(
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
          process.stdout.write(
            `  ${id} rep ${rep + 1}/${repeats}: digital ${(images / d).toFixed(1)} img/s, simulated ${(images / s).toFixed(1)} img/s, ratio ${(s / d).toFixed(2)}\n`,
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

// ---------------------------------------------------------------------------------------------------------
// Reporting

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const mbText = (x: number | null) => (x === null ? 'n/a' : x.toFixed(0));

function report(result: ModelResult): void {
  const { model, images, batch, repeats } = result;
  console.log(
    `\n${model} (${images} images, batch ${batch}, median of ${repeats}; digital ${result.digitalImagesPerSecond.toFixed(1)} img/s, ` +
      `top-1 ${pct(result.digitalAccuracy)}, peak ${mbText(result.digitalPeakMB)} MB)`,
  );
  console.log(
    table(
      [
        'preset',
        'digital img/s',
        'sim img/s',
        'sim/digital',
        '(min–max)',
        'program s',
        'calib s',
        'digital acc',
        'sim acc',
        'chip MB',
        'peak MB',
      ],
      result.presets.map((p) => [
        p.preset,
        p.digitalImagesPerSecond.toFixed(1),
        p.simImagesPerSecond.toFixed(1),
        `${p.ratio.toFixed(2)}x`,
        `${p.ratioMin.toFixed(2)}–${p.ratioMax.toFixed(2)}`,
        p.programSeconds.toFixed(2),
        p.calibrateSeconds.toFixed(2),
        pct(result.digitalAccuracy),
        pct(p.simAccuracy),
        p.chipMB.toFixed(1),
        mbText(p.peakMB),
      ]),
    ),
  );
  for (const p of result.presets) {
    const verdict = p.ratio <= TARGET_RATIO ? 'meets' : 'MISSES';
    console.log(
      `verdict ${model}/${p.preset}: simulated costs ${p.ratio.toFixed(2)}x ideal digital -> ${verdict} the SPEC §5 target (<= ${TARGET_RATIO}x)`,
    );
  }
  for (const p of result.presets) {
    const f = p.profile;
    if (!f) continue;
    const share = (ms: number) => `${ms.toFixed(0)} ms (${((100 * ms) / f.simMs).toFixed(0)} %)`;
    console.log(
      `profile ${model}/${p.preset}, one batch of ${batch}: simulated ${f.simMs.toFixed(0)} ms = kernels ${share(f.kernelMs)} + outside kernels ${share(f.outsideKernelsMs)}`,
    );
    console.log(`  kernels: ${f.topKernels.map((k) => `${k.kernel} ${share(k.ms)}`).join(', ')}`);
    if (f.normalDraws > 0)
      console.log(
        `  tf.randomNormal (JS, outside kernels): ${(f.normalDraws / 1e6).toFixed(1)} M draws ≈ ${share(f.normalDrawsMsEstimate)}`,
      );
    console.log(
      `  slowest layers (sim vs digital ms): ${f.topLayers.map((l) => `${l.layer} ${l.simMs.toFixed(0)} vs ${l.digitalMs.toFixed(0)}`).join(', ')}`,
    );
  }
}

async function machineText(backend: string): Promise<string> {
  const cpus = os.cpus();
  let extra = '';
  if (backend === 'wasm') {
    const flag = async (name: string) => {
      try {
        return String(await tf.env().getAsync(name));
      } catch {
        return '?';
      }
    };
    extra = `, wasm SIMD ${await flag('WASM_HAS_SIMD_SUPPORT')}, threads ${getThreadsCount()}`;
  }
  return (
    `machine: ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, ` +
    `${os.platform()} ${os.arch()}, tfjs ${tf.version.tfjs} backend ${tf.getBackend()}${extra}`
  );
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  // Fail early and clearly on missing inputs, before any slow work.
  for (const m of options.models) weightsDirOf(m);
  const testBytes = readCifarFile('test_batch.bin');
  const test = parseCifarBatch(testBytes, 'test_batch.bin');
  if ((options.images ?? 0) > test.count)
    throw new UsageError(`--images ${options.images} exceeds the ${test.count} test images`);
  let train: CifarImages | null = null;
  const calibration = () =>
    (train ??= parseCifarBatch(readCifarFile('data_batch_1.bin'), 'data_batch_1.bin'));

  await selectBackend(options.backend);
  console.log(await machineText(options.backend));
  console.log(
    `presets: ${options.presets.join(', ')}; target: simulated <= ${TARGET_RATIO}x ideal digital (SPEC §5), ratio = median of paired t_sim/t_digital`,
  );
  const nsPerDraw = options.profile ? randomNormalNsPerDraw() : 0;
  if (options.profile) console.log(`tf.randomNormal: ${nsPerDraw.toFixed(1)} ns per seeded draw`);

  const results: ModelResult[] = [];
  for (const name of options.models) {
    const tensorsBefore = tf.memory().numTensors;
    const result = await benchModel(name, options, test, calibration, nsPerDraw);
    results.push(result);
    report(result);
    const leaked = tf.memory().numTensors - tensorsBefore;
    if (leaked !== 0) console.warn(`warning: ${leaked} tensors left after ${name}`);
  }
  if (options.json) {
    writeFileSync(
      options.json,
      `${JSON.stringify({ machine: await machineText(options.backend), results }, null, 2)}\n`,
    );
    console.log(`\nwrote ${options.json}`);
  }
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(`bench: ${error.message}\n${USAGE}`);
    process.exit(2);
  }
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
