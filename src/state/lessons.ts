/**
 * Lessons: a story in six links, from an ideal crossbar to drift (SPEC §4 "Teach"). Each lesson is a
 * partial config over the defaults plus a short explanation; its URL is what an instructor shares. The
 * training panel is hidden (`hide=training`) because every lesson runs inference.
 */
import {
  defaultExperimentConfig,
  withOverrides,
  type DeepPartial,
  type ExperimentConfig,
} from '../sim/config';
import { encodeConfig } from './urlCodec';

export interface Lesson {
  id: string;
  title: string;
  /** Two or three sentences: what the learner sees and why. */
  explanation: string;
  /** What to change next, naming the controls. */
  tryThis: string;
  patch: DeepPartial<ExperimentConfig>;
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
    title: '5. Drift over time',
    explanation:
      'Phase-change memory conductance decays after programming: G(t) = G(t₀)·(t/t₀)^(−ν). Read one day ' +
      'later, every weight has shrunk — by different amounts — and the network’s outputs shrink with them.',
    tryThis:
      'Change “Read time” from 1 hour (3600 s) to 1 day and 1 year (3.15e7 s), then open the next lesson.',
    patch: { ...classroom, periphery: { dacBits: 8, adcBits: 8 }, ...pcmDrift(false) },
    hide: ['training'],
    focus: ['device.drift.readTimeSeconds'],
  },
  {
    id: 'drift-compensated',
    title: '6. Drift with compensation',
    explanation:
      'Most of drift is a common shrinking of all weights, so one scale factor per layer, measured on the ' +
      'chip, undoes most of it (aihwkit’s global drift compensation). What remains is the device-to-device ' +
      'spread of ν, which no single factor can fix.',
    tryThis: 'Run this and lesson 5 at the same read time and compare them in the results table.',
    patch: { ...classroom, periphery: { dacBits: 8, adcBits: 8 }, ...pcmDrift(true) },
    hide: ['training'],
    focus: ['device.drift.readTimeSeconds', 'device.drift.compensation'],
  },
];

function build(lesson: Lesson): BuiltLesson {
  const config = withOverrides(defaultExperimentConfig(), lesson.patch);
  return { ...lesson, config, query: encodeConfig(config, { lesson: lesson.id, hide: lesson.hide }) };
}

export const lessons: readonly BuiltLesson[] = LESSONS.map(build);

export function lessonById(id: string): BuiltLesson | undefined {
  return lessons.find((l) => l.id === id);
}
