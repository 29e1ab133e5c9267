/**
 * The engine worker: the only place where jobs run tfjs. Exposed to the main thread with Comlink
 * (a dedicated module worker; WebGPU is exposed to dedicated workers, ux-and-web-stack.md §2.1).
 * One job runs at a time; `stop()`, `pause()` and `resume()` act on it between batches.
 */
import * as Comlink from 'comlink';
import * as tf from '@tensorflow/tfjs';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { selectBackend } from './backend';
import { JobControl } from './jobControl';
import { runSliceJob } from './jobs/sliceJob';
import { WorkerData } from './workerData';
import { WorkerModels, describeWeights } from './workerModels';
import { runInferenceJob } from './jobs/inferenceJob';
import { runTrainingJob } from './jobs/trainingJob';
import { programLayer, toAnalogSpec } from './analogRunner';
import {
  DigitalRunner,
  getModel,
  type LinearLayerRunner,
  type ModelDefinition,
  type ModelName,
  type WeightMap,
} from '../models';
import { makeBatch } from '../data/augment';
import { loadWeights, saveWeights } from '../models/weights';
import {
  fetchFromFolder,
  modelOfFolder,
  packWeightsArchive,
  weightsFolderFromFiles,
  type ChosenFile,
} from '../models/weightsArchive';
import { im2col } from '../sim/im2col';
import { parseExperimentConfig, type ExperimentConfig } from '../sim/config';
import type { TileInspection } from '../sim/analogLayer';
import { createRng } from '../sim/rng';
import type {
  BackendName,
  BackendReport,
  DataStatus,
  ExperimentProgress,
  ExperimentResult,
  JobProgress,
  MemoryReport,
  SliceRequest,
  SliceResult,
  WeightsInUse,
} from './protocol';

let backendReport: BackendReport | null = null;
let activeJob: JobControl | null = null;
const data = new WorkerData(import.meta.env.BASE_URL);
const models = new WorkerModels(import.meta.env.BASE_URL);

/** Images whose activations feed the tile inspector (and calibrate its converter ranges). */
const INSPECTOR_IMAGES = 2;
/** Input vectors sent to the inspector's step-through and histogram. */
const INSPECTOR_VECTORS = 64;

/** A tile's view for the inspector plus real input vectors for its rows ([numVectors, inputRows]). */
export interface TileInspectionWithInputs extends TileInspection {
  inputs: Float32Array;
  numVectors: number;
  inputRows: number;
  inputScale: number | null;
  inputSigned: boolean;
  groups: {
    label: string;
    terms: { array: number; sign: 1 | -1 }[];
    weightPerSiemens: number;
    signedCurrents: boolean;
  }[];
}

