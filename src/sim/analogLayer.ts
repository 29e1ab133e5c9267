/**
 * Analog conv2d / dense layers on tfjs ops available on every backend (cpu, wasm, webgl, webgpu).
 * Semantics: `chip.ts` (header comment); float64 reference: `reference.ts`.
 *
 * Efficiency: conductances are held per read group as one [R, N] tensor per row tile (scaled to amperes per
 * DAC unit), and each row tile's partial sums come from a 2D tf.matMul([Z·M, R] × [R, N]): on the wasm
 * backend T 2D matMuls are several times faster than one batched matMul (only the 2D case reaches
 * XNNPACK). Inputs are split into row tiles by a transpose and first-axis parts (firstAxisParts: on wasm
 * every slice copies its whole input). ADC, noise and the sum over row tiles (sumParts) are elementwise tf ops on those parts; a
 * fixed or calibrated ADC grid is plain numbers, its step and origin applied once after the digital sum.
 * Per-read noise variance is a second matMul of V² with σ²(G). Bound management re-reads only the vectors
 * whose reads clipped (one read-back of the clip flags per reduction). Layers whose read is linear (no ADC,
 * no per-read effect) fold everything into one effective weight and run a single tf.conv2d / tf.matMul
 * (the fused path). Large batches are processed in chunks.
 *
 * No synchronous read-back on WebGPU: tfjs-webgpu can read a tensor synchronously only through a canvas
 * round trip, which stalls the queue and breaks some devices (SwiftShader). So calibration keeps its
 * ranges as device scalars (read back asynchronously by `readCalibration`), programming takes plain
 * arrays, and bound management selects per vector with masks there instead of re-reading clipped vectors.
 */
import * as tf from '@tensorflow/tfjs-core';
// Chained tensor methods (x.reshape(), x.slice()), which the umbrella @tensorflow/tfjs registered.
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import {
  adcGrid,
  adcSigned,
  boundReductions,
  dacSettings,
  effectiveWeights,
  fixedFullScaleAmperes,
  isLinearRead,
  layerReadConfig,
  programChip,
  redrawsPerBatch,
  redrawsPerInputBit,
  variesArray,
  POW2_EPS_AMPERES,
  type CalibrationState,
  type DacSettings,
  type ProgrammedChip,
} from './chip';
import type { ExperimentConfig, PeripheryConfig } from './config';
import type { Rng } from './rng';
import { convPadding, im2col, type PatchOrder } from './im2col';
import {
  readsWithIdealConverters,
  tileExtent,
  type AnalogLayerSpec,
  type ArrayRole,
  type TilePlan,
} from './tiling';

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
  /** The programmed conductances (plain arrays), e.g. for the reference and the inspector. */
  readonly chip: ProgrammedChip;
  /** x: NHWC for conv, [batch, in] for dense; returns what tf.conv2d / tf.matMul (+ bias) return. */
  forward(x: tf.Tensor, readRng: Rng): tf.Tensor;
  /**
   * Records the input range and ADC ranges ('calibrated' modes) from a calibration batch. The ranges stay
   * on the device (no read-back), so a calibration pass runs through a whole network without a stall.
   */
  calibrate(x: tf.Tensor): void;
  /** The calibrated ranges as numbers (null where not calibrated), read back asynchronously. */
  readCalibration(): Promise<CalibrationState>;
  inspectTile(rowTile: number, colTile: number): Promise<TileInspection>;
  dispose(): void;
}

/** Samples kept per group to estimate a calibration percentile (the maximum is always exact). */
const CALIBRATION_SAMPLE_CAP = 1 << 20;

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
  });
}

export interface AnalogLayerOptions {
  /**
   * Whether forward() may read tensors back synchronously (bound management's clip flags). Default: on
   * every backend but WebGPU, whose synchronous read-back stalls the queue and breaks some devices.
   */
  syncReadBack?: boolean;
}

/** Calibrated ranges as device scalars: ν, and the ADC full scale of each read group (amperes). */
interface CalibrationTensors {
  inputScale: tf.Scalar | null;
  adcFullScale: tf.Scalar[] | null;
}

interface GroupTensors {
  /** Σ sign·G·V_unit over the terms, one [rows_t, cols] part per row tile (null when redrawn each batch). */
  g: tf.Tensor2D[] | null;
  /** Σ σ²(G)·V_unit² over the terms, per row tile (null: read noise off). */
  variance: tf.Tensor2D[] | null;
  cols: number;
  signed: boolean;
}

type Range = { lo: tf.Tensor; hi: tf.Tensor };

/** Inputs of one read, split by row tile: [Z·M, rows_t] parts (DAC units, not volts). */
interface TileInputs {
  /** Per row tile [Z·M, rows_t], the cycles stacked along the rows (null when kept apart in `cycles`). */
  units: tf.Tensor2D[] | null;
  /** units², for the read-noise variance (null: read noise off, or cycles kept apart). */
  squared: tf.Tensor2D[] | null;
  /**
   * Per input cycle z, per row tile: [M, rows_t], when each bit reads its own weight draw (NeuroSim's
   * per-bit variation); else null.
   */
  cycles: tf.Tensor2D[][] | null;
}

/**
 * Per-forward conductances when the d2d variation is redrawn each batch (NeuroSim): one draw per forward
 * call, or one per input bit (`redrawEachInputBit`), indexed [draw][row tile].
 */
interface BatchWeights {
  /** Per array, per draw: G·(1 + σξ) or G + σ·G_max·ξ per row tile, siemens (unvaried arrays as stored). */
  arrays: tf.Tensor2D[][][];
  /** Per group, per draw: Σ sign·G·V_unit per row tile. */
  groups: tf.Tensor2D[][][];
  /** The tensors drawn for this forward call (disposed after it). */
  owned: tf.Tensor[];
}

/**
 * How a read's inputs [V, K] (patch columns) become row-tile parts [V, partRows]: a run (tile t holds
 * columns t·P … t·P + P − 1: slice, pad, reshape) or a gather of each tile's columns (index K = a zero).
 */
type InputSplit = { kind: 'run'; used: number } | { kind: 'gather'; index: tf.Tensor1D };

/** One group's ADC output: the read value is offset + scale·q (scale, offset: amperes per code, amperes). */
interface AdcOutput {
  q: tf.Tensor2D;
  scale: number | tf.Scalar;
  offset: number | tf.Scalar;
  /** Per vector [M]: 1 when any of its conversions clipped (only when asked for). */
  clipped: tf.Tensor1D | null;
}

