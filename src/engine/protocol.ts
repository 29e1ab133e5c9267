/**
 * The contract between the main thread and the engine worker: `EngineApi`, the worker's methods, and
 * everything that crosses the worker boundary, as plain structured-cloneable data. The worker is
 * written as `api satisfies EngineApi`; the main thread talks to it through `Comlink.Remote<EngineApi>`
 * (src/engine/client.ts) and imports nothing else from the worker.
 */
import type { LinearLayerSpec } from '../models/layers';
import type { ModelName } from '../models/model';
import type { ChosenFile } from '../models/weightsArchive';
import type { ExperimentConfig } from '../sim/config';
import type { TileInspection } from '../sim/layer';
import type { CostTotals } from '../sim/cost';
import type { SweepSpec, SweepValue } from '../sim/sweep';

/** tfjs backends, in the order the engine tries them. */
export const BACKEND_ORDER = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_ORDER)[number];

export function isBackendName(value: unknown): value is BackendName {
  return typeof value === 'string' && (BACKEND_ORDER as readonly string[]).includes(value);
}

/** Why a backend was not used. */
export interface BackendRejection {
  backend: BackendName;
  reason: string;
}

export interface BackendReport {
  backend: BackendName;
  /**
   * Human-readable description of the device doing the work: the GPU adapter, or e.g. "CPU (WebAssembly),
   * 2 threads, SIMD ADC kernel on 2 threads" (the simulated ADC runs in the one-pass WebAssembly kernel,
   * on as many threads as tfjs's pool).
   */
  adapterDescription: string;
  /** The GPU adapter is a software renderer on the CPU (used only when forced or nothing faster starts). */
  software: boolean;
  /** WebAssembly: threads in use (more than one only on a cross-origin-isolated page); null otherwise. */
  threads: number | null;
  /** The backend the user forced through the URL, if any. */
  forced: BackendName | null;
  /** Backends tried before the one in use, each with the reason it was skipped. */
  rejected: BackendRejection[];
}

/** Which CIFAR-10 set supplied a run's images: the embedded starter set or the full data set. */
export type DataSetName = 'starter' | 'full';

/** Where the full CIFAR-10 comes from, or why it is missing. */
export type FullDataStatus =
  | { state: 'ready'; source: 'server' | 'indexeddb' }
  | { state: 'missing'; message: string }
  | { state: 'error'; message: string };

/** The data the engine can run on: the embedded starter set always, the full set when present. */
export interface DataStatus {
  starter: { testImages: number; trainImages: number };
  full: FullDataStatus;
}

/** The images a run used: the first `testImages` of the test set, from `testSet`. */
export interface RunData {
  testImages: number;
  testSet: DataSetName;
}

/** One evaluated mini-batch. */
export interface BatchPoint {
  run: number;
  /** The sweep point the batch belongs to (absent without a sweep, and in training). */
  point?: number;
  batch: number;
  imagesDone: number;
  /** Accuracy of this batch alone, 0..1. */
  batchAccuracy: number;
  /** Accuracy over all images of this run so far, 0..1. */
  runningAccuracy: number;
}

export type JobOutcome = 'finished' | 'stopped';

export interface MemoryReport {
  numTensors: number;
  numBytes: number;
  /** WebGPU: bytes of GPU buffers tfjs holds, in use or pooled (null on other backends). */
  gpuBytesAllocated: number | null;
}

/** What the worker posts (outside Comlink) just before it closes itself, e.g. when its GPU device is lost. */
export const ENGINE_LOST_MESSAGE = 'crossbar-engine-lost';
export interface EngineLostMessage {
  type: typeof ENGINE_LOST_MESSAGE;
  reason: string;
}

// ---------------------------------------------------------------------------------------------------
// Experiments (the routines of VGG-8 / GoogLeNet inference and VGG-8 training).

/** Accuracy of one finished inference run over the chosen test images. */
export interface RunSummary {
  run: number;
  /** The sweep point (0, or absent in files from before sweeps, without one). */
  point?: number;
  accuracy: number;
  images: number;
}

