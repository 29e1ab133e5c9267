/**
 * `ExperimentConfig`: the single, validated description of an experiment (SPEC §1). UI, URL, worker and
 * CLIs all speak it. Defaults, units (in field names or descriptions) and ranges live here.
 *
 * Conventions: every physical quantity names its unit (`gMaxSiemens`, `vReadVolts`, `readTimeSeconds`);
 * dimensionless values say what they are relative to (`sigmaRelative` = fraction of the device's own G,
 * `sigmaFracOfGmax`); `…Bits` is always bits, never a count of levels (`conductanceLevels` is levels).
 * Every random effect states when it is drawn (`drawMoments` below).
 */
import { z } from 'zod';

/**
 * Version 2 changed the defaults of `experiment.images` (10,000 → 1,000: the embedded starter set) and
 * `experiment.runs` (10 → 3), so that the default experiment gives a first result in seconds. A link
 * from version 1 that leaves them out meant the old defaults: see `LEGACY_DEFAULTS`.
 */
export const SCHEMA_VERSION = 2;

/** Per older schema version, the defaults that changed since (dotted path → value then). */
export const LEGACY_DEFAULTS: Readonly<Record<number, Readonly<Record<string, unknown>>>> = {
  1: { 'experiment.images': 10000, 'experiment.runs': 10 },
};

const int = (min: number, max: number) => z.number().int().min(min).max(max);
const num = (min: number, max: number) => z.number().min(min).max(max);
const percentile = () => z.number().gt(50).max(100);

export const experimentSchema = z.object({
  model: z
    .enum(['vgg8', 'googlenet'])
    .default('vgg8')
    .describe('Network: VGG-8 or GoogLeNet (CIFAR-10 variants)'),
  routine: z.enum(['inference', 'training']).default('inference'),
  images: int(1, 10000)
    .default(1000)
    .describe(
      'CIFAR-10 test images evaluated per run (the first N; up to 1,000 come with the app, more need the full data set)',
    ),
  runs: int(1, 1000).default(3).describe('Repeated inference runs (mean ± std reported)'),
  seed: int(0, 2147483647).default(1).describe('Seed of every random draw (src/sim/rng.ts)'),
  newChipEachRun: z
    .boolean()
    .default(false)
    .describe('Redraw the programming-time effects (a new simulated chip) for every run'),
});

export const crossbarSchema = z.object({
  tileRows: int(0, 4096)
    .default(128)
    .describe('Rows (inputs) per tile; 0 = one tile spans all rows of a layer (aihwkit 0.4 convention)'),
  tileCols: z
    .union([z.literal(0), int(2, 4096)])
    .default(128)
    .describe(
      'Columns per tile (incl. the reference column for the offset mapping); 0 = one tile spans all columns',
    ),
  mapping: z
    .enum(['differential', 'offset'])
    .default('differential')
    .describe(
      'differential: two devices per weight, G⁺ − G⁻ (MemTorch/aihwkit); offset: one device per weight against a mid-conductance reference column (NeuroSim)',
    ),
  differentialSubtraction: z
    .enum(['analog', 'digital'])
    .default('analog')
    .describe(
      'Differential pair: subtract I⁺ − I⁻ before the ADC (analog) or digitise each polarity (digital)',
    ),
  weightBits: int(0, 16)
    .default(0)
    .describe('Weight quantisation in bits (sign included); 0 = unquantised analog weights, one slice'),
  weightQuantiser: z
    .enum(['symmetric', 'neurosim'])
    .default('symmetric')
    .describe(
      'symmetric: codes span ±w_max exactly; neurosim: W_q = round(2^(B−1)·w)/2^(B−1) (w as is for B > 15, as NeuroSim’s Q), level round((2^B − 1)/2·(W_q + 1)), decode /2^(B−1)',
    ),
  cellBits: int(1, 16)
    .default(4)
    .describe(
      'Bits stored per cell when weightBits > 0; slices = ceil(magnitude bits / cellBits), shift-added (16: NeuroSim’s high-resolution cellBit)',
    ),
  onOffRatio: num(1, 1e9).default(10).describe('G_max / G_min (dimensionless)'),
  conductanceLevels: z
    .union([z.literal(0), int(2, 65536)])
    .default(0)
    .describe('Programmable conductance levels between G_min and G_max; 0 = continuous'),
  gMaxSiemens: num(1e-9, 1).default(1e-4).describe('Maximum device conductance G_max in siemens'),
  wMaxMode: z
    .enum(['max', 'percentile', 'fixed'])
    .default('max')
    .describe(
      'Weight that maps to G_max: max|W| of the layer, a percentile of |W| (clipping), or a fixed value',
    ),
  wMaxPercentile: percentile().default(99.9).describe('Percentile of |W| used when wMaxMode = percentile'),
  wMaxFixed: z.number().positive().default(1).describe('w_max when wMaxMode = fixed (weight units)'),
  rowOrder: z
    .enum(['kernelMajor', 'channelMajor'])
    .default('kernelMajor')
    .describe(
      'Order in which a conv kernel is unrolled onto crossbar rows: kernelMajor (kh, kw, cin), the TensorFlow order; channelMajor (cin, kh, kw), torch’s weight.reshape(out, −1) as MemTorch tiles it. Same ideal product, but other rows share a row tile, so a per-tile ADC sees other partial sums (dense layers: no effect)',
    ),
  rowTiling: z
    .enum(['contiguous', 'perKernelPosition'])
    .default('contiguous')
    .describe(
      'contiguous: row tiles of tileRows consecutive unrolled rows; perKernelPosition: each kernel position (i, j) of a conv gets its own row tiles of up to tileRows input channels, so no tile mixes kernel positions (NeuroSim sub-arrays; dense layers: no effect)',
    ),
  partialRowTiles: z
    .enum(['keep', 'drop'])
    .default('keep')
    .describe(
      'keep: rows past the last full row tile go on a partly filled tile; drop: when a layer (per kernel position, with perKernelPosition) has at least tileRows rows, rows past the last multiple of tileRows are not mapped and their inputs ignored (NeuroSim V2.1 as shipped builds int(Cin/subArray) sub-arrays)',
    ),
});

