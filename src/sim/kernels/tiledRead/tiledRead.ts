/**
 * The fused tiled read (`tiledRead.wgsl`) as a tfjs-webgpu program: DAC, tiled product, per-read noise
 * (Philox), per-row-tile ADC and the digital shift-add in one dispatch, one thread per output. Runs on
 * the webgpu backend's own device through `runWebGPUProgram`; the composite tfjs-op path in
 * layer/ stays the reference and the path for other backends.
 *
 * Every input is passed flat (1D) and the output is [M·N, 1], so tfjs's shader key (which encodes the
 * inputs' ranks and their broadcasting against the output's last axis) is the same for dense and conv
 * reads, any batch, any number of groups: one pipeline serves every setting (see the tests).
 */
// `?raw` WGSL imports (Vite); declared here too for code that reaches this module from scripts/ (tsc).
/// <reference types="vite/client" />
import * as tf from '@tensorflow/tfjs-core';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import philoxWgsl from '../philox/philox.wgsl?raw';
import { float32, int32, uint32, type NamedUniform } from '../uniforms';
import { MAX_CYCLES, numVectors, type TiledReadParams } from './layout';
import tiledReadWgsl from './tiledRead.wgsl?raw';

/** Outputs per workgroup: vectors × outputs (tiledRead.wgsl TILE_VECTORS, TILE_OUTPUTS). */
export const TILE_VECTORS = 8;
export const TILE_OUTPUTS = 8;

/** Input buffers, in binding order (names as the WGSL reads them). */
export const TILED_READ_INPUTS = [
  'layerInput',
  'conductances',
  'readPlan',
  'groupWeights',
  'adcFullScale',
  'inputScale',
  'driftNu',
] as const;

export class TiledReadProgram implements WebGPUProgram {
  readonly variableNames: string[] = [...TILED_READ_INPUTS];
  readonly uniforms =
    'inHeight : i32, inWidth : i32, inChannels : i32, kernelSize : i32, stride : i32, padTop : i32, ' +
    'padLeft : i32, outHeight : i32, outWidth : i32, numVectors : i32, ' +
    'numRows : i32, numOutputs : i32, tileRows : i32, numRowTiles : i32, dataColsPerTile : i32, ' +
    'numGroups : i32, ' +
    'dacBits : i32, dacSigned : i32, dacBitSerial : i32, dacHalfUp : i32, dacQMaxCode : f32, ' +
    'voltsPerUnit : f32, inputScaleMode : i32, ' +
    'adcBits : i32, adcLevels : i32, adcRounding : i32, adcRangeSource : i32, adcFullScaleAmperes : f32, ' +
    'adcFullScaleStrideGroup : i32, adcFullScaleStrideTile : i32, adcFullScaleStrideCol : i32, ' +
    'readNoiseModel : i32, readNoiseSigma : f32, gMaxSiemens : f32, outputNoiseAmperes : f32, ' +
    'adcNoiseSigmaLsb : f32, driftLogTimeRatio : f32, seedLo : u32, seedHi : u32, outputScale : f32,';
  readonly workgroupSize: [number, number, number] = [TILE_VECTORS * TILE_OUTPUTS, 1, 1];
  readonly dispatchLayout = { x: [0, 1] };
  dispatch: [number, number, number];
  shaderKey = 'crossbarTiledRead';
  readonly outputShape: number[];

  /** One workgroup per TILE_VECTORS × TILE_OUTPUTS tile of y [vectors, outputs]. */
  constructor(vectors: number, outputs: number) {
    this.outputShape = [vectors * outputs, 1];
    this.dispatch = [Math.ceil(vectors / TILE_VECTORS) * Math.ceil(outputs / TILE_OUTPUTS), 1, 1];
  }

  getUserCode(): string {
    return `${philoxWgsl}\n${tiledReadWgsl}`;
  }
}

/** Enum uniforms; the same numbers as the LEVELS_*, ROUND_* and NOISE_* constants of tiledRead.wgsl. */
export const ADC_LEVELS = { symmetric: 0, powerOfTwo: 1, minMax: 2 } as const;
export const ADC_ROUNDING = { halfEven: 0, halfUp: 1, floor: 2 } as const;
export const READ_NOISE_MODEL = { off: 0, proportional: 1, constant: 2, pcmRead: 3 } as const;
const flag = (b: boolean) => (b ? 1 : 0);

