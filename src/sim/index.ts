/** Public API of the simulation core (no DOM; runs in the worker, in Node tests and in CLIs). */
export { createRng, type Rng, type DrawMoment } from './rng';
export {
  SCHEMA_VERSION,
  experimentConfigSchema,
  parseExperimentConfig,
  defaultExperimentConfig,
  withOverrides,
  drawMoments,
  drawMomentOf,
  type ExperimentConfig,
  type ExperimentConfigInput,
  type CrossbarConfig,
  type PeripheryConfig,
  type DeviceConfig,
  type TrainingConfig,
  type ConfigIssue,
  type ParseResult,
  type DeepPartial,
  type DeviceEffect,
} from './config';
export {
  planLayer,
  planModel,
  tileExtent,
  convOutputSize,
  unrolledRows,
  rowTileLayout,
  isImageInputLayer,
  readsWithIdealConverters,
  type AnalogLayerSpec,
  type TilePlan,
  type ModelPlan,
  type ArrayPlan,
  type ArrayRole,
} from './tiling';
export {
  mapWeights,
  decodeWeights,
  computeWMax,
  snapToLevels,
  sliceBitsOf,
  gMinOf,
  type MappedWeights,
  type ConductanceArray,
  type ReadGroup,
} from './mapping';
export {
  programArrays,
  programmingSigmaSiemens,
  pcmNuStats,
  driftFactor,
  driftedConductances,
  drawStuckMask,
  readNoiseVariance,
  type ProgrammedArray,
} from './devices';
export {
  programChip,
  readChipAt,
  dacSettings,
  adcGrid,
  quantiseScalar,
  layerReadConfig,
  type ProgrammedChip,
  type CalibrationState,
} from './chip';
export { programAnalogLayer, type AnalogLayer, type TileInspection } from './layer';
export { READ_SETTING_PATHS, programsSameChip } from './readSettings';
export { im2col, type PatchOrder } from './im2col';
export { presets, applyPreset, type Preset } from './presets';
export * from './cost';
// The float64 plain-loop reference of the read semantics: what tests (and the golden-dev check) compare to.
export {
  referenceForward,
  referenceForwardDetailed,
  referenceCalibrate,
  referenceOutputVariance,
  TIE_BAND_LSB,
  TIE_BAND_F32_ULPS,
  type RefInput,
  type ReferenceDetail,
} from './reference';