export const peripherySchema = z.object({
  vReadVolts: num(1e-3, 5).default(0.2).describe('Read voltage of a full-scale input (volts)'),
  inputScaling: z
    .enum(['calibrated', 'dynamic', 'perVector', 'none'])
    .default('calibrated')
    .describe(
      'Input range ν mapped to the DAC full scale: calibrated per layer, dynamic per batch (max|x|), per input vector (aihwkit abs-max noise management), or none (x applied as is)',
    ),
  inputCalibrationPercentile: percentile()
    .default(100)
    .describe('Percentile of |x| giving ν when calibrated'),
  dacBits: int(0, 16).default(8).describe('Input DAC resolution in bits; 0 = ideal (no input quantisation)'),
  dacMode: z
    .enum(['multilevel', 'bitSerial'])
    .default('multilevel')
    .describe(
      'multilevel: one read with a multi-level voltage; bitSerial: one read per input bit, shift-add',
    ),
  dacEncoding: z
    .enum(['auto', 'signed', 'unsigned'])
    .default('auto')
    .describe(
      'signed inputs (two’s complement when bit-serial) or unsigned [0, 1]; auto = unsigned when the layer declares non-negative inputs',
    ),
  dacRounding: z
    .enum(['halfEven', 'halfUp', 'f32Step'])
    .default('halfEven')
    .describe(
      'Rounding of input codes: half to even, half up, or f32Step: half to even of x̃/Δ with the step Δ = 1/q_max held in float32, as aihwkit discretises (an input exactly half-way between codes goes where float32 puts it: x̃ = ½ at 7 bits rounds down)',
    ),
  dacGainConvention: z
    .enum(['fullScale', 'neurosim'])
    .default('fullScale')
    .describe('fullScale: code q means q/q_max; neurosim: unsigned code q means q/2^B (gain (2^B−1)/2^B)'),
  adcBits: int(0, 16).default(8).describe('ADC resolution in bits; 0 = ideal (no output quantisation)'),
  adcType: z
    .enum(['flash', 'sar'])
    .default('flash')
    .describe(
      'ADC architecture for the cost estimate only (src/sim/cost; the simulated accuracy does not depend on it): flash (NeuroSim’s multi-level sense amp, area and energy ∝ 2^b) or SAR (∝ b, b + 1 cycles per conversion)',
    ),
  columnsPerAdc: int(1, 4096)
    .default(8)
    .describe(
      'Columns multiplexed onto one ADC, converted one after another (NeuroSim numColMuxed); affects the cost estimate only (area, energy, latency), not the simulated accuracy',
    ),
  adcRange: z
    .enum(['fixed', 'calibrated', 'dynamic'])
    .default('calibrated')
    .describe('fixed full scale from physics; calibrated once per layer; dynamic per batch (idealised)'),
  adcFixedFullScaleGmaxCurrents: num(0, 1e6)
    .default(0)
    .describe(
      'Fixed full scale in units of G_max·V_read (one fully-on device); 0 = tile rows (the physical maximum)',
    ),
  adcCalibrationPercentile: percentile()
    .default(100)
    .describe('Percentile of |I| giving the calibrated full scale'),
  calibrationImages: int(1, 1024)
    .default(64)
    .describe('Training images read once per chip to calibrate input and ADC ranges (calibrated modes)'),
  adcDynamicScope: z
    .enum(['rowTile', 'conversion'])
    .default('rowTile')
    .describe(
      'dynamic range over a whole row-tile read of the batch (NeuroSim) or per input vector and column tile (MemTorch)',
    ),
  adcLevels: z
    .enum(['symmetric', 'powerOfTwo', 'minMax'])
    .default('symmetric')
    .describe(
      'symmetric: step FS/(2^(B−1)−1), codes ±(2^(B−1)−1) (unsigned: FS/(2^B−1)); powerOfTwo: MemTorch step 2^(ceil log2 FS − B + 1); minMax: NeuroSim (hi−lo)/2^B from lo',
    ),
  adcRounding: z.enum(['halfEven', 'halfUp', 'floor']).default('halfEven'),
  adcNoise: z
    .object({
      enabled: z.boolean().default(false),
      sigmaLsb: num(0, 100).default(0.5).describe('ADC input-referred noise σ in LSBs (drawn per read)'),
    })
    .prefault({}),
  boundManagement: z
    .enum(['none', 'iterative'])
    .default('none')
    .describe(
      'aihwkit ITERATIVE: if an output clips, halve the input scale and read again (per input vector)',
    ),
  boundManagementMaxReduction: int(1, 1024).default(16),
  firstLayer: z
    .enum(['asOthers', 'idealConverters', 'neurosim'])
    .default('asOthers')
    .describe(
      'How a conv layer on the 3-channel input image (the first layer) is read: like the others; idealConverters: inputs applied unquantised as signed voltages and no ADC; neurosim: idealConverters with the device variation additive, σ = sigmaRelative cell levels of G_max/(2^cellBits − 1) each (NeuroSim’s Cin = 3 branch)',
    ),
  maxChunkElements: int(1 << 16, 1 << 28)
    .default(1 << 24)
    .describe(
      'Largest intermediate tensor (elements) a layer builds; larger batches are processed in chunks',
    ),
});

