/**
 * Tiling plan of a layer onto R × C crossbar tiles (SPEC §2 "Tiling"). Pure and cheap: no tfjs, so the
 * UI's floorplan can call it on every config change.
 *
 * Unrolling order: a conv kernel HWIO [kh, kw, cin, cout] becomes W[K, N] with K = kh·kw·cin rows in
 * (kh, kw, cin) order, row index k = (i·kw + j)·cin + c — exactly tfjs's `kernel.reshape([kh*kw*cin, cout])`,
 * and the column order of the im2col patches built in `im2col.ts`. Dense kernels [in, out] are W as is.
 *
 * Rows split into row-tiles of R, columns into column-tiles of C (data columns per tile: C, or C − 1 for
 * the offset mapping, whose reference column lives inside each tile). Every polarity (G⁺, G⁻) and every
 * bit slice occupies its own set of rowTiles × colTiles tiles. The ADC digitises each row-tile's partial
 * sums; the digital periphery adds them across row-tiles, slices and input bits.
 */
import type { CrossbarConfig, PeripheryConfig } from './config';
import { sliceBitsOf } from './mapping';

export interface AnalogLayerSpec {
  name: string;
  kind: 'conv' | 'dense';
  inChannels: number;
  outChannels: number;
  /** Square kernel size; 1 for dense. */
  kernelSize: number;
  stride: number;
  padding: 'same' | 'valid' | number;
  /** Input feature-map size (conv); needed only for per-image counts (ADC conversions, MACs). */
  inputHeight?: number;
  inputWidth?: number;
  /** The layer's inputs are known to be ≥ 0 (e.g. after ReLU): `dacEncoding: 'auto'` then uses unsigned. */
  inputNonNegative?: boolean;
}

export type ArrayRole = 'positive' | 'negative' | 'offset' | 'reference';

export interface ArrayPlan {
  label: string;
  role: ArrayRole;
  /** Bit slice, 0 = least significant. */
  slice: number;
}

export interface TilePlan {
  layer: string;
  kind: 'conv' | 'dense';
  /** K: rows of the unrolled weight matrix (kh·kw·cin for conv). */
  rows: number;
  /** N: output columns. */
  cols: number;
  /** Effective tile size (a 0 in the config means one tile spans the layer). */
  tileRows: number;
  tileCols: number;
  /** Data columns per tile (tileCols − 1 for the offset mapping: one reference column per tile). */
  dataColsPerTile: number;
  rowTiles: number;
  colTiles: number;
  numSlices: number;
  sliceBits: number[];
  /** One entry per programmed array (polarity × slice); each occupies rowTiles × colTiles tiles. */
  arrays: ArrayPlan[];
  tileCount: number;
  /** Cells holding a weight or reference device. */
  usedCells: number;
  utilisation: number;
  /** Input cycles per vector: input bits when bit-serial, else 1. */
  inputCycles: number;
  /** ADC conversions for one input vector (one dense row, one conv output pixel). */
  adcConversionsPerVector: number;
  /** Input vectors per image: output pixels for conv (null when the input size is unknown), 1 for dense. */
  vectorsPerImage: number | null;
  adcConversionsPerImage: number | null;
  macsPerImage: number | null;
  /** Rows of the last row-tile and data columns of the last column-tile. */
  rowsInLastTile: number;
  colsInLastTile: number;
}

/** Output spatial size of a conv, as tf.conv2d computes it. */
export function convOutputSize(
  inputSize: number,
  kernel: number,
  stride: number,
  padding: 'same' | 'valid' | number,
) {
  if (padding === 'same') return Math.ceil(inputSize / stride);
  if (padding === 'valid') return Math.floor((inputSize - kernel) / stride) + 1;
  return Math.floor((inputSize + 2 * padding - kernel) / stride) + 1;
}

export function unrolledRows(spec: AnalogLayerSpec): number {
  return spec.kind === 'conv' ? spec.kernelSize * spec.kernelSize * spec.inChannels : spec.inChannels;
}

const defaultPeriphery: Pick<PeripheryConfig, 'dacMode' | 'dacBits'> = { dacMode: 'multilevel', dacBits: 8 };

