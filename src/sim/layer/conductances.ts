/**
 * The programmed conductances as device tensors, held per read group as one [rows_t, N] part per row
 * tile, scaled to amperes per DAC unit (Σ sign·G·V_unit over the group's terms). Row tiles are separate
 * 2D tensors of their used rows (`partWidthsOf`): T 2D matMuls are far faster than one batched matMul on the
 * wasm backend, where XNNPACK serves only the 2D case. Tile t's part holds the unrolled rows
 * plan.tileRowIndex[t], top to bottom. Also: the per-read noise variance σ²(G)·V_unit², the per-array
 * parts that IR drop and the per-batch variation need, and the per-batch variation's draws.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  adcSigned,
  effectiveWeights,
  isLinearRead,
  redrawsPerBatch,
  redrawsPerInputBit,
  variesArray,
  type DacSettings,
  type ProgrammedChip,
} from '../chip';
import type { ExperimentConfig } from '../config';
import { irDropRowWeight } from '../devices';
import type { Rng } from '../rng';
import type { LayerState } from './state';

export interface GroupTensors {
  /** Σ sign·G·V_unit over the terms, one [rows_t, cols] part per row tile (null when redrawn each batch). */
  g: tf.Tensor2D[] | null;
  /** Σ σ²(G)·V_unit² over the terms, per row tile (null: read noise off). */
  variance: tf.Tensor2D[] | null;
  cols: number;
  signed: boolean;
}

export interface ConductanceTensors {
  groups: GroupTensors[];
  /** Per-array conductances, per row tile (only when IR drop or per-batch variation needs them). */
  arrays: (tf.Tensor2D[] | null)[];
  /** IR drop: per-array G∘(row weight) per row tile. */
  arrayRowWeighted: (tf.Tensor2D[] | null)[];
  /** IR drop row weights 1 − (1 − r/R)², per row tile [R, 1]. */
  rowWeight: tf.Tensor2D[] | null;
  /** Column → column tile, for groups read once per column tile (reference columns). */
  refIndex: tf.Tensor1D | null;
  /** The one effective weight [K, N] of a linear read (`isLinearRead`), drift compensation included. */
  linearWeight: tf.Tensor2D | null;
  bias: tf.Tensor1D | null;
}

/** Rows per row-tile part: the tallest tile's rows. */
export function partRowsOf(chip: ProgrammedChip): number {
  return Math.max(1, ...partWidthsOf(chip));
}

/**
 * Rows of each row tile's part: the tile's used rows, so a partial tile (the last one, or each kernel
 * position's last under per-position tiling) multiplies no rows of zeros.
 */
export function partWidthsOf(chip: ProgrammedChip): number[] {
  return chip.plan.tileRowIndex.map((rows) => Math.max(1, rows.length));
}

/** Uploads the chip's conductances for reads under `config` with DAC `dac`. */
export function conductanceTensors(
  chip: ProgrammedChip,
  config: ExperimentConfig,
  dac: DacSettings,
): ConductanceTensors {
  const { tileRows: R, dataColsPerTile: Cd, tileRowIndex } = chip.plan;
  const K = chip.K;
  const d = config.device;
  const widths = partWidthsOf(chip);
  const toParts = (values: Float32Array, cols: number, scale = 1) =>
    tileRowIndex.map((rows, t) => {
      const part = new Float32Array(widths[t]! * cols);
      rows.forEach((j, r) => {
        for (let c = 0; c < cols; c++) part[r * cols + c] = values[j * cols + c]! * scale;
      });
      return tf.tensor2d(part, [widths[t]!, cols]);
    });
  const needArrays = d.irDrop.enabled || redrawsPerBatch(config);
  const arrays = chip.arrays.map((a) => (needArrays ? toParts(a.gSiemens, a.cols) : null));
  const rowWeight = d.irDrop.enabled
    ? widths.map((w) =>
        tf.tensor2d(
          Float32Array.from({ length: w }, (_, r) => irDropRowWeight(r, R)),
          [w, 1],
        ),
      )
    : null;
  const arrayRowWeighted = arrays.map((parts) =>
    parts && rowWeight ? parts.map((g, t) => tf.mul(g, rowWeight[t]!) as tf.Tensor2D) : null,
  );
  const vUnit = dac.voltsPerUnit;
  const groups = chip.groups.map((group): GroupTensors => {
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
      signed: adcSigned(group, dac),
    };
  });
  const refIndex = chip.groups.some((g) => g.perColumnTile)
    ? tf.tensor1d(
        Int32Array.from({ length: chip.N }, (_, n) => Math.floor(n / Cd)),
        'int32',
      )
    : null;
  const linearWeight = isLinearRead(config)
    ? tf.tensor2d(
        Float32Array.from(
          effectiveWeights(chip.arrays, chip.groups, chip.plan),
          (w) => w * chip.driftCompensation,
        ),
        [K, chip.N],
      )
    : null;
  return {
    groups,
    arrays,
    arrayRowWeighted,
    rowWeight,
    refIndex,
    linearWeight,
    bias: chip.bias ? tf.tensor1d(chip.bias) : null,
  };
}

