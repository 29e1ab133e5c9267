/**
 * Presets are partial configs (data), applied with `applyPreset`. Framework-convention presets follow the
 * settings of the survey paper's comparison (reference/paper-companion-code.md §3) and the exact peer
 * conventions found by running the peers (reference/peer-conventions.md). Device presets cite their sources.
 */
import { withOverrides, type DeepPartial, type ExperimentConfig } from './config';

export interface Preset {
  id: string;
  label: string;
  kind: 'framework' | 'device';
  /** Where the numbers come from. */
  source: string;
  /** Plain-language description; for frameworks, what its "6-bit" means. */
  description: string;
  /** Where Crossbar Lab deliberately differs from the peer's shipped behaviour. */
  differences: string[];
  patch: DeepPartial<ExperimentConfig>;
}

const allEffectsOff: DeepPartial<ExperimentConfig['device']> = {
  d2dVariation: { enabled: false, redrawEachBatch: false, redrawEachInputBit: false, includeReference: true },
  programmingNoise: { enabled: false },
  stuckAt: { enabled: false },
  drift: { enabled: false, compensation: false },
  readNoise: { enabled: false },
  outputNoise: { enabled: false },
  irDrop: { enabled: false },
};

export const memtorchPreset: Preset = {
  id: 'memtorch',
  label: 'MemTorch-style',
  kind: 'framework',
  source:
    'paper-companion-code.md §3.3 (MemTorch/Inference_GoogLeNet.py); peer-conventions.md "MemTorch-style" (MemTorch 1.1.6 naive_map, quantize.h)',
  description:
    'Differential pairs on 16×16 tiles with G between 10 µS and 100 µS (R_on ~ N(10 kΩ, 1 kΩ), R_off ~ N(100 kΩ, 10 kΩ) per device), ' +
    'inputs applied as volts without a DAC, and "6 levels" meaning six conductance states per device (not 6 bits: each weight ' +
    'becomes one of 11 values). A conv kernel is unrolled in torch’s (cin, kh, kw) row order and cut into tiles of 16 ' +
    'consecutive rows, so a tile holds a few channels at all kernel positions. Its "6-bit" ADC quantises each tile’s column ' +
    'currents separately for every input vector, with a power-of-two step just above that tile’s largest current: ' +
    'Δ = 2^(ceil(log2 max|I|) − 5), codes −32Δ … 31Δ, rounding half up.',
  differences: [
    'Outputs are rescaled to weight units (as MemTorch’s tune() would with continuous conductances); the paper’s run did not call tune().',
    'Finite states "as documented" (6 levels); MemTorch 1.1.6 silently skips them: use the "MemTorch-style (as shipped)" preset.',
    'A tile output whose columns are all equal is quantised here; MemTorch leaves it unquantised.',
    'MemTorch 1.1.6 gives a bias-free Conv2d a randomly initialised bias when it patches it; here a layer keeps the bias it has.',
  ],
  patch: {
    crossbar: {
      tileRows: 16,
      tileCols: 16,
      rowOrder: 'channelMajor',
      rowTiling: 'contiguous',
      partialRowTiles: 'keep',
      mapping: 'differential',
      differentialSubtraction: 'analog',
      weightBits: 0,
      onOffRatio: 10,
      conductanceLevels: 6,
      gMaxSiemens: 1e-4,
      wMaxMode: 'max',
    },
    periphery: {
      vReadVolts: 1,
      inputScaling: 'none',
      dacBits: 0,
      dacMode: 'multilevel',
      adcBits: 6,
      adcRange: 'dynamic',
      adcDynamicScope: 'conversion',
      adcLevels: 'powerOfTwo',
      adcRounding: 'halfUp',
      adcNoise: { enabled: false },
      boundManagement: 'none',
      firstLayer: 'asOthers',
    },
    device: {
      preset: 'custom',
      ...allEffectsOff,
      d2dVariation: { enabled: true, model: 'conductanceRange', sigmaRelative: 0.1, redrawEachBatch: false },
    },
  },
};