/** Signal-to-noise of one layer's analog output against its ideal (digital) output, in dB. */
export interface LayerSnr {
  layer: string;
  snrDb: number;
}

/** One training epoch. Accuracies are fractions 0..1; loss is mean cross-entropy (nats). */
export interface EpochPoint {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  testAccuracy: number;
  /** Seconds since the start of training (cumulative), as the paper's scripts log it. */
  elapsedSeconds: number;
}

/** One finished point of a sweep: its values, its runs, and the cost estimate of its settings. */
export interface SweepPointResult {
  /** Row-major index in the sweep's grid (src/sim/sweep.ts). */
  index: number;
  /** The point's value on each axis. */
  values: SweepValue[];
  runs: RunSummary[];
  meanAccuracy: number | null;
  /** Sample standard deviation across the point's runs (null for one run). */
  stdAccuracy: number | null;
  /** Per-layer SNR of the point's first run. */
  layerSnr: LayerSnr[];
  /** Area, energy and latency per image of the point's settings (an estimate: src/sim/cost). */
  cost: CostTotals;
}

export type ExperimentKind = 'inference' | 'sweep' | 'training';

export interface ExperimentProgress {
  kind: ExperimentKind;
  /** Inference: batches since the previous message. Training: mini-batches of the current epoch. */
  batchPoints: BatchPoint[];
  /** Training: epochs finished since the previous message. */
  epochPoints: EpochPoint[];
  /** Inference: runs finished since the previous message. */
  runSummaries: RunSummary[];
  /** Sweep: points finished since the previous message. */
  sweepPoints: SweepPointResult[];
  /** Inference: per-layer SNR, sent once per run (measured on the run's first batch). */
  layerSnr: LayerSnr[] | null;
  /** Inference: the digital baseline on the run's images, sent once it is measured. */
  baselineAccuracy: number | null;
  /** Work units (images, or training images × epochs) done and in all, and throughput. */
  imagesDone: number;
  imagesTotal: number;
  imagesPerSecond: number;
  phase: 'loading' | 'programming' | 'calibrating' | 'warming-up' | 'running' | 'paused';
  /** A short human-readable line about what is happening ("run 2 of 10", "epoch 3 of 20"). */
  message: string;
}

/** A progress message without its streamed items: the run's current state. */
export type ExperimentProgressSummary = Omit<
  ExperimentProgress,
  'batchPoints' | 'epochPoints' | 'runSummaries' | 'sweepPoints' | 'layerSnr' | 'baselineAccuracy'
>;

export interface ExperimentResult {
  kind: ExperimentKind;
  outcome: JobOutcome;
  seconds: number;
  /** Inference: accuracy per finished run, mean and sample standard deviation across runs. */
  runs: RunSummary[];
  meanAccuracy: number | null;
  stdAccuracy: number | null;
  layerSnr: LayerSnr[];
  /** Training: all epochs. */
  epochs: EpochPoint[];
  /** Sweep: every finished point. */
  sweepPoints: SweepPointResult[];
  /** The images the runs read (inference: the test images; training: those it tests on). */
  data: RunData;
  /**
   * Inference: the digital network's top-1 on the same images as the runs, measured with the same
   * weights and backend (null when the run stopped before it was measured).
   */
  baselineAccuracy: number | null;
  /** What makes the numbers mean less than they seem (e.g. a layer whose calibrated ADC range collapsed). */
  warnings: string[];
  /** Inference: the weights it ran (`WeightsInUse.source`). */
  weightsSource?: string;
  /**
   * Training: the trained parameters (name → float32 values, in the model's parameter order), to export
   * or use for inference; absent when stopped before the first step.
   */
  weights?: Map<string, Float32Array>;
}

/** `WeightsInUse.source` of the weights that ship with the app (public/models/). */
export const SHIPPED_WEIGHTS = 'shipped';

