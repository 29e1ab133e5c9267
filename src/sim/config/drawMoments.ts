/**
 * When each non-ideality's randomness is drawn (SPEC §1: every non-ideality states it): once per
 * programmed chip, per batch, or per read; `null` for a deterministic one.
 */
import type { DrawMoment } from '../rng';
import type { ExperimentConfig } from './schema';

/** The non-idealities, each with the moment its randomness is drawn (`null`: deterministic). */
export type DeviceEffect =
  | 'd2dVariation'
  | 'programmingNoise'
  | 'stuckAt'
  | 'drift'
  | 'readNoise'
  | 'outputNoise'
  | 'irDrop'
  | 'adcNoise';

export const drawMoments: Record<DeviceEffect, DrawMoment | null> = {
  /** Once per simulated chip (per batch when `redrawEachBatch`; per read, i.e. per input bit, when also
   *  `redrawEachInputBit`: NeuroSim's behaviour). */
  d2dVariation: 'programming',
  programmingNoise: 'programming',
  stuckAt: 'programming',
  /** ν is drawn per device at programming; G(t) is then deterministic in the read time. */
  drift: 'programming',
  readNoise: 'read',
  outputNoise: 'read',
  irDrop: null,
  adcNoise: 'read',
};

/**
 * The draw moment of an effect under a given config: d2d moves to 'batch' when redrawn each batch, and to
 * 'read' when also redrawn for each input bit of bit-serial inputs (each bit is one read of the array).
 */
export function drawMomentOf(effect: DeviceEffect, config: ExperimentConfig): DrawMoment | null {
  const v = config.device.d2dVariation;
  if (effect === 'd2dVariation' && v.redrawEachBatch) {
    const bitSerial = config.periphery.dacMode === 'bitSerial' && config.periphery.dacBits > 0;
    return v.redrawEachInputBit && bitSerial ? 'read' : 'batch';
  }
  return drawMoments[effect];
}