/** Uniform values in the order of `TiledReadProgram.uniforms`. */
export function uniformData(p: TiledReadParams): NamedUniform[] {
  const g = p.geometry;
  return [
    int32('inHeight', g.inHeight),
    int32('inWidth', g.inWidth),
    int32('inChannels', g.inChannels),
    int32('kernelSize', g.kernelSize),
    int32('stride', g.stride),
    int32('padTop', g.padTop),
    int32('padLeft', g.padLeft),
    int32('outHeight', g.outHeight),
    int32('outWidth', g.outWidth),
    int32('numVectors', numVectors(g)),
    int32('numRows', p.plan.numRows),
    int32('numOutputs', p.plan.numOutputs),
    int32('tileRows', p.plan.tileRows),
    int32('numRowTiles', p.plan.numRowTiles),
    int32('dataColsPerTile', p.plan.dataColsPerTile),
    int32('numGroups', p.plan.numGroups),
    int32('dacBits', p.dac.bits),
    int32('dacSigned', flag(p.dac.signed)),
    int32('dacBitSerial', flag(p.dac.bitSerial)),
    int32('dacHalfUp', flag(p.dac.halfUp)),
    float32('dacQMaxCode', p.dac.qMaxCode),
    float32('voltsPerUnit', p.dac.voltsPerUnit),
    int32('inputScaleMode', p.inputScaleMode === 'perVector' ? 1 : 0),
    int32('adcBits', p.adc.bits),
    int32('adcLevels', ADC_LEVELS[p.adc.levels]),
    int32('adcRounding', ADC_ROUNDING[p.adc.rounding]),
    int32('adcRangeSource', p.adc.rangeSource === 'tensor' ? 1 : 0),
    float32('adcFullScaleAmperes', p.adc.fullScaleAmperes),
    int32('adcFullScaleStrideGroup', p.adc.fullScaleStrides.group),
    int32('adcFullScaleStrideTile', p.adc.fullScaleStrides.tile),
    int32('adcFullScaleStrideCol', p.adc.fullScaleStrides.col),
    int32('readNoiseModel', READ_NOISE_MODEL[p.noise.readModel]),
    float32('readNoiseSigma', p.noise.readSigma),
    float32('gMaxSiemens', p.noise.gMaxSiemens),
    float32('outputNoiseAmperes', p.noise.outputSigmaAmperes),
    float32('adcNoiseSigmaLsb', p.noise.adcSigmaLsb),
    float32('driftLogTimeRatio', p.driftLogTimeRatio),
    uint32('seedLo', p.seed[0]),
    uint32('seedHi', p.seed[1]),
    float32('outputScale', p.outputScale),
  ];
}

/** The device tensors of a read (see the buffer layout in tiledRead.wgsl). */
export interface TiledReadTensors {
  /** NHWC [batch, H, W, C] for conv, [batch, K] for dense; float32. */
  layerInput: tf.Tensor;
  /** PackedChip.conductancesSiemens, float32. */
  conductances: tf.Tensor;
  /** PackedChip.readPlan, int32. */
  readPlan: tf.Tensor;
  /** PackedChip.groupWeights, float32 [numGroups]. */
  groupWeights: tf.Tensor;
  /** Full scales (amperes) when params.adc.rangeSource = 'tensor', e.g. [numGroups] calibrated; else null. */
  adcFullScale: tf.Tensor | null;
  /** ν (one value) when params.inputScaleMode = 'given'; null for 'perVector'. */
  inputScale: tf.Tensor | null;
  /** PackedChip.driftNu (drift exponents, laid out as `conductances`) when params.driftLogTimeRatio > 0. */
  driftNu?: tf.Tensor | null;
}

