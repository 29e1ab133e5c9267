/** The analog layer's public interface (what the models and the engine call). */
import type * as tf from '@tensorflow/tfjs-core';
import type { CalibrationState, ProgrammedChip } from '../chip';
import type { ExperimentConfig, PeripheryConfig } from '../config';
import type { Rng } from '../rng';
import type { AnalogLayerSpec, ArrayRole, TilePlan } from '../tiling';
import type { FusedKernels } from './fusedRead';
import type { NoiseBank } from './noiseBank';

export interface TileInspection {
  rowTile: number;
  colTile: number;
  rows: number;
  /** The unrolled row each tile row holds ((kh, kw, cin) numbering of `kernel.reshape([K, N])`). */
  rowIndex: Int32Array;
  /** To name a row: unrolled row j is channel j mod inChannels at kernel position ⌊j/inChannels⌋. */
  unrolling: { kernelSize: number; inChannels: number };
  dataCols: number;
  /**
   * The periphery this layer is read with when it differs from the experiment's (the image-input layer
   * under `periphery.firstLayer`: ideal converters), else null.
   */
  readPeriphery: PeripheryConfig | null;
  gMinSiemens: number;
  gMaxSiemens: number;
  arrays: {
    label: string;
    role: ArrayRole;
    slice: number;
    /** rows × cols (cols = dataCols, or 1 for a reference column), row-major, siemens. */
    cols: number;
    gSiemens: Float32Array;
    targetSiemens: Float32Array;
    /** 0 healthy, 1 stuck at G_min, 2 stuck at G_max (null: stuck-at faults off). */
    stuck: Uint8Array | null;
  }[];
  /** ADC full scale per read group when fixed or calibrated (amperes), else null. */
  adcFullScaleAmperes: number[] | null;
}

export interface AnalogLayer {
  readonly spec: AnalogLayerSpec;
  readonly plan: TilePlan;
  /** The programmed conductances at the current read settings (plain arrays), e.g. for the reference. */
  readonly chip: ProgrammedChip;
  /** x: NHWC for conv, [batch, in] for dense; returns what tf.conv2d / tf.matMul (+ bias) return. */
  forward(x: tf.Tensor, readRng: Rng): tf.Tensor;
  /**
   * Records the input range and ADC ranges ('calibrated' modes) from a calibration batch. The ranges stay
   * on the device (no read-back), so a calibration pass runs through a whole network without a stall.
   */
  calibrate(x: tf.Tensor): void;
  /**
   * calibrate(x), then forward(x): a calibration pass's step, in one read where it can (the ADC ranges
   * come from this read's noiseless currents, which it then converts with them).
   */
  calibrateAndForward(x: tf.Tensor, readRng: Rng): tf.Tensor;
  /**
   * Reads the programmed devices under the read settings of `config` from now on (`readSettings.ts`: the
   * drift read time and compensation, the per-read noises), without programming them again; equal to the
   * layer programmed with `config` from the same draws. Calibrated ranges are kept. Throws when `config`
   * would program another chip.
   */
  readAt(config: ExperimentConfig): void;
  /** The calibrated ranges as numbers (null where not calibrated), read back asynchronously. */
  readCalibration(): Promise<CalibrationState>;
  inspectTile(rowTile: number, colTile: number): Promise<TileInspection>;
  dispose(): void;
}

export interface AnalogLayerOptions {
  /**
   * Whether forward() may read tensors back synchronously (bound management's clip flags). Default: on
   * every backend but WebGPU, whose synchronous read-back stalls the queue and breaks some devices.
   */
  syncReadBack?: boolean;
  /**
   * The chip's bank of normals for per-read noise (`noiseBank.ts`), shared by the layers of one chip.
   * Default: the layer's own, drawn from `rng.fork('noise bank')` of its programming stream.
   */
  noiseBank?: NoiseBank;
  /**
   * The fused WebGPU kernels (`loadFusedKernels()` once the webgpu backend is selected): reads they cover
   * go through them. Default: null, every read on the composite tfjs-op path.
   */
  fusedKernels?: FusedKernels | null;
}
