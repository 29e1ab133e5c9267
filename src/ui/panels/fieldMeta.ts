/**
 * What the schema does not say about a field: its label, unit, whether it is an "advanced" setting and
 * when it has an effect. Everything else (type, range, default, one-line explanation) comes from the
 * schema through `configLeaves` (src/state/urlCodec.ts), so controls never drift from it.
 */
import type { ExperimentConfig } from '../../sim/config';
import type { DeviceEffect } from '../../sim/config';
import type { ConfigLeaf } from '../../state/urlCodec';

export interface FieldMeta {
  label?: string;
  unit?: string;
  /** Shown instead of the schema's description (which is kept as the title). */
  hint?: string;
  /** Listed under "More settings". */
  advanced?: boolean;
  /** Null when the field has an effect, else why it has none (the control is disabled). */
  inactive?: (c: ExperimentConfig) => string | null;
  optionLabels?: Record<string, string>;
}

const onlyWhen = (test: (c: ExperimentConfig) => boolean, reason: string) => (c: ExperimentConfig) =>
  test(c) ? null : reason;

export const FIELD_META: Record<string, FieldMeta> = {
  'experiment.model': { label: 'Model', optionLabels: { vgg8: 'VGG-8', googlenet: 'GoogLeNet' } },
  'experiment.routine': {
    label: 'Routine',
    hint: 'Inference of trained weights on the test set, or training VGG-8',
    optionLabels: { inference: 'Inference', training: 'Training' },
  },
  'experiment.images': { label: 'Images' },
  'experiment.runs': {
    label: 'Runs',
    inactive: onlyWhen((c) => c.experiment.routine === 'inference', 'inference only'),
  },
  'experiment.seed': { label: 'Random seed' },
  'experiment.newChipEachRun': { label: 'New chip each run' },
  'crossbar.tileRows': { label: 'Tile rows' },
  'crossbar.tileCols': { label: 'Tile columns' },
  'crossbar.mapping': {
    label: 'Weight mapping',
    optionLabels: { differential: 'Differential pair', offset: 'Offset (reference column)' },
  },
  'crossbar.differentialSubtraction': {
    label: 'Pair subtraction',
    advanced: true,
    inactive: onlyWhen((c) => c.crossbar.mapping === 'differential', 'differential mapping only'),
  },
  'crossbar.weightBits': { label: 'Weight bits', unit: 'bits' },
  'crossbar.weightQuantiser': {
    label: 'Weight quantiser',
    advanced: true,
    inactive: onlyWhen((c) => c.crossbar.weightBits > 0, 'when weight bits > 0'),
  },
  'crossbar.cellBits': {
    label: 'Bits per cell',
    inactive: onlyWhen((c) => c.crossbar.weightBits > 0, 'when weight bits > 0'),
  },
  'crossbar.onOffRatio': { label: 'On/off ratio', unit: 'G_max/G_min' },
  'crossbar.conductanceLevels': { label: 'Conductance levels' },
  'crossbar.gMaxSiemens': { label: 'G_max', unit: 'S', advanced: true },
  'crossbar.wMaxMode': { label: 'w_max from', advanced: true },
  'crossbar.wMaxPercentile': {
    label: 'w_max percentile',
    unit: '%',
    advanced: true,
    inactive: onlyWhen((c) => c.crossbar.wMaxMode === 'percentile', 'when w_max from = percentile'),
  },
  'crossbar.wMaxFixed': {
    label: 'Fixed w_max',
    advanced: true,
    inactive: onlyWhen((c) => c.crossbar.wMaxMode === 'fixed', 'when w_max from = fixed'),
  },
  'periphery.dacBits': { label: 'DAC bits', unit: 'bits' },
  'periphery.dacMode': {
    label: 'DAC mode',
    optionLabels: { multilevel: 'Multi-level', bitSerial: 'Bit-serial' },
  },
  'periphery.adcBits': { label: 'ADC bits', unit: 'bits' },
  // Cost-only fields: the hardware cost estimate reads them (src/sim/cost), the simulation does not.
  'periphery.adcType': {
    label: 'ADC type (cost only)',
    advanced: true,
    hint: 'Affects the cost estimate only, not the simulated accuracy: flash (area, energy ∝ 2^b) or SAR (∝ b)',
    optionLabels: { flash: 'Flash (NeuroSim sense amp)', sar: 'SAR' },
    inactive: onlyWhen((c) => c.periphery.adcBits > 0, 'when ADC bits > 0 (an ideal ADC is not costed)'),
  },
  'periphery.columnsPerAdc': {
    label: 'Columns per ADC (cost only)',
    unit: 'columns',
    advanced: true,
    hint: 'Affects the cost estimate only: columns converted one after another by one ADC (fewer ADCs, longer reads)',
  },
  'periphery.adcRange': { label: 'ADC range' },
  'periphery.vReadVolts': { label: 'Read voltage', unit: 'V', advanced: true },
  'periphery.inputScaling': { label: 'Input scaling', advanced: true },
  'periphery.inputCalibrationPercentile': {
    label: 'Input percentile',
    unit: '%',
    advanced: true,
    inactive: onlyWhen((c) => c.periphery.inputScaling === 'calibrated', 'when input scaling = calibrated'),
  },
  'periphery.dacEncoding': { label: 'DAC encoding', advanced: true },
  'periphery.dacRounding': { label: 'DAC rounding', advanced: true, hint: 'Rounding of input codes' },
  'periphery.dacGainConvention': { label: 'DAC gain', advanced: true },
  'periphery.adcFixedFullScaleGmaxCurrents': {
    label: 'ADC fixed full scale',
    unit: 'G_max·V_read',
    inactive: onlyWhen((c) => c.periphery.adcRange === 'fixed', 'when ADC range = fixed'),
  },
  'periphery.adcCalibrationPercentile': {
    label: 'ADC percentile',
    unit: '%',
    advanced: true,
    inactive: onlyWhen((c) => c.periphery.adcRange === 'calibrated', 'when ADC range = calibrated'),
  },
  'periphery.calibrationImages': {
    label: 'Calibration images',
    unit: 'images',
    advanced: true,
    hint: 'Training images read once per chip to set the calibrated input and ADC ranges',
    inactive: onlyWhen(
      (c) =>
        c.periphery.inputScaling === 'calibrated' ||
        (c.periphery.adcRange === 'calibrated' && c.periphery.adcBits > 0),
      'when input scaling or ADC range = calibrated',
    ),
  },
  'periphery.adcDynamicScope': {
    label: 'Dynamic range scope',
    advanced: true,
    inactive: onlyWhen((c) => c.periphery.adcRange === 'dynamic', 'when ADC range = dynamic'),
  },
  'periphery.adcLevels': { label: 'ADC levels', advanced: true },
  'periphery.adcRounding': { label: 'ADC rounding', advanced: true, hint: 'Rounding of output codes' },
  'periphery.adcNoise.sigmaLsb': { label: 'σ', unit: 'LSB' },
  'periphery.boundManagement': { label: 'Bound management', advanced: true },
  'periphery.boundManagementMaxReduction': {
    label: 'Max input reduction',
    advanced: true,
    hint: 'Largest factor the input is divided by before giving up',
    inactive: onlyWhen(
      (c) => c.periphery.boundManagement === 'iterative',
      'when bound management = iterative',
    ),
  },
  'periphery.maxChunkElements': { label: 'Max chunk', unit: 'elements', advanced: true },
  'device.preset': { label: 'Device', hint: 'Set by the preset buttons; “custom” after any change' },
  'device.d2dVariation.sigmaRelative': { label: 'σ', unit: 'of G' },
  'device.d2dVariation.model': { label: 'Model' },
  'device.d2dVariation.redrawEachBatch': { label: 'Redraw every batch' },
  'device.programmingNoise.model': { label: 'Model' },
  'device.programmingNoise.sigma': {
    label: 'σ',
    hint: 'Relative to G (proportional) or to G_max (constant)',
  },
  'device.programmingNoise.pcmCoefficientsMicroSiemens': {
    label: 'PCM coefficients c0, c1, c2',
    unit: 'µS',
    inactive: onlyWhen((c) => c.device.programmingNoise.model === 'pcm', 'PCM model only'),
  },
  'device.programmingNoise.pcmGMaxRefSiemens': {
    label: 'PCM G_max ref',
    unit: 'S',
    inactive: onlyWhen((c) => c.device.programmingNoise.model === 'pcm', 'PCM model only'),
  },
  'device.programmingNoise.pcmScale': {
    label: 'PCM scale',
    inactive: onlyWhen((c) => c.device.programmingNoise.model === 'pcm', 'PCM model only'),
  },
  'device.stuckAt.fractionAtGmin': { label: 'Stuck at G_min', unit: 'fraction' },
  'device.stuckAt.fractionAtGmax': { label: 'Stuck at G_max', unit: 'fraction' },
  'device.drift.nuModel': { label: 'ν model' },
  'device.drift.nuMean': {
    label: 'ν mean',
    hint: 'Mean drift exponent',
    inactive: onlyWhen((c) => c.device.drift.nuModel === 'constant', 'constant ν model only'),
  },
  'device.drift.nuStd': {
    label: 'ν std',
    hint: 'Spread of the drift exponent between devices',
    inactive: onlyWhen((c) => c.device.drift.nuModel === 'constant', 'constant ν model only'),
  },
  'device.drift.t0Seconds': { label: 't₀', unit: 's', hint: 'Time of programming reference' },
  'device.drift.readTimeSeconds': { label: 'Read time', unit: 's' },
  'device.drift.compensation': { label: 'Drift compensation' },
  'device.readNoise.model': { label: 'Model' },
  'device.readNoise.sigma': { label: 'σ' },
  'device.outputNoise.sigmaFracOfGmaxCurrent': { label: 'σ', unit: 'G_max·V_read' },
  'device.irDrop.scale': { label: 'Scale' },
  'device.irDrop.wireResistanceOhms': { label: 'Wire resistance', unit: 'Ω' },
  'training.mode': {
    label: 'Training mode',
    optionLabels: { digital: 'Digital baseline', hardwareAware: 'Hardware-aware', insitu: 'In-situ analog' },
  },
  'training.epochs': { label: 'Epochs' },
  'training.learningRate': {
    label: 'Learning rate',
    hint: 'The paper’s 0.1 is for batch 128; small batches need a smaller rate',
  },
  'training.momentum': { label: 'Momentum' },
  'training.batchSize': { label: 'Batch size (training)' },
  'training.trainImages': { label: 'Training images', hint: 'Per epoch: the first N of the 50,000' },
  'training.lrSchedule.milestonesEpochs': { label: 'LR milestones', unit: 'epochs', advanced: true },
  'training.lrSchedule.gamma': {
    label: 'LR decay γ',
    advanced: true,
    hint: 'Learning rate multiplied by γ at each milestone',
  },
  'training.updateModel': {
    label: 'Update model',
    inactive: onlyWhen((c) => c.training.mode === 'insitu', 'in-situ mode only'),
    optionLabels: {
      neurosimNonlinear: 'NeuroSim non-linear',
      constantStep: 'Constant step',
      softBounds: 'Soft bounds',
    },
  },
};

