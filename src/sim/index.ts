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
  drawStuckMask,
  readNoiseVariance,
  type ProgrammedArray,
} from './devices';
export {
  programChip,
  dacSettings,
  adcGrid,
  quantiseScalar,
  type ProgrammedChip,
  type CalibrationState,
} from './chip';
export { programAnalogLayer, type AnalogLayer, type TileInspection } from './analogLayer';
export { im2col } from './im2col';
export { presets, applyPreset, type Preset } from './presets';
export {
  estimateCost,
  estimateLayerCost,
  describeEstimate,
  defaultCostOptions,
  sumBreakdown,
  adcAreaSquareMicrons,
  adcConversionTimeSeconds,
  adcEnergyPerConversionJoules,
  TECH_22NM,
  COMPONENTS,
  COMPONENT_LABELS,
  DISPLAY_UNITS,
  ESTIMATE_ASSUMPTIONS,
  type AdcType,
  type Technology,
  type Component,
  type ComponentBreakdown,
  type CostEstimate,
  type CostOptions,
  type CostTotals,
  type LayerCost,
  type EstimateDescription,
  type EstimateRow,
} from './cost';
