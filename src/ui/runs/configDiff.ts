import { configLeaves } from '../../sim/config';
import { formatValue, getPath, sameValue } from '../../state/urlCodec';
import type { ExperimentConfig } from '../../sim/config';

/** URL keys of the fields whose values differ between the given configs (schema order). */
export function differingKeys(configs: readonly ExperimentConfig[]): { key: string; path: string }[] {
  if (configs.length < 2) return [];
  return configLeaves
    .filter((leaf) => configs.some((c) => !sameValue(getPath(c, leaf.path), getPath(configs[0], leaf.path))))
    .map((leaf) => ({ key: leaf.key, path: leaf.path }));
}

export function valueText(config: ExperimentConfig, path: string): string {
  return formatValue(getPath(config, path));
}