class TfAnalogLayer implements AnalogLayer {
  readonly spec: AnalogLayerSpec;
  readonly plan: TilePlan;
  private calibration: CalibrationTensors = { inputScale: null, adcFullScale: null };
  private readonly dac: DacSettings;
  private readonly groupTensors: GroupTensors[];
  /** Per-array conductances, per row tile (only when IR drop or per-batch variation needs them). */
  private readonly arrayTensors: (tf.Tensor2D[] | null)[];
  /** IR drop: per-array G∘(row weight) per row tile. */
  private readonly arrayRowWeighted: (tf.Tensor2D[] | null)[];
  /** IR drop row weights 1 − (1 − r/R)², per row tile [R, 1]. */
  private readonly rowWeight: tf.Tensor2D[] | null;
  private readonly refIndex: tf.Tensor1D | null;
  private readonly fusedWeight: tf.Tensor2D | null;
  private readonly biasTensor: tf.Tensor1D | null;
  /** Rows per row-tile part (the tallest tile's used rows). */
  private readonly partRows: number;
  /** Column order of the im2col patches: channel-major when the tiles cut torch's (cin, kh, kw) order. */
  private readonly patchOrder: PatchOrder;
  private readonly inputSplit: InputSplit;
  private disposed = false;

  constructor(
    readonly chip: ProgrammedChip,
    private readonly config: ExperimentConfig,
    private readonly options: Required<AnalogLayerOptions>,
  ) {
    this.spec = chip.spec;
    this.plan = chip.plan;
    this.dac = dacSettings(config, chip);
    const { rowTiles: T, tileRows: R, dataColsPerTile: Cd, tileRowIndex } = chip.plan;
    const K = chip.K;
    const d = config.device;
    // Row tiles are held as separate 2D tensors (zero-padded to the tallest tile): T 2D matMuls are far
    // faster than one batched matMul on the wasm backend, where XNNPACK serves only the 2D case. Tile t's
    // part holds the unrolled rows plan.tileRowIndex[t], top to bottom.
    const partRows = Math.max(1, ...tileRowIndex.map((rows) => rows.length));
    this.partRows = partRows;
    const toParts = (values: Float32Array, cols: number, scale = 1) =>
      tileRowIndex.map((rows) => {
        const part = new Float32Array(partRows * cols);
        rows.forEach((j, r) => {
          for (let c = 0; c < cols; c++) part[r * cols + c] = values[j * cols + c]! * scale;
        });
        return tf.tensor2d(part, [partRows, cols]);
      });
    // Patches come channel-major when the tiles cut torch's (cin, kh, kw) order, so each tile is a run.
    const cb = config.crossbar;
    this.patchOrder =
      chip.spec.kind === 'conv' && cb.rowOrder === 'channelMajor' && cb.rowTiling === 'contiguous'
        ? 'channelMajor'
        : 'kernelMajor';
    const k2 = chip.spec.kernelSize ** 2;
    const C = chip.spec.inChannels;
    const column = (j: number) => (this.patchOrder === 'channelMajor' ? (j % C) * k2 + Math.floor(j / C) : j);
    const columns = tileRowIndex.map((rows) => Array.from(rows, column));
    const isRun = columns.every(
      (cols, t) => (t === T - 1 || cols.length === partRows) && cols.every((j, r) => j === t * partRows + r),
    );
    if (isRun) this.inputSplit = { kind: 'run', used: (T - 1) * partRows + columns[T - 1]!.length };
    else {
      const index = new Int32Array(T * partRows).fill(K);
      columns.forEach((cols, t) => cols.forEach((j, r) => (index[t * partRows + r] = j)));
      this.inputSplit = { kind: 'gather', index: tf.tensor1d(index, 'int32') };
    }

    const needArrays = d.irDrop.enabled || redrawsPerBatch(config);
    this.arrayTensors = chip.arrays.map((a) => (needArrays ? toParts(a.gSiemens, a.cols) : null));
    this.rowWeight = d.irDrop.enabled
      ? Array.from({ length: T }, () =>
          tf.tensor2d(
            Float32Array.from({ length: partRows }, (_, r) => 1 - (1 - r / R) ** 2),
            [partRows, 1],
          ),
        )
      : null;
    this.arrayRowWeighted = this.arrayTensors.map((parts) =>
      parts && this.rowWeight ? parts.map((g, t) => tf.mul(g, this.rowWeight![t]!) as tf.Tensor2D) : null,
    );
    const vUnit = this.dac.voltsPerUnit;
    this.groupTensors = chip.groups.map((group) => {
      const cols = chip.arrays[group.terms[0]!.array]!.cols;
      const combine = (source: (i: number) => Float32Array | null, signed: boolean, scale: number) => {
        const sum = new Float32Array(K * cols);
        let any = false;
        for (const term of group.terms) {
          const v = source(term.array);
          if (!v) continue;
          any = true;
          const f = signed ? term.sign : 1;
          for (let i = 0; i < sum.length; i++) sum[i]! += f * v[i]!;
        }
        return any ? toParts(sum, cols, scale) : null;
      };
      return {
        g: redrawsPerBatch(config) ? null : combine((i) => chip.arrays[i]!.gSiemens, true, vUnit),
        variance: combine((i) => chip.readVariance[i] ?? null, false, vUnit * vUnit),
        cols,
        signed: adcSigned(group, this.dac),
      };
    });
    this.refIndex = chip.groups.some((g) => g.perColumnTile)
      ? tf.tensor1d(
          Int32Array.from({ length: chip.N }, (_, n) => Math.floor(n / Cd)),
          'int32',
        )
      : null;
    this.fusedWeight = isLinearRead(config)
      ? tf.tensor2d(
          Float32Array.from(
            effectiveWeights(chip.arrays, chip.groups, chip.plan),
            (w) => w * chip.driftCompensation,
          ),
          [K, chip.N],
        )
      : null;
    this.biasTensor = chip.bias ? tf.tensor1d(chip.bias) : null;
  }

  forward(x: tf.Tensor, readRng: Rng): tf.Tensor {
    this.assertLive();
    const p = this.config.periphery;
    if (p.inputScaling === 'calibrated' && this.calibration.inputScale === null) this.calibrate(x);
    if (p.adcRange === 'calibrated' && p.adcBits > 0 && this.calibration.adcFullScale === null)
      this.calibrate(x);
    return tf.tidy(() => {
      const y = this.fusedWeight ? this.forwardFused(x) : this.forwardTiled(x, readRng);
      return this.biasTensor ? tf.add(y, this.biasTensor) : y;
    });
  }

  /** ν as a scalar tensor for the global modes (null for per-vector). */
  private globalInputScale(x: tf.Tensor): tf.Scalar | null {
    const mode = this.config.periphery.inputScaling;
    if (mode === 'perVector') return null;
    if (mode === 'none') return tf.scalar(1);
    if (mode === 'calibrated') return this.calibration.inputScale!;
    const m = tf.max(tf.abs(x));
    return tf.where(tf.greater(m, 0), m, tf.onesLike(m)) as tf.Scalar;
  }

