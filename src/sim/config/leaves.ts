/**
 * The config's leaf fields, read from the schema through zod's public API: `z.toJSONSchema()` gives each
 * field's kind, range, integer flag, options and default; the field's own zod schema (reached by
 * `.shape` and `.unwrap()`) validates one value with the schema's own messages. The URL codec, the
 * settings panels, sweeps and the CLIs all walk this one list.
 */
import { z } from 'zod';
import { defaultExperimentConfig, experimentConfigSchema } from './schema';

export const SECTIONS = ['experiment', 'crossbar', 'periphery', 'device', 'training'] as const;
export type Section = (typeof SECTIONS)[number];

export type LeafKind =
  | { type: 'enum'; options: readonly string[] }
  | { type: 'boolean' }
  | {
      type: 'number';
      min: number | null;
      minInclusive: boolean;
      max: number | null;
      maxInclusive: boolean;
      integer: boolean;
      /** The schema also accepts exactly 0 (a "0 = off/auto" literal) below `min`. */
      zeroAllowed: boolean;
    }
  | { type: 'numberList'; length: number | null; integer: boolean };

export interface ConfigLeaf {
  /** Dotted path in ExperimentConfig, e.g. `periphery.adcBits`. */
  path: string;
  section: Section;
  /** URL key: the path without its section, e.g. `adcBits`, `drift.enabled`. */
  key: string;
  kind: LeafKind;
  /** The schema's one-line explanation (`.describe()`), if any. */
  description: string | undefined;
  defaultValue: unknown;
  /** Validates one value of this field (no default filling). */
  schema: z.ZodType;
}

/** The JSON Schema subset `z.toJSONSchema` writes for this config. */
interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  enum?: string[];
  const?: unknown;
  anyOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  items?: JsonSchema | false;
  prefixItems?: JsonSchema[];
  maxItems?: number;
  description?: string;
}

/** A field's schema without its default / prefault / optional wrapper. */
function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  while (s instanceof z.ZodDefault || s instanceof z.ZodPrefault || s instanceof z.ZodOptional)
    s = s.unwrap() as z.ZodType;
  return s;
}

const bound = (v: number | undefined) =>
  v === undefined || !Number.isFinite(v) || Math.abs(v) >= Number.MAX_SAFE_INTEGER ? null : v;

function numberKind(j: JsonSchema, zeroAllowed = false): Extract<LeafKind, { type: 'number' }> {
  return {
    type: 'number',
    min: bound(j.minimum ?? j.exclusiveMinimum),
    minInclusive: j.exclusiveMinimum === undefined,
    max: bound(j.maximum ?? j.exclusiveMaximum),
    maxInclusive: j.exclusiveMaximum === undefined,
    integer: j.type === 'integer',
    zeroAllowed,
  };
}

function kindOf(j: JsonSchema, path: string): LeafKind {
  if (j.enum) return { type: 'enum', options: j.enum };
  if (j.type === 'boolean') return { type: 'boolean' };
  if (j.type === 'number' || j.type === 'integer') return numberKind(j);
  if (j.anyOf) {
    // The schema's "0 = off" idiom: z.union([z.literal(0), int(min, max)]).
    const zero = j.anyOf.some((o) => o.const === 0);
    const num = j.anyOf.find((o) => o.type === 'number' || o.type === 'integer');
    if (zero && num && j.anyOf.length === 2) return numberKind(num, true);
  }
  if (j.type === 'array') {
    if (j.prefixItems) return { type: 'numberList', length: j.prefixItems.length, integer: false };
    if (j.items) return { type: 'numberList', length: null, integer: j.items.type === 'integer' };
  }
  throw new Error(`config leaves: no kind for ${path} (${JSON.stringify(j).slice(0, 80)})`);
}

function getPath(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const part of path.split('.')) cur = (cur as Record<string, unknown> | undefined)?.[part];
  return cur;
}

function collectLeaves(): ConfigLeaf[] {
  const json = z.toJSONSchema(experimentConfigSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const defaults = defaultExperimentConfig();
  const out: ConfigLeaf[] = [];
  const walk = (j: JsonSchema, schema: z.ZodType, path: string[], section: Section) => {
    for (const [name, child] of Object.entries(j.properties ?? {})) {
      const field = unwrap((schema as z.ZodObject).shape[name] as z.ZodType);
      const at = [...path, name];
      if (child.type === 'object') {
        walk(child, field, at, section);
        continue;
      }
      const dotted = at.join('.');
      out.push({
        path: dotted,
        section,
        key: at.slice(1).join('.'),
        kind: kindOf(child, dotted),
        description: child.description,
        defaultValue: getPath(defaults, dotted),
        schema: field,
      });
    }
  };
  for (const section of SECTIONS)
    walk(json.properties![section]!, unwrap(experimentConfigSchema.shape[section]), [section], section);
  const keys = new Set<string>();
  for (const leaf of out) {
    if (keys.has(leaf.key)) throw new Error(`config leaves: two fields share the URL key ${leaf.key}`);
    keys.add(leaf.key);
  }
  return out;
}

/** Every leaf field of ExperimentConfig, in schema order. */
export const configLeaves: readonly ConfigLeaf[] = collectLeaves();
export const leafByPath: ReadonlyMap<string, ConfigLeaf> = new Map(configLeaves.map((l) => [l.path, l]));
