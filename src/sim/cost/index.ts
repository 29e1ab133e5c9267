/** Hardware cost estimate (SPEC §2): public API of `src/sim/cost`. */
export { costOptionsOf, estimateCost, estimateLayerCost } from './estimate';
export {
  adcAreaSquareMicrons,
  adcConversionTimeSeconds,
  adcEnergyPerConversionJoules,
  adcSharing,
  flashComparators,
  type AdcType,
} from './adc';
export {
  TECH_22NM,
  LUO_2022_TABLE1_FEFET_22NM,
  minTransistorAreaSquareMicrons,
  type Technology,
} from './technology';
export {
  COMPONENTS,
  defaultCostOptions,
  sumBreakdown,
  type Component,
  type ComponentBreakdown,
  type CostEstimate,
  type CostOptions,
  type CostTotals,
  type LayerCost,
} from './types';
export {
  COMPONENT_LABELS,
  DISPLAY_UNITS,
  ESTIMATE_ASSUMPTIONS,
  describeEstimate,
  type EstimateDescription,
  type EstimateRow,
} from './describe';