  /** DAC value q/d (or x̃) of scaled inputs; bit-serial shift-add of an ideal read gives the same. */
  private dacValue(xs: tf.Tensor): tf.Tensor {
    const dac = this.dac;
    if (dac.bits === 0) return xs;
    const clipped = tf.clipByValue(xs, dac.signed ? -1 : 0, 1);
    return tf.div(this.roundCodes(this.codeUnits(clipped)), dac.divisor);
  }

  /** x̃ in DAC steps before rounding: x̃/Δ (f32Step, aihwkit's float32 order) or x̃·q_max. */
  private codeUnits(clipped: tf.Tensor): tf.Tensor {
    const dac = this.dac;
    return dac.codeStep !== null ? tf.div(clipped, dac.codeStep) : tf.mul(clipped, dac.qMaxCode);
  }

  private roundCodes(u: tf.Tensor): tf.Tensor {
    return this.dac.halfUp ? tf.floor(tf.add(u, 0.5)) : tf.round(u);
  }

  private forwardFused(x: tf.Tensor): tf.Tensor {
    const w = this.fusedWeight!;
    const nu = this.globalInputScale(x);
    const spec = this.spec;
    if (spec.kind === 'dense') {
      const x2 = x as tf.Tensor2D;
      if (nu) return tf.mul(tf.matMul(this.dacValue(tf.div(x2, nu)) as tf.Tensor2D, w), nu);
      const v = this.vectorScale(x2);
      return tf.mul(tf.matMul(this.dacValue(tf.div(x2, v)) as tf.Tensor2D, w), v);
    }
    const x4 = x as tf.Tensor4D;
    if (nu) {
      const k = spec.kernelSize;
      const { top, bottom, left, right } = convPadding(spec, x4.shape[1], x4.shape[2]);
      const kernel = w.reshape([k, k, spec.inChannels, spec.outChannels]) as tf.Tensor4D;
      const xq = this.dacValue(tf.div(x4, nu)) as tf.Tensor4D;
      const pad: [[number, number], [number, number], [number, number], [number, number]] = [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ];
      return tf.mul(tf.conv2d(xq, kernel, spec.stride, pad), nu);
    }
    const [B] = x4.shape;
    const patches = im2col(x4, spec);
    const v = this.vectorScale(patches);
    const y = tf.mul(tf.matMul(this.dacValue(tf.div(patches, v)) as tf.Tensor2D, w), v);
    const { outH, outW } = convPadding(spec, x4.shape[1], x4.shape[2]);
    return y.reshape([B, outH, outW, spec.outChannels]);
  }

  /** Per-vector ν = max_j |x_j| (1 for an all-zero vector), [M, 1]. */
  private vectorScale(patches: tf.Tensor2D): tf.Tensor2D {
    const m = tf.max(tf.abs(patches), 1, true);
    return tf.where(tf.greater(m, 0), m, tf.onesLike(m)) as tf.Tensor2D;
  }

  /** Splits the batch into chunks of whole images and returns the patches of each chunk lazily. */
  private chunks(x: tf.Tensor): { count: number; patches: (i: number) => tf.Tensor2D; outShape: number[] } {
    const spec = this.spec;
    const B = x.shape[0]!;
    const Z = this.dac.cycleWeights.length;
    const widest = Math.max(this.plan.tileRows, this.chip.N, this.plan.colTiles * this.plan.dataColsPerTile);
    let vectorsPerImage = 1;
    let outShape = [B, this.chip.N];
    if (spec.kind === 'conv') {
      const { outH, outW } = convPadding(spec, x.shape[1]!, x.shape[2]!);
      vectorsPerImage = outH * outW;
      outShape = [B, outH, outW, this.chip.N];
    }
    const T = this.plan.rowTiles;
    const perImage = vectorsPerImage * Math.max(Z * T * widest * 2, this.chip.K);
    const imagesPerChunk = Math.max(1, Math.floor(this.config.periphery.maxChunkElements / perImage));
    const count = Math.ceil(B / imagesPerChunk);
    const patches = (i: number) => {
      const b0 = i * imagesPerChunk;
      const nb = Math.min(imagesPerChunk, B - b0);
      const part = count === 1 ? x : x.slice(b0, nb);
      return spec.kind === 'conv'
        ? im2col(part as tf.Tensor4D, spec, this.patchOrder)
        : (part as tf.Tensor2D);
    };
    return { count, patches, outShape };
  }

  /** DAC units per row tile, [Z·M, rows_t] each, from scaled inputs xs [M, K]. */
  private tileInputs(xs: tf.Tensor2D, keepCyclesApart = false): TileInputs {
    const dac = this.dac;
    let units: tf.Tensor2D;
    if (dac.bits === 0) units = xs;
    else {
      const clipped = tf.clipByValue(xs, dac.signed ? -1 : 0, 1);
      const q = this.roundCodes(this.codeUnits(clipped));
      if (!dac.bitSerial) units = q as tf.Tensor2D;
      else {
        // Two's complement of the signed code; bit z = ⌊u/2^z⌋ mod 2, cycles stacked along the rows.
        const u = dac.signed ? tf.where(tf.less(q, 0), tf.add(q, 2 ** dac.bits), q) : q;
        const bits = dac.cycleWeights.map((_, z) => tf.mod(tf.floor(tf.div(u, 2 ** z)), 2) as tf.Tensor2D);
        // Each bit reads its own weight draw: split each bit plane into row tiles on its own (splitting
        // the stacked planes apart again would copy them once more).
        if (keepCyclesApart)
          return { units: null, squared: null, cycles: bits.map((b) => this.splitRowTiles(b)) };
        units = tf.concat(bits, 0) as tf.Tensor2D;
      }
    }
    const parts = this.splitRowTiles(units);
    const noise = this.config.device.readNoise.enabled;
    return {
      units: parts,
      squared: noise ? parts.map((v) => tf.square(v) as tf.Tensor2D) : null,
      cycles: null,
    };
  }

  /**
   * f applied to row tile t's inputs: once to the stacked cycles [Z·M, ·] (z = 0), or to each cycle's
   * [M, ·] (z = its bit, for its own weight draw) with the results stacked back along the rows.
   */
  private overCycles(
    inputs: TileInputs,
    t: number,
    f: (v: tf.Tensor2D, z: number) => tf.Tensor,
  ): tf.Tensor2D {
    if (inputs.cycles)
      return tf.concat(
        inputs.cycles.map((c, z) => f(c[t]!, z)),
        0,
      ) as tf.Tensor2D;
    return f(inputs.units![t]!, 0) as tf.Tensor2D;
  }