/**
 * A framework preset as its code ships rather than as its paper says: one crossbar setting changed, the
 * description's sentence on it rewritten and the difference that setting corrected dropped.
 */
function asShipped(
  base: Preset,
  change: {
    label: string;
    rewrite: [said: string, shipped: string];
    droppedDifference: string;
    crossbar: DeepPartial<ExperimentConfig['crossbar']>;
  },
): Preset {
  return {
    ...base,
    id: `${base.id}AsShipped`,
    label: change.label,
    description: base.description.replace(...change.rewrite),
    differences: base.differences.filter((d) => !d.startsWith(change.droppedDifference)),
    patch: { ...base.patch, crossbar: { ...base.patch.crossbar, ...change.crossbar } },
  };
}

export const memtorchAsShippedPreset = asShipped(memtorchPreset, {
  label: 'MemTorch-style (as shipped)',
  rewrite: [
    '"6 levels" meaning six conductance states per device',
    '"6 levels" requested but, as in MemTorch 1.1.6, silently not applied (continuous conductances)',
  ],
  droppedDifference: 'Finite states',
  crossbar: { conductanceLevels: 0 },
});

export const neurosimPreset: Preset = {
  id: 'neurosim',
  label: 'NeuroSim-style',
  kind: 'framework',
  source:
    'paper-companion-code.md §3.4 (NeuroSim/Inference_GoogLeNet.py args); peer-conventions.md "NeuroSim-style" and its corrections (quantization_cpu_np_infer.py QConv2d/QLinear, wage_quantizer.py)',
  description:
    'One 6-bit cell per weight (64 levels, L = round(31.5·(W_q + 1)), on/off 10) read against a mid-conductance reference ' +
    'column that is digitised separately and subtracted; inputs are 6-bit and applied bit-serially (one bit per cycle, ' +
    'shift-added, divided by 64). Sub-arrays hold 16 input channels of one kernel position (i, j) each; with fewer than 16 ' +
    'channels each kernel position is its own sub-array of Cin rows. Its "6-bit" ADC has 64 levels spanning the dynamic ' +
    'min … max of each whole partial-sum read of the batch (all images, columns and pixels; floor rounding), so results ' +
    'depend on the rest of the batch — an idealisation. The first layer (3 input channels) has no ADC and takes its inputs ' +
    'unquantised. Device variation σ = 0.1 multiplies every data cell (never the reference column) and is redrawn for every ' +
    'input bit of every forward call; on the first layer it is additive, 0.1 of a cell level.',
  differences: [
    'Channels past the last multiple of 16 are kept on a partly filled sub-array; NeuroSim V2.1 silently drops them: use "NeuroSim-style (as shipped)".',
    'Each layer’s input range is calibrated to [0, 1] (NeuroSim assumes WAGE-quantised activations already in [0, 1], and its bit split mangles inputs outside it).',
    'Layer outputs do not pass NeuroSim’s 6-bit WAGE activation quantiser (clip to ±(1 − 1/32), steps of 1/32): the lab’s networks are trained without WAGE.',
    'Many ADC inputs sit exactly on a code boundary, where float32 arithmetic (NeuroSim’s and the lab’s) may pick either neighbour: up to a few % of max|y| on a layer; the exact (rational) result is the well-defined one.',
    'An ADC read whose partial sums are all equal (max = min) returns that value here; NeuroSim divides 0/0 and the whole layer becomes NaN.',
  ],
  patch: {
    crossbar: {
      tileRows: 16,
      tileCols: 16,
      rowOrder: 'kernelMajor',
      rowTiling: 'perKernelPosition',
      partialRowTiles: 'keep',
      mapping: 'offset',
      weightBits: 6,
      weightQuantiser: 'neurosim',
      cellBits: 6,
      onOffRatio: 10,
      conductanceLevels: 0,
      wMaxMode: 'max',
    },
    periphery: {
      inputScaling: 'calibrated',
      inputCalibrationPercentile: 100,
      dacBits: 6,
      dacMode: 'bitSerial',
      dacEncoding: 'auto',
      dacRounding: 'halfEven',
      dacGainConvention: 'neurosim',
      adcBits: 6,
      adcRange: 'dynamic',
      adcDynamicScope: 'rowTile',
      adcLevels: 'minMax',
      adcRounding: 'floor',
      adcNoise: { enabled: false },
      boundManagement: 'none',
      firstLayer: 'neurosim',
    },
    device: {
      preset: 'custom',
      ...allEffectsOff,
      d2dVariation: {
        enabled: true,
        model: 'multiplicative',
        sigmaRelative: 0.1,
        redrawEachBatch: true,
        redrawEachInputBit: true,
        includeReference: false,
      },
    },
  },
};

