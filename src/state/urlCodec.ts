/**
 * The experiment config in the URL (SPEC §4 "Share"). One table — `configLeaves`, derived from the zod
 * schema in src/sim/config/ — drives both directions, as in Playground's `State.PROPS`:
 *
 *   ?v=1&seed=7&adcBits=6&tileRows=64&drift.enabled=true&lesson=adc&hide=training
 *
 * Keys are the config path without its section (`periphery.adcBits` → `adcBits`, `device.drift.enabled`
 * → `drift.enabled`); the full path is accepted too. Only values that differ from the defaults are
 * written, plus `v` (schema version) and `seed`. Decoding never throws: unknown keys are ignored, bad
 * values fall back to their defaults, and every such case is reported in `notices`.
 */
import type { SweepSpec } from '../sim/sweep';
import { SWEEP_KEYS, decodeSweep, encodeSweep } from './sweepParams';
import {
  SECTIONS,
  configLeaves,
  leafByPath,
  type ConfigLeaf,
  LEGACY_DEFAULTS,
  SCHEMA_VERSION,
  defaultExperimentConfig,
  parseExperimentConfig,
  type ExperimentConfig,
} from '../sim/config';

export function getPath(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const part of path.split('.')) cur = (cur as Record<string, unknown> | undefined)?.[part];
  return cur;
}

/** Returns a copy of `obj` with `path` set to `value` (objects along the path are copied). */
export function setPath<T>(obj: T, path: string, value: unknown): T {
  const [head, ...rest] = path.split('.');
  const src = obj as Record<string, unknown>;
  return { ...src, [head!]: rest.length === 0 ? value : setPath(src[head!], rest.join('.'), value) } as T;
}

const leafByKey: ReadonlyMap<string, ConfigLeaf> = new Map(
  configLeaves.flatMap((l) => [
    [l.key, l],
    [l.path, l],
  ]),
);

export function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  return a === b;
}

/** Text form of a leaf value: numbers in JavaScript's shortest round-trip form, lists comma-joined. */
export function formatValue(value: unknown): string {
  if (Array.isArray(value)) return value.map((v) => formatValue(v)).join(',');
  return String(value);
}

/**
 * Parses the text of a field (URL value or typed input) and validates it with the field's schema.
 * Returns the value, or the schema's message.
 */
export function parseLeafText(
  leaf: ConfigLeaf,
  text: string,
): { ok: true; value: unknown } | { ok: false; message: string } {
  let value: unknown;
  const t = text.trim();
  const asNumber = (s: string) => (s.trim() === '' ? Number.NaN : Number(s.trim()));
  switch (leaf.kind.type) {
    case 'boolean':
      if (t === 'true' || t === '1') value = true;
      else if (t === 'false' || t === '0') value = false;
      else return { ok: false, message: 'expected true or false' };
      break;
    case 'number':
      value = asNumber(t);
      if (!Number.isFinite(value)) return { ok: false, message: 'expected a number' };
      break;
    case 'numberList':
      value = t === '' ? [] : t.split(',').map(asNumber);
      if ((value as number[]).some((v) => !Number.isFinite(v)))
        return { ok: false, message: 'expected numbers separated by commas' };
      break;
    case 'enum':
      value = t;
      break;
  }
  const result = leaf.schema.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, message: result.error.issues[0]?.message ?? 'invalid value' };
}

/** URL options that are not part of the config (viewer settings, kept when the config changes). */
export interface ViewerParams {
  /** The sweep the link runs (src/state/sweepParams.ts), or null. */
  sweep: SweepSpec | null;
  /** Lesson whose explanation panel is shown. */
  lesson: string | null;
  /** Controls hidden for class use: section names, URL keys, or panel names. */
  hide: string[];
}

/** Keys read by other modules (src/state/urlOptions.ts) that the codec must neither flag nor drop. */
export const PASSTHROUGH_KEYS = ['backend'] as const;

/** Encodes `config` as readable query parameters: `v`, `seed`, then every non-default field. */
export function encodeConfig(
  config: ExperimentConfig,
  viewer: Partial<ViewerParams> = {},
  passthrough?: URLSearchParams,
): string {
  const params = new URLSearchParams();
  params.set('v', String(SCHEMA_VERSION));
  params.set('seed', String(config.experiment.seed));
  for (const leaf of configLeaves) {
    if (leaf.path === 'experiment.seed') continue;
    const value = getPath(config, leaf.path);
    if (!sameValue(value, leaf.defaultValue)) params.set(leaf.key, formatValue(value));
  }
  for (const [key, text] of encodeSweep(viewer.sweep ?? null, leafByPath)) params.set(key, text);
  if (viewer.lesson) params.set('lesson', viewer.lesson);
  if (viewer.hide && viewer.hide.length > 0) params.set('hide', viewer.hide.join(','));
  if (passthrough)
    for (const key of PASSTHROUGH_KEYS) {
      const value = passthrough.get(key);
      if (value !== null) params.set(key, value);
    }
  // URLSearchParams escapes ',' and ':' (%2C, %3A); lists and sweeps stay readable unescaped (both are
  // legal in a query).
  return params.toString().replace(/%2C/gi, ',').replace(/%3A/gi, ':');
}