export const deviceSchema = z.object({
  preset: z.enum(['ideal', 'rram', 'pcm', 'custom']).default('ideal'),
  d2dVariation: z
    .object({
      enabled: z.boolean().default(false),
      model: z
        .enum(['multiplicative', 'additive', 'conductanceRange'])
        .default('multiplicative')
        .describe(
          'multiplicative: G ← G·(1 + σξ) (NeuroSim vari); additive: G ← G + σ·G_max·ξ; conductanceRange: each device’s R_on, R_off ~ N(nominal, σ·nominal), G clipped to its own range (MemTorch)',
        ),
      sigmaRelative: num(0, 2)
        .default(0.05)
        .describe('σ relative to the device’s G (multiplicative, conductanceRange) or to G_max (additive)'),
      redrawEachBatch: z
        .boolean()
        .default(false)
        .describe(
          'Redraw the multiplicative or additive variation on every forward call (NeuroSim’s behaviour)',
        ),
      redrawEachInputBit: z
        .boolean()
        .default(false)
        .describe(
          'With redrawEachBatch and bit-serial inputs: a fresh draw for every input bit (NeuroSim redraws per input bit, kernel position and sub-array) instead of one draw shared by the bits of a forward call',
        ),
      includeReference: z
        .boolean()
        .default(true)
        .describe(
          'Vary the offset mapping’s reference columns too; off: only data columns vary (NeuroSim never varies its dummy column)',
        ),
    })
    .prefault({}),
  programmingNoise: z
    .object({
      enabled: z.boolean().default(false),
      model: z
        .enum(['proportional', 'constant', 'pcm'])
        .default('proportional')
        .describe('σ = sigma·G_T | sigma·G_max | aihwkit PCM polynomial (c0 + c1·g + c2·g²)·G_max/G_max,ref'),
      sigma: num(0, 2).default(0.03),
      pcmCoefficientsMicroSiemens: z
        .tuple([z.number(), z.number(), z.number()])
        .default([0.26348, 1.965, -1.1731]),
      pcmGMaxRefSiemens: z.number().positive().default(25e-6),
      pcmScale: num(0, 100).default(1),
    })
    .prefault({}),
  stuckAt: z
    .object({
      enabled: z.boolean().default(false),
      fractionAtGmin: num(0, 1).default(0.001).describe('Fraction of devices stuck at G_min (HRS)'),
      fractionAtGmax: num(0, 1).default(0.001).describe('Fraction of devices stuck at G_max (LRS)'),
    })
    .prefault({}),
  drift: z
    .object({
      enabled: z.boolean().default(false),
      nuModel: z
        .enum(['constant', 'pcm'])
        .default('constant')
        .describe('ν ~ |N(nuMean, nuStd)|, or aihwkit PCM G-dependent μ_ν(G), σ_ν(G)'),
      nuMean: num(0, 1).default(0.05),
      nuStd: num(0, 1).default(0.01),
      t0Seconds: num(1e-6, 1e9).default(20),
      readTimeSeconds: num(0, 1e10)
        .default(3600)
        .describe('Time since programming at which the chip is read'),
      compensation: z
        .boolean()
        .default(false)
        .describe('aihwkit global drift compensation (one scalar per layer)'),
    })
    .prefault({}),
  readNoise: z
    .object({
      enabled: z.boolean().default(false),
      model: z
        .enum(['proportional', 'constant', 'pcmRead'])
        .default('proportional')
        .describe('σ(G) = sigma·G | sigma·G_max | σ² = sigma²·G·G_max (aihwkit PCM_READ)'),
      sigma: num(0, 2).default(0.02),
    })
    .prefault({}),
  outputNoise: z
    .object({
      enabled: z.boolean().default(false),
      sigmaFracOfGmaxCurrent: num(0, 100)
        .default(0.06)
        .describe('σ of additive output noise per column read, in units of G_max·V_read (aihwkit out_noise)'),
    })
    .prefault({}),
  irDrop: z
    .object({
      enabled: z.boolean().default(false),
      scale: num(0, 100).default(1).describe('aihwkit ir_drop factor'),
      wireResistanceOhms: num(0, 1e3).default(0.35).describe('Line resistance per cell segment (ohms)'),
    })
    .prefault({}),
});