export const neurosimAsShippedPreset = asShipped(neurosimPreset, {
  label: 'NeuroSim-style (as shipped)',
  rewrite: [
    'Sub-arrays hold 16 input channels of one kernel position (i, j) each;',
    'Sub-arrays hold 16 input channels of one kernel position (i, j) each, and, as NeuroSim V2.1 ships, only int(Cin/16) ' +
      'of them are built: channels past the last multiple of 16 are silently dropped;',
  ],
  droppedDifference: 'Channels past',
  crossbar: { partialRowTiles: 'drop' },
});

export const aihwkitPreset: Preset = {
  id: 'aihwkit',
  label: 'aihwkit-style',
  kind: 'framework',
  source:
    'paper-companion-code.md §3.5 (SingleRPUConfig, IOParameters(out_res = 1/6)); peer-conventions.md "aihwkit-style"; simulators-and-nonidealities.md §2.4',
  description:
    'One tile per layer. Each input vector is divided by its own max|x| (noise management), then a 7-bit DAC rounds it to ' +
    'steps of 2/126 in [−1, 1]. The analog product W·x̃ gets output noise σ = 0.06 and an ADC with range ±12 (out_bound) in ' +
    'weight units. The paper’s "6-bit" was out_res = 1/ADC_precision = 1/6: a step of 1/6 of the 24-wide range, i.e. 7 levels ' +
    '(−12, −8, …, 12), about 2.8 bits — modelled as a 3-bit symmetric ADC. A true 6-bit aihwkit ADC would be out_res 1/62. ' +
    'If any output, once rounded to the ADC’s steps, lies beyond ±12, the read is repeated with the input halved (bound ' +
    'management, up to 16×); an output that rounds to ±12 itself is kept. Input codes are rounded as aihwkit’s float32 ' +
    'arithmetic does: the largest input of a halved read sits exactly half-way (31.5 steps) and rounds down to 31.',
  differences: [
    'Weights map to conductances with w_max = 1 (weight 1 = G_max = 25 µS); aihwkit’s training tile stores W directly within its device bounds.',
    'With 4, 5, 8 or 9 ADC bits over ±12, aihwkit’s float32 value of the top code is 12.000001 > 12, so an output of exactly ±12 is re-read there; here only codes beyond the grid are (the 3-bit ADC of this preset is not affected).',
  ],
  patch: {
    crossbar: {
      tileRows: 0,
      tileCols: 0,
      rowOrder: 'kernelMajor',
      rowTiling: 'contiguous',
      partialRowTiles: 'keep',
      mapping: 'differential',
      differentialSubtraction: 'analog',
      weightBits: 0,
      onOffRatio: 1e9,
      conductanceLevels: 0,
      gMaxSiemens: 25e-6,
      wMaxMode: 'fixed',
      wMaxFixed: 1,
    },
    periphery: {
      inputScaling: 'perVector',
      dacBits: 7,
      dacMode: 'multilevel',
      dacEncoding: 'signed',
      dacRounding: 'f32Step',
      dacGainConvention: 'fullScale',
      adcBits: 3,
      adcRange: 'fixed',
      adcFixedFullScaleGmaxCurrents: 12,
      adcLevels: 'symmetric',
      adcRounding: 'halfEven',
      adcNoise: { enabled: false },
      boundManagement: 'iterative',
      boundManagementMaxReduction: 16,
      firstLayer: 'asOthers',
    },
    device: {
      preset: 'custom',
      ...allEffectsOff,
      outputNoise: { enabled: true, sigmaFracOfGmaxCurrent: 0.06 },
    },
  },
};

