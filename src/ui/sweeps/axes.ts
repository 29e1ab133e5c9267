/** What a sweep can vary, and how an axis is named. */
import { PRESET_AXIS } from '../../sim/sweep';
import { configLeaves, fieldInfo, leafByPath } from '../../sim/config';

/** Fields a sweep can vary: single values (numbers, switches, choices), not lists. */
export const SWEEPABLE = configLeaves.filter(
  (l) => l.kind.type !== 'numberList' && l.path !== 'experiment.routine',
);

/** "ADC bits", "Read time", "Preset". */
export const axisLabel = (path: string): string => {
  const leaf = path === PRESET_AXIS ? undefined : leafByPath.get(path);
  return leaf ? fieldInfo(path).label : path === PRESET_AXIS ? 'Preset' : path;
};
