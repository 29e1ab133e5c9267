/**
 * The batch-wide first pass of a read whose ADC grid depends on the whole batch: a dynamic row-tile range
 * (NeuroSim: min and max over every vector of the batch) when the batch is read in several chunks, and the
 * calibration of a calibrated ADC (the p-th percentile of |I| over the calibration batch, from the
 * noiseless currents at reduction 1). Every chunk is read once here; its currents (noise included) are kept
 * for the conversions while they fit in `periphery.maxChunkElements` in all, so a calibration batch that
 * fits is read once in all. A chunk that does not fit is read again later (the same seeds give the same
 * currents). Statistics stay on the device: no read-back (on wasm, whose tensors live in CPU memory, the
 * kernels of kernels/wasm read them in place).
 */
import * as tf from '@tensorflow/tfjs-core';
import { rowTileRange, type Range } from './adc';
import { accumulateAdcStatistics, setAdcFullScales } from './calibration';
import type { TileInputs } from './dacInputs';
import type { LayerState } from './state';

/** How a batch read turns chunk c into currents (`tiledRead.ts`). */
export interface ChunkReader {
  count: number;
  reductions: number[];
  /** ν when one scale serves every vector, else null. */
  nuGlobal: tf.Tensor | null;
  /** Chunk c's patches (null when the DAC acts on the layer input itself) and their input scales. */
  scales(c: number): { P: tf.Tensor2D | null; nu: tf.Tensor };
  /** Row-tile inputs of chunk c at reduction ri. */
  inputs(c: number, ri: number, P: tf.Tensor2D | null, nu: tf.Tensor): TileInputs;
  /** Noiseless currents per group, per row tile. */
  analog(inputs: TileInputs): tf.Tensor2D[][];
  /** Those currents with chunk c's noise at reduction ri. */
  noisy(c: number, ri: number, inputs: TileInputs, analog: tf.Tensor2D[][]): tf.Tensor2D[][];
  dispose(): void;
}

export interface BatchPass {
  /** Dynamic row-tile ranges [reduction][group][row tile] (null unless asked for). */
  ranges: Range[][][] | null;
  /** Currents kept for the conversions, [reduction][chunk] (null: read again). */
  kept: (tf.Tensor2D[][] | null)[][];
  /** Frees chunk c's kept currents (converted). */
  release(c: number): void;
  dispose(): void;
}

export function batchPass(
  state: LayerState,
  read: ChunkReader,
  options: { ranges: boolean; calibrate: boolean; keep: boolean },
): BatchPass {
  const { count, reductions } = read;
  const percentile = state.config.periphery.adcCalibrationPercentile;
  const kept: (tf.Tensor2D[][] | null)[][] = reductions.map(() => Array.from({ length: count }, () => null));
  let budget = options.keep ? state.config.periphery.maxChunkElements : 0;
  let statistics: tf.Tensor[] | null = null;
  // Ranges at every reduction; calibration at reduction 1 only.
  const passes = options.ranges ? reductions.length : 1;
  const ranges = options.ranges ? reductions.map((): Range[][] | null => null) : null;
  for (let ri = 0; ri < passes; ri++)
    for (let c = 0; c < count; c++) {
      const previous: { statistics: tf.Tensor[] | null; ranges: Range[][] | null } = {
        statistics,
        ranges: ranges?.[ri] ?? null,
      };
      const step: { stats: tf.Tensor[]; merged: Range[][]; noisy: tf.Tensor2D[][] } = tf.tidy(() => {
        const { P, nu } = read.scales(c);
        const inputs = read.inputs(c, ri, P, nu);
        const analog = read.analog(inputs);
        const stats =
          options.calibrate && ri === 0
            ? accumulateAdcStatistics(previous.statistics, analog, percentile)
            : [];
        const noisy = options.keep || options.ranges ? read.noisy(c, ri, inputs, analog) : [];
        const merged = options.ranges ? mergeRanges(state, previous.ranges, noisy) : [];
        return { stats, merged, noisy };
      });
      if (options.calibrate && ri === 0) {
        if (previous.statistics) tf.dispose(previous.statistics);
        statistics = step.stats;
      }
      if (ranges) {
        previous.ranges?.flat().forEach((r) => tf.dispose([r.lo, r.hi]));
        ranges[ri] = step.merged;
      }
      const size = step.noisy.flat().reduce((n, t) => n + t.size, 0);
      if (size > 0 && size <= budget) {
        kept[ri]![c] = step.noisy;
        budget -= size;
      } else tf.dispose(step.noisy.flat());
    }
  if (options.calibrate) setAdcFullScales(state, statistics!, percentile);
  const release = (c: number) =>
    kept.forEach((byChunk) => {
      if (byChunk[c]) tf.dispose(byChunk[c]!.flat());
      byChunk[c] = null;
    });
  return {
    ranges: ranges as Range[][][] | null,
    kept,
    release,
    dispose: () => {
      for (let c = 0; c < count; c++) release(c);
      ranges?.flat(2).forEach((r) => r && tf.dispose([r.lo, r.hi]));
    },
  };
}

/** Per group and row tile, the range of `currents` merged with the range so far. */
function mergeRanges(state: LayerState, previous: Range[][] | null, currents: tf.Tensor2D[][]): Range[][] {
  return currents.map((parts, gi) =>
    parts.map((I, t): Range => {
      const r = rowTileRange(state, I);
      const a = previous?.[gi]![t];
      return a ? { lo: tf.minimum(a.lo, r.lo), hi: tf.maximum(a.hi, r.hi) } : r;
    }),
  );
}