const pulsedDeviceSchema = z.object({
  dwMin: num(0, 1).default(0.001),
  dwMinDtod: num(0, 10).default(0.3),
  dwMinStd: num(0, 100).default(0.3),
  upDown: num(-1, 1).default(0),
  upDownDtod: num(0, 10).default(0.01),
  wMax: z.number().default(0.6),
  wMin: z.number().default(-0.6),
  wMaxDtod: num(0, 10).default(0.3),
  wMinDtod: num(0, 10).default(0.3),
});

export const trainingSchema = z.object({
  mode: z.enum(['digital', 'hardwareAware', 'insitu']).default('digital'),
  epochs: int(1, 1000).default(256),
  learningRate: num(0, 10).default(0.1),
  momentum: num(0, 1).default(0.9),
  batchSize: int(1, 4096).default(128),
  trainImages: int(1, 50000)
    .default(50000)
    .describe('Training images per epoch: the first N of the 50,000 (a few hundred for a quick demo)'),
  lrSchedule: z
    .object({
      milestonesEpochs: z.array(int(1, 1000)).default([100, 200, 250]),
      gamma: num(0, 1).default(0.1),
    })
    .prefault({}),
  updateModel: z.enum(['neurosimNonlinear', 'constantStep', 'softBounds']).default('neurosimNonlinear'),
  neurosim: z
    .object({
      nlLtp: num(-9, 9).default(1.75).describe('Non-linearity label of potentiation (MLP+NeuroSim)'),
      nlLtd: num(-9, 9).default(1.46).describe('Non-linearity label of depression'),
      numLevels: int(2, 4096).default(32),
      d2dSigma: num(0, 2).default(0),
      c2cSigma: num(0, 2).default(0.003),
    })
    .prefault({}),
  pulsed: pulsedDeviceSchema.prefault({}),
});