  /** [V, K] (patch columns) → one [V, partRows] part per row tile (`plan.tileRowIndex`, zero-padded). */
  private splitRowTiles(v: tf.Tensor2D): tf.Tensor2D[] {
    const T = this.plan.rowTiles;
    const P = this.partRows;
    const [rows, K] = v.shape;
    let cut: tf.Tensor2D;
    if (this.inputSplit.kind === 'run') {
      const used = this.inputSplit.used;
      if (T === 1 && used === K) return [v];
      // Columns past `used` belong to dropped rows (partialRowTiles = drop).
      cut = used < K ? v.slice([0, 0], [rows, used]) : v;
      if (T * P > used)
        cut = tf.pad(cut, [
          [0, 0],
          [0, T * P - used],
        ]);
    } else {
      const withZero = tf.concat([v, tf.zeros([rows, 1])], 1);
      cut = tf.gather(withZero, this.inputSplit.index, 1) as tf.Tensor2D;
    }
    if (T === 1) return [cut];
    return firstAxisParts(tf.transpose(cut.reshape([rows, T, P]), [1, 0, 2])) as tf.Tensor2D[];
  }

  /**
   * Σ sign·G·V_unit of a group per draw and row tile, [draw][t] (without this batch's variation when
   * batch is null: one draw).
   */
  private groupWeights(gi: number, batch: BatchWeights | null): tf.Tensor2D[][] {
    if (batch) return batch.groups[gi]!;
    const stored = this.groupTensors[gi]!.g;
    if (stored) return [stored];
    const terms = this.chip.groups[gi]!.terms;
    return [
      this.arrayTensors[terms[0]!.array]!.map(
        (_, t) =>
          tf.mul(
            terms
              .map((term) => tf.mul(this.arrayTensors[term.array]![t]!, term.sign))
              .reduce((a, b) => tf.add(a, b)),
            this.dac.voltsPerUnit,
          ) as tf.Tensor2D,
      ),
    ];
  }

  /**
   * Analog currents of one group (amperes), one [Z·M, cols] part per row tile, with IR drop and (when
   * seeded, one seed per row tile) per-read noise.
   */
  private groupCurrents(
    gi: number,
    inputs: TileInputs,
    batch: BatchWeights | null,
    noiseSeeds: number[] | null,
  ): tf.Tensor2D[] {
    const group = this.chip.groups[gi]!;
    const gt = this.groupTensors[gi]!;
    const d = this.config.device;
    const weights = this.groupWeights(gi, batch);
    // Weights redrawn per input bit: input bit z (kept apart in inputs.cycles) reads draw z.
    const draw = (z: number) => (weights.length > 1 ? z : 0);
    if (weights.length > 1 && !inputs.cycles) throw new Error('per-bit weight draws need the cycles apart');
    const T = this.plan.rowTiles;
    let current: tf.Tensor2D[] = Array.from({ length: T }, (_, t) =>
      this.overCycles(inputs, t, (v, z) => tf.matMul(v, weights[draw(z)]![t]!)),
    );
    if (d.irDrop.enabled) {
      const R = this.plan.tileRows;
      const gMax = this.chip.gMaxSiemens;
      const vUnit = this.dac.voltsPerUnit;
      const gRatio = 1 / d.irDrop.wireResistanceOhms / gMax;
      for (const term of group.terms) {
        const g = (z: number) =>
          batch ? batch.arrays[term.array]![draw(z)]! : this.arrayTensors[term.array]!;
        current = current.map((I, t) => {
          const gw = (z: number) =>
            batch
              ? (tf.mul(g(z)[t]!, this.rowWeight![t]!) as tf.Tensor2D)
              : this.arrayRowWeighted[term.array]![t]!;
          // a = |V|·G·R/(g_ratio·G_max·V_read) with V = units·V_unit (volts); aihwkit's polynomial in a.
          const a = tf.mul(
            this.overCycles(inputs, t, (v, z) => tf.matMul(tf.abs(v) as tf.Tensor2D, g(z)[t]!)),
            (vUnit * R) / gRatio / (gMax * this.config.periphery.vReadVolts),
          );
          const c = tf.mul(a, tf.add(tf.mul(a, tf.sub(tf.mul(a, 0.05), 0.2)), 0.5));
          const weighted = this.overCycles(inputs, t, (v, z) => tf.matMul(v, gw(z)));
          return tf.sub(I, tf.mul(tf.mul(c, weighted), d.irDrop.scale * term.sign * vUnit)) as tf.Tensor2D;
        });
      }
    }
    if (noiseSeeds === null) return current;
    // σ² = Σ_j V_j²σ²(G_j) (read noise) + (σ_out·G_max·V_read)² (output noise).
    const s = d.outputNoise.enabled
      ? d.outputNoise.sigmaFracOfGmaxCurrent * this.chip.gMaxSiemens * this.config.periphery.vReadVolts
      : 0;
    return current.map((I, t): tf.Tensor2D => {
      const readVariance = !gt.variance
        ? null
        : inputs.squared
          ? tf.matMul(inputs.squared[t]!, gt.variance[t]!)
          : this.overCycles(inputs, t, (v) => tf.matMul(tf.square(v) as tf.Tensor2D, gt.variance![t]!));
      const sigma = readVariance ? tf.sqrt(s > 0 ? tf.add(readVariance, s * s) : readVariance) : s;
      if (sigma === 0) return I;
      return tf.add(
        I,
        tf.mul(tf.randomNormal(I.shape, 0, 1, 'float32', noiseSeeds[t]!), sigma),
      ) as tf.Tensor2D;
    });
  }

  private hasReadNoise(): boolean {
    const d = this.config.device;
    return d.readNoise.enabled || d.outputNoise.enabled;
  }

  /** Dynamic row-tile range (min, max over vectors and columns) of one row tile's read: [Z, 1] each. */
  private rowTileRange(current: tf.Tensor2D): Range {
    const r = current.reshape([this.dac.cycleWeights.length, -1]);
    return { lo: tf.min(r, 1, true), hi: tf.max(r, 1, true) };
  }

  /** Rounds u to an ADC code index (before clipping). */
  private adcRound(u: tf.Tensor): tf.Tensor {
    const rounding = this.config.periphery.adcRounding;
    return rounding === 'floor'
      ? tf.floor(u)
      : rounding === 'halfUp'
        ? tf.floor(tf.add(u, 0.5))
        : tf.round(u);
  }

