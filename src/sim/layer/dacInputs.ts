/**
 * The inputs of a read (chip.ts steps 1–2): input range ν, DAC codes (multi-level or bit-serial), and
 * their row-tile parts [Z·M, rows_t] in DAC units (not volts). With one global ν the DAC acts on the layer
 * input itself (elementwise, so the same codes as on the patches, k² times fewer) and the patches are cut
 * straight into row tiles (`tilePatches.ts`); with per-vector ν (or bound management's vector subsets)
 * the DAC acts on im2col patches, which are then split into row tiles by a transpose and first-axis parts
 * (`firstAxisParts`: on wasm every slice copies its whole input). Large batches are read in chunks of
 * whole images.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { DacSettings, ProgrammedChip } from '../chip';
import type { ExperimentConfig } from '../config';
import { convPadding, im2col, type PatchOrder } from '../im2col';
import { partRowsOf, partWidthsOf } from './conductances';
import { patchGeometry, patchRuns, splitRowTiles, tilePatchTensors, type PatchRun } from './tilePatches';
import type { LayerState } from './state';

/**
 * How a read's inputs [V, K] (patch columns) become row-tile parts [V, partRows]: a run (tile t holds
 * columns t·P … t·P + P − 1: slice, pad, reshape) or a gather of each tile's columns (index K = a zero).
 */
export type InputSplit = { kind: 'run'; used: number } | { kind: 'gather'; index: tf.Tensor1D };

export interface InputLayout {
  /** Rows of the tallest row tile: the parts' stride while they are split on the device. */
  partRows: number;
  /** Rows of each row tile's part (`partWidthsOf`). */
  widths: number[];
  /** Per row tile, its columns as runs of the input's channels (`tilePatches.ts`). */
  runs: PatchRun[][];
  /** Column order of the im2col patches: channel-major when the tiles cut torch's (cin, kh, kw) order. */
  patchOrder: PatchOrder;
  split: InputSplit;
}

export function inputLayout(chip: ProgrammedChip, config: ExperimentConfig): InputLayout {
  const { rowTiles: T, tileRowIndex } = chip.plan;
  const partRows = partRowsOf(chip);
  // Patches come channel-major when the tiles cut torch's (cin, kh, kw) order, so each tile is a run.
  const cb = config.crossbar;
  const patchOrder =
    chip.spec.kind === 'conv' && cb.rowOrder === 'channelMajor' && cb.rowTiling === 'contiguous'
      ? 'channelMajor'
      : 'kernelMajor';
  const k2 = chip.spec.kernelSize ** 2;
  const C = chip.spec.inChannels;
  const column = (j: number) => (patchOrder === 'channelMajor' ? (j % C) * k2 + Math.floor(j / C) : j);
  const columns = tileRowIndex.map((rows) => Array.from(rows, column));
  const isRun = columns.every(
    (cols, t) => (t === T - 1 || cols.length === partRows) && cols.every((j, r) => j === t * partRows + r),
  );
  const runs = patchRuns(chip);
  const widths = partWidthsOf(chip);
  if (isRun)
    return {
      partRows,
      widths,
      runs,
      patchOrder,
      split: { kind: 'run', used: (T - 1) * partRows + columns[T - 1]!.length },
    };
  const index = new Int32Array(T * partRows).fill(chip.K);
  columns.forEach((cols, t) => cols.forEach((j, r) => (index[t * partRows + r] = j)));
  return {
    partRows,
    widths,
    runs,
    patchOrder,
    split: { kind: 'gather', index: tf.tensor1d(index, 'int32') },
  };
}

export function disposeInputLayout(layout: InputLayout): void {
  if (layout.split.kind === 'gather') layout.split.index.dispose();
}