/** The weights a model's inference runs use: the shipped ones or a chosen set. */
export interface WeightsInUse {
  model: ModelName;
  /** SHIPPED_WEIGHTS, or where they came from (file names, or the training run). */
  source: string;
  /** Top-1 of the digital model on the 10,000 test images, from the manifest, when known. */
  baselineAccuracy: number | null;
}

/** A tile's view for the inspector plus real input vectors for its rows ([numVectors, inputRows]). */
export interface TileInspectionWithInputs extends TileInspection {
  inputs: Float32Array;
  numVectors: number;
  inputRows: number;
  /** The layer's calibrated input range ν (null when not calibrated). */
  inputScale: number | null;
  inputSigned: boolean;
  /** How the tile's arrays combine into digitised column groups (polarity, slice). */
  groups: {
    label: string;
    terms: { array: number; sign: 1 | -1 }[];
    weightPerSiemens: number;
    signedCurrents: boolean;
  }[];
}

/** One class of a top-k prediction. */
export interface ClassScore {
  classIndex: number;
  className: string;
  /** Softmax probability, 0..1. */
  probability: number;
}

/** One test image through the digital network and the simulated chip. */
export interface ImageClassification {
  imageIndex: number;
  label: number;
  labelName: string;
  /** 32×32 RGBA pixels for an ImageData thumbnail. */
  rgba: Uint8ClampedArray;
  digital: ClassScore[];
  analog: ClassScore[];
  /** Each layer's SNR on this image (analog output against its ideal from the same input). */
  layerSnr: LayerSnr[];
}

/** The engine worker's methods. One job runs at a time; `stop`, `pause` and `resume` act between batches. */
export interface EngineApi {
  /** Selects the tfjs backend (once per worker); `forced` comes from the URL option `?backend=`. */
  init(forced: BackendName | null): Promise<BackendReport>;
  /** Which CIFAR-10 data is available (the starter set always, the full set when present). */
  dataStatus(): Promise<DataStatus>;
  /** Checks and keeps the official `cifar-10-binary.tar.gz` the person chose (IndexedDB). */
  importArchive(archive: Blob): Promise<DataStatus>;
  /**
   * Runs the experiment `config` describes (inference, or VGG-8 training), streaming progress; with a
   * sweep, the inference at every point of its grid.
   */
  runExperiment(
    config: ExperimentConfig,
    onProgress: (progress: ExperimentProgress) => void,
    sweep?: SweepSpec | null,
  ): Promise<ExperimentResult>;
  /** One tile of `layerName` on the experiment's first chip, with real inputs, for the inspector. */
  inspectTile(
    config: ExperimentConfig,
    layerName: string,
    rowTile: number,
    colTile: number,
  ): Promise<TileInspectionWithInputs>;
  /** One test image (the first N test images' index) through the digital network and the experiment's chip. */
  classifyImage(config: ExperimentConfig, imageIndex: number): Promise<ImageClassification>;
  /** Trained weights as one zip of model.json and float32 shards (the format the app loads). */
  exportWeights(
    model: ModelName,
    values: ReadonlyMap<string, Float32Array>,
    trainer: Record<string, unknown>,
  ): Promise<Uint8Array>;
  /** Checks the chosen weights files and uses them for their model's inference runs. */
  useWeightsFiles(files: ChosenFile[], source: string): Promise<WeightsInUse>;
  /** Goes back to the weights that ship with the app. */
  useShippedWeights(model: ModelName): Promise<WeightsInUse>;
  /**
   * The model's conv and dense layers in forward order, as plain data (for the floorplan and the cost
   * estimate; the main thread never loads tfjs). Answered between batches while a job runs.
   */
  modelLayers(model: ModelName): LinearLayerSpec[];
  stop(): void;
  pause(): void;
  resume(): void;
  /** The worker's `tf.memory()`: tensors and bytes held (tests check it stays flat). */
  memory(): MemoryReport;
  /**
   * Destroys the WebGPU device, as a driver reset or a lost GPU would (a test hook; false when the
   * backend is not WebGPU). The worker then reports the loss and closes; the main thread restarts it.
   */
  loseGpuDevice(): boolean;
}
