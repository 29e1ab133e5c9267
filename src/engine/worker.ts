/**
 * The engine worker: the only place where jobs run tfjs. Exposed to the main thread with Comlink
 * (a dedicated module worker; WebGPU is exposed to dedicated workers, ux-and-web-stack.md §2.1).
 * One job runs at a time; `stop()`, `pause()` and `resume()` act on it between batches.
 */
import * as Comlink from 'comlink';
import * as tf from '@tensorflow/tfjs-core';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { activeGpuDevice, selectBackend } from './backend';
import { JobControl } from './jobControl';
import { WorkerData } from './workerData';
import { WorkerModels, describeWeights } from './workerModels';
import { runInferenceJob } from './jobs/inferenceJob';
import { runTrainingJob } from './jobs/trainingJob';
import { INSPECTOR_IMAGES, inspectTile } from './jobs/inspectTileJob';
import { ImageChipCache, classifyImage } from './jobs/classifyImageJob';
import { getModel, type WeightMap } from '../models';
import { saveWeights } from '../models/weights';
import { packWeightsArchive } from '../models/weightsArchive';
import { fieldInfo, ignoredSettings, parseExperimentConfig, type ExperimentConfig } from '../sim/config';
import { ENGINE_LOST_MESSAGE, type BackendReport, type EngineApi, type EngineLostMessage } from './protocol';

/**
 * The backend choice, started once per worker. A promise, not its result: a second `init()` that
 * arrives while the first is still selecting (React's StrictMode runs effects twice in development)
 * must wait for it — two concurrent `tf.setBackend` calls make tfjs abandon the first initialisation,
 * and the engine then fell back to WebGL under the dev server.
 */
let backendSelection: Promise<BackendReport> | null = null;
let backendReport: BackendReport | null = null;
let watchingGpu = false;
let activeJob: JobControl | null = null;
const data = new WorkerData(import.meta.env.BASE_URL);
/** Digital top-1 of a set of weights on the first N test images (N → accuracy), measured once. */
const baselines = new WeakMap<WeightMap, Map<number, number>>();
const models = new WorkerModels(import.meta.env.BASE_URL);
/** The chip the single-image view reads, kept between images of the same settings. */
const imageChips = new ImageChipCache();

/**
 * A lost GPU device cannot be recovered in place (every tensor lived on it): the worker says why, outside
 * Comlink, and closes itself; the main thread ends the run in flight as interrupted and starts a fresh
 * worker, which selects a backend again (falling back when the GPU is gone).
 */
function watchGpuDevice(): void {
  void activeGpuDevice()?.lost.then((info) => {
    const how = info.reason === 'destroyed' ? 'destroyed' : 'lost';
    const message: EngineLostMessage = {
      type: ENGINE_LOST_MESSAGE,
      reason: `the GPU device was ${how}${info.message ? ` (${info.message})` : ''}`,
    };
    self.postMessage(message);
    self.close();
  });
}

/** The settings `config` sets that have no effect in it, one sentence each (e.g. bits per cell without weight bits). */
function ignoredWarnings(config: ExperimentConfig): string[] {
  return ignoredSettings(config).map(
    ({ path, reason }) => `Ignored: ${fieldInfo(path).label} (${path}) has no effect here, only ${reason}.`,
  );
}