/** Inputs of one read, split by row tile: [Z·M, rows_t] parts (DAC units, not volts). */
export interface TileInputs {
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

/** ν as a scalar tensor for the global modes (null for per-vector). */
export function globalInputScale(state: LayerState, x: tf.Tensor): tf.Scalar | null {
  const mode = state.config.periphery.inputScaling;
  if (mode === 'perVector') return null;
  if (mode === 'none') return tf.scalar(1);
  if (mode === 'calibrated') return state.calibration.inputScale!;
  const m = tf.max(tf.abs(x));
  return tf.where(tf.greater(m, 0), m, tf.onesLike(m)) as tf.Scalar;
}

/** Per-vector ν = max_j |x_j| (1 for an all-zero vector), [M, 1]. */
export function vectorScale(patches: tf.Tensor2D): tf.Tensor2D {
  const m = tf.max(tf.abs(patches), 1, true);
  return tf.where(tf.greater(m, 0), m, tf.onesLike(m)) as tf.Tensor2D;
}

/** DAC value q/d (or x̃) of scaled inputs; bit-serial shift-add of an ideal read gives the same. */
export function dacValue(dac: DacSettings, xs: tf.Tensor): tf.Tensor {
  if (dac.bits === 0) return xs;
  return tf.div(dacCodes(dac, xs), dac.divisor);
}

/** Integer DAC codes q of scaled inputs x̃: rnd(clip(x̃)/Δ) (f32Step, aihwkit's float32 order) or rnd(clip(x̃)·q_max). */
function dacCodes(dac: DacSettings, xs: tf.Tensor): tf.Tensor {
  const clipped = tf.clipByValue(xs, dac.signed ? -1 : 0, 1);
  const u = dac.codeStep !== null ? tf.div(clipped, dac.codeStep) : tf.mul(clipped, dac.qMaxCode);
  return dac.halfUp ? tf.floor(tf.add(u, 0.5)) : tf.round(u);
}

/**
 * What drives the rows, per input cycle, elementwise on scaled inputs xs (any shape): [x̃] (ideal DAC),
 * [q] (multi-level codes), or the bits z = 0 … B − 1 of q (bit-serial; two's complement when signed).
 */
function dacPlanes(dac: DacSettings, xs: tf.Tensor): tf.Tensor[] {
  if (dac.bits === 0) return [xs];
  const q = dacCodes(dac, xs);
  if (!dac.bitSerial) return [q];
  // Two's complement of the signed code; bit z = ⌊u/2^z⌋ mod 2.
  const u = dac.signed ? tf.where(tf.less(q, 0), tf.add(q, 2 ** dac.bits), q) : q;
  return dac.cycleWeights.map((_, z) => tf.mod(tf.floor(tf.div(u, 2 ** z)), 2));
}

/** Row-tile parts as TileInputs: the cycles stacked along the rows, or kept apart (one part list each). */
function asTileInputs(
  state: LayerState,
  parts: tf.Tensor2D[] | null,
  cycles: tf.Tensor2D[][] | null,
): TileInputs {
  if (cycles) return { units: null, squared: null, cycles };
  const noise = state.config.device.readNoise.enabled;
  return {
    units: parts,
    squared: noise ? parts!.map((v) => tf.square(v) as tf.Tensor2D) : null,
    cycles: null,
  };
}

/**
 * DAC units per row tile, [Z·M, rows_t] each, from scaled patches xs [M, K]. `keepCyclesApart`: each bit
 * reads its own weight draw, so each bit plane is split into row tiles on its own (splitting the stacked
 * planes apart again would copy them once more).
 */
export function tileInputs(state: LayerState, xs: tf.Tensor2D, keepCyclesApart = false): TileInputs {
  const planes = dacPlanes(state.dac, xs) as tf.Tensor2D[];
  if (keepCyclesApart && planes.length > 1)
    return asTileInputs(
      state,
      null,
      planes.map((b) => splitRowTiles(state, b)),
    );
  const units = planes.length === 1 ? planes[0]! : (tf.concat(planes, 0) as tf.Tensor2D);
  return asTileInputs(state, splitRowTiles(state, units), null);
}

/** Row-tile inputs per chunk: `of(c)` for chunk c. */
export interface ChunkInputs {
  of(chunk: number): TileInputs;
  /** Frees what the chunks share (the DAC planes of the whole batch). */
  dispose(): void;
}

/**
 * Row-tile inputs of every chunk of x read at one global scale s (x̃ = x/s): the DAC on x itself, then
 * the patches cut straight into row tiles. On CPU-resident backends (when the layer may read back) the
 * planes are read back once and every chunk's parts built in JS (`buildTilePatches`); elsewhere by im2col
 * and a split on the device.
 */
export function scaledChunkInputs(
  state: LayerState,
  x: tf.Tensor,
  scale: tf.Tensor,
  chunks: ReadChunks,
  keepCyclesApart = false,
): ChunkInputs {
  const planes = tf.tidy(() => dacPlanes(state.dac, tf.div(x, scale)));
  const apart = keepCyclesApart && planes.length > 1;
  const { layout } = state;
  if (state.syncReadBack && cpuResident()) {
    const g = patchGeometry(state.chip, x.shape);
    const build = (c: number, ps: readonly tf.Tensor[]) =>
      tilePatchTensors(ps, ...chunks.images(c), g, layout.runs, layout.widths);
    return {
      of: (c) =>
        apart
          ? asTileInputs(
              state,
              null,
              planes.map((p) => build(c, [p])),
            )
          : asTileInputs(state, build(c, planes), null),
      dispose: () => tf.dispose(planes),
    };
  }
  const patchesOf = (c: number, plane: tf.Tensor) => chunks.patchesOf(c, plane);
  return {
    of: (c) => {
      if (apart)
        return asTileInputs(
          state,
          null,
          planes.map((p) => splitRowTiles(state, patchesOf(c, p))),
        );
      const ps = planes.map((p) => patchesOf(c, p));
      const units = ps.length === 1 ? ps[0]! : (tf.concat(ps, 0) as tf.Tensor2D);
      return asTileInputs(state, splitRowTiles(state, units), null);
    },
    dispose: () => tf.dispose(planes),
  };
}

/** Tensors of the wasm and cpu backends live in CPU memory: reading them back is a copy, not a stall. */
function cpuResident(): boolean {
  const backend = tf.getBackend();
  return backend === 'wasm' || backend === 'cpu';
}

/**
 * f applied to row tile t's inputs: once to the stacked cycles [Z·M, ·] (z = 0), or to each cycle's
 * [M, ·] (z = its bit, for its own weight draw) with the results stacked back along the rows.
 */
export function overCycles(
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

/** A batch split into chunks of whole images (so no intermediate passes `periphery.maxChunkElements`). */
export interface ReadChunks {
  count: number;
  /** Images b0 … b1 − 1 of chunk c, as [b0, b1]. */
  images(c: number): [number, number];
  /** Chunk c's vectors as im2col patches [M_c, K] of x. */
  patches(c: number): tf.Tensor2D;
  /** Chunk c's patches of another tensor shaped like x (e.g. its DAC codes). */
  patchesOf(c: number, source: tf.Tensor): tf.Tensor2D;
  /** The layer's output shape for the whole batch. */
  outShape: number[];
}

export function readChunks(state: LayerState, x: tf.Tensor): ReadChunks {
  const { chip, dac, config, layout } = state;
  const spec = chip.spec;
  const plan = chip.plan;
  const B = x.shape[0]!;
  const Z = dac.cycleWeights.length;
  const widest = Math.max(plan.tileRows, chip.N, plan.colTiles * plan.dataColsPerTile);
  let vectorsPerImage = 1;
  let outShape = [B, chip.N];
  if (spec.kind === 'conv') {
    const { outH, outW } = convPadding(spec, x.shape[1]!, x.shape[2]!);
    vectorsPerImage = outH * outW;
    outShape = [B, outH, outW, chip.N];
  }
  const T = plan.rowTiles;
  const perImage = vectorsPerImage * Math.max(Z * T * widest * 2, chip.K);
  const imagesPerChunk = Math.max(1, Math.floor(config.periphery.maxChunkElements / perImage));
  const count = Math.ceil(B / imagesPerChunk);
  const images = (i: number): [number, number] => [i * imagesPerChunk, Math.min((i + 1) * imagesPerChunk, B)];
  const patchesOf = (i: number, source: tf.Tensor) => {
    const [b0, b1] = images(i);
    const part = count === 1 ? source : tf.slice(source, b0, b1 - b0);
    return spec.kind === 'conv'
      ? im2col(part as tf.Tensor4D, spec, layout.patchOrder)
      : (part as tf.Tensor2D);
  };
  return { count, images, patches: (i) => patchesOf(i, x), patchesOf, outShape };
}