const neurosimOnly = onlyWhen(
  (c) => c.training.mode === 'insitu' && c.training.updateModel === 'neurosimNonlinear',
  'in-situ with the NeuroSim model',
);
const pulsedOnly = onlyWhen(
  (c) => c.training.mode === 'insitu' && c.training.updateModel !== 'neurosimNonlinear',
  'in-situ with constant-step or soft-bounds',
);

const ACRONYMS: Record<string, string> = {
  nl: 'NL',
  ltp: 'LTP',
  ltd: 'LTD',
  d2d: 'd2d',
  c2c: 'c2c',
  dw: 'Δw',
  dtod: 'd2d',
  std: 'std',
  w: 'w',
};

/** Label from the key when the table has none: `dwMinDtod` → "Δw min d2d". */
function autoLabel(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').split(' ');
  const text = words.map((w) => ACRONYMS[w.toLowerCase()] ?? w.toLowerCase()).join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Unit from the name's suffix (the schema's naming rule: units live in field names). */
function unitFromName(name: string): string | undefined {
  if (name.endsWith('MicroSiemens')) return 'µS';
  if (name.endsWith('Siemens')) return 'S';
  if (name.endsWith('Volts')) return 'V';
  if (name.endsWith('Seconds')) return 's';
  if (name.endsWith('Ohms')) return 'Ω';
  if (name.endsWith('Bits')) return 'bits';
  return undefined;
}

