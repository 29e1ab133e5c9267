/**
 * Device update models for in-situ analog training (SPEC §2 "Training", mode 3): weights live as
 * device states and a gradient step becomes a number of programming pulses, whose effect depends on the
 * device. All functions act element-wise on tfjs tensors (any backend) and apply `n` pulses at once in
 * closed form, so one update costs a few element-wise ops whatever the pulse count.
 *
 * Sources (simulators-and-nonidealities.md):
 * - aihwkit ConstantStep / SoftBounds (§2.6): per-pulse step Δw^d = dw_min·(1 + d·β), β = up_down;
 *   SoftBounds scales it by (1 − w/b_max) up and (1 − w/b_min) down; c2c noise factor (1 + σ·ξ).
 * - NeuroSim non-linear LTP/LTD (§2.7): G_LTP(P) = B(1 − e^(−P/A)) + G_min,
 *   G_LTD(P) = −B(1 − e^((P − P_max)/A)) + G_max, B = (G_max − G_min)/(1 − e^(−P_max/A)), with A from the
 *   non-linearity label NL (A = A_norm(|NL|)·P_max, sign from NL). Here in weight units w ∈ [w_min, w_max].
 *
 * Randomness: device-to-device spreads are drawn at programming ('programming'), cycle-to-cycle noise on
 * every update ('batch': one update per mini-batch).
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * The normalised NeuroSim curve (P_max = 1): g(x) = (1 − e^(−x/A)) / (1 − e^(−1/A)), x ∈ [0, 1]. Its
 * non-linearity label is close to NL ≈ 10·max_x (g(x) − x) (within ~1 % for 0.5 ≤ |NL| ≤ 5; used by
 * the tests as an independent check of the table below).
 */
export function nonlinearityOfA(aNorm: number): number {
  const denominator = 1 - Math.exp(-1 / aNorm);
  let best = 0;
  for (let i = 1; i < 1000; i++) {
    const x = i / 1000;
    best = Math.max(best, (1 - Math.exp(-x / aNorm)) / denominator - x);
  }
  return 10 * best;
}

/**
 * Entries of NeuroSim's `GetParamA` table (|NL| → A_norm; simulators-and-nonidealities.md §2.7). Between
 * entries A_norm is interpolated linearly in log(|NL|) – log(A) (both are smooth and monotone there).
 */
export const NEUROSIM_A_TABLE: readonly (readonly [number, number])[] = [
  [0.01, 126.27],
  [0.25, 5.048],
  [0.5, 2.52],
  [1, 1.252],
  [1.46, 0.849],
  [1.75, 0.702],
  [2, 0.609],
  [2.4, 0.499],
  [3, 0.387],
  [4, 0.269],
  [4.88, 0.2],
  [5, 0.192],
  [6, 0.136],
  [9, 0.0228],
];

/** A_norm for a non-linearity label (NL 0 means linear: A → ∞); the sign of NL is handled by the caller. */
export function aNormOfNonlinearity(nl: number): number {
  const x = Math.abs(nl);
  if (x < 1e-6) return Infinity;
  const table = NEUROSIM_A_TABLE;
  const clamped = Math.min(Math.max(x, table[0]![0]), table[table.length - 1]![0]);
  let i = 0;
  while (i < table.length - 2 && table[i + 1]![0] < clamped) i++;
  const [x0, a0] = table[i]!;
  const [x1, a1] = table[i + 1]!;
  const t = (Math.log(clamped) - Math.log(x0)) / (Math.log(x1) - Math.log(x0));
  return Math.exp(Math.log(a0) + t * (Math.log(a1) - Math.log(a0)));
}

/** Per-device parameters drawn once at programming (tensors of the weight's shape). */
export interface DeviceParams {
  /** Step size of one up pulse and one down pulse (weight units, > 0). */
  dwUp: tf.Tensor;
  dwDown: tf.Tensor;
  /** Per-device bounds. */
  wMax: tf.Tensor;
  wMin: tf.Tensor;
}

export type UpdateModelName = 'constantStep' | 'softBounds' | 'neurosimNonlinear';

export interface PulseUpdate {
  model: UpdateModelName;
  params: DeviceParams;
  /** Cycle-to-cycle noise of one pulse: σ relative to the pulse's step (aihwkit dw_min_std) or to the range. */
  c2cSigma: number;
  /** 'step': σ·Δw^d per pulse (aihwkit); 'range': σ·(w_max − w_min) per pulse (NeuroSim's σ_CtoC·(G_max − G_min)). */
  c2cRelativeTo?: 'step' | 'range';
  /** NeuroSim: pulses from w_min to w_max, and A (in pulses) for LTP and LTD, scalar or per device. */
  maxPulses?: number;
  aLtp?: number | tf.Tensor;
  aLtd?: number | tf.Tensor;
}

