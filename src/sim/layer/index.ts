/** The analog layer the models call: program a layer's weights onto tiles, then read it. */
export { programAnalogLayer } from './analogLayer';
export { sumParts } from './adc';
export { NoiseBank, NOISE_BANK_NORMALS } from './noiseBank';
export type { AnalogLayer, AnalogLayerOptions, TileInspection } from './types';
export { loadFusedKernels, type FusedKernels } from './fusedRead';
