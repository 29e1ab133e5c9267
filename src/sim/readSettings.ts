/**
 * Read settings: the settings a programmed chip is read under that leave what is programmed as it is, so
 * the same chip can be read again under other values without programming it again (`readChipAt`,
 * `AnalogLayer.readAt`): the time since programming and the drift compensation (each device keeps G(t0)
 * and its drift exponent ν), the per-read noises, and the ADC that converts the column currents (its
 * resolution, and its type and sharing, which only the cost model reads): the tiles and their devices stay,
 * the converter after them changes, and its range is calibrated again. The DAC stays part of the chip: it
 * decides the input layout the tiles are read with.
 */
import type { ExperimentConfig } from './config';

/** Dotted config paths of the read settings (sweep points differing only in these share one chip). */
export const READ_SETTING_PATHS: readonly string[] = [
  'device.drift.readTimeSeconds',
  'device.drift.compensation',
  'device.readNoise.enabled',
  'device.readNoise.model',
  'device.readNoise.sigma',
  'device.outputNoise.enabled',
  'device.outputNoise.sigmaFracOfGmaxCurrent',
  'periphery.adcNoise.enabled',
  'periphery.adcNoise.sigmaLsb',
  'periphery.adcBits',
  'periphery.adcType',
  'periphery.columnsPerAdc',
];

/** The chip-defining part of a config (crossbar, periphery, device) without its read settings, as JSON. */
function programmingPart(config: ExperimentConfig): string {
  const part = structuredClone({
    crossbar: config.crossbar,
    periphery: config.periphery,
    device: config.device,
  }) as Record<string, unknown>;
  for (const path of READ_SETTING_PATHS) {
    const keys = path.split('.');
    let node = part;
    for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
    delete node[keys.at(-1)!];
  }
  return JSON.stringify(part);
}

/** Whether two configs program the same chip from the same draws (they differ at most in read settings). */
export function programsSameChip(a: ExperimentConfig, b: ExperimentConfig): boolean {
  return programmingPart(a) === programmingPart(b);
}
