/**
 * One sentence saying what pressing Run will do with a config: the landing view shows it beside the
 * Run button, so a newcomer knows what the default experiment is before starting it.
 */
import type { ExperimentConfig } from '../../sim/config';
import { MODEL_LABEL } from '../../models/labels';
import type { SweepSpec } from '../../sim/sweep';
import { axisLabel } from '../sweeps/axes';

const count = (n: number, one: string, many = `${one}s`) =>
  `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

/** "128×128 tiles", "one tile per layer", "16 rows × all columns". */
function tilesText({ tileRows, tileCols }: ExperimentConfig['crossbar']): string {
  if (tileRows === 0 && tileCols === 0) return 'one tile per layer';
  const rows = tileRows === 0 ? 'all rows' : String(tileRows);
  const cols = tileCols === 0 ? 'all columns' : String(tileCols);
  return `${rows}×${cols} tiles`;
}

function convertersText(p: ExperimentConfig['periphery']): string {
  const dac =
    p.dacBits === 0
      ? 'ideal inputs'
      : `${p.dacBits}-bit ${p.dacMode === 'bitSerial' ? 'bit-serial inputs' : 'DAC'}`;
  const adc = p.adcBits === 0 ? 'ideal ADC' : `${p.adcBits}-bit ${p.adcRange} ADC`;
  return `${dac}, ${adc}`;
}

const EFFECT_NAMES: Record<string, string> = {
  d2dVariation: 'device variation',
  programmingNoise: 'programming noise',
  stuckAt: 'stuck-at faults',
  drift: 'drift',
  readNoise: 'read noise',
  outputNoise: 'output noise',
  irDrop: 'IR drop',
};

/** "ideal devices", or the enabled non-idealities ("programming noise, drift and read noise"). */
function devicesText(device: ExperimentConfig['device']): string {
  const on = Object.entries(EFFECT_NAMES)
    .filter(([key]) => (device[key as keyof typeof device] as { enabled?: boolean }).enabled)
    .map(([, name]) => name);
  if (on.length === 0) return 'ideal devices';
  const list = on.length === 1 ? on[0]! : `${on.slice(0, -1).join(', ')} and ${on.at(-1)!}`;
  return device.preset === 'custom' || device.preset === 'ideal'
    ? list
    : `${device.preset.toUpperCase()}: ${list}`;
}

/** What Run does, in one sentence. */
export function describeExperiment(config: ExperimentConfig): string {
  const { experiment: e, crossbar, periphery, device, training } = config;
  const model = MODEL_LABEL[e.model];
  const chip = `${tilesText(crossbar)}, ${convertersText(periphery)}, ${devicesText(device)}`;
  if (e.routine === 'training') {
    const mode = { digital: 'digital', hardwareAware: 'hardware-aware', insitu: 'in-situ analog' }[
      training.mode
    ];
    return (
      `${model} ${mode} training for ${count(training.epochs, 'epoch')} on the first ` +
      `${count(training.trainImages, 'training image')}, tested on ${count(e.images, 'test image')}` +
      (training.mode === 'digital' ? '.' : ` (${chip}).`)
    );
  }
  const repeats = e.runs === 1 ? 'once' : `${e.runs} times`;
  return (
    `${model} inference on the first ${count(e.images, 'CIFAR-10 test image')}, ${repeats}, through a ` +
    `simulated chip (${chip}), compared with the digital network on the same images.`
  );
}

/** "At each of the 12 points of the sweep over Read time (6) × Drift compensation (2)." */
export function describeSweep(sweep: SweepSpec): string {
  const points = sweep.axes.reduce((n, a) => n * a.values.length, 1);
  const axes = sweep.axes.map((a) => `${axisLabel(a.path)} (${a.values.length})`).join(' × ');
  return `At each of the ${points} point${points === 1 ? '' : 's'} of the sweep over ${axes}.`;
}