  /**
   * ADC of one group's row-tile currents (chip.ts adcGrid): origin + step·clip(rnd((I − origin)/step),
   * kMin, kMax), summed over the row tiles → [Z·M, cols]. `ranges`: the precomputed dynamic row-tile
   * ranges, when the batch was split. Clip flags compare the rounded code rnd(u) with [kMin, kMax]: aihwkit
   * re-reads when the discretised output exceeds out_bound, not when u merely passes the last code.
   */
  private adc(
    gi: number,
    currents: tf.Tensor2D[],
    ranges: Range[] | null,
    adcSeeds: number[] | null,
    wantClip: boolean,
  ): AdcOutput {
    const p = this.config.periphery;
    const signed = this.groupTensors[gi]!.signed;
    const B = p.adcBits;
    const [ZM, cols] = currents[0]!.shape;
    const Z = this.dac.cycleWeights.length;
    const M = ZM / Z;
    const sigmaLsb = p.adcNoise.sigmaLsb;
    const withNoise = (x: tf.Tensor, t: number, step: tf.Tensor | number) =>
      adcSeeds
        ? tf.add(x, tf.mul(tf.randomNormal(x.shape, 0, 1, 'float32', adcSeeds[t]!), tf.mul(step, sigmaLsb)))
        : x;
    // Per-vector extremes of the rounded codes over every conversion, for the clip flags.
    let uMax: tf.Tensor | null = null;
    let uMin: tf.Tensor | null = null;
    const track = (u: tf.Tensor) => {
      if (!wantClip) return;
      const flat = u.reshape([ZM, -1]);
      const hi = tf.max(flat, 1);
      const lo = tf.min(flat, 1);
      uMax = uMax ? tf.maximum(uMax, hi) : hi;
      uMin = uMin ? tf.minimum(uMin, lo) : lo;
    };
    const flags = (kMin: number, kMax: number) => {
      if (!wantClip) return null;
      const beyond = tf.logicalOr(tf.greater(uMax!, kMax), tf.less(uMin!, kMin));
      return tf.max(tf.cast(beyond, 'float32').reshape([Z, M]), 0) as tf.Tensor1D;
    };
    const sum = (parts: tf.Tensor[]) => sumParts(parts) as tf.Tensor2D;

    if (p.adcRange === 'fixed' || p.adcRange === 'calibrated') {
      // One grid for every conversion; step and origin are applied after the digital sum. A fixed grid is
      // plain numbers; a calibrated one keeps the device scalars that calibrate() left.
      const grid =
        p.adcRange === 'fixed'
          ? fixedGrid(p.adcLevels, B, signed, fixedFullScaleAmperes(this.config, this.chip))
          : calibratedGrid(p.adcLevels, B, signed, this.calibration.adcFullScale![gi]!);
      const { step, origin, kMin, kMax } = grid;
      const codes = currents.map((I, t) => {
        const noisy = withNoise(I, t, step);
        const k = this.adcRound(tf.div(origin !== 0 ? tf.sub(noisy, origin) : noisy, step));
        track(k);
        return tf.clipByValue(k, kMin, kMax);
      });
      return { q: sum(codes), scale: step, offset: origin, clipped: flags(kMin, kMax) };
    }

    const minMax = p.adcLevels === 'minMax';
    const kMin =
      minMax || !signed ? 0 : p.adcLevels === 'powerOfTwo' ? -(2 ** (B - 1)) : -Math.max(1, 2 ** (B - 1) - 1);
    const kMax =
      minMax || !signed
        ? 2 ** B - 1
        : p.adcLevels === 'powerOfTwo'
          ? 2 ** (B - 1) - 1
          : Math.max(1, 2 ** (B - 1) - 1);
    const values = currents.map((I, t) => {
      let shaped: tf.Tensor;
      let lo: tf.Tensor, hi: tf.Tensor;
      if (p.adcDynamicScope === 'rowTile') {
        shaped = I.reshape([Z, -1]);
        ({ lo, hi } = ranges ? ranges[t]! : this.rowTileRange(I));
      } else {
        // One conversion per vector and column tile: group the columns by tile, [Z·M, tiles, perTile].
        const perTile = this.chip.groups[gi]!.perColumnTile ? 1 : this.plan.dataColsPerTile;
        const tiles = Math.ceil(cols / perTile);
        const pad = tiles * perTile - cols;
        shaped = (
          pad > 0
            ? tf.pad(I, [
                [0, 0],
                [0, pad],
              ])
            : I
        ).reshape([ZM, tiles, perTile]);
        if (!minMax) {
          // Only max|I| matters, and padding zeros never raise it.
          hi = tf.max(tf.abs(shaped), 2, true);
          lo = hi;
        } else if (pad === 0) {
          lo = tf.min(shaped, 2, true);
          hi = tf.max(shaped, 2, true);
        } else {
          // The last column tile is partial: its range comes from its real columns only.
          const fullCols = (tiles - 1) * perTile;
          const rest = I.slice([0, fullCols], [ZM, cols - fullCols]).reshape([ZM, 1, -1]);
          const full = fullCols > 0 ? I.slice([0, 0], [ZM, fullCols]).reshape([ZM, -1, perTile]) : null;
          const both = (f: (x: tf.Tensor) => tf.Tensor) =>
            full ? tf.concat([f(full), f(rest)], 1) : f(rest);
          lo = both((x) => tf.min(x, 2, true));
          hi = both((x) => tf.max(x, 2, true));
        }
      }
      let step: tf.Tensor;
      let origin: tf.Tensor | null = null;
      if (minMax) {
        step = tf.div(tf.sub(hi, lo), 2 ** B);
        origin = lo;
      } else {
        const fs = lo === hi ? hi : tf.maximum(tf.abs(lo), tf.abs(hi));
        if (p.adcLevels === 'powerOfTwo') {
          const e = tf.ceil(tf.div(tf.log(tf.add(fs, POW2_EPS_AMPERES)), Math.LN2));
          step = tf.pow(tf.scalar(2), tf.sub(e, signed ? B - 1 : B));
        } else step = tf.div(fs, kMax);
      }
      step = tf.maximum(step, 1e-30);
      const noisy = withNoise(shaped, t, step);
      const k = this.adcRound(tf.div(origin ? tf.sub(noisy, origin) : noisy, step));
      const scaled = tf.mul(step, tf.clipByValue(k, kMin, kMax));
      const q = origin ? tf.add(origin, scaled) : scaled;
      const back = (x: tf.Tensor) => {
        const flat = x.reshape([ZM, -1]);
        return flat.shape[1] === cols ? flat : flat.slice([0, 0], [ZM, cols]);
      };
      track(back(k));
      return back(q);
    });
    return { q: sum(values), scale: 1, offset: 0, clipped: flags(kMin, kMax) };
  }

  /** Shift-add over the input cycles: Σ_z w_z·(·) of [Z·M, cols] → [M, cols]. */
  private shiftAdd(values: tf.Tensor2D): tf.Tensor2D {
    const w = this.dac.cycleWeights;
    if (w.length === 1) return values;
    const [ZM, cols] = values.shape;
    const M = ZM / w.length;
    // [1, Z] × [Z, M·cols]: one kernel, no per-cycle slices.
    const row = tf.tensor2d(Float32Array.from(w), [1, w.length]);
    return tf.matMul(row, values.reshape([w.length, M * cols])).reshape([M, cols]);
  }

