/** What every step of a layer's read shares: the programmed chip, its read settings and device tensors. */
import type * as tf from '@tensorflow/tfjs-core';
import type { DacSettings, ProgrammedChip } from '../chip';
import type { ExperimentConfig } from '../config';
import type { ConductanceTensors } from './conductances';
import type { InputLayout } from './dacInputs';
import type { FusedChip } from './fusedRead';
import type { NoiseBank } from './noiseBank';

/** Calibrated ranges as device scalars: ν, and the ADC full scale of each read group (amperes). */
export interface CalibrationTensors {
  inputScale: tf.Scalar | null;
  adcFullScale: tf.Scalar[] | null;
}

export interface LayerState {
  readonly chip: ProgrammedChip;
  /** The config the layer is read with (`layerReadConfig`: the first layer may read with ideal converters). */
  readonly config: ExperimentConfig;
  readonly dac: DacSettings;
  readonly layout: InputLayout;
  readonly tensors: ConductanceTensors;
  /** Set by calibration; kept on the device. */
  readonly calibration: CalibrationTensors;
  /** Whether a read may read tensors back synchronously (bound management's clip flags). */
  readonly syncReadBack: boolean;
  /** Where per-read noise and per-batch variation come from. */
  readonly noise: NoiseBank;
  /** The chip packed for the fused WebGPU read (null: the composite path reads). */
  readonly fused: FusedChip | null;
}