/** Plans one layer. `periphery` sets the input cycles (bit-serial) and defaults to multilevel. */
export function planLayer(
  spec: AnalogLayerSpec,
  crossbar: CrossbarConfig,
  periphery: Pick<PeripheryConfig, 'dacMode' | 'dacBits'> = defaultPeriphery,
): TilePlan {
  const K = unrolledRows(spec);
  const N = spec.outChannels;
  const offset = crossbar.mapping === 'offset';
  const tileRows = crossbar.tileRows === 0 ? K : crossbar.tileRows;
  const tileCols = crossbar.tileCols === 0 ? N + (offset ? 1 : 0) : crossbar.tileCols;
  const dataColsPerTile = offset ? tileCols - 1 : tileCols;
  if (dataColsPerTile < 1) throw new RangeError('tileCols leaves no data column');
  const rowTiles = Math.ceil(K / tileRows);
  const colTiles = Math.ceil(N / dataColsPerTile);
  const sliceBits = sliceBitsOf(crossbar);
  const numSlices = sliceBits.length;

  const arrays: ArrayPlan[] = [];
  for (let s = 0; s < numSlices; s++) {
    const suffix = numSlices > 1 ? ` slice ${s}` : '';
    if (offset) arrays.push({ label: `G${suffix}`, role: 'offset', slice: s });
    else {
      arrays.push({ label: `G+${suffix}`, role: 'positive', slice: s });
      arrays.push({ label: `G-${suffix}`, role: 'negative', slice: s });
    }
  }
  const tileCount = arrays.length * rowTiles * colTiles;
  // Each offset array tile also holds one reference column (K rows per column tile).
  const usedCells = arrays.length * (K * N + (offset ? K * colTiles : 0));
  const inputCycles = periphery.dacMode === 'bitSerial' ? periphery.dacBits : 1;

  // Columns converted per row-tile read: one per differential column pair (analog subtraction), one per
  // device column otherwise, plus the reference columns of the offset mapping.
  let columnsPerSlice: number;
  if (offset) columnsPerSlice = N + colTiles;
  else columnsPerSlice = crossbar.differentialSubtraction === 'analog' ? N : 2 * N;
  const adcConversionsPerVector = rowTiles * inputCycles * numSlices * columnsPerSlice;

  let vectorsPerImage: number | null = 1;
  if (spec.kind === 'conv') {
    if (spec.inputHeight && spec.inputWidth) {
      vectorsPerImage =
        convOutputSize(spec.inputHeight, spec.kernelSize, spec.stride, spec.padding) *
        convOutputSize(spec.inputWidth, spec.kernelSize, spec.stride, spec.padding);
    } else vectorsPerImage = null;
  }

  return {
    layer: spec.name,
    kind: spec.kind,
    rows: K,
    cols: N,
    tileRows,
    tileCols,
    dataColsPerTile,
    rowTiles,
    colTiles,
    numSlices,
    sliceBits,
    arrays,
    tileCount,
    usedCells,
    utilisation: usedCells / (tileCount * tileRows * tileCols),
    inputCycles,
    adcConversionsPerVector,
    vectorsPerImage,
    adcConversionsPerImage: vectorsPerImage === null ? null : vectorsPerImage * adcConversionsPerVector,
    macsPerImage: vectorsPerImage === null ? null : vectorsPerImage * K * N,
    rowsInLastTile: K - (rowTiles - 1) * tileRows,
    colsInLastTile: N - (colTiles - 1) * dataColsPerTile,
  };
}

/** Rows and data columns actually used by one tile. */
export function tileExtent(plan: TilePlan, rowTile: number, colTile: number) {
  if (rowTile < 0 || rowTile >= plan.rowTiles || colTile < 0 || colTile >= plan.colTiles)
    throw new RangeError(`tile (${rowTile}, ${colTile}) outside ${plan.rowTiles} × ${plan.colTiles}`);
  const row0 = rowTile * plan.tileRows;
  const col0 = colTile * plan.dataColsPerTile;
  return {
    row0,
    col0,
    rows: Math.min(plan.tileRows, plan.rows - row0),
    dataCols: Math.min(plan.dataColsPerTile, plan.cols - col0),
  };
}

export interface ModelPlan {
  layers: TilePlan[];
  tileCount: number;
  usedCells: number;
  utilisation: number;
  adcConversionsPerImage: number | null;
  macsPerImage: number | null;
}

export function planModel(
  layers: AnalogLayerSpec[],
  crossbar: CrossbarConfig,
  periphery?: Pick<PeripheryConfig, 'dacMode' | 'dacBits'>,
): ModelPlan {
  const plans = layers.map((l) => planLayer(l, crossbar, periphery));
  const tileCount = plans.reduce((s, p) => s + p.tileCount, 0);
  const usedCells = plans.reduce((s, p) => s + p.usedCells, 0);
  const totalCells = plans.reduce((s, p) => s + p.tileCount * p.tileRows * p.tileCols, 0);
  const sumOrNull = (f: (p: TilePlan) => number | null) =>
    plans.reduce<number | null>((s, p) => (s === null || f(p) === null ? null : s + f(p)!), 0);
  return {
    layers: plans,
    tileCount,
    usedCells,
    utilisation: totalCells === 0 ? 0 : usedCells / totalCells,
    adcConversionsPerImage: sumOrNull((p) => p.adcConversionsPerImage),
    macsPerImage: sumOrNull((p) => p.macsPerImage),
  };
}
