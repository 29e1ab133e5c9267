/**
 * Analog conv2d / dense layers on tfjs ops available on every backend (cpu, wasm, webgl, webgpu).
 * Semantics: `chip.ts` (header comment); float64 reference: `reference.ts`.
 *
 * Efficiency: conductances are held per read group as [rowTiles, R, N] tensors, so every row-tile's
 * partial sums come from one batched tf.matMul([T, vectors, R] × [T, R, N]); ADC, noise and shift-add are
 * elementwise tf ops on that product. Per-read noise variance is a second batched matmul of V² with σ²(G).
 * Layers whose read is linear (no ADC, no per-read effect) fold everything into one effective weight and
 * run a single tf.conv2d / tf.matMul (the fused path). Large batches are processed in chunks.
 */
import * as tf from '@tensorflow/tfjs';
import {
  adcSigned,
  boundReductions,
  dacSettings,
  fixedFullScaleAmperes,
  isLinearRead,
  programChip,
  redrawsPerBatch,
  POW2_EPS_AMPERES,
  type CalibrationState,
  type DacSettings,
  type ProgrammedChip,
} from './chip';
import type { ExperimentConfig } from './config';
import { decodeWeights, absPercentile } from './mapping';
import type { Rng } from './rng';
import { convPadding, im2col } from './im2col';
import { tileExtent, type AnalogLayerSpec, type ArrayRole, type TilePlan } from './tiling';

export interface TileInspection {
  rowTile: number;
  colTile: number;
  rows: number;
  dataCols: number;
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
  /** Records the input range and ADC ranges ('calibrated' modes) from a calibration batch. */
  calibrate(x: tf.Tensor): void;
  readonly calibration: CalibrationState;
  inspectTile(rowTile: number, colTile: number): TileInspection;
  dispose(): void;
}

/** Samples kept per group to estimate a calibration percentile (the maximum is always exact). */
const CALIBRATION_SAMPLE_CAP = 1 << 20;

/**
 * Programs a layer's weights onto a simulated chip, drawing the 'programming' randomness from `rng`.
 * kernel: conv HWIO [kh, kw, cin, cout], dense [in, out].
 */
export function programAnalogLayer(
  spec: AnalogLayerSpec,
  kernel: tf.Tensor,
  bias: tf.Tensor1D | null,
  config: ExperimentConfig,
  rng: Rng,
): AnalogLayer {
  const chip = programChip(spec, kernel.dataSync(), bias ? bias.dataSync() : null, config, rng);
  return new TfAnalogLayer(chip, config);
}

interface GroupTensors {
  /** Σ sign·G over the terms, [T, R, cols] (null when redrawn each batch). */
  g: tf.Tensor3D | null;
  /** Σ σ²(G) over the terms, [T, R, cols] (null: read noise off). */
  variance: tf.Tensor3D | null;
  cols: number;
  signed: boolean;
}

type Range = { lo: tf.Tensor; hi: tf.Tensor };

class TfAnalogLayer implements AnalogLayer {
  readonly spec: AnalogLayerSpec;
  readonly plan: TilePlan;
  readonly calibration: CalibrationState = { inputScale: null, adcFullScaleAmperes: null };
  private readonly dac: DacSettings;
  private readonly groupTensors: GroupTensors[];
  /** Per-array conductances [T, R, cols] (only when IR drop or per-batch variation needs them). */
  private readonly arrayTensors: (tf.Tensor3D | null)[];
  private readonly rowWeight: tf.Tensor3D | null;
  private readonly refIndex: tf.Tensor1D | null;
  private readonly fusedWeight: tf.Tensor2D | null;
  private readonly biasTensor: tf.Tensor1D | null;
  private disposed = false;

