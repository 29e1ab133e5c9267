/**
 * The analog read of one group (chip.ts step 3), per row tile: I = Σ_j V_j·G_j as a 2D matMul of DAC
 * units [Z·M, rows_t] with Σ sign·G·V_unit [rows_t, cols] (amperes), the IR-drop correction (aihwkit's
 * analytic model, devices.ts), and the per-read noise: read noise with the exact variance
 * Σ_j V_j²σ²(G_j) (a second matMul of V² with σ²(G)·V_unit²) plus output noise (σ_out·G_max·V_read)²,
 * σ·ξ with ξ a window of the chip's noise bank chosen by the read's seed (`noiseBank.ts`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { groupWeights, type BatchWeights } from './conductances';
import { overCycles, type TileInputs } from './dacInputs';
import type { LayerState } from './state';

export function hasReadNoise(state: LayerState): boolean {
  const d = state.config.device;
  return d.readNoise.enabled || d.outputNoise.enabled;
}

/**
 * Noiseless analog currents of one group (amperes), one [Z·M, cols] part per row tile, with IR drop;
 * `batch`: this forward call's redrawn conductances (null: as programmed).
 */
export function analogCurrents(
  state: LayerState,
  gi: number,
  inputs: TileInputs,
  batch: BatchWeights | null,
): tf.Tensor2D[] {
  const { chip, config, dac, tensors } = state;
  const group = chip.groups[gi]!;
  const d = config.device;
  const weights = groupWeights(state, gi, batch);
  // Weights redrawn per input bit: input bit z (kept apart in inputs.cycles) reads draw z.
  const draw = (z: number) => (weights.length > 1 ? z : 0);
  if (weights.length > 1 && !inputs.cycles) throw new Error('per-bit weight draws need the cycles apart');
  const T = chip.plan.rowTiles;
  let current: tf.Tensor2D[] = Array.from({ length: T }, (_, t) =>
    overCycles(inputs, t, (v, z) => tf.matMul(v, weights[draw(z)]![t]!)),
  );
  if (!d.irDrop.enabled) return current;
  const R = chip.plan.tileRows;
  const gMax = chip.gMaxSiemens;
  const vUnit = dac.voltsPerUnit;
  const gRatio = 1 / d.irDrop.wireResistanceOhms / gMax;
  for (const term of group.terms) {
    const g = (z: number) => (batch ? batch.arrays[term.array]![draw(z)]! : tensors.arrays[term.array]!);
    current = current.map((I, t) => {
      const gw = (z: number) =>
        batch
          ? (tf.mul(g(z)[t]!, tensors.rowWeight![t]!) as tf.Tensor2D)
          : tensors.arrayRowWeighted[term.array]![t]!;
      // a = |V|·G·R/(g_ratio·G_max·V_read) with V = units·V_unit (volts); aihwkit's polynomial in a.
      const a = tf.mul(
        overCycles(inputs, t, (v, z) => tf.matMul(tf.abs(v) as tf.Tensor2D, g(z)[t]!)),
        (vUnit * R) / gRatio / (gMax * config.periphery.vReadVolts),
      );
      const c = tf.mul(a, tf.add(tf.mul(a, tf.sub(tf.mul(a, 0.05), 0.2)), 0.5));
      const weighted = overCycles(inputs, t, (v, z) => tf.matMul(v, gw(z)));
      return tf.sub(I, tf.mul(tf.mul(c, weighted), d.irDrop.scale * term.sign * vUnit)) as tf.Tensor2D;
    });
  }
  return current;
}

/** The group's currents with this read's noise (one seed per row tile; null: noise off). */
export function withReadNoise(
  state: LayerState,
  gi: number,
  inputs: TileInputs,
  current: tf.Tensor2D[],
  noiseSeeds: number[] | null,
): tf.Tensor2D[] {
  if (noiseSeeds === null) return current;
  const { chip, config } = state;
  const d = config.device;
  const gt = state.tensors.groups[gi]!;
  // σ² = Σ_j V_j²σ²(G_j) (read noise) + (σ_out·G_max·V_read)² (output noise).
  const s = d.outputNoise.enabled
    ? d.outputNoise.sigmaFracOfGmaxCurrent * chip.gMaxSiemens * config.periphery.vReadVolts
    : 0;
  return current.map((I, t): tf.Tensor2D => {
    const readVariance = !gt.variance
      ? null
      : inputs.squared
        ? tf.matMul(inputs.squared[t]!, gt.variance[t]!)
        : overCycles(inputs, t, (v) => tf.matMul(tf.square(v) as tf.Tensor2D, gt.variance![t]!));
    const sigma = readVariance ? tf.sqrt(s > 0 ? tf.add(readVariance, s * s) : readVariance) : s;
    if (sigma === 0) return I;
    return tf.add(I, tf.mul(state.noise.normals(I.shape, noiseSeeds[t]!), sigma)) as tf.Tensor2D;
  });
}