/** Re-validates a config that crossed the worker boundary (the worker trusts nothing it is sent). */
function validConfig(input: unknown): ExperimentConfig {
  const parsed = parseExperimentConfig(input);
  if (!parsed.ok) {
    throw new Error(`invalid experiment: ${parsed.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  }
  return parsed.config;
}

/** A `Comlink.proxy` callback holds a message port open until released (comlink #590, #662). */
function releaseCallback(callback: unknown): void {
  (callback as Partial<Comlink.Remote<object>>)[Comlink.releaseProxy]?.();
}

async function runExclusive<T>(job: (control: JobControl) => Promise<T>): Promise<T> {
  if (!backendReport) throw new Error('the engine is not initialised: call init() first');
  if (activeJob) throw new Error('a job is already running; stop it first');
  // A job needs the memory the single-image view's chip holds.
  imageChips.clear();
  const control = new JobControl();
  activeJob = control;
  try {
    return await job(control);
  } finally {
    activeJob = null;
  }
}

const api = {
  /** Selects the backend (once per worker). `forced` comes from the URL option `?backend=`. */
  async init(forced) {
    backendSelection ??= selectBackend(forced, {
      'tfjs-backend-wasm.wasm': wasmUrl,
      'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
      'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
    });
    backendReport = await backendSelection;
    if (!watchingGpu) {
      watchingGpu = true;
      watchGpuDevice();
    }
    return backendReport;
  },

  async dataStatus() {
    return data.status();
  },

  /** Imports the official `cifar-10-binary.tar.gz` chosen by the user; kept in IndexedDB. */
  async importArchive(archive) {
    return data.importArchive(archive);
  },

  /** Runs the experiment `config` describes (inference or VGG-8 training), streaming progress. */
  async runExperiment(input, onProgress, sweep = null) {
    return runExclusive(async (control) => {
      try {
        const config = validConfig(input);
        const model = getModel(config.experiment.model);
        const test = await data.testImages(config.experiment.images);
        if (config.experiment.routine === 'training') {
          if (model.name !== 'vgg8')
            throw new Error('training is available for VGG-8 only (as in the paper)');
          const train = await data.trainImages(config.training.trainImages);
          return await runTrainingJob(
            { config, train: train.images, test: test.images, testSet: test.set },
            control,
            onProgress,
          );
        }
        const weights = await models.get(model.name);
        const calibration = await data.trainImages(config.periphery.calibrationImages);
        const images = Math.min(config.experiment.images, test.images.count);
        const result = await runInferenceJob(
          {
            config,
            sweep,
            model,
            weights: weights.tensors,
            test: test.images,
            testSet: test.set,
            calibration: calibration.images,
            knownBaseline: baselines.get(weights.tensors)?.get(images) ?? null,
          },
          control,
          onProgress,
        );
        if (result.baselineAccuracy !== null) {
          const known = baselines.get(weights.tensors) ?? new Map<number, number>();
          baselines.set(weights.tensors, known.set(images, result.baselineAccuracy));
        }
        return {
          ...result,
          warnings: [...ignoredWarnings(config), ...result.warnings],
          weightsSource: weights.source,
        };
      } finally {
        releaseCallback(onProgress);
      }
    });
  },

  /** One tile of a layer for the inspector (src/engine/jobs/inspectTileJob.ts). */
  async inspectTile(input, layerName, rowTile, colTile) {
    const config = validConfig(input);
    const model = getModel(config.experiment.model);
    const [loaded, train] = [await models.get(model.name), await data.trainImages(INSPECTOR_IMAGES)];
    return inspectTile({
      config,
      model,
      weights: loaded.tensors,
      train: train.images,
      layerName,
      rowTile,
      colTile,
    });
  },

  async classifyImage(input, imageIndex) {
    if (activeJob) throw new Error('A run is in progress; try the image again when it has ended.');
    const config = validConfig(input);
    const model = getModel(config.experiment.model);
    const weights = await models.get(model.name);
    const test = await data.testImages(imageIndex + 1);
    const calibration = await data.trainImages(config.periphery.calibrationImages);
    return classifyImage({
      config,
      model,
      weights: weights.tensors,
      test: test.images,
      imageIndex,
      calibration: calibration.images,
      chips: imageChips,
    });
  },

  /**
   * Packs trained weights (a training run's result) as one zip of model.json and float32 shards, the
   * format the app loads; `trainer` describes how they were made (manifest.trainer).
   */
  async exportWeights(modelName, values, trainer) {
    const model = getModel(modelName);
    const tensors = new Map(
      model.params.map((p) => {
        const v = values.get(p.name);
        if (!v) throw new Error(`the trained weights have no "${p.name}"`);
        return [p.name, tf.tensor(v, [...p.shape], 'float32')];
      }),
    );
    try {
      const zip = packWeightsArchive(await saveWeights(model, tensors, { dtype: 'float32' }, { trainer }));
      return Comlink.transfer(zip, [zip.buffer]);
    } finally {
      tf.dispose([...tensors.values()]);
    }
  },

  /**
   * Checks the chosen weights files (a zip, or model.json with its shards) and uses them for the
   * inference runs of the model their model.json names; throws, naming the first problem, otherwise.
   */
  async useWeightsFiles(files, source) {
    return runExclusive(async () => models.useFiles(files, source));
  },

  /** Goes back to the weights that ship with the app. */
  async useShippedWeights(name) {
    return runExclusive(async () => describeWeights(name, await models.useShipped(name)));
  },

  /** Plain layer specs: the main thread gets them here instead of loading tfjs with src/models. */
  modelLayers(name) {
    return [...getModel(name).linearLayers];
  },

  stop() {
    activeJob?.stop();
  },
  pause() {
    activeJob?.pause();
  },
  resume() {
    activeJob?.resume();
  },

  memory() {
    // tfjs-backend-webgpu adds numBytesAllocatedInGPU (buffers in use or pooled) to tf.memory().
    const m = tf.memory() as tf.MemoryInfo & { numBytesAllocatedInGPU?: number };
    return {
      numTensors: m.numTensors,
      numBytes: m.numBytes,
      gpuBytesAllocated: m.numBytesAllocatedInGPU ?? null,
    };
  },

  loseGpuDevice() {
    const device = activeGpuDevice();
    device?.destroy();
    return device !== null;
  },
} satisfies EngineApi;

Comlink.expose(api);