  constructor(
    readonly chip: ProgrammedChip,
    private readonly config: ExperimentConfig,
  ) {
    this.spec = chip.spec;
    this.plan = chip.plan;
    this.dac = dacSettings(config, chip);
    const { rowTiles: T, tileRows: R, dataColsPerTile: Cd } = chip.plan;
    const K = chip.K;
    const d = config.device;
    const toTiles = (values: Float32Array, cols: number) =>
      tf.tidy(
        () =>
          tf
            .tensor2d(values, [K, cols])
            .pad([
              [0, T * R - K],
              [0, 0],
            ])
            .reshape([T, R, cols]) as tf.Tensor3D,
      );

    const needArrays = d.irDrop.enabled || redrawsPerBatch(config);
    this.arrayTensors = chip.arrays.map((a) => (needArrays ? toTiles(a.gSiemens, a.cols) : null));
    this.rowWeight = d.irDrop.enabled
      ? tf.tensor3d(
          Float32Array.from({ length: R }, (_, r) => 1 - (1 - r / R) ** 2),
          [1, R, 1],
        )
      : null;
    this.groupTensors = chip.groups.map((group) => {
      const cols = chip.arrays[group.terms[0]!.array]!.cols;
      const combine = (source: (i: number) => Float32Array | null, signed: boolean) => {
        const sum = new Float32Array(K * cols);
        let any = false;
        for (const term of group.terms) {
          const v = source(term.array);
          if (!v) continue;
          any = true;
          const f = signed ? term.sign : 1;
          for (let i = 0; i < sum.length; i++) sum[i]! += f * v[i]!;
        }
        return any ? toTiles(sum, cols) : null;
      };
      return {
        g: redrawsPerBatch(config) ? null : combine((i) => chip.arrays[i]!.gSiemens, true),
        variance: combine((i) => chip.readVariance[i] ?? null, false),
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
            decodeWeights(chip.arrays, chip.groups, K, chip.N, Cd),
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
    if (p.adcRange === 'calibrated' && p.adcBits > 0 && this.calibration.adcFullScaleAmperes === null)
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
    if (mode === 'calibrated') return tf.scalar(this.calibration.inputScale!);
    const m = tf.max(tf.abs(x));
    return tf.where(tf.greater(m, 0), m, tf.onesLike(m)) as tf.Scalar;
  }

  /** DAC value q/d (or x̃) of scaled inputs; bit-serial shift-add of an ideal read gives the same. */
  private dacValue(xs: tf.Tensor): tf.Tensor {
    const dac = this.dac;
    if (dac.bits === 0) return xs;
    const clipped = tf.clipByValue(xs, dac.signed ? -1 : 0, 1);
    return tf.div(this.roundCodes(tf.mul(clipped, dac.qMaxCode)), dac.divisor);
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
    const T = this.plan.rowTiles;
    const Z = this.dac.cycleWeights.length;
    const widest = Math.max(this.plan.tileRows, this.chip.N, this.plan.colTiles * this.plan.dataColsPerTile);
    let vectorsPerImage = 1;
    let outShape = [B, this.chip.N];
    if (spec.kind === 'conv') {
      const { outH, outW } = convPadding(spec, x.shape[1]!, x.shape[2]!);
      vectorsPerImage = outH * outW;
      outShape = [B, outH, outW, this.chip.N];
    }
    const perImage = vectorsPerImage * Math.max(Z * T * widest * 2, this.chip.K);
    const imagesPerChunk = Math.max(1, Math.floor(this.config.periphery.maxChunkElements / perImage));
    const count = Math.ceil(B / imagesPerChunk);
    const patches = (i: number) => {
      const b0 = i * imagesPerChunk;
      const nb = Math.min(imagesPerChunk, B - b0);
      const part = count === 1 ? x : x.slice(b0, nb);
      return spec.kind === 'conv' ? im2col(part as tf.Tensor4D, spec) : (part as tf.Tensor2D);
    };
    return { count, patches, outShape };
  }

  /** Voltages in tiles: [T, Z·M, R] from scaled inputs xs [M, K]. */
  private tiledVolts(xs: tf.Tensor2D): tf.Tensor3D {
    const dac = this.dac;
    const { rowTiles: T, tileRows: R } = this.plan;
    const K = this.chip.K;
    let units: tf.Tensor2D;
    if (dac.bits === 0) units = xs;
    else {
      const clipped = tf.clipByValue(xs, dac.signed ? -1 : 0, 1);
      const q = this.roundCodes(tf.mul(clipped, dac.qMaxCode));
      if (!dac.bitSerial) units = q as tf.Tensor2D;
      else {
        // Two's complement of the signed code; bit z = ⌊u/2^z⌋ mod 2, cycles stacked along the rows.
        const u = dac.signed ? tf.where(tf.less(q, 0), tf.add(q, 2 ** dac.bits), q) : q;
        const bits = dac.cycleWeights.map((_, z) => tf.mod(tf.floor(tf.div(u, 2 ** z)), 2));
        units = tf.concat(bits, 0) as tf.Tensor2D;
      }
    }
    const M = units.shape[0];
    const v = tf.mul(units, dac.voltsPerUnit);
    const padded =
      T * R > K
        ? tf.pad(v, [
            [0, 0],
            [0, T * R - K],
          ])
        : v;
    return tf.transpose(padded.reshape([M, T, R]), [1, 0, 2]) as tf.Tensor3D;
  }

  /** Analog currents of one group, [T, Z·M, cols], with IR drop and (when seeded) per-read noise. */
  private groupCurrents(
    gi: number,
    volts: tf.Tensor3D,
    batchArrays: (tf.Tensor3D | null)[] | null,
    noiseSeed: number | null,
  ): tf.Tensor3D {
    const group = this.chip.groups[gi]!;
    const gt = this.groupTensors[gi]!;
    const d = this.config.device;
    const arrayOf = (i: number) => (batchArrays ? batchArrays[i]! : this.arrayTensors[i]!);
    let current: tf.Tensor3D;
    if (gt.g) current = tf.matMul(volts, gt.g);
    else
      current = group.terms
        .map((t) => tf.mul(tf.matMul(volts, arrayOf(t.array)), t.sign) as tf.Tensor3D)
        .reduce((a, b) => tf.add(a, b));
    if (d.irDrop.enabled) {
      const R = this.plan.tileRows;
      const gMax = this.chip.gMaxSiemens;
      const gRatio = 1 / d.irDrop.wireResistanceOhms / gMax;
      const absV = tf.abs(volts);
      for (const term of group.terms) {
        const g = arrayOf(term.array);
        const a = tf.mul(tf.matMul(absV, g), R / gRatio / (gMax * this.config.periphery.vReadVolts));
        const c = tf.mul(a, tf.add(tf.mul(a, tf.sub(tf.mul(a, 0.05), 0.2)), 0.5));
        const weighted = tf.matMul(volts, tf.mul(g, this.rowWeight!) as tf.Tensor3D);
        current = tf.sub(current, tf.mul(tf.mul(c, weighted), d.irDrop.scale * term.sign));
      }
    }
    if (noiseSeed !== null) {
      let variance: tf.Tensor | null = gt.variance ? tf.matMul(tf.square(volts), gt.variance) : null;
      if (d.outputNoise.enabled) {
        const s =
          d.outputNoise.sigmaFracOfGmaxCurrent * this.chip.gMaxSiemens * this.config.periphery.vReadVolts;
        variance = variance ? tf.add(variance, s * s) : tf.fill(current.shape, s * s);
      }
      if (variance)
        current = tf.add(
          current,
          tf.mul(tf.sqrt(variance), tf.randomNormal(current.shape, 0, 1, 'float32', noiseSeed)),
        );
    }
    return current;
  }

  private hasReadNoise(): boolean {
    const d = this.config.device;
    return d.readNoise.enabled || d.outputNoise.enabled;
  }

  /** Dynamic row-tile range (min, max over vectors and columns) of a [T, Z·M, cols] read: [T, Z, 1, 1]. */
  private rowTileRange(current: tf.Tensor3D): Range {
    const [T, ZM, cols] = current.shape;
    const Z = this.dac.cycleWeights.length;
    const r = current.reshape([T, Z, ZM / Z, cols]);
    return { lo: tf.min(r, [2, 3], true), hi: tf.max(r, [2, 3], true) };
  }

  /**
   * ADC of one group's currents: returns Q(I) [T, Z·M, cols] and a per-read clip flag [T, Z·M, cols].
   * `range`: the precomputed dynamic row-tile range, when the batch was split into chunks.
   */
  private adc(
    gi: number,
    current: tf.Tensor3D,
    range: Range | null,
    adcSeed: number | null,
  ): { q: tf.Tensor3D; beyond: tf.Tensor3D } {
    const p = this.config.periphery;
    const gt = this.groupTensors[gi]!;
    const signed = gt.signed;
    const B = p.adcBits;
    const [T, ZM, cols] = current.shape;
    const Z = this.dac.cycleWeights.length;
    let shaped: tf.Tensor = current;
    let lo: tf.Tensor, hi: tf.Tensor;
    if (p.adcRange === 'fixed' || p.adcRange === 'calibrated') {
      const fs =
        p.adcRange === 'fixed'
          ? fixedFullScaleAmperes(this.config, this.chip)
          : this.calibration.adcFullScaleAmperes![gi]!;
      lo = tf.scalar(signed ? -fs : 0);
      hi = tf.scalar(fs);
    } else if (p.adcDynamicScope === 'rowTile') {
      shaped = current.reshape([T, Z, ZM / Z, cols]);
      ({ lo, hi } = range ?? this.rowTileRange(current));
    } else {
      // One conversion per vector and column tile: group the columns by tile.
      const perTile = this.chip.groups[gi]!.perColumnTile ? 1 : this.plan.dataColsPerTile;
      const tiles = Math.ceil(cols / perTile);
      const padded =
        tiles * perTile > cols
          ? tf.pad(current, [
              [0, 0],
              [0, 0],
              [0, tiles * perTile - cols],
            ])
          : current;
      shaped = padded.reshape([T, ZM, tiles, perTile]);
      // Padding zeros never widen a range that must contain the real values... except min/max of an
      // all-positive or all-negative tile, so mask them out with ±Infinity.
      const valid = tf
        .tensor1d(Float32Array.from({ length: tiles * perTile }, (_, i) => (i < cols ? 1 : 0)))
        .reshape([1, 1, tiles, perTile]);
      const isValid = tf.greater(valid, 0);
      lo = tf.min(tf.where(isValid, shaped, tf.fill(shaped.shape, Infinity)), 3, true);
      hi = tf.max(tf.where(isValid, shaped, tf.fill(shaped.shape, -Infinity)), 3, true);
    }
    if (p.adcRange === 'dynamic' && p.adcLevels !== 'minMax') {
      const fs = tf.maximum(tf.abs(lo), tf.abs(hi));
      lo = signed ? tf.neg(fs) : tf.zerosLike(fs);
      hi = fs;
    }
    // Grid: origin + step·clip(rnd((I − origin)/step), kMin, kMax) (chip.ts adcGrid).
    let step: tf.Tensor, origin: tf.Tensor, kMin: number, kMax: number;
    if (p.adcLevels === 'minMax') {
      step = tf.div(tf.sub(hi, lo), 2 ** B);
      origin = lo;
      kMin = 0;
      kMax = 2 ** B - 1;
    } else {
      const fs = tf.maximum(tf.abs(lo), tf.abs(hi));
      origin = tf.scalar(0);
      if (p.adcLevels === 'powerOfTwo') {
        const e = tf.ceil(tf.div(tf.log(tf.add(fs, POW2_EPS_AMPERES)), Math.LN2));
        step = tf.pow(tf.scalar(2), tf.sub(e, signed ? B - 1 : B));
        kMin = signed ? -(2 ** (B - 1)) : 0;
        kMax = signed ? 2 ** (B - 1) - 1 : 2 ** B - 1;
      } else {
        const q = signed ? Math.max(1, 2 ** (B - 1) - 1) : 2 ** B - 1;
        step = tf.div(fs, q);
        kMin = signed ? -q : 0;
        kMax = q;
      }
    }
    step = tf.maximum(step, 1e-30);
    let noisy = shaped;
    if (adcSeed !== null)
      noisy = tf.add(
        shaped,
        tf.mul(tf.mul(step, p.adcNoise.sigmaLsb), tf.randomNormal(shaped.shape, 0, 1, 'float32', adcSeed)),
      );
    const u = tf.div(tf.sub(noisy, origin), step);
    const k =
      p.adcRounding === 'floor'
        ? tf.floor(u)
        : p.adcRounding === 'halfUp'
          ? tf.floor(tf.add(u, 0.5))
          : tf.round(u);
    const q = tf.add(origin, tf.mul(step, tf.clipByValue(k, kMin, kMax)));
    const beyond = tf.logicalOr(
      tf.greater(noisy, tf.add(origin, tf.mul(step, kMax))),
      tf.less(noisy, tf.add(origin, tf.mul(step, kMin))),
    );
    const back = (t: tf.Tensor) => {
      const flat = t.reshape([T, ZM, -1]);
      return (flat.shape[2] === cols ? flat : flat.slice([0, 0, 0], [T, ZM, cols])) as tf.Tensor3D;
    };
    return { q: back(q), beyond: back(tf.cast(beyond, 'float32')) };
  }

  /** Shift-add: Σ_t Σ_z w_z·(·) → [M, cols]. */
  private shiftAdd(values: tf.Tensor3D): tf.Tensor2D {
    const [, ZM, cols] = values.shape;
    const Z = this.dac.cycleWeights.length;
    const summed = tf.sum(values, 0).reshape([Z, ZM / Z, cols]);
    const w = tf.tensor3d(Float32Array.from(this.dac.cycleWeights), [Z, 1, 1]);
    return tf.sum(tf.mul(summed, w), 0) as tf.Tensor2D;
  }

  private forwardTiled(x: tf.Tensor, readRng: Rng): tf.Tensor {
    const p = this.config.periphery;
    const chip = this.chip;
    const reductions = boundReductions(this.config);
    const { count, patches, outShape } = this.chunks(x);
    const G = chip.groups.length;
    const adcOn = p.adcBits > 0;
    const noise = this.hasReadNoise();
    const adcNoise = adcOn && p.adcNoise.enabled && p.adcNoise.sigmaLsb > 0;

    // Seeds drawn up front in a fixed order, so chunking and two-pass ranges reuse the same draws.
    let batchArrays: (tf.Tensor3D | null)[] | null = null;
    if (redrawsPerBatch(this.config)) {
      const sigma = this.config.device.d2dVariation.sigmaRelative;
      batchArrays = this.arrayTensors.map((a) => {
        const seed = readRng.seed31();
        return tf.mul(
          a!,
          tf.add(1, tf.mul(sigma, tf.randomNormal(a!.shape, 0, 1, 'float32', seed))),
        ) as tf.Tensor3D;
      });
    }
    const seeds = reductions.map(() =>
      Array.from({ length: count }, () =>
        Array.from({ length: G }, () => ({
          read: noise ? readRng.seed31() : null,
          adc: adcNoise ? readRng.seed31() : null,
        })),
      ),
    );
    const nuGlobal = this.globalInputScale(x);

    const readAll = (chunk: number, r: number, P: tf.Tensor2D, nu: tf.Tensor) => {
      const volts = this.tiledVolts(tf.div(P, tf.mul(nu, r)) as tf.Tensor2D);
      return chip.groups.map((_, gi) =>
        this.groupCurrents(gi, volts, batchArrays, seeds[reductions.indexOf(r)]![chunk]![gi]!.read),
      );
    };

    // Two-pass dynamic row-tile ranges when the batch is split (NeuroSim's range spans the whole batch).
    let ranges: Range[][] | null = null;
    if (adcOn && p.adcRange === 'dynamic' && p.adcDynamicScope === 'rowTile' && count > 1) {
      ranges = reductions.map((r) => {
        let acc: Range[] | null = null;
        for (let c = 0; c < count; c++) {
          const step = tf.tidy(() => {
            const P = patches(c);
            const nu = nuGlobal ?? this.vectorScale(P);
            const currents = readAll(c, r, P, nu);
            return currents.map((I, gi) => {
              const rg = this.rowTileRange(I);
              return acc ? { lo: tf.minimum(acc[gi]!.lo, rg.lo), hi: tf.maximum(acc[gi]!.hi, rg.hi) } : rg;
            });
          });
          if (acc) acc.forEach((a) => tf.dispose([a.lo, a.hi]));
          acc = step;
        }
        return acc!;
      });
    }

    const outputs: tf.Tensor[] = [];
    for (let c = 0; c < count; c++) {
      outputs.push(
        tf.tidy(() => {
          const P = patches(c);
          const M = P.shape[0];
          const nu = nuGlobal ?? this.vectorScale(P);
          let result: tf.Tensor | null = null;
          let done: tf.Tensor | null = null;
          reductions.forEach((r, ri) => {
            const currents = readAll(c, r, P, nu);
            let acc: tf.Tensor = tf.zeros([M, chip.N]);
            let clipped: tf.Tensor = tf.zeros([M, 1]);
            currents.forEach((I, gi) => {
              let read: tf.Tensor3D = I;
              if (adcOn) {
                const { q, beyond } = this.adc(
                  gi,
                  I,
                  ranges ? ranges[ri]![gi]! : null,
                  seeds[ri]![c]![gi]!.adc,
                );
                read = q;
                if (reductions.length > 1) {
                  const Z = this.dac.cycleWeights.length;
                  const [T, ZM, cols] = beyond.shape;
                  const perVector = tf.max(beyond.reshape([T, Z, ZM / Z, cols]), [0, 1, 3]).reshape([M, 1]);
                  clipped = tf.maximum(clipped, perVector);
                }
              }
              let contribution: tf.Tensor = this.shiftAdd(read);
              if (chip.groups[gi]!.perColumnTile) contribution = tf.gather(contribution, this.refIndex!, 1);
              acc = tf.add(acc, tf.mul(contribution, chip.groups[gi]!.weightPerSiemens));
            });
            const y = tf.mul(acc, tf.mul(nu, r * this.dac.post * chip.driftCompensation));
            // Keep the first reduction whose reads did not clip (the last one regardless).
            const last = ri === reductions.length - 1;
            const take = last ? tf.ones([M, 1]) : tf.sub(1, clipped);
            const select = done ? tf.mul(take, tf.sub(1, done)) : take;
            result = result ? tf.add(result, tf.mul(y, select)) : tf.mul(y, select);
            done = done ? tf.add(done, select) : select;
          });
          return result!;
        }),
      );
    }
    if (ranges) ranges.flat().forEach((rg) => tf.dispose([rg.lo, rg.hi]));
    if (batchArrays) tf.dispose(batchArrays.filter((a): a is tf.Tensor3D => a !== null));
    const y = outputs.length === 1 ? outputs[0]! : tf.concat(outputs, 0);
    if (outputs.length > 1) tf.dispose(outputs);
    return y.reshape(outShape);
  }

  calibrate(x: tf.Tensor): void {
    this.assertLive();
    const p = this.config.periphery;
    if (p.inputScaling === 'calibrated') {
      const v =
        p.inputCalibrationPercentile >= 100
          ? scalarOf(() => tf.max(tf.abs(x)))
          : absPercentile(sample(x), p.inputCalibrationPercentile);
      this.calibration.inputScale = v > 0 ? v : 1;
    }
    if (p.adcRange !== 'calibrated' || p.adcBits === 0) return;
    const { count, patches } = this.chunks(x);
    const G = this.chip.groups.length;
    const maxima = new Float64Array(G);
    const samples: Float32Array[][] = Array.from({ length: G }, () => []);
    for (let c = 0; c < count; c++) {
      const abs = tf.tidy(() => {
        const P = patches(c);
        const nuGlobal = this.globalInputScale(x);
        const nu = nuGlobal ?? this.vectorScale(P);
        const volts = this.tiledVolts(tf.div(P, nu) as tf.Tensor2D);
        return this.chip.groups.map((_, gi) => tf.abs(this.groupCurrents(gi, volts, null, null)));
      });
      abs.forEach((a, gi) => {
        maxima[gi] = Math.max(
          maxima[gi]!,
          scalarOf(() => tf.max(a)),
        );
        if (p.adcCalibrationPercentile < 100) samples[gi]!.push(sample(a));
      });
      tf.dispose(abs);
    }
    this.calibration.adcFullScaleAmperes = Array.from({ length: G }, (_, gi) => {
      if (p.adcCalibrationPercentile >= 100) return maxima[gi]!;
      const all = samples[gi]!;
      const merged = new Float32Array(all.reduce((s, a) => s + a.length, 0));
      let o = 0;
      for (const a of all) {
        merged.set(a, o);
        o += a.length;
      }
      return absPercentile(merged, p.adcCalibrationPercentile);
    });
  }

  inspectTile(rowTile: number, colTile: number): TileInspection {
    const e = tileExtent(this.plan, rowTile, colTile);
    const chip = this.chip;
    return {
      rowTile,
      colTile,
      rows: e.rows,
      dataCols: e.dataCols,
      gMinSiemens: chip.gMinSiemens,
      gMaxSiemens: chip.gMaxSiemens,
      arrays: chip.arrays.map((a) => {
        const ref = a.role === 'reference';
        const c0 = ref ? colTile : e.col0;
        const cols = ref ? 1 : e.dataCols;
        const pick = <T extends Float32Array | Uint8Array>(src: T, make: (n: number) => T): T => {
          const out = make(e.rows * cols);
          for (let r = 0; r < e.rows; r++)
            for (let c = 0; c < cols; c++) out[r * cols + c] = src[(e.row0 + r) * a.cols + c0 + c]!;
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
            ? this.calibration.adcFullScaleAmperes
            : null,
    };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const all: (tf.Tensor | null)[] = [
      ...this.arrayTensors,
      ...this.groupTensors.flatMap((g) => [g.g, g.variance]),
      this.rowWeight,
      this.refIndex,
      this.fusedWeight,
      this.biasTensor,
    ];
    tf.dispose(all.filter((t): t is tf.Tensor => t !== null));
  }

  private assertLive() {
    if (this.disposed) throw new Error(`analog layer ${this.spec.name} was disposed`);
  }
}

/** Reads one number from a tensor expression and frees it. */
function scalarOf(f: () => tf.Tensor): number {
  const t = tf.tidy(f);
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
}

/** A strided sample (≤ CALIBRATION_SAMPLE_CAP values) of a tensor's absolute values, in JS. */
function sample(t: tf.Tensor): Float32Array {
  const flat = tf.tidy(() => {
    const f = tf.abs(t).reshape([-1]) as tf.Tensor1D;
    const stride = Math.ceil(f.size / CALIBRATION_SAMPLE_CAP);
    return stride > 1 ? tf.stridedSlice(f, [0], [f.size], [stride]) : f;
  });
  const values = flat.dataSync() as Float32Array;
  flat.dispose();
  return Float32Array.from(values);
}
