/**
 * What the schema does not say about each field, one row per field: its label, unit, a hint shown
 * instead of the schema's explanation, whether it is an "advanced" setting, its options' labels, and
 * *when it has an effect* (`enabledWhen`). Keyed by `ConfigPath`, a type derived from the config's
 * leaves, and checked with `satisfies Record<ConfigPath, FieldInfo>`: a misspelt key, or a new field
 * without its row, does not compile. Range, default and one-line explanation come from the schema
 * (leaves.ts). The settings panels, the URL codec, the classroom-link builder, sweeps, the worker and the
 * CLIs read this table.
 */
import type { DeviceEffect } from './drawMoments';
import type { ExperimentConfig } from './schema';
import { configLeaves, leafByPath } from './leaves';

/** Every leaf of a config object as a dotted path ('periphery.adcBits', 'device.drift.enabled', …). */
type Leaves<T, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends readonly unknown[]
    ? `${P}${K}`
    : T[K] extends object
      ? Leaves<T[K], `${P}${K}.`>
      : `${P}${K}`;
}[keyof T & string];

export type ConfigPath = Exclude<Leaves<ExperimentConfig>, 'schemaVersion'>;

/** A field has an effect only when `test` holds; `reason` says when, in words ("when weight bits > 0"). */
export interface EnabledWhen {
  test: (c: ExperimentConfig) => boolean;
  reason: string;
}

export interface FieldInfo {
  label: string;
  unit?: string;
  /** Shown instead of the schema's description (which is kept as the title). */
  hint?: string;
  /** Listed under "More settings". */
  advanced?: boolean;
  /** Absent: always has an effect. */
  enabledWhen?: EnabledWhen;
  optionLabels?: Record<string, string>;
}

const onlyWhen = (test: (c: ExperimentConfig) => boolean, reason: string): EnabledWhen => ({ test, reason });

const neurosimOnly = onlyWhen(
  (c) => c.training.mode === 'insitu' && c.training.updateModel === 'neurosimNonlinear',
  'in-situ with the NeuroSim model',
);
const pulsedOnly = onlyWhen(
  (c) => c.training.mode === 'insitu' && c.training.updateModel !== 'neurosimNonlinear',
  'in-situ with constant-step or soft-bounds',
);