export const experimentConfigSchema = z
  .object({
    schemaVersion: z.literal(SCHEMA_VERSION).default(SCHEMA_VERSION),
    experiment: experimentSchema.prefault({}),
    crossbar: crossbarSchema.prefault({}),
    periphery: peripherySchema.prefault({}),
    device: deviceSchema.prefault({}),
    training: trainingSchema.prefault({}),
  })
  .superRefine((c, ctx) => {
    if (c.periphery.dacMode === 'bitSerial' && c.periphery.dacBits < 1)
      ctx.addIssue({
        code: 'custom',
        path: ['periphery', 'dacBits'],
        message: 'bit-serial inputs need dacBits ≥ 1',
      });
    if (c.crossbar.mapping === 'offset' && c.crossbar.tileCols === 2)
      ctx.addIssue({
        code: 'custom',
        path: ['crossbar', 'tileCols'],
        message: 'the offset mapping needs ≥ 3 columns (one is the reference column)',
      });
    if (c.training.pulsed.wMin >= c.training.pulsed.wMax)
      ctx.addIssue({
        code: 'custom',
        path: ['training', 'pulsed', 'wMin'],
        message: 'wMin must be below wMax',
      });
  });

export type ExperimentConfig = z.infer<typeof experimentConfigSchema>;
export type ExperimentConfigInput = z.input<typeof experimentConfigSchema>;
export type CrossbarConfig = ExperimentConfig['crossbar'];
export type PeripheryConfig = ExperimentConfig['periphery'];
export type DeviceConfig = ExperimentConfig['device'];
export type TrainingConfig = ExperimentConfig['training'];

export interface ConfigIssue {
  /** Dotted path of the offending field, e.g. `periphery.adcBits`. */
  path: string;
  message: string;
}

export type ParseResult = { ok: true; config: ExperimentConfig } | { ok: false; issues: ConfigIssue[] };

/**
 * A config object written by an older schema version (a saved run, an exported JSON) as the current
 * version reads it: fields it left out get the defaults of its own version. Anything that is not such an
 * object is returned unchanged (the schema then says what is wrong with it).
 */
export function migrateExperimentConfig(input: unknown): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  const version = (input as { schemaVersion?: unknown }).schemaVersion;
  // Only a known older version is migrated; a newer (or nonsense) one is left for the schema to refuse.
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1 || version >= SCHEMA_VERSION)
    return input;
  let migrated: unknown = { ...input, schemaVersion: SCHEMA_VERSION };
  for (const [v, defaults] of Object.entries(LEGACY_DEFAULTS)) {
    if (Number(v) < version) continue;
    for (const [path, value] of Object.entries(defaults))
      migrated = setIfAbsent(migrated as Record<string, unknown>, path.split('.'), value);
  }
  return migrated;
}

function setIfAbsent(obj: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  const [head, ...rest] = path as [string, ...string[]];
  if (rest.length === 0) return head in obj ? obj : { ...obj, [head]: value };
  const inner = obj[head];
  const child = typeof inner === 'object' && inner !== null ? (inner as Record<string, unknown>) : {};
  return { ...obj, [head]: setIfAbsent(child, rest, value) };
}

/** Validates `input` (migrated from an older schema version), filling defaults; on failure returns one message per offending field. */
export function parseExperimentConfig(input: unknown): ParseResult {
  const result = experimentConfigSchema.safeParse(migrateExperimentConfig(input ?? {}));
  if (result.success) return { ok: true, config: result.data };
  return {
    ok: false,
    issues: result.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.'),
      message: issue.message,
    })),
  };
}

export function defaultExperimentConfig(): ExperimentConfig {
  return experimentConfigSchema.parse({});
}

/** A deep partial of the config, used by presets and overrides. */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** Deep-merges `patches` over `base` (arrays and primitives are replaced) and validates the result. */
export function withOverrides(
  base: ExperimentConfig,
  ...patches: DeepPartial<ExperimentConfig>[]
): ExperimentConfig {
  let merged: unknown = base;
  for (const patch of patches) merged = deepMerge(merged, patch);
  const parsed = parseExperimentConfig(merged);
  if (!parsed.ok)
    throw new Error(`invalid config: ${parsed.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  return parsed.config;
}

function deepMerge(base: unknown, patch: unknown): unknown {
  if (patch === undefined) return base;
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  if (typeof base !== 'object' || base === null || Array.isArray(base)) return patch;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(patch)) out[key] = deepMerge(out[key], value);
  return out;
}
