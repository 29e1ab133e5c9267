/** What a sweep can vary, how an axis is named, and the drift time machine's sweep. */
import { PRESET_AXIS, type SweepSpec } from '../../sim/sweep';
import { configLeaves, leafByPath } from '../../state/urlCodec';
import { metaOf } from '../panels/fieldMeta';

/** Fields a sweep can vary: single values (numbers, switches, choices), not lists. */
export const SWEEPABLE = configLeaves.filter(
  (l) => l.kind.type !== 'numberList' && l.path !== 'experiment.routine',
);

/** The drift time machine: one programmed chip read from 1 second to 10 years, with and without compensation. */
export const DRIFT_TIME_MACHINE: SweepSpec = {
  axes: [
    { path: 'device.drift.readTimeSeconds', values: [1, 3600, 86_400, 2_592_000, 31_536_000, 315_360_000] },
    { path: 'device.drift.compensation', values: [false, true] },
  ],
};

/** "ADC bits", "Read time", "Preset". */
export const axisLabel = (path: string): string => {
  const leaf = path === PRESET_AXIS ? undefined : leafByPath.get(path);
  return leaf ? metaOf(leaf).label : path === PRESET_AXIS ? 'Preset' : path;
};
