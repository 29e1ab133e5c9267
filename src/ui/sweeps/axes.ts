/** What a sweep can vary, and how an axis is named. */
import { PRESET_AXIS } from '../../sim/sweep';
import { configLeaves, leafByPath } from '../../state/urlCodec';
import { metaOf } from '../panels/fieldMeta';

/** Fields a sweep can vary: single values (numbers, switches, choices), not lists. */
export const SWEEPABLE = configLeaves.filter(
  (l) => l.kind.type !== 'numberList' && l.path !== 'experiment.routine',
);

/** "ADC bits", "Read time", "Preset". */
export const axisLabel = (path: string): string => {
  const leaf = path === PRESET_AXIS ? undefined : leafByPath.get(path);
  return leaf ? metaOf(leaf).label : path === PRESET_AXIS ? 'Preset' : path;
};
