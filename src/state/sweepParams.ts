/**
 * A sweep in the URL, readable like the rest of the link:
 *
 *   ?v=2&seed=1&sweep=adcBits:3,4,5,6,7,8            one axis
 *   &sweep=drift.readTimeSeconds:1,3600,86400&sweep2=drift.compensation:false,true   a grid
 *   &sweep=preset:memtorch,neurosim,aihwkit          the preset axis
 *
 * Each axis is `<field URL key>:<values>` (the same keys and value syntax as the settings). Decoding
 * never throws: a bad axis or value is dropped and said in a notice.
 */
import { PRESET_AXIS, type SweepAxis, type SweepSpec, type SweepValue } from '../sim/sweep';
import { presets } from '../sim/presets';
import type { ConfigLeaf } from '../sim/config';

export const SWEEP_KEYS = ['sweep', 'sweep2'] as const;

/** The URL key of an axis's field (`periphery.adcBits` → `adcBits`). */
function axisKey(axis: SweepAxis, leafByPath: ReadonlyMap<string, ConfigLeaf>): string {
  return axis.path === PRESET_AXIS ? PRESET_AXIS : (leafByPath.get(axis.path)?.key ?? axis.path);
}

/** `sweep` and `sweep2` parameters for a spec. */
export function encodeSweep(
  spec: SweepSpec | null,
  leafByPath: ReadonlyMap<string, ConfigLeaf>,
): [string, string][] {
  if (!spec) return [];
  return spec.axes.map((axis, i) => [
    SWEEP_KEYS[i]!,
    `${axisKey(axis, leafByPath)}:${axis.values.map(String).join(',')}`,
  ]);
}

/**
 * The sweep of `sweep` / `sweep2` texts, or null. `leafByKey` finds a field by URL key or path;
 * `parseValue` checks one value text against its field (the settings' own parser).
 */
export function decodeSweep(
  texts: readonly (string | null)[],
  leafByKey: ReadonlyMap<string, ConfigLeaf>,
  parseValue: (
    leaf: ConfigLeaf,
    text: string,
  ) => { ok: true; value: unknown } | { ok: false; message: string },
  notices: string[],
): SweepSpec | null {
  const axes: SweepAxis[] = [];
  texts.forEach((text, i) => {
    if (text === null || text.trim() === '') return;
    const name = SWEEP_KEYS[i]!;
    const colon = text.indexOf(':');
    if (colon < 0) {
      notices.push(`${name}=${text.slice(0, 40)} is not “field:values”; the sweep was left out.`);
      return;
    }
    const key = text.slice(0, colon).trim();
    const parts = text
      .slice(colon + 1)
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
    const values: SweepValue[] = [];
    if (key === PRESET_AXIS) {
      for (const part of parts)
        if (presets.some((p) => p.id === part)) values.push(part);
        else notices.push(`${name}: there is no preset “${part.slice(0, 40)}”; it was left out.`);
      if (values.length > 0) axes.push({ path: PRESET_AXIS, values });
      return;
    }
    const leaf = leafByKey.get(key);
    if (!leaf) {
      notices.push(`${name}: “${key.slice(0, 40)}” names no setting; the sweep was left out.`);
      return;
    }
    for (const part of parts) {
      const parsed = parseValue(leaf, part);
      if (parsed.ok) values.push(parsed.value as SweepValue);
      else
        notices.push(
          `${name}: ${leaf.key}=${part.slice(0, 40)} is not valid (${parsed.message}); it was left out.`,
        );
    }
    if (values.length > 0) axes.push({ path: leaf.path, values });
  });
  if (axes.length === 2 && axes[0]!.path === axes[1]!.path) {
    notices.push('sweep2 repeats the setting of sweep; it was left out.');
    axes.pop();
  }
  return axes.length > 0 ? { axes } : null;
}