/** Runs the digital network on `x` (disposed) and returns (kept) the input of layer `name`. */
function captureLayerInput(
  model: ModelDefinition,
  weights: WeightMap,
  name: string,
  x: tf.Tensor4D,
): tf.Tensor {
  const digital = new DigitalRunner(weights);
  let captured: tf.Tensor | null = null;
  const capture = (input: tf.Tensor) => {
    if (!captured) captured = tf.keep(input.clone());
  };
  const runner: LinearLayerRunner = {
    conv2d: (layer, input, stride, padding) => {
      if (layer === name) capture(input);
      return digital.conv2d(layer, input, stride, padding);
    },
    dense: (layer, input) => {
      if (layer === name) capture(input);
      return digital.dense(layer, input);
    },
  };
  tf.dispose(model.forward(weights, runner, x));
  x.dispose();
  if (!captured) throw new Error(`layer "${name}" was not reached by the forward pass`);
  return captured;
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
  async init(forced: BackendName | null): Promise<BackendReport> {
    backendReport ??= await selectBackend(forced, {
      'tfjs-backend-wasm.wasm': wasmUrl,
      'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
      'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
    });
    return backendReport;
  },

  async dataStatus(): Promise<DataStatus> {
    return data.status();
  },

  /** Imports the official `cifar-10-binary.tar.gz` chosen by the user; kept in IndexedDB. */
  async importArchive(archive: Blob): Promise<DataStatus> {
    return data.importArchive(archive);
  },

  async runSlice(request: SliceRequest, onProgress: (progress: JobProgress) => void): Promise<SliceResult> {
    return runExclusive(async (control) => {
      const test = await data.testSet();
      if (request.images > test.count) {
        throw new RangeError(`asked for ${request.images} test images, the test set has ${test.count}`);
      }
      try {
        return await runSliceJob(request, test.batch, control, onProgress);
      } finally {
        releaseCallback(onProgress);
      }
    });
  },

  /** Runs the experiment `config` describes (inference or VGG-8 training), streaming progress. */
  async runExperiment(
    input: ExperimentConfig,
    onProgress: (progress: ExperimentProgress) => void,
  ): Promise<ExperimentResult> {
    return runExclusive(async (control) => {
      try {
        const config = validConfig(input);
        const model = getModel(config.experiment.model);
        if (config.experiment.routine === 'training') {
          if (model.name !== 'vgg8')
            throw new Error('training is available for VGG-8 only (as in the paper)');
          const [train, test] = [await data.trainSet(), await data.testSet()];
          return await runTrainingJob({ config, train, test: test.images }, control, onProgress);
        }
        const [weights, test, train] = [
          await models.get(model.name),
          await data.testSet(),
          await data.trainSet(),
        ];
        const result = await runInferenceJob(
          {
            config,
            model,
            weights: weights.tensors,
            test: test.images,
            calibration: train,
            baselineAccuracy: weights.baselineAccuracy,
          },
          control,
          onProgress,
        );
        return { ...result, weightsSource: weights.source };
      } finally {
        releaseCallback(onProgress);
      }
    });
  },

  /**
   * Programs one layer of `config`'s model on a simulated chip (the first chip of the experiment's
   * seed, as run 1 of an inference programs it) and returns one tile's conductances for the inspector,
   * with real input vectors for the tile's rows: the layer's inputs when the digital network reads the
   * first training images (which also calibrate the converter ranges, as the routine does).
   */
  async inspectTile(
    input: ExperimentConfig,
    layerName: string,
    rowTile: number,
    colTile: number,
  ): Promise<TileInspectionWithInputs> {
    const config = validConfig(input);
    const model = getModel(config.experiment.model);
    const index = model.linearLayers.findIndex((l) => l.name === layerName);
    if (index < 0) throw new Error(`${model.name} has no layer "${layerName}"`);
    const loaded = await models.get(model.name);
    const weights = loaded.tensors;
    const spec = toAnalogSpec(model.linearLayers[index]!, index);
    const layer = await programLayer(
      model,
      index,
      weights,
      config,
      createRng(config.experiment.seed).fork('chip').fork(0).fork(layerName),
    );
    try {
      const train = await data.trainSet();
      const images = makeBatch(
        train,
        Int32Array.from({ length: INSPECTOR_IMAGES }, (_, i) => i),
      );
      const captured = captureLayerInput(
        model,
        weights,
        layerName,
        tf.tensor4d(images.x, [INSPECTOR_IMAGES, 32, 32, 3]),
      );
      layer.calibrate(captured);
      const { rows, vectors } = tf.tidy(() => {
        const matrix =
          spec.kind === 'conv' ? im2col(captured as tf.Tensor4D, spec) : (captured as tf.Tensor2D);
        // The tile's rows (plan.tileRowIndex: not consecutive under the torch row order or NeuroSim's
        // per-kernel-position sub-arrays), as columns of the (kh, kw, cin)-ordered patches.
        const tileRows = layer.plan.tileRowIndex[rowTile]!;
        // Evenly spaced input vectors (conv: output pixels of the first images).
        const step = Math.max(1, Math.floor(matrix.shape[0] / INSPECTOR_VECTORS));
        const picked = tf.range(0, Math.min(INSPECTOR_VECTORS * step, matrix.shape[0]), step, 'int32');
        return {
          rows: tileRows.length,
          vectors: tf.gather(tf.gather(matrix, picked), tf.tensor1d(tileRows, 'int32'), 1),
        };
      });
      captured.dispose();
      const inputs = (await vectors.data()) as Float32Array;
      const numVectors = vectors.shape[0]!;
      vectors.dispose();
      return {
        ...(await layer.inspectTile(rowTile, colTile)),
        inputs,
        numVectors,
        inputRows: rows,
        inputScale: (await layer.readCalibration()).inputScale,
        inputSigned: layer.chip.inputSigned,
        groups: layer.chip.groups.map((g) => ({
          label: g.label,
          terms: g.terms,
          weightPerSiemens: g.weightPerSiemens,
          signedCurrents: g.signedCurrents,
        })),
      };
    } finally {
      layer.dispose();
    }
  },

  /**
   * Packs trained weights (a training run's result) as one zip of model.json and float32 shards, the
   * format the app loads; `trainer` describes how they were made (manifest.trainer).
   */
  async exportWeights(
    modelName: ModelName,
    values: ReadonlyMap<string, Float32Array>,
    trainer: Record<string, unknown>,
  ): Promise<Uint8Array> {
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
  async useWeightsFiles(files: ChosenFile[], source: string): Promise<WeightsInUse> {
    return runExclusive(async () => {
      const folder = weightsFolderFromFiles(files);
      const name = modelOfFolder(folder);
      const loaded = await loadWeights(getModel(name), fetchFromFolder(folder));
      return describeWeights(name, await models.use(name, loaded, source));
    });
  },

  /** Goes back to the weights that ship with the app. */
  async useShippedWeights(name: ModelName): Promise<WeightsInUse> {
    return runExclusive(async () => describeWeights(name, await models.useShipped(name)));
  },

  stop(): void {
    activeJob?.stop();
  },
  pause(): void {
    activeJob?.pause();
  },
  resume(): void {
    activeJob?.resume();
  },

  memory(): MemoryReport {
    const m = tf.memory();
    return { numTensors: m.numTensors, numBytes: m.numBytes };
  },
};

export type EngineApi = typeof api;

Comlink.expose(api);