  private forwardTiled(x: tf.Tensor, readRng: Rng): tf.Tensor {
    const p = this.config.periphery;
    const chip = this.chip;
    const reductions = boundReductions(this.config);
    const { count, patches, outShape } = this.chunks(x);
    const G = chip.groups.length;
    const T = this.plan.rowTiles;
    const adcOn = p.adcBits > 0;
    const noise = this.hasReadNoise();
    const adcNoise = adcOn && p.adcNoise.enabled && p.adcNoise.sigmaLsb > 0;
    const rowTileRanges = adcOn && p.adcRange === 'dynamic' && p.adcDynamicScope === 'rowTile';

    // Seeds drawn up front in a fixed order, so chunking and two-pass ranges reuse the same draws.
    let batch: BatchWeights | null = null;
    if (redrawsPerBatch(this.config)) {
      // Drawn per forward call ('batch'), or once per input bit ('read': NeuroSim draws `torch.normal`
      // inside its loops over input bit z, kernel position (i, j) and sub-array s, and each device sits in
      // one (i, j, s), so that is one fresh draw per device and bit). Unvaried arrays (NeuroSim's dummy
      // column) keep their programmed conductances.
      const v = this.config.device.d2dVariation;
      const sigma = v.sigmaRelative;
      const additive = v.model === 'additive';
      const gMax = chip.gMaxSiemens;
      const draws = redrawsPerInputBit(this.config, this.dac) ? this.dac.cycleWeights.length : 1;
      const owned: tf.Tensor[] = [];
      const arrays = this.arrayTensors.map((parts, ai) => {
        if (!variesArray(this.config, chip.arrays[ai]!.role))
          return Array.from({ length: draws }, () => parts!);
        return Array.from({ length: draws }, () => {
          const seed = readRng.seed31();
          const rows = parts!.map((g) => g.shape[0]);
          const drawn = tf.tidy(() => {
            const xi = tf.randomNormal(
              [rows.reduce((a, b) => a + b, 0), parts![0]!.shape[1]],
              0,
              1,
              'float32',
              seed,
            );
            const xiParts = rows.length === 1 ? [xi] : tf.split(xi, rows, 0);
            // multiplicative G·(1 + σξ) (NeuroSim `remainderQ * normal(0, vari)`); additive G + σ·G_max·ξ.
            return parts!.map(
              (g, t) =>
                (additive
                  ? tf.add(g, tf.mul(sigma * gMax, xiParts[t]!))
                  : tf.mul(g, tf.add(1, tf.mul(sigma, xiParts[t]!)))) as tf.Tensor2D,
            );
          });
          owned.push(...drawn);
          return drawn;
        });
      });
      const vUnit = this.dac.voltsPerUnit;
      const groups = chip.groups.map((group) =>
        Array.from({ length: draws }, (_, z) =>
          arrays[group.terms[0]!.array]![z]!.map((_, t) =>
            tf.tidy(() => {
              const sum = group.terms
                .map((term) => tf.mul(arrays[term.array]![z]![t]!, term.sign))
                .reduce((a, b) => tf.add(a, b));
              return tf.mul(sum, vUnit) as tf.Tensor2D;
            }),
          ),
        ),
      );
      owned.push(...groups.flat(2));
      batch = { arrays, groups, owned };
    }
    const perTile = (on: boolean) => (on ? Array.from({ length: T }, () => readRng.seed31()) : null);
    const seeds = reductions.map(() =>
      Array.from({ length: count }, () =>
        Array.from({ length: G }, () => ({ read: perTile(noise), adc: perTile(adcNoise) })),
      ),
    );
    const nuGlobal = this.globalInputScale(x);

    const readAll = (chunk: number, ri: number, P: tf.Tensor2D, nu: tf.Tensor) => {
      const inputs = this.tileInputs(
        tf.div(P, tf.mul(nu, reductions[ri]!)) as tf.Tensor2D,
        (batch?.groups[0]?.length ?? 1) > 1,
      );
      return chip.groups.map((_, gi) => this.groupCurrents(gi, inputs, batch, seeds[ri]![chunk]![gi]!.read));
    };

    // Two-pass dynamic row-tile ranges when the batch is split (NeuroSim's range spans the whole batch).
    let ranges: Range[][][] | null = null;
    if (rowTileRanges && count > 1) {
      ranges = reductions.map((_, ri) => {
        let acc: Range[][] | null = null;
        for (let c = 0; c < count; c++) {
          const prev: Range[][] | null = acc;
          const step = tf.tidy((): Range[][] => {
            const P = patches(c);
            const nu = nuGlobal ?? this.vectorScale(P);
            return readAll(c, ri, P, nu).map((parts, gi) =>
              parts.map((I, t): Range => {
                const rg = this.rowTileRange(I);
                const a: Range | undefined = prev?.[gi]![t];
                return a ? { lo: tf.minimum(a.lo, rg.lo), hi: tf.maximum(a.hi, rg.hi) } : rg;
              }),
            );
          });
          if (prev) prev.flat().forEach((a) => tf.dispose([a.lo, a.hi]));
          acc = step;
        }
        return acc!;
      });
    }

    /** One read of vectors P at reduction index ri: y [M, N] (+ per-vector clip flags when asked). */
    const readLevel = (c: number, ri: number, P: tf.Tensor2D, nu: tf.Tensor, wantClip: boolean) => {
      const sumW = this.dac.cycleWeights.reduce((a, b) => a + b, 0);
      const currents = readAll(c, ri, P, nu);
      let acc: tf.Tensor | null = null;
      let clipped: tf.Tensor1D | null = null;
      for (let gi = 0; gi < G; gi++) {
        const group = chip.groups[gi]!;
        const parts = currents[gi]!;
        let read: tf.Tensor2D;
        let scale: AdcOutput['scale'] = 1;
        let offset: AdcOutput['offset'] = 0;
        if (adcOn) {
          const out = this.adc(
            gi,
            parts,
            ranges ? ranges[ri]![gi]! : null,
            seeds[ri]![c]![gi]!.adc,
            wantClip,
          );
          ({ q: read, scale, offset } = out);
          if (out.clipped)
            clipped = clipped ? (tf.maximum(clipped, out.clipped) as tf.Tensor1D) : out.clipped;
        } else read = sumParts(parts) as tf.Tensor2D;
        // Σ_t Σ_z w_z·(offset + scale·q) = scale·shiftAdd(Σ_t q) + offset·T·Σ_z w_z.
        const w = group.weightPerSiemens;
        let contribution: tf.Tensor = tf.mul(
          this.shiftAdd(read),
          typeof scale === 'number' ? w * scale : tf.mul(scale, w),
        );
        if (offset !== 0)
          contribution = tf.add(
            contribution,
            typeof offset === 'number' ? w * offset * T * sumW : tf.mul(offset, w * T * sumW),
          );
        if (group.perColumnTile) contribution = tf.gather(contribution, this.refIndex!, 1);
        acc = acc ? tf.add(acc, contribution) : contribution;
      }
      const y = tf.mul(acc!, tf.mul(nu, reductions[ri]! * this.dac.post * chip.driftCompensation));
      return { y, clipped };
    };

    // Bound management re-reads only the vectors that clipped, unless the ADC range of a read depends on
    // the other vectors read with it (dynamic row-tile range): then every reduction reads all vectors.
    // Choosing the vectors needs the clip flags on the CPU; without synchronous read-back (WebGPU) every
    // reduction reads every vector and masks pick each vector's result on the device.
    const subsetReads = !rowTileRanges;
    const readBack = this.options.syncReadBack;
    const outputs: tf.Tensor[] = [];
    for (let c = 0; c < count; c++) {
      outputs.push(
        tf.tidy(() => {
          const P = patches(c);
          const M = P.shape[0];
          const nu = nuGlobal ?? this.vectorScale(P);
          if (reductions.length === 1) return readLevel(c, 0, P, nu, false).y;
          if (!readBack) {
            // From the last reduction back: a vector keeps reduction ri's result unless ri's reads clipped.
            const last = reductions.length - 1;
            let y = readLevel(c, last, P, nu, false).y;
            for (let ri = last - 1; ri >= 0; ri--) {
              const read = readLevel(c, ri, P, nu, true);
              // No ADC, no clipping: the first reduction stands (as on the read-back path).
              y = read.clipped ? tf.where(tf.greater(read.clipped.reshape([M, 1]), 0), y, read.y) : read.y;
            }
            return y;
          }
          // Keep, per vector, the first reduction whose reads did not clip (the last one regardless).
          const pieces: tf.Tensor[] = [];
          const pick = new Int32Array(M);
          const done = new Uint8Array(M);
          let rows: Int32Array | null = null;
          let offset = 0;
          for (let ri = 0; ri < reductions.length; ri++) {
            const last = ri === reductions.length - 1;
            const index = rows ? tf.tensor1d(rows, 'int32') : null;
            const Ps = index ? (tf.gather(P, index) as tf.Tensor2D) : P;
            const nus = index && !nuGlobal ? tf.gather(nu, index) : nu;
            const { y, clipped } = readLevel(c, ri, Ps, nus, !last);
            const flags = clipped ? clipped.dataSync() : null;
            pieces.push(y);
            const n = Ps.shape[0];
            const next: number[] = [];
            for (let j = 0; j < n; j++) {
              const m = rows ? rows[j]! : j;
              if (done[m]) continue;
              if (last || !flags || !flags[j]) {
                done[m] = 1;
                pick[m] = offset + j;
              } else next.push(m);
            }
            offset += n;
            if (next.length === 0) break;
            if (subsetReads) rows = Int32Array.from(next);
          }
          const all = pieces.length === 1 ? pieces[0]! : tf.concat(pieces, 0);
          return tf.gather(all, tf.tensor1d(pick, 'int32'));
        }),
      );
    }
    if (ranges) ranges.flat(2).forEach((rg) => tf.dispose([rg.lo, rg.hi]));
    if (batch) tf.dispose(batch.owned);
    const y = outputs.length === 1 ? outputs[0]! : tf.concat(outputs, 0);
    if (outputs.length > 1) tf.dispose(outputs);
    return y.reshape(outShape);
  }