export const idealDevicePreset: Preset = {
  id: 'ideal',
  label: 'Ideal devices',
  kind: 'device',
  source: '—',
  description: 'Every device effect off: conductances are exactly the mapped targets.',
  differences: [],
  patch: { device: { preset: 'ideal', ...allEffectsOff } },
};

export const rramDevicePreset: Preset = {
  id: 'rram',
  label: 'RRAM (HfOx-like)',
  kind: 'device',
  source:
    'G_max 100 µS / on-off 10: MemTorch tutorial R_on 10 kΩ, R_off 100 kΩ and NeuroSim onoffratio 10; programming spread 5 % ' +
    '(NeuroSim vari-like); read noise 3.7 %: MLP+NeuroSim Table II TaOx/HfOx C2C; stuck-at 0.1 % / 0.1 %: MNSIM 2.0 Device_SAF',
  description:
    'A metal-oxide RRAM: 10× on/off, a few percent programming and read spread, rare stuck cells, no drift.',
  differences: [],
  patch: {
    crossbar: { gMaxSiemens: 1e-4, onOffRatio: 10 },
    device: {
      preset: 'rram',
      ...allEffectsOff,
      programmingNoise: { enabled: true, model: 'proportional', sigma: 0.05 },
      readNoise: { enabled: true, model: 'proportional', sigma: 0.037 },
      stuckAt: { enabled: true, fractionAtGmin: 0.001, fractionAtGmax: 0.001 },
    },
  },
};

export const pcmDevicePreset: Preset = {
  id: 'pcm',
  label: 'PCM (aihwkit PCMLikeNoiseModel)',
  kind: 'device',
  source:
    'aihwkit inference/noise/pcm.py (Nandakumar et al., ICECS 2019): g_max 25 µS, prog_coeff [0.26348, 1.9650, −1.1731] µS, ' +
    'G-dependent drift ν, t0 20 s; read noise w_noise 0.0175 PCM_READ (StandardHWATrainingPreset, Rasch et al. 2023); global drift compensation',
  description:
    'Phase-change memory: conductance-dependent programming noise and drift, read one hour after programming.',
  differences: [
    'The accumulated 1/f read noise of aihwkit’s PCM model is not included; per-read PCM_READ noise is.',
  ],
  patch: {
    crossbar: { gMaxSiemens: 25e-6, onOffRatio: 1e9 },
    device: {
      preset: 'pcm',
      ...allEffectsOff,
      programmingNoise: { enabled: true, model: 'pcm', pcmGMaxRefSiemens: 25e-6, pcmScale: 1 },
      drift: { enabled: true, nuModel: 'pcm', t0Seconds: 20, readTimeSeconds: 3600, compensation: true },
      readNoise: { enabled: true, model: 'pcmRead', sigma: 0.0175 },
    },
  },
};

export const presets: Preset[] = [
  memtorchPreset,
  memtorchAsShippedPreset,
  neurosimPreset,
  neurosimAsShippedPreset,
  aihwkitPreset,
  idealDevicePreset,
  rramDevicePreset,
  pcmDevicePreset,
];

export function applyPreset(config: ExperimentConfig, id: string): ExperimentConfig {
  const preset = presets.find((p) => p.id === id);
  if (!preset) throw new Error(`unknown preset ${id}`);
  return withOverrides(config, preset.patch);
}
