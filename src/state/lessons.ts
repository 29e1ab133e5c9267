/**
 * Lessons: a story in six links, from an ideal crossbar to drift and to what the peers' "6-bit" means
 * (SPEC §4 "Teach"). Each lesson is a
 * partial config over the defaults plus a short explanation; its URL is what an instructor shares. The
 * training panel is hidden (`hide=training`) because every lesson runs inference.
 */
import {
  defaultExperimentConfig,
  withOverrides,
  type DeepPartial,
  type ExperimentConfig,
} from '../sim/config';
import { DRIFT_TIME_MACHINE, PRESET_AXIS, type SweepSpec } from '../sim/sweep';
import { encodeConfig } from './urlCodec';

export interface Lesson {
  id: string;
  title: string;
  /** Two or three sentences: what the learner sees and why. */
  explanation: string;
  /** What to change next, naming the controls. */
  tryThis: string;
  patch: DeepPartial<ExperimentConfig>;
  /** The sweep the lesson runs, if it runs one. */
  sweep?: SweepSpec;
  hide: string[];
  /** Config paths of the controls the lesson is about: the panel links to them and they are highlighted. */
  focus: string[];
}

export interface BuiltLesson extends Lesson {
  config: ExperimentConfig;
  /** Query string (without `?`) that opens the lesson. */
  query: string;
}

/** A short, classroom-sized inference: VGG-8, 1,000 test images, 3 runs. */
const classroom: DeepPartial<ExperimentConfig> = {
  experiment: { model: 'vgg8', routine: 'inference', images: 1000, runs: 3 },
};

const idealPeriphery: DeepPartial<ExperimentConfig> = {
  crossbar: { conductanceLevels: 0, weightBits: 0 },
  periphery: { dacBits: 0, adcBits: 0 },
  device: { preset: 'ideal' },
};

const pcmDrift = (compensation: boolean): DeepPartial<ExperimentConfig> => ({
  crossbar: { gMaxSiemens: 25e-6, onOffRatio: 1e9 },
  device: {
    preset: 'pcm',
    programmingNoise: { enabled: true, model: 'pcm' },
    readNoise: { enabled: true, model: 'pcmRead', sigma: 0.0175 },
    drift: { enabled: true, nuModel: 'pcm', t0Seconds: 20, readTimeSeconds: 86400, compensation },
  },
});