/**
 * Applies `pulses` (signed integer counts; > 0 potentiates) to the device weights `w`; returns the new
 * weights, inside the per-device bounds. `noise` is N(0,1) of w's shape (drawn by the caller per batch).
 * Closed forms for n pulses:
 * - constantStep: w + n·Δw^d, noise σ·Δw^d·√|n| (n independent (1+σξ) factors);
 * - softBounds: up: w_max − (w_max − w)(1 − Δw⁺/w_max)^n; down: w_min − (w_min − w)(1 − Δw⁻/|w_min|)^n
 *   (iterating w ← w + Δw(1 − w/b) n times), noise as constantStep;
 * - neurosimNonlinear: P₀ from the inverse curve, then the curve at P₀ ± n (NeuroSim's `W` update).
 */
export function applyPulses(
  w: tf.Tensor,
  pulses: tf.Tensor,
  update: PulseUpdate,
  noise: tf.Tensor | null,
): tf.Tensor {
  return tf.tidy(() => {
    const { dwUp, dwDown, wMax, wMin } = update.params;
    const up = tf.greater(pulses, 0);
    const n = tf.abs(pulses);
    let next: tf.Tensor;
    if (update.model === 'constantStep') {
      next = tf.add(w, tf.mul(pulses, tf.where(up, dwUp, dwDown)));
    } else if (update.model === 'softBounds') {
      const towardsMax = tf.sub(wMax, tf.mul(tf.sub(wMax, w), tf.pow(tf.sub(1, tf.div(dwUp, wMax)), n)));
      const towardsMin = tf.sub(
        wMin,
        tf.mul(tf.sub(wMin, w), tf.pow(tf.sub(1, tf.div(dwDown, tf.abs(wMin))), n)),
      );
      next = tf.where(up, towardsMax, towardsMin);
    } else {
      next = neurosimPulses(w, pulses, update);
    }
    if (noise && update.c2cSigma > 0) {
      // n pulses with independent noise: σ grows as √n (NeuroSim: σ_CtoC·(G_max − G_min)·√|numPulse|).
      const unit = update.c2cRelativeTo === 'range' ? tf.sub(wMax, wMin) : tf.where(up, dwUp, dwDown);
      next = tf.add(next, tf.mul(tf.mul(noise, tf.mul(unit, update.c2cSigma)), tf.sqrt(n)));
    }
    return tf.clipByValue(tf.minimum(tf.maximum(next, wMin), wMax), -1e30, 1e30);
  });
}

/** NeuroSim's curve in weight units: w(P) = w_min + span·(1 − e^(−P/A))/(1 − e^(−P_max/A)) for LTP. */
function neurosimPulses(w: tf.Tensor, pulses: tf.Tensor, update: PulseUpdate): tf.Tensor {
  const pMax = update.maxPulses ?? 32;
  const { wMax, wMin } = update.params;
  const span = tf.sub(wMax, wMin);
  const frac = tf.clipByValue(tf.div(tf.sub(w, wMin), span), 0, 1); // position on [0, 1]
  // With A → ∞ the curve is linear (NL label 0).
  const denominator = (a: number | tf.Tensor) =>
    typeof a === 'number' ? 1 - Math.exp(-pMax / a) : tf.sub(1, tf.exp(tf.div(-pMax, a)));
  const curve = (a: number | tf.Tensor, p: tf.Tensor) =>
    a === Infinity ? tf.div(p, pMax) : tf.div(tf.sub(1, tf.exp(tf.div(tf.neg(p), a))), denominator(a));
  const inverse = (a: number | tf.Tensor, f: tf.Tensor) =>
    a === Infinity ? tf.mul(f, pMax) : tf.mul(tf.neg(a), tf.log(tf.sub(1, tf.mul(f, denominator(a)))));
  const aLtp = update.aLtp ?? Infinity;
  const aLtd = update.aLtd ?? Infinity;
  // LTP: frac = curve(P). LTD mirrors it: 1 − frac = curve(P_max − P) with its own A.
  const pLtp = tf.clipByValue(tf.add(inverse(aLtp, frac), pulses), 0, pMax);
  const fracLtp = curve(aLtp, pLtp);
  const pLtd = tf.clipByValue(tf.sub(inverse(aLtd, tf.sub(1, frac)), pulses), 0, pMax); // pulses < 0 here
  const fracLtd = tf.sub(1, curve(aLtd, pLtd));
  const nextFrac = tf.where(tf.greater(pulses, 0), fracLtp, tf.where(tf.less(pulses, 0), fracLtd, frac));
  return tf.add(wMin, tf.mul(nextFrac, span));
}