  calibrate(x: tf.Tensor): void {
    this.assertLive();
    const p = this.config.periphery;
    if (p.inputScaling === 'calibrated') {
      const previous = this.calibration.inputScale;
      this.calibration.inputScale = tf.keep(
        tf.tidy(() => {
          // The maximum is exact; other percentiles come from a strided sample.
          const abs = tf.abs(x);
          const q = p.inputCalibrationPercentile;
          const v = q >= 100 ? tf.max(abs) : absPercentileOnDevice(strided(abs), q);
          return tf.where(tf.greater(v, 0), v, tf.onesLike(v)) as tf.Scalar;
        }),
      );
      previous?.dispose();
    }
    if (p.adcRange !== 'calibrated' || p.adcBits === 0) return;
    const { count, patches } = this.chunks(x);
    const percentile = p.adcCalibrationPercentile;
    // Per group: the running max |I| (percentile 100) or the strided samples of |I| of every chunk.
    let kept: tf.Tensor[] | null = null;
    for (let c = 0; c < count; c++) {
      const previous: tf.Tensor[] | null = kept;
      kept = tf.tidy(() => {
        const P = patches(c);
        const nuGlobal = this.globalInputScale(x);
        const nu = nuGlobal ?? this.vectorScale(P);
        const inputs = this.tileInputs(tf.div(P, nu) as tf.Tensor2D);
        return this.chip.groups.map((_, gi) => {
          // Stacked [T, Z·M, cols], so the sample strides over every row tile's read.
          const abs = tf.abs(tf.stack(this.groupCurrents(gi, inputs, null, null)));
          if (percentile >= 100) return previous ? tf.maximum(previous[gi]!, tf.max(abs)) : tf.max(abs);
          const sampled = strided(abs);
          return previous ? tf.concat([previous[gi]!, sampled]) : sampled;
        });
      });
      if (previous) tf.dispose(previous);
    }
    // Kept: a calibration pass runs inside the model's tidy, which must not free the ranges.
    const fullScale = kept!.map((k) =>
      tf.keep(
        percentile >= 100
          ? (k as tf.Scalar)
          : tf.tidy(() => absPercentileOnDevice(k as tf.Tensor1D, percentile)),
      ),
    );
    if (percentile < 100) tf.dispose(kept!);
    if (this.calibration.adcFullScale) tf.dispose(this.calibration.adcFullScale);
    this.calibration.adcFullScale = fullScale;
  }

  async readCalibration(): Promise<CalibrationState> {
    const { inputScale, adcFullScale } = this.calibration;
    const read = async (t: tf.Scalar) => (await t.data())[0]!;
    return {
      inputScale: inputScale ? await read(inputScale) : null,
      adcFullScaleAmperes: adcFullScale ? await Promise.all(adcFullScale.map(read)) : null,
    };
  }