function check(p: TiledReadParams, t: TiledReadTensors) {
  const g = p.geometry;
  const fail = (what: string) => {
    throw new RangeError(`fusedTiledRead: ${what}`);
  };
  if (t.layerInput.size !== g.batch * g.inHeight * g.inWidth * g.inChannels)
    fail(
      `layerInput holds ${t.layerInput.size} values, the geometry needs ${g.batch}·${g.inHeight}·${g.inWidth}·${g.inChannels}`,
    );
  if (g.kernelSize * g.kernelSize * g.inChannels !== p.plan.numRows)
    fail(`a patch has ${g.kernelSize}²·${g.inChannels} inputs but the chip ${p.plan.numRows} rows`);
  if (t.layerInput.dtype !== 'float32' || t.conductances.dtype !== 'float32')
    fail('layerInput and conductances must be float32');
  if (t.readPlan.dtype !== 'int32') fail('readPlan must be int32');
  if (t.groupWeights.size !== p.plan.numGroups) fail('groupWeights needs one value per group');
  if ((p.adc.rangeSource === 'tensor') !== (t.adcFullScale !== null))
    fail('adcFullScale is needed exactly when adc.rangeSource is "tensor"');
  if ((p.inputScaleMode === 'given') !== (t.inputScale !== null))
    fail('inputScale is needed exactly when inputScaleMode is "given"');
  if (t.inputScale && t.inputScale.size !== 1) fail('inputScale must hold one value');
  if (p.driftLogTimeRatio > 0 && t.driftNu?.size !== t.conductances.size)
    fail('an in-kernel drift (driftLogTimeRatio > 0) needs driftNu, laid out as conductances');
  if (t.adcFullScale) {
    const s = p.adc.fullScaleStrides;
    const last =
      (p.plan.numGroups - 1) * s.group + (p.plan.numRowTiles - 1) * s.tile + (p.plan.numOutputs - 1) * s.col;
    if (t.adcFullScale.size <= last)
      fail(`adcFullScale holds ${t.adcFullScale.size} values, the strides reach ${last}`);
  }
  if (p.dac.bitSerial && (p.dac.bits < 1 || p.dac.bits > MAX_CYCLES))
    fail(`bit-serial inputs need 1 to ${MAX_CYCLES} bits`);
}

/**
 * Runs one fused tiled read on the webgpu backend. Returns y [M, N] (M = batch·outHeight·outWidth),
 * before the bias. The result is a tracked tensor (tidy-safe); the inputs are left as they are.
 */
export function fusedTiledRead(
  backend: WebGPUBackend,
  params: TiledReadParams,
  tensors: TiledReadTensors,
): tf.Tensor2D {
  check(params, tensors);
  const M = numVectors(params.geometry);
  const N = params.plan.numOutputs;
  return tf.tidy(() => {
    const flat = (t: tf.Tensor) => tf.reshape(t, [-1]);
    const inputs = [
      flat(tensors.layerInput),
      flat(tensors.conductances),
      flat(tensors.readPlan),
      flat(tensors.groupWeights),
      tensors.adcFullScale ? flat(tensors.adcFullScale) : tf.zeros([1]),
      tensors.inputScale ? flat(tensors.inputScale) : tf.ones([1]),
      tensors.driftNu ? flat(tensors.driftNu) : tf.zeros([1]),
    ];
    const program = new TiledReadProgram(M, N);
    const info = backend.runWebGPUProgram(program, inputs, 'float32', uniformData(params));
    return tf.reshape(tf.engine().makeTensorFromTensorInfo(info), [M, N]);
  });
}

/** Dense read: layerInput [batch, K] → [batch, N]. */
export function fusedTiledMatMul(
  backend: WebGPUBackend,
  params: TiledReadParams,
  tensors: TiledReadTensors,
): tf.Tensor2D {
  const g = params.geometry;
  if (g.inHeight !== 1 || g.inWidth !== 1 || g.kernelSize !== 1)
    throw new RangeError('fusedTiledMatMul needs a dense geometry (denseGeometry)');
  return fusedTiledRead(backend, params, tensors);
}

/** Conv read as an implicit GEMM: layerInput NHWC → [batch, outHeight, outWidth, N]. */
export function fusedTiledConv2d(
  backend: WebGPUBackend,
  params: TiledReadParams,
  tensors: TiledReadTensors,
): tf.Tensor4D {
  const g = params.geometry;
  return tf.tidy(() =>
    tf.reshape(fusedTiledRead(backend, params, tensors), [
      g.batch,
      g.outHeight,
      g.outWidth,
      params.plan.numOutputs,
    ]),
  );
}