export interface DecodedUrl {
  config: ExperimentConfig;
  viewer: ViewerParams;
  /** What was ignored or replaced, one sentence each. */
  notices: string[];
}

/** Targets `hide=` accepts besides field keys. */
export const HIDE_TARGETS = [...SECTIONS, 'presets', 'floorplan', 'runs', 'image', 'share', 'help'] as const;

/** A section, a panel, a field's URL key, or a group of fields (`drift` for `drift.*`). */
export function isHideTarget(target: string): boolean {
  return (
    (HIDE_TARGETS as readonly string[]).includes(target) ||
    leafByKey.has(target) ||
    configLeaves.some((l) => l.key.startsWith(`${target}.`))
  );
}

/** Whether `hidden` hides the field with URL key `key` (itself or its group). */
export function isKeyHidden(hidden: readonly string[], key: string): boolean {
  return hidden.some((h) => h === key || key.startsWith(`${h}.`));
}

const quote = (s: string) => `“${s.length > 40 ? `${s.slice(0, 40)}…` : s}”`;

/** Decodes a query string (with or without `?`). Never throws. */
export function decodeConfig(search: string): DecodedUrl {
  const params = new URLSearchParams(search);
  const notices: string[] = [];
  const defaults = defaultExperimentConfig();
  let config: ExperimentConfig = defaults;
  const supplied = new Set<string>();
  const viewer: ViewerParams = { sweep: null, lesson: null, hide: [] };
  viewer.sweep = decodeSweep(
    SWEEP_KEYS.map((k) => params.get(k)),
    leafByKey,
    parseLeafText,
    notices,
  );

  const version = params.get('v');
  // A link of an older version that leaves a field out meant that version's default.
  const legacy = version !== null && /^\d+$/.test(version) ? Number(version) : SCHEMA_VERSION;
  for (const [v, defaults] of Object.entries(LEGACY_DEFAULTS)) {
    if (Number(v) < legacy) continue;
    for (const [path, value] of Object.entries(defaults)) config = setPath(config, path, value);
  }
  if (version !== null && version !== String(SCHEMA_VERSION)) {
    notices.push(
      /^\d+$/.test(version)
        ? `This link was made with settings version ${version}; Crossbar Lab reads version ${SCHEMA_VERSION}, so each setting was checked and kept only where it still fits.`
        : `The settings version ${quote(version)} in the link was not understood; the link was read as version ${SCHEMA_VERSION}.`,
    );
  }

  for (const [key, text] of params) {
    if (key === 'v' || (PASSTHROUGH_KEYS as readonly string[]).includes(key)) continue;
    if ((SWEEP_KEYS as readonly string[]).includes(key)) continue;
    if (key === 'lesson') {
      viewer.lesson = text.trim() === '' ? null : text.trim();
      continue;
    }
    if (key === 'hide') {
      for (const target of text
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t !== '')) {
        if (isHideTarget(target)) viewer.hide.push(target);
        else notices.push(`hide=${quote(target)} names no control and was ignored.`);
      }
      continue;
    }
    const leaf = leafByKey.get(key);
    if (!leaf) {
      notices.push(`Unknown setting ${quote(key)} was ignored.`);
      continue;
    }
    if (supplied.has(leaf.path)) {
      notices.push(`${leaf.key} appeared twice; the first value was kept.`);
      continue;
    }
    const parsed = parseLeafText(leaf, text);
    if (!parsed.ok) {
      notices.push(
        `${leaf.key}=${quote(text)} is not valid (${parsed.message}); the default ${formatValue(leaf.defaultValue)} is used.`,
      );
      continue;
    }
    supplied.add(leaf.path);
    config = setPath(config, leaf.path, parsed.value);
  }

  // Rules across fields (e.g. bit-serial needs dacBits ≥ 1): drop the offending supplied values.
  for (let attempt = 0; attempt < 8; attempt++) {
    const result = parseExperimentConfig(config);
    if (result.ok) return { config: result.config, viewer, notices };
    let changed = false;
    for (const issue of result.issues) {
      const leaf = leafByPath.get(issue.path);
      if (leaf && supplied.has(leaf.path)) {
        notices.push(
          `${leaf.key}=${formatValue(getPath(config, leaf.path))} was replaced by the default (${issue.message}).`,
        );
        config = setPath(config, leaf.path, leaf.defaultValue);
        supplied.delete(leaf.path);
        changed = true;
      }
    }
    if (!changed) break;
  }
  // Still inconsistent (the conflict involves a default): give up on the link's settings, keep viewing options.
  const result = parseExperimentConfig(config);
  if (result.ok) return { config: result.config, viewer, notices };
  notices.push(
    `The link's settings conflict (${result.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}); all defaults are used.`,
  );
  return { config: defaults, viewer, notices };
}