export interface ResolvedMeta extends FieldMeta {
  label: string;
}

export function metaOf(leaf: ConfigLeaf): ResolvedMeta {
  const explicit = FIELD_META[leaf.path] ?? {};
  const name = leaf.path.split('.').pop()!;
  let inactive = explicit.inactive;
  if (!inactive && leaf.path.startsWith('training.neurosim.')) inactive = neurosimOnly;
  if (!inactive && leaf.path.startsWith('training.pulsed.')) inactive = pulsedOnly;
  return {
    ...explicit,
    label: explicit.label ?? autoLabel(name),
    unit: explicit.unit ?? unitFromName(name),
    inactive,
  };
}

/** The non-idealities with a switch, where they live in the config, and a one-line explanation. */
export interface EffectInfo {
  effect: DeviceEffect;
  /** Config path of the effect's object (its `enabled` switch is `${path}.enabled`). */
  path: string;
  title: string;
  explanation: string;
}

export const EFFECTS: readonly EffectInfo[] = [
  {
    effect: 'd2dVariation',
    path: 'device.d2dVariation',
    title: 'Device-to-device variation',
    explanation: 'Every device’s conductance is off by its own random factor, fixed when the chip is made.',
  },
  {
    effect: 'programmingNoise',
    path: 'device.programmingNoise',
    title: 'Programming noise',
    explanation: 'Writing a conductance lands near the target, not on it.',
  },
  {
    effect: 'stuckAt',
    path: 'device.stuckAt',
    title: 'Stuck-at faults',
    explanation: 'A few devices are stuck fully off (G_min) or fully on (G_max), whatever is written.',
  },
  {
    effect: 'drift',
    path: 'device.drift',
    title: 'Conductance drift',
    explanation: 'Conductances decay after programming: G(t) = G(t₀)·(t/t₀)^(−ν).',
  },
  {
    effect: 'readNoise',
    path: 'device.readNoise',
    title: 'Read noise',
    explanation: 'Each read of a device fluctuates around its conductance.',
  },
  {
    effect: 'outputNoise',
    path: 'device.outputNoise',
    title: 'Output noise',
    explanation: 'Noise added to every column current before the ADC.',
  },
  {
    effect: 'irDrop',
    path: 'device.irDrop',
    title: 'IR drop',
    explanation: 'Wire resistance lowers the voltage reaching devices far from the drivers.',
  },
  {
    effect: 'adcNoise',
    path: 'periphery.adcNoise',
    title: 'ADC noise',
    explanation: 'The converter adds its own input-referred noise to every conversion.',
  },
];

export const isEffectPath = (path: string) => EFFECTS.some((e) => path.startsWith(`${e.path}.`));