  async inspectTile(rowTile: number, colTile: number): Promise<TileInspection> {
    const e = tileExtent(this.plan, rowTile, colTile);
    const rowIndex = this.plan.tileRowIndex[rowTile]!;
    const chip = this.chip;
    const calibrated = (await this.readCalibration()).adcFullScaleAmperes;
    return {
      rowTile,
      colTile,
      rows: e.rows,
      rowIndex: Int32Array.from(rowIndex),
      unrolling: { kernelSize: this.spec.kernelSize, inChannels: this.spec.inChannels },
      dataCols: e.dataCols,
      readPeriphery: readsWithIdealConverters(this.spec, this.config.periphery)
        ? this.config.periphery
        : null,
      gMinSiemens: chip.gMinSiemens,
      gMaxSiemens: chip.gMaxSiemens,
      arrays: chip.arrays.map((a) => {
        const ref = a.role === 'reference';
        const c0 = ref ? colTile : e.col0;
        const cols = ref ? 1 : e.dataCols;
        const pick = <T extends Float32Array | Uint8Array>(src: T, make: (n: number) => T): T => {
          const out = make(e.rows * cols);
          for (let r = 0; r < e.rows; r++)
            for (let c = 0; c < cols; c++) out[r * cols + c] = src[rowIndex[r]! * a.cols + c0 + c]!;
          return out;
        };
        return {
          label: a.label,
          role: a.role,
          slice: a.slice,
          cols,
          gSiemens: pick(a.gSiemens, (n) => new Float32Array(n)),
          targetSiemens: pick(a.targetSiemens, (n) => new Float32Array(n)),
          stuck: a.stuck ? pick(a.stuck, (n) => new Uint8Array(n)) : null,
        };
      }),
      adcFullScaleAmperes:
        this.config.periphery.adcRange === 'fixed'
          ? chip.groups.map(() => fixedFullScaleAmperes(this.config, chip))
          : this.config.periphery.adcRange === 'calibrated'
            ? calibrated
            : null,
    };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const all: (tf.Tensor | null)[] = [
      ...this.arrayTensors.flat(),
      ...this.arrayRowWeighted.flat(),
      ...this.groupTensors.flatMap((g) => [...(g.g ?? []), ...(g.variance ?? [])]),
      ...(this.rowWeight ?? []),
      this.refIndex,
      this.inputSplit.kind === 'gather' ? this.inputSplit.index : null,
      this.fusedWeight,
      this.biasTensor,
      this.calibration.inputScale,
      ...(this.calibration.adcFullScale ?? []),
    ];
    tf.dispose(all.filter((t): t is tf.Tensor => t !== null));
  }

  private assertLive() {
    if (this.disposed) throw new Error(`analog layer ${this.spec.name} was disposed`);
  }
}

/**
 * The parts x[0], x[1], … of a tensor along its first axis. On wasm, Slice (and so tf.unstack, tf.split)
 * copies its whole input for every slice, O(n²) in all, and Gather / StridedSlice index each element: one
 * read-back and a cut in JS is several times faster. Other backends slice on the device.
 */
function firstAxisParts(x: tf.Tensor): tf.Tensor[] {
  const n = x.shape[0]!;
  const rest = x.shape.slice(1);
  if (n === 1) return [x.reshape(rest)];
  if (tf.getBackend() !== 'wasm') return tf.unstack(x);
  const values = x.dataSync() as Float32Array;
  const size = values.length / n;
  return Array.from({ length: n }, (_, i) =>
    tf.tensor(values.subarray(i * size, (i + 1) * size), rest, 'float32'),
  );
}

/** A strided sample (≤ CALIBRATION_SAMPLE_CAP values) of a tensor, flattened. */
function strided(t: tf.Tensor): tf.Tensor1D {
  const f = t.reshape([-1]) as tf.Tensor1D;
  const stride = Math.ceil(f.size / CALIBRATION_SAMPLE_CAP);
  return stride > 1 ? (tf.stridedSlice(f, [0], [f.size], [stride]) as tf.Tensor1D) : f;
}

/**
 * tfjs-webgpu's AddN binds every input as a storage buffer and, past the device's limit (8 per shader
 * stage by default, one for the output), silently returns garbage; so at most this many at a time.
 */
const ADD_N_MAX_INPUTS = 6;

/** Σ parts (same shapes), summed ADD_N_MAX_INPUTS at a time. */
export function sumParts(parts: readonly tf.Tensor[]): tf.Tensor {
  if (parts.length === 1) return parts[0]!;
  if (parts.length <= ADD_N_MAX_INPUTS) return tf.addN(parts as tf.Tensor[]);
  const partial: tf.Tensor[] = [];
  for (let i = 0; i < parts.length; i += ADD_N_MAX_INPUTS)
    partial.push(sumParts(parts.slice(i, i + ADD_N_MAX_INPUTS)));
  return sumParts(partial);
}

/**
 * mapping.ts `absPercentile` on the device, for non-negative values: linear interpolation between the
 * sorted values at p/100·(n − 1), both taken from tf.topk's descending order (index n − 1 − i holds the
 * i-th smallest). The schema keeps p above 50, so topk never returns more than about half the values.
 */
function absPercentileOnDevice(values: tf.Tensor1D, p: number): tf.Scalar {
  const n = values.size;
  if (n === 0) return tf.scalar(0);
  if (p >= 100) return tf.max(values);
  const pos = (p / 100) * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  const top = tf.topk(values, n - lo).values;
  const a = top.slice([n - 1 - lo], [1]);
  const b = top.slice([n - 1 - hi], [1]);
  return tf.add(a, tf.mul(tf.sub(b, a), pos - lo)).reshape([]) as tf.Scalar;
}

/** chip.ts `adcGrid` for a fixed full scale fs (amperes). */
function fixedGrid(levels: AdcLevels, bits: number, signed: boolean, fs: number): TensorGrid {
  const grid = adcGrid(levels, bits, signed, signed ? -fs : 0, fs);
  return { ...grid, step: Math.fround(Math.max(grid.step, 1e-30)) };
}

/** chip.ts `adcGrid` for a calibrated full scale held on the device (same formulas, as tensor ops). */
function calibratedGrid(levels: AdcLevels, bits: number, signed: boolean, fs: tf.Scalar): TensorGrid {
  const { kMin, kMax } = adcGrid(levels, bits, signed, signed ? -1 : 0, 1);
  let step: tf.Tensor;
  if (levels === 'minMax') step = tf.mul(fs, (signed ? 2 : 1) / 2 ** bits);
  else if (levels === 'powerOfTwo') {
    const e = tf.ceil(tf.div(tf.log(tf.add(fs, POW2_EPS_AMPERES)), Math.LN2));
    step = tf.pow(tf.scalar(2), tf.sub(e, signed ? bits - 1 : bits));
  } else step = tf.div(fs, kMax);
  return {
    step: tf.maximum(step, 1e-30) as tf.Scalar,
    origin: levels === 'minMax' && signed ? (tf.neg(fs) as tf.Scalar) : 0,
    kMin,
    kMax,
  };
}

type AdcLevels = ExperimentConfig['periphery']['adcLevels'];

/** An ADC grid (chip.ts adcGrid) whose step and origin may live on the device. */
interface TensorGrid {
  step: number | tf.Scalar;
  origin: number | tf.Scalar;
  kMin: number;
  kMax: number;
}
