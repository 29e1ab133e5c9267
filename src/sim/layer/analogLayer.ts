/**
 * Analog conv2d / dense layers on tfjs ops available on every backend (cpu, wasm, webgl, webgpu).
 * Semantics: `chip.ts` (header comment); float64 reference: `reference.ts`. One file per step of the
 * read: conductance tensors (`conductances.ts`), DAC inputs (`dacInputs.ts`), read currents with IR drop
 * and noise (`readCurrents.ts`), the ADC (`adc.ts`), bound management (`boundManagement.ts`), their
 * composition (`tiledRead.ts`), the single-product path of linear reads (`linearRead.ts`) and
 * calibration (`calibration.ts`).
 *
 * No synchronous read-back on WebGPU: tfjs-webgpu can read a tensor synchronously only through a canvas
 * round trip, which stalls the queue and breaks some devices (SwiftShader). So calibration keeps its
 * ranges as device scalars (read back asynchronously by `readCalibration`), programming takes plain
 * arrays, and bound management selects per vector with masks there instead of re-reading clipped vectors.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  dacSettings,
  layerReadConfig,
  programChip,
  readChipAt,
  redrawsPerBatch,
  type CalibrationState,
  type ProgrammedChip,
} from '../chip';
import type { ExperimentConfig } from '../config';
import { programsSameChip } from '../readSettings';
import type { Rng } from '../rng';
import type { AnalogLayerSpec, TilePlan } from '../tiling';
import { calibrateInputScale, calibratesAdc, readCalibration } from './calibration';
import { conductanceTensors, disposeConductanceTensors } from './conductances';
import { disposeInputLayout, inputLayout } from './dacInputs';
import { inspectTile } from './inspect';
import { disposeFusedChip, forwardFused, fusedChip, type FusedKernels } from './fusedRead';
import { forwardLinear } from './linearRead';
import { NoiseBank } from './noiseBank';
import type { CalibrationTensors, LayerState } from './state';
import { forwardTiled, measureAdcFullScales } from './tiledRead';
import type { AnalogLayer, AnalogLayerOptions, TileInspection } from './types';

/**
 * Programs a layer's weights onto a simulated chip, drawing the 'programming' randomness from `rng`.
 * kernel: conv HWIO [kh, kw, cin, cout], dense [in, out], row-major; bias [out].
 */
export function programAnalogLayer(
  spec: AnalogLayerSpec,
  kernel: ArrayLike<number>,
  bias: ArrayLike<number> | null,
  config: ExperimentConfig,
  rng: Rng,
  options: AnalogLayerOptions = {},
): AnalogLayer {
  return new TfAnalogLayer(programChip(spec, kernel, bias, config, rng), layerReadConfig(spec, config), {
    syncReadBack: options.syncReadBack ?? tf.getBackend() !== 'webgpu',
    noiseBank: options.noiseBank ?? new NoiseBank(rng.fork('noise bank')),
    fusedKernels: options.fusedKernels ?? null,
  });
}

class TfAnalogLayer implements AnalogLayer {
  readonly spec: AnalogLayerSpec;
  readonly plan: TilePlan;
  private state: LayerState;
  private readonly fusedKernels: FusedKernels | null;
  private disposed = false;

  constructor(chip: ProgrammedChip, config: ExperimentConfig, options: Required<AnalogLayerOptions>) {
    this.spec = chip.spec;
    this.plan = chip.plan;
    const dac = dacSettings(config, chip);
    const calibration: CalibrationTensors = { inputScale: null, adcFullScale: null };
    this.state = {
      chip,
      config,
      dac,
      layout: inputLayout(chip, config),
      tensors: conductanceTensors(chip, config, dac),
      calibration,
      syncReadBack: options.syncReadBack,
      noise: options.noiseBank,
      fused: fusedChip(options.fusedKernels, chip, config),
    };
    this.fusedKernels = options.fusedKernels;
  }

  get chip(): ProgrammedChip {
    return this.state.chip;
  }

  forward(x: tf.Tensor, readRng: Rng): tf.Tensor {
    this.assertLive();
    const { config, calibration } = this.state;
    const missing =
      (config.periphery.inputScaling === 'calibrated' && calibration.inputScale === null) ||
      (calibratesAdc(config) && calibration.adcFullScale === null);
    return missing ? this.calibrateAndForward(x, readRng) : this.read(x, readRng, false);
  }

  calibrateAndForward(x: tf.Tensor, readRng: Rng): tf.Tensor {
    this.assertLive();
    const state = this.state;
    calibrateInputScale(state, x);
    // The ADC ranges from this read's own noiseless currents, unless the read redraws the conductances
    // (per-batch variation; calibration reads them as programmed) or reads through the fused kernel
    // (whose currents never leave it): then a separate noiseless pass.
    const adcInRead = calibratesAdc(state.config) && !redrawsPerBatch(state.config) && !state.fused;
    if (calibratesAdc(state.config) && !adcInRead) tf.tidy(() => measureAdcFullScales(state, x));
    return this.read(x, readRng, adcInRead);
  }

  private read(x: tf.Tensor, readRng: Rng, calibrateAdc: boolean): tf.Tensor {
    const state = this.state;
    return tf.tidy(() => {
      const y = state.tensors.linearWeight
        ? forwardLinear(state, x)
        : state.fused && !calibrateAdc
          ? forwardFused(state, state.fused, x, readRng)
          : forwardTiled(state, x, readRng, { calibrateAdc });
      return state.tensors.bias ? tf.add(y, state.tensors.bias) : y;
    });
  }

  readAt(config: ExperimentConfig): void {
    this.assertLive();
    const readConfig = layerReadConfig(this.spec, config);
    if (!programsSameChip(this.state.config, readConfig))
      throw new Error(
        `layer ${this.spec.name}: the config programs another chip (only read settings may change)`,
      );
    const chip = readChipAt(this.state.chip, config);
    const dac = dacSettings(readConfig, chip);
    disposeConductanceTensors(this.state.tensors);
    disposeFusedChip(this.state.fused);
    this.state = {
      ...this.state,
      chip,
      config: readConfig,
      dac,
      tensors: conductanceTensors(chip, readConfig, dac),
      fused: fusedChip(this.fusedKernels, chip, readConfig),
    };
  }

  calibrate(x: tf.Tensor): void {
    this.assertLive();
    calibrateInputScale(this.state, x);
    if (calibratesAdc(this.state.config)) tf.tidy(() => measureAdcFullScales(this.state, x));
  }

  readCalibration(): Promise<CalibrationState> {
    return readCalibration(this.state);
  }

  inspectTile(rowTile: number, colTile: number): Promise<TileInspection> {
    return inspectTile(this.state, rowTile, colTile);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const { tensors, layout, calibration, fused } = this.state;
    disposeConductanceTensors(tensors);
    disposeFusedChip(fused);
    disposeInputLayout(layout);
    tf.dispose([calibration.inputScale, ...(calibration.adcFullScale ?? [])].filter((t) => t !== null));
  }

  private assertLive() {
    if (this.disposed) throw new Error(`analog layer ${this.spec.name} was disposed`);
  }
}
