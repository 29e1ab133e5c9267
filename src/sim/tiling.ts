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
 *
 * Which unrolled rows share a row tile (`tileRowIndex`, in the (kh, kw, cin) numbering above):
 *  - contiguous, kernelMajor: tile t holds rows t·R … t·R + R − 1 (the lab's default);
 *  - contiguous, channelMajor: the same cut of torch's (cin, kh, kw) order, (c·kh + i)·kw + j — MemTorch
 *    unrolls `nn.Conv2d.weight.reshape(out, −1)` and tiles consecutive rows of that (memtorch/mn/Conv2d.py);
 *  - perKernelPosition: for each kernel position (i, j) in turn, its cin channels cut into tiles of up to R
 *    (NeuroSim V2.1 `quantization_cpu_np_infer.py` QConv2d: one mask per (i, j) and sub-array s; Cin < R
 *    is one sub-array of Cin rows).
 * With partialRowTiles = drop, a group (the layer, or one kernel position) of at least R rows loses the rows
 * past its last multiple of R: NeuroSim builds int(Cin/subArray) sub-arrays and never reads the rest.
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
  /**
   * Per row tile, the unrolled rows it holds, top to bottom, as indices into the (kh, kw, cin) order
   * (= rows of `kernel.reshape([K, N])`). Rows in no tile (partialRowTiles = drop) are not mapped.
   */
  tileRowIndex: Int32Array[];
  /** Unrolled rows held by some tile (K unless rows are dropped). */
  mappedRows: number;
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

type PlanPeriphery = Pick<PeripheryConfig, 'dacMode' | 'dacBits'> &
  Partial<Pick<PeripheryConfig, 'firstLayer'>>;

const defaultPeriphery: PlanPeriphery = { dacMode: 'multilevel', dacBits: 8 };

/**
 * The layer NeuroSim reads through its separate first-layer branch (`weight.shape[1] == 3` in QConv2d):
 * a conv on the 3-channel image. `periphery.firstLayer` decides whether the lab treats it apart.
 */
export function isImageInputLayer(spec: AnalogLayerSpec): boolean {
  return spec.kind === 'conv' && spec.inChannels === 3;
}

/** Whether `spec` is read with ideal converters under `periphery.firstLayer`. */
export function readsWithIdealConverters(
  spec: AnalogLayerSpec,
  periphery: Partial<Pick<PeripheryConfig, 'firstLayer'>>,
): boolean {
  return (periphery.firstLayer ?? 'asOthers') !== 'asOthers' && isImageInputLayer(spec);
}

/** Tiles per row group: the rows of a group of `n` (cut into tiles of R; drop: only full tiles when n ≥ R). */
function cutGroup(rows: number[], R: number, drop: boolean, out: Int32Array[]) {
  const n = rows.length;
  const kept = drop && n >= R ? n - (n % R) : n;
  for (let r0 = 0; r0 < kept; r0 += R) out.push(Int32Array.from(rows.slice(r0, Math.min(kept, r0 + R))));
}

/** `tileRowIndex` of a layer (see the header): the unrolled rows of each row tile. */
export function rowTileLayout(
  spec: AnalogLayerSpec,
  crossbar: Pick<CrossbarConfig, 'rowOrder' | 'rowTiling' | 'partialRowTiles'>,
  tileRows: number,
): Int32Array[] {
  const K = unrolledRows(spec);
  const drop = crossbar.partialRowTiles === 'drop';
  const out: Int32Array[] = [];
  const range = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));
  if (spec.kind !== 'conv') {
    cutGroup(
      range(K, (i) => i),
      tileRows,
      drop,
      out,
    );
    return out;
  }
  const k = spec.kernelSize;
  const C = spec.inChannels;
  if (crossbar.rowTiling === 'perKernelPosition') {
    for (let p = 0; p < k * k; p++)
      cutGroup(
        range(C, (c) => p * C + c),
        tileRows,
        drop,
        out,
      );
    return out;
  }
  // Row r of the channel-major order is channel c = ⌊r/k²⌋ at kernel position p = r mod k².
  const order =
    crossbar.rowOrder === 'channelMajor'
      ? range(K, (r) => (r % (k * k)) * C + Math.floor(r / (k * k)))
      : range(K, (r) => r);
  cutGroup(order, tileRows, drop, out);
  return out;
}

/** Plans one layer. `periphery` sets the input cycles (bit-serial) and defaults to multilevel. */
export function planLayer(
  spec: AnalogLayerSpec,
  crossbar: CrossbarConfig,
  periphery: PlanPeriphery = defaultPeriphery,
): TilePlan {
  const K = unrolledRows(spec);
  const N = spec.outChannels;
  const offset = crossbar.mapping === 'offset';
  const tileRows = crossbar.tileRows === 0 ? K : crossbar.tileRows;
  const tileCols = crossbar.tileCols === 0 ? N + (offset ? 1 : 0) : crossbar.tileCols;
  const dataColsPerTile = offset ? tileCols - 1 : tileCols;
  if (dataColsPerTile < 1) throw new RangeError('tileCols leaves no data column');
  const tileRowIndex = rowTileLayout(spec, crossbar, tileRows);
  const mappedRows = tileRowIndex.reduce((s, t) => s + t.length, 0);
  const rowTiles = tileRowIndex.length;
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
  // Each offset array tile also holds one reference column (one device per mapped row per column tile).
  const usedCells = arrays.length * (mappedRows * N + (offset ? mappedRows * colTiles : 0));
  const idealInputs = readsWithIdealConverters(spec, periphery);
  const inputCycles = periphery.dacMode === 'bitSerial' && !idealInputs ? periphery.dacBits : 1;

  // Columns converted per row-tile read: one per differential column pair (analog subtraction), one per
  // device column otherwise, plus the reference columns of the offset mapping.
  let columnsPerSlice: number;
  if (offset) columnsPerSlice = N + colTiles;
  else columnsPerSlice = crossbar.differentialSubtraction === 'analog' ? N : 2 * N;
  // The ideal-converter first layer has no ADC at all (NeuroSim's first-layer branch).
  const adcConversionsPerVector = idealInputs ? 0 : rowTiles * inputCycles * numSlices * columnsPerSlice;

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
    macsPerImage: vectorsPerImage === null ? null : vectorsPerImage * mappedRows * N,
    rowsInLastTile: tileRowIndex[rowTiles - 1]?.length ?? 0,
    colsInLastTile: N - (colTiles - 1) * dataColsPerTile,
    tileRowIndex,
    mappedRows,
  };
}

/**
 * Rows and data columns actually used by one tile. `row0` is the tile's first unrolled row (kh, kw, cin
 * numbering); its rows are consecutive from there only for the contiguous kernel-major layout (see
 * `plan.tileRowIndex` for the others).
 */
export function tileExtent(plan: TilePlan, rowTile: number, colTile: number) {
  if (rowTile < 0 || rowTile >= plan.rowTiles || colTile < 0 || colTile >= plan.colTiles)
    throw new RangeError(`tile (${rowTile}, ${colTile}) outside ${plan.rowTiles} × ${plan.colTiles}`);
  const rows = plan.tileRowIndex[rowTile]!;
  const col0 = colTile * plan.dataColsPerTile;
  return {
    row0: rows[0] ?? 0,
    col0,
    rows: rows.length,
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
  periphery?: PlanPeriphery,
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