export function disposeConductanceTensors(t: ConductanceTensors): void {
  const all: (tf.Tensor | null)[] = [
    ...t.arrays.flat(),
    ...t.arrayRowWeighted.flat(),
    ...t.groups.flatMap((g) => [...(g.g ?? []), ...(g.variance ?? [])]),
    ...(t.rowWeight ?? []),
    t.refIndex,
    t.linearWeight,
    t.bias,
  ];
  tf.dispose(all.filter((x): x is tf.Tensor => x !== null));
}

/**
 * Per-forward conductances when the d2d variation is redrawn each batch (NeuroSim): one draw per forward
 * call, or one per input bit (`redrawEachInputBit`), indexed [draw][row tile].
 */
export interface BatchWeights {
  /** Per array, per draw: G·(1 + σξ) or G + σ·G_max·ξ per row tile, siemens (unvaried arrays as stored). */
  arrays: tf.Tensor2D[][][];
  /** Per group, per draw: Σ sign·G·V_unit per row tile. */
  groups: tf.Tensor2D[][][];
  /** The tensors drawn for this forward call (disposed after it). */
  owned: tf.Tensor[];
}

/**
 * The variation drawn for one forward call, or null when it is not redrawn per batch. Drawn per forward
 * call ('batch'), or once per input bit ('read': NeuroSim draws `torch.normal` inside its loops over input
 * bit z, kernel position (i, j) and sub-array s, and each device sits in one (i, j, s), so that is one
 * fresh draw per device and bit). Unvaried arrays (NeuroSim's dummy column) keep their programmed
 * conductances. Seeds come from `readRng` in array order, before any read noise; each picks a window of
 * the chip's noise bank (`noiseBank.ts`).
 */
export function drawBatchWeights(state: LayerState, readRng: Rng): BatchWeights | null {
  const { config, chip, dac, tensors } = state;
  if (!redrawsPerBatch(config)) return null;
  const v = config.device.d2dVariation;
  const sigma = v.sigmaRelative;
  const additive = v.model === 'additive';
  const gMax = chip.gMaxSiemens;
  const draws = redrawsPerInputBit(config, dac) ? dac.cycleWeights.length : 1;
  const owned: tf.Tensor[] = [];
  const arrays = tensors.arrays.map((parts, ai) => {
    if (!variesArray(config, chip.arrays[ai]!.role)) return Array.from({ length: draws }, () => parts!);
    return Array.from({ length: draws }, () => {
      const seed = readRng.seed31();
      const rows = parts!.map((g) => g.shape[0]);
      const drawn = tf.tidy(() => {
        const xi = state.noise.normals([rows.reduce((a, b) => a + b, 0), parts![0]!.shape[1]], seed);
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
  const groups = chip.groups.map((group) =>
    Array.from({ length: draws }, (_, z) =>
      arrays[group.terms[0]!.array]![z]!.map((_, t) =>
        tf.tidy(() => {
          const sum = group.terms
            .map((term) => tf.mul(arrays[term.array]![z]![t]!, term.sign))
            .reduce((a, b) => tf.add(a, b));
          return tf.mul(sum, dac.voltsPerUnit) as tf.Tensor2D;
        }),
      ),
    ),
  );
  owned.push(...groups.flat(2));
  return { arrays, groups, owned };
}

/**
 * Σ sign·G·V_unit of a group per draw and row tile, [draw][t] (without this batch's variation when
 * batch is null: one draw).
 */
export function groupWeights(state: LayerState, gi: number, batch: BatchWeights | null): tf.Tensor2D[][] {
  if (batch) return batch.groups[gi]!;
  const stored = state.tensors.groups[gi]!.g;
  if (stored) return [stored];
  const terms = state.chip.groups[gi]!.terms;
  const arrays = state.tensors.arrays;
  return [
    arrays[terms[0]!.array]!.map(
      (_, t) =>
        tf.mul(
          terms.map((term) => tf.mul(arrays[term.array]![t]!, term.sign)).reduce((a, b) => tf.add(a, b)),
          state.dac.voltsPerUnit,
        ) as tf.Tensor2D,
    ),
  ];
}
