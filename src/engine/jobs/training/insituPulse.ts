/**
 * One in-situ update of an analog kernel (SPEC §2 "Training", mode 3): the desired SGD change −η·g
 * becomes a signed number of programming pulses per device, applied through the device's pulse update
 * model (src/sim/updateModels.ts). The count is the change in nominal device steps, rounded
 * stochastically (unbiased) and capped at aihwkit's desired_bl = 31 pulses per update (aihwkit
 * PulsedUpdateParameters); NeuroSim likewise turns ΔW into a whole number of pulses.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../../sim/rng';
import { applyPulses, type PulseUpdate } from '../../../sim/updateModels';

/** aihwkit's desired_bl: at most 31 pulses per device per update. */
export const MAX_PULSES_PER_UPDATE = 31;

/** The random streams of one update ('batch'): pulse rounding and cycle-to-cycle noise. */
export interface PulseDraws {
  rounding: Rng;
  c2c: Rng;
}

/**
 * Updates the device weights `w` (in place) for gradient `g` = dLoss/dw at learning rate η:
 *   steps = −η·g / Δw_nominal,   Δw_nominal = (Δw⁺ + Δw⁻)/2 per device,
 *   n = clip(⌊steps + u⌋, −31, 31),   u ~ U[0, 1)   (stochastic rounding: E[n] = steps inside the clip),
 *   w ← applyPulses(w, n)   (the device's response to n pulses, c2c noise ξ ~ N(0, 1), clipped to bounds).
 */
export function insituPulseStep(
  w: tf.Variable,
  g: tf.Tensor,
  device: PulseUpdate,
  learningRate: number,
  draws: PulseDraws,
): void {
  const next = tf.tidy(() => {
    const nominal = tf.div(tf.add(device.params.dwUp, device.params.dwDown), 2);
    const steps = tf.div(tf.mul(g, -learningRate), nominal);
    const u = tf.randomUniform(g.shape, 0, 1, 'float32', draws.rounding.seed31());
    const pulses = tf.clipByValue(tf.floor(tf.add(steps, u)), -MAX_PULSES_PER_UPDATE, MAX_PULSES_PER_UPDATE);
    const noise = tf.randomNormal(g.shape, 0, 1, 'float32', draws.c2c.seed31());
    return applyPulses(w, pulses, device, noise);
  });
  w.assign(next);
  next.dispose();
}