export const FIELDS = {
  'experiment.model': { label: 'Model', optionLabels: { vgg8: 'VGG-8', googlenet: 'GoogLeNet' } },
  'experiment.routine': {
    label: 'Routine',
    hint: 'Inference of trained weights on the test set, or training VGG-8',
    optionLabels: { inference: 'Inference', training: 'Training' },
  },
  'experiment.images': { label: 'Images' },
  'experiment.runs': {
    label: 'Runs',
    enabledWhen: onlyWhen((c) => c.experiment.routine === 'inference', 'inference only'),
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
    enabledWhen: onlyWhen((c) => c.crossbar.mapping === 'differential', 'differential mapping only'),
  },
  'crossbar.weightBits': { label: 'Weight bits', unit: 'bits' },
  'crossbar.weightQuantiser': {
    label: 'Weight quantiser',
    advanced: true,
    enabledWhen: onlyWhen((c) => c.crossbar.weightBits > 0, 'when weight bits > 0'),
  },
  'crossbar.cellBits': {
    label: 'Bits per cell',
    enabledWhen: onlyWhen((c) => c.crossbar.weightBits > 0, 'when weight bits > 0'),
  },
  'crossbar.onOffRatio': { label: 'On/off ratio', unit: 'G_max/G_min' },
  'crossbar.conductanceLevels': { label: 'Conductance levels' },
  'crossbar.gMaxSiemens': { label: 'G_max', unit: 'S', advanced: true },
  'crossbar.wMaxMode': { label: 'w_max from', advanced: true },
  'crossbar.wMaxPercentile': {
    label: 'w_max percentile',
    unit: '%',
    advanced: true,
    enabledWhen: onlyWhen((c) => c.crossbar.wMaxMode === 'percentile', 'when w_max from = percentile'),
  },
  'crossbar.wMaxFixed': {
    label: 'Fixed w_max',
    advanced: true,
    enabledWhen: onlyWhen((c) => c.crossbar.wMaxMode === 'fixed', 'when w_max from = fixed'),
  },
  'crossbar.rowOrder': {
    label: 'Conv row order',
    advanced: true,
    hint: 'Which unrolled conv rows share a row tile (and so one ADC read)',
    optionLabels: {
      kernelMajor: '(kh, kw, cin) — TensorFlow',
      channelMajor: '(cin, kh, kw) — torch, MemTorch',
    },
    enabledWhen: onlyWhen((c) => c.crossbar.rowTiling === 'contiguous', 'when row tiling = contiguous'),
  },
  'crossbar.rowTiling': {
    label: 'Row tiling',
    advanced: true,
    optionLabels: { contiguous: 'Consecutive rows', perKernelPosition: 'Per kernel position (NeuroSim)' },
  },
  'crossbar.partialRowTiles': {
    label: 'Rows past the last full tile',
    advanced: true,
    optionLabels: { keep: 'Keep (partly filled tile)', drop: 'Drop (NeuroSim as shipped)' },
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
    enabledWhen: onlyWhen((c) => c.periphery.adcBits > 0, 'when ADC bits > 0 (an ideal ADC is not costed)'),
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
    enabledWhen: onlyWhen(
      (c) => c.periphery.inputScaling === 'calibrated',
      'when input scaling = calibrated',
    ),
  },
  'periphery.dacEncoding': { label: 'DAC encoding', advanced: true },
  'periphery.dacRounding': {
    label: 'DAC rounding',
    advanced: true,
    hint: 'Rounding of input codes',
    optionLabels: {
      halfEven: 'Half to even',
      halfUp: 'Half up',
      f32Step: 'Half to even, float32 step (aihwkit)',
    },
  },
  'periphery.dacGainConvention': { label: 'DAC gain', advanced: true },
  'periphery.adcFixedFullScaleGmaxCurrents': {
    label: 'ADC fixed full scale',
    unit: 'G_max·V_read',
    enabledWhen: onlyWhen((c) => c.periphery.adcRange === 'fixed', 'when ADC range = fixed'),
  },
  'periphery.adcCalibrationPercentile': {
    label: 'ADC percentile',
    unit: '%',
    advanced: true,
    enabledWhen: onlyWhen((c) => c.periphery.adcRange === 'calibrated', 'when ADC range = calibrated'),
  },
  'periphery.calibrationImages': {
    label: 'Calibration images',
    unit: 'images',
    advanced: true,
    hint: 'Training images read once per chip to set the calibrated input and ADC ranges',
    enabledWhen: onlyWhen(
      (c) =>
        c.periphery.inputScaling === 'calibrated' ||
        (c.periphery.adcRange === 'calibrated' && c.periphery.adcBits > 0),
      'when input scaling or ADC range = calibrated',
    ),
  },
  'periphery.adcDynamicScope': {
    label: 'Dynamic range scope',
    advanced: true,
    enabledWhen: onlyWhen((c) => c.periphery.adcRange === 'dynamic', 'when ADC range = dynamic'),
  },
  'periphery.adcLevels': { label: 'ADC levels', advanced: true },
  'periphery.adcRounding': { label: 'ADC rounding', advanced: true, hint: 'Rounding of output codes' },
  'periphery.adcNoise.sigmaLsb': { label: 'σ', unit: 'LSB' },
  'periphery.boundManagement': { label: 'Bound management', advanced: true },
  'periphery.boundManagementMaxReduction': {
    label: 'Max input reduction',
    advanced: true,
    hint: 'Largest factor the input is divided by before giving up',
    enabledWhen: onlyWhen(
      (c) => c.periphery.boundManagement === 'iterative',
      'when bound management = iterative',
    ),
  },
  'periphery.maxChunkElements': { label: 'Max chunk', unit: 'elements', advanced: true },
  'periphery.firstLayer': {
    label: 'First layer',
    advanced: true,
    hint: 'The conv on the 3-channel image: like the others, or without DAC and ADC (NeuroSim’s first-layer branch)',
    optionLabels: {
      asOthers: 'Like the others',
      idealConverters: 'Ideal converters',
      neurosim: 'Ideal converters, additive variation (NeuroSim)',
    },
  },
  'device.preset': { label: 'Device', hint: 'Set by the preset buttons; “custom” after any change' },
  'device.d2dVariation.sigmaRelative': { label: 'σ', unit: 'of G (additive: of G_max)' },
  'device.d2dVariation.model': { label: 'Model' },
  'device.d2dVariation.redrawEachBatch': {
    label: 'Redraw every batch',
    enabledWhen: onlyWhen(
      (c) => c.device.d2dVariation.model !== 'conductanceRange',
      'multiplicative or additive model only',
    ),
  },
  'device.d2dVariation.redrawEachInputBit': {
    label: 'Redraw every input bit',
    enabledWhen: onlyWhen(
      (c) =>
        c.device.d2dVariation.redrawEachBatch &&
        c.device.d2dVariation.model !== 'conductanceRange' &&
        c.periphery.dacMode === 'bitSerial',
      'when redrawn every batch with bit-serial inputs',
    ),
  },
  'device.d2dVariation.includeReference': {
    label: 'Vary reference columns',
    enabledWhen: onlyWhen((c) => c.crossbar.mapping === 'offset', 'offset mapping only'),
  },
  'device.programmingNoise.model': { label: 'Model' },
  'device.programmingNoise.sigma': {
    label: 'σ',
    hint: 'Relative to G (proportional) or to G_max (constant)',
  },
  'device.programmingNoise.pcmCoefficientsMicroSiemens': {
    label: 'PCM coefficients c0, c1, c2',
    unit: 'µS',
    enabledWhen: onlyWhen((c) => c.device.programmingNoise.model === 'pcm', 'PCM model only'),
  },
  'device.programmingNoise.pcmGMaxRefSiemens': {
    label: 'PCM G_max ref',
    unit: 'S',
    enabledWhen: onlyWhen((c) => c.device.programmingNoise.model === 'pcm', 'PCM model only'),
  },
  'device.programmingNoise.pcmScale': {
    label: 'PCM scale',
    enabledWhen: onlyWhen((c) => c.device.programmingNoise.model === 'pcm', 'PCM model only'),
  },
  'device.stuckAt.fractionAtGmin': { label: 'Stuck at G_min', unit: 'fraction' },
  'device.stuckAt.fractionAtGmax': { label: 'Stuck at G_max', unit: 'fraction' },
  'device.drift.nuModel': { label: 'ν model' },
  'device.drift.nuMean': {
    label: 'ν mean',
    hint: 'Mean drift exponent',
    enabledWhen: onlyWhen((c) => c.device.drift.nuModel === 'constant', 'constant ν model only'),
  },
  'device.drift.nuStd': {
    label: 'ν std',
    hint: 'Spread of the drift exponent between devices',
    enabledWhen: onlyWhen((c) => c.device.drift.nuModel === 'constant', 'constant ν model only'),
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
    enabledWhen: onlyWhen((c) => c.training.mode === 'insitu', 'in-situ mode only'),
    optionLabels: {
      neurosimNonlinear: 'NeuroSim non-linear',
      constantStep: 'Constant step',
      softBounds: 'Soft bounds',
    },
  },
  'device.d2dVariation.enabled': { label: 'Device-to-device variation' },
  'device.programmingNoise.enabled': { label: 'Programming noise' },
  'device.stuckAt.enabled': { label: 'Stuck-at faults' },
  'device.drift.enabled': { label: 'Conductance drift' },
  'device.readNoise.enabled': { label: 'Read noise' },
  'device.outputNoise.enabled': { label: 'Output noise' },
  'device.irDrop.enabled': { label: 'IR drop' },
  'periphery.adcNoise.enabled': { label: 'ADC noise' },
  'training.neurosim.nlLtp': {
    label: 'NL LTP',
    hint: 'Non-linearity label of potentiation',
    enabledWhen: neurosimOnly,
  },
  'training.neurosim.nlLtd': {
    label: 'NL LTD',
    hint: 'Non-linearity label of depression',
    enabledWhen: neurosimOnly,
  },
  'training.neurosim.numLevels': { label: 'Conductance levels', unit: 'levels', enabledWhen: neurosimOnly },
  'training.neurosim.d2dSigma': { label: 'd2d σ', enabledWhen: neurosimOnly },
  'training.neurosim.c2cSigma': { label: 'c2c σ', enabledWhen: neurosimOnly },
  'training.pulsed.dwMin': { label: 'Δw min', enabledWhen: pulsedOnly },
  'training.pulsed.dwMinDtod': { label: 'Δw min d2d', enabledWhen: pulsedOnly },
  'training.pulsed.dwMinStd': { label: 'Δw min std', enabledWhen: pulsedOnly },
  'training.pulsed.upDown': { label: 'Up/down asymmetry', enabledWhen: pulsedOnly },
  'training.pulsed.upDownDtod': { label: 'Up/down d2d', enabledWhen: pulsedOnly },
  'training.pulsed.wMax': { label: 'w max', enabledWhen: pulsedOnly },
  'training.pulsed.wMin': { label: 'w min', enabledWhen: pulsedOnly },
  'training.pulsed.wMaxDtod': { label: 'w max d2d', enabledWhen: pulsedOnly },
  'training.pulsed.wMinDtod': { label: 'w min d2d', enabledWhen: pulsedOnly },
} satisfies Record<ConfigPath, FieldInfo>;

/** The row of `path` (any leaf path; the table has one for each). */
export function fieldInfo(path: string): FieldInfo {
  const info = (FIELDS as Record<string, FieldInfo>)[path];
  if (!info) throw new Error(`no field ${path}`);
  return info;
}

/** Null when the field has an effect under `config`, else why it has none. */
export function inactiveReason(path: string, config: ExperimentConfig): string | null {
  const when = fieldInfo(path).enabledWhen;
  return when && !when.test(config) ? when.reason : null;
}

/** Settings `config` sets away from their defaults that have no effect in it, each with the reason. */
export function ignoredSettings(config: ExperimentConfig): { path: string; reason: string }[] {
  const out: { path: string; reason: string }[] = [];
  for (const leaf of configLeaves) {
    const value = leaf.path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], config);
    if (JSON.stringify(value) === JSON.stringify(leaf.defaultValue)) continue;
    const reason = inactiveReason(leaf.path, config);
    if (reason) out.push({ path: leaf.path, reason });
  }
  return out;
}

/** A label for a path: the field's, or the path itself for anything else. */
export const labelOf = (path: string) => (leafByPath.has(path) ? fieldInfo(path).label : path);

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