export const LESSONS: readonly Lesson[] = [
  {
    id: 'ideal',
    title: '1. An ideal crossbar computes exactly',
    explanation:
      'Each weight becomes a pair of conductances (G⁺ − G⁻) and each input a voltage. Ohm’s law multiplies ' +
      '(I = G·V) and the wire adds the currents of a column (Kirchhoff), so every column current is a dot ' +
      'product. With perfect devices and ideal converters the accuracy equals the digital network’s.',
    tryThis:
      'Open the floorplan, click a tile and step through one multiply. Then change the tile size and watch the tile count.',
    patch: { ...classroom, ...idealPeriphery },
    hide: ['training'],
    focus: ['crossbar.tileRows', 'crossbar.tileCols'],
  },
  {
    id: 'levels',
    title: '2. Finite conductance levels',
    explanation:
      'A real device can be set to only a few distinct conductances. Every weight snaps to the nearest ' +
      'level, like rounding the weights to a few values. With 4 levels per device the network already ' +
      'loses accuracy; with 64 it hardly notices.',
    tryThis:
      'Set “Conductance levels” to 2, 4, 16 and 64 and run each; compare the runs in the results table.',
    patch: { ...classroom, ...idealPeriphery, crossbar: { conductanceLevels: 4, weightBits: 0 } },
    hide: ['training'],
    focus: ['crossbar.conductanceLevels'],
  },
  {
    id: 'adc',
    title: '3. ADC precision',
    explanation:
      'The column current is analog; an analog-to-digital converter turns it into a number with a few bits. ' +
      'Few bits means coarse steps and clipped large currents. Taller tiles sum more rows into one current, ' +
      'so they need more ADC bits for the same accuracy — and ADCs cost most of a chip’s energy and area.',
    tryThis:
      'Try ADC bits 3 to 8, then halve “Tile rows” to 64 and repeat: the inspector’s histogram shows what clips.',
    patch: {
      ...classroom,
      crossbar: { conductanceLevels: 0, weightBits: 0 },
      periphery: { dacBits: 8, adcBits: 4, adcRange: 'calibrated' },
      device: { preset: 'ideal' },
    },
    hide: ['training'],
    focus: ['periphery.adcBits', 'crossbar.tileRows'],
  },
  {
    id: 'variability',
    title: '4. Device variability and stuck-at faults',
    explanation:
      'Programming never hits the target exactly: each device lands a few percent off, and a few devices ' +
      'are stuck fully off or fully on. These errors are drawn once per chip, so every run here programs a ' +
      'new chip — the spread across runs is the chip-to-chip spread you would see in a fab.',
    tryThis:
      'Raise “σ” of programming noise from 0.1 to 0.3, or the stuck fractions to 5 %, and watch the mean and ± std.',
    patch: {
      ...classroom,
      experiment: { ...classroom.experiment, runs: 5, newChipEachRun: true },
      crossbar: { conductanceLevels: 0, weightBits: 0 },
      periphery: { dacBits: 8, adcBits: 8 },
      device: {
        preset: 'custom',
        programmingNoise: { enabled: true, model: 'proportional', sigma: 0.1 },
        stuckAt: { enabled: true, fractionAtGmin: 0.01, fractionAtGmax: 0.01 },
      },
    },
    hide: ['training'],
    focus: [
      'device.programmingNoise.sigma',
      'device.stuckAt.fractionAtGmin',
      'device.stuckAt.fractionAtGmax',
    ],
  },
  {
    id: 'drift',
    title: '5. Drift over time: the time machine',
    explanation:
      'Phase-change memory conductance decays after programming: G(t) = G(t₀)·(t/t₀)^(−ν). This run ' +
      'reads one programmed chip at six times, from 1 second to 10 years, with and without drift ' +
      'compensation. Without it, every weight shrinks — by different amounts — and accuracy falls within ' +
      'a day. Most of drift is a common shrinking, so one scale factor per layer, measured on the chip, ' +
      'undoes most of it (aihwkit’s global drift compensation); what remains is the device-to-device ' +
      'spread of ν, which no single factor can fix.',
    tryThis:
      'Press “Run sweep”. Then raise the runs to 3 to see the spread, or switch programming noise off to see drift alone.',
    patch: {
      ...classroom,
      experiment: { ...classroom.experiment, images: 200, runs: 1 },
      ...pcmDrift(false),
    },
    sweep: DRIFT_TIME_MACHINE,
    hide: ['training'],
    focus: ['device.drift.readTimeSeconds', 'device.drift.compensation'],
  },
  {
    id: 'six-bit',
    title: '6. What does “6-bit” mean?',
    explanation:
      'Three simulators, three meanings of “6-bit”, run here on the same weights and images. ' +
      'MemTorch-style: six conductance levels per device, and a 6-bit ADC per 16×16 tile whose range ' +
      'follows each input vector (the power of two above that tile’s largest current). NeuroSim-style: ' +
      '6-bit weights and bit-serial 6-bit inputs, and a 6-bit ADC whose range is the min … max of a whole ' +
      'partial-sum tensor (every image, column and pixel of the batch), which adds a coherent offset that ' +
      'grows with the number of row tiles. aihwkit-style, as the survey paper ran it: an output ' +
      'resolution of 1/6 over ±12 means ADC steps of 4 weight units, which wipes out nearly every column ' +
      'output of a digitally trained VGG-8. Same words, very different chips.',
    tryThis:
      'Press “Run sweep”. Then open the preset buttons’ explanations, or click a point to load that preset and inspect a tile on the floorplan.',
    patch: { ...classroom, experiment: { ...classroom.experiment, images: 100, runs: 1 } },
    sweep: { axes: [{ path: PRESET_AXIS, values: ['memtorch', 'neurosim', 'aihwkit'] }] },
    hide: ['training'],
    focus: ['periphery.adcBits', 'periphery.adcRange', 'crossbar.tileRows'],
  },
];

function build(lesson: Lesson): BuiltLesson {
  const config = withOverrides(defaultExperimentConfig(), lesson.patch);
  const viewer = { sweep: lesson.sweep ?? null, lesson: lesson.id, hide: lesson.hide };
  return { ...lesson, config, query: encodeConfig(config, viewer) };
}

export const lessons: readonly BuiltLesson[] = LESSONS.map(build);

/** Lessons that were merged into another keep working from old links. */
const LESSON_ALIASES: Readonly<Record<string, string>> = { 'drift-compensated': 'drift' };

export function lessonById(id: string): BuiltLesson | undefined {
  const wanted = LESSON_ALIASES[id] ?? id;
  return lessons.find((l) => l.id === wanted);
}
