/**
 * The weights file format (see the weights contract): the model.json schema, its validation against a
 * model definition with an error naming the first mismatch, and the one way model.json is written.
 */
import { z } from 'zod';
import type { ModelDefinition, ParamSpec } from './model';

export const WEIGHTS_FORMAT = 'crossbar-lab-weights';
export const WEIGHTS_FORMAT_VERSION = 1;
/** Contract: shards of at most 4 MiB. */
export const MAX_SHARD_BYTES = 4 * 1024 * 1024;
export const NORMALISATION = 'x = (pixel/255 - 0.5) / 0.5 per channel, NHWC';

export type WeightsErrorCode =
  | 'fetch-failed'
  | 'bad-json'
  | 'wrong-format'
  | 'wrong-model'
  | 'extra-name'
  | 'duplicate-name'
  | 'missing-name'
  | 'wrong-shape'
  | 'wrong-dtype'
  | 'missing-hash'
  | 'bad-hash'
  | 'shard-size'
  | 'non-finite'
  | 'bad-archive';

/**
 * Weights that cannot be used; `message` is one plain sentence naming the first problem found, made by
 * `refusal` ("The vgg8 weights were refused: …").
 */
export class WeightsFormatError extends Error {
  constructor(
    readonly code: WeightsErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'WeightsFormatError';
  }
}

/** The one way a refusal reads: "The vgg8 weights were refused: <problem>." (`model` when known). */
export function refusal(problem: string, model?: string): string {
  return `The ${model === undefined ? '' : `${model} `}weights were refused: ${problem}.`;
}

/** A value from a file as a message shows it: quoted and clipped, never "[object Object]". */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return `the text ${quote(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `the ${typeof value} ${String(value)}`;
  if (Array.isArray(value))
    return value.length === 0
      ? 'an empty list'
      : `a list of ${value.length} item${value.length === 1 ? '' : 's'}`;
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** `text` as a JSON string, clipped to `max` characters (a file can hold a name megabytes long). */
export function quote(text: string, max = 40): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}

/** Another library's error message inside ours: on one line, clipped, without the error's class name. */
export function errorText(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown error';
  const text = error.message.replace(/\s+/g, ' ').trim();
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}

/** Names for a message: the first `max`, then how many more. */
export function listText(names: readonly string[], max = 5): string {
  if (names.length === 0) return 'none';
  const shown = names.slice(0, max).map((n) => (n.length > 60 ? `${n.slice(0, 60)}…` : n));
  return names.length > max ? `${shown.join(', ')} and ${names.length - max} more` : shown.join(', ');
}

// ---------------------------------------------------------------------------------------------------
// Non-finite values: the one check for weights read from files and weights a training run produced.

/** A NaN or ±Infinity in a weight: the weight's name, its flat index (row-major), the value. */
export interface NonFiniteValue {
  readonly name: string;
  readonly index: number;
  readonly value: number;
}

/** The first NaN or ±Infinity among `values` of the weight `name`, or null when all are finite. */
export function findNonFinite(name: string, values: ArrayLike<number>): NonFiniteValue | null {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) return { name, index: i, value: v };
  }
  return null;
}

/** The first non-finite value of the first weight (in iteration order) that holds one, or null. */
export function firstNonFinite(weights: Iterable<[string, ArrayLike<number>]>): NonFiniteValue | null {
  for (const [name, values] of weights) {
    const found = findNonFinite(name, values);
    if (found !== null) return found;
  }
  return null;
}

/** 'the weight "conv1/kernel" holds NaN at index 17' */
export function nonFiniteText({ name, index, value }: NonFiniteValue): string {
  return `the weight ${quote(name, 80)} holds ${String(value)} at index ${index}`;
}

// ---------------------------------------------------------------------------------------------------
// model.json: bytes → JSON → schema → checks against the model definition.

/** model.json is a few KiB (VGG-8) to ~100 KiB (GoogLeNet, pretty-printed); more is not a weights file. */
export const MAX_MODEL_JSON_BYTES = 1024 * 1024;
/** A weights description nests about 6 levels (trainer settings a few more); deeper is not one. */
export const MAX_JSON_DEPTH = 64;

/** Whether a JSON value nests deeper than `limit` (iterative: no recursion on hostile input). */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (depth > limit) return true;
    for (const child of Object.values(v as object))
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * model.json's bytes as a JSON object, or a WeightsFormatError: too large, not UTF-8, not JSON,
 * nested too deep, or not an object at all (null, a list, a text, a number).
 */
export function parseModelJsonBytes(bytes: Uint8Array, model?: string): Record<string, unknown> {
  const fail = (problem: string): never => {
    throw new WeightsFormatError('bad-json', refusal(problem, model));
  };
  if (bytes.byteLength > MAX_MODEL_JSON_BYTES) {
    fail(
      `model.json is ${(bytes.byteLength / 1024 / 1024).toFixed(1)} MiB, more than a weights description can be (at most ${MAX_MODEL_JSON_BYTES / 1024 / 1024} MiB)`,
    );
  }
  if (bytes.byteLength === 0) fail('model.json is empty');
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    fail('model.json is not UTF-8 text');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    fail(`model.json is not JSON (${errorText(error)})`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    fail(`model.json is not a weights file (it holds ${describeValue(json)})`);
  if (nestsDeeperThan(json, MAX_JSON_DEPTH))
    fail(`model.json is not a weights file (it nests more than ${MAX_JSON_DEPTH} levels deep)`);
  return json as Record<string, unknown>;
}

/** A shard or model.json file name: no directories, no URL, nothing that could escape the weights folder. */
const fileName = z
  .string()
  .max(100, 'not a shard name (too long)')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'not a plain file name such as weights-1.bin');

const weightEntrySchema = z.object({
  name: z.string().min(1, 'not a name'),
  shape: z.array(z.number().int().nonnegative('not a size')),
  dtype: z.string(),
  quantization: z.looseObject({ dtype: z.string(), original_dtype: z.string().optional() }).optional(),
});

const manifestSchema = z.looseObject({
  // Python's hexdigest() writes lowercase, PowerShell's Get-FileHash uppercase: both are the same hash.
  sha256: z.record(z.string(), z.string().regex(/^[0-9a-fA-F]{64}$/, 'not a SHA-256 (64 hex digits)')),
  top1TestAccuracy: z
    .number()
    .min(0, 'not an accuracy (0 to 1)')
    .max(1, 'not an accuracy (0 to 1)')
    .nullable()
    .optional(),
  trainer: z.looseObject({}).optional(),
  normalisation: z.string().optional(),
  createdAt: z.string().optional(),
});

export const modelJsonSchema = z.object({
  format: z.string(),
  formatVersion: z.number(),
  model: z.string(),
  weightsManifest: z
    .array(
      z.object({
        paths: z.array(fileName).min(1, 'but each group needs a shard'),
        weights: z.array(weightEntrySchema),
      }),
    )
    .min(1, 'but a weights file needs a group of shards'),
  manifest: manifestSchema,
});

export type WeightsModelJson = z.infer<typeof modelJsonSchema>;
export type WeightEntry = z.infer<typeof weightEntrySchema>;
export type WeightsManifest = z.infer<typeof manifestSchema>;

/** '[3,3,5,6]'; a shape of more than 8 dimensions (none of ours has 5) is clipped. */
export const shapeText = (shape: readonly number[]) =>
  shape.length > 8
    ? `[${shape.slice(0, 8).join(',')},…] (${shape.length} dimensions)`
    : `[${shape.join(',')}]`;

export function bytesPerValue(entry: WeightEntry): number {
  return entry.quantization === undefined ? 4 : 2;
}

const EXPECTED_TYPE: Record<string, string> = {
  array: 'a list',
  object: 'an object',
  record: 'an object',
  string: 'a text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
};

/** A zod path as JavaScript writes it: weightsManifest[0].paths[1], manifest.sha256["weights-1.bin"]. */
function pathText(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
      text += text === '' ? key : `.${key}`;
    else text += `[${quote(String(key))}]`;
  }
  return text;
}

/** The first schema issue as the part of a sentence after "model.json is not a weights file". */
function issueText(issue: z.core.$ZodIssue): string {
  const where = pathText(issue.path);
  const input = (issue as { input?: unknown }).input;
  if (issue.code === 'invalid_type') {
    if (input === undefined) return `${where} is missing`;
    const expected = EXPECTED_TYPE[issue.expected] ?? issue.expected;
    return `${where} is ${describeValue(input)}, not ${expected}`;
  }
  // .int() reports a number beyond 2⁵³ as too big/small for an int: it is not a whole number we can use.
  const int = (issue.code === 'too_big' || issue.code === 'too_small') && issue.origin === 'int';
  return `${where} is ${describeValue(input)}, ${int ? 'not a whole number' : issue.message}`;
}

/**
 * Checks `json` against `model`; returns it typed or throws a WeightsFormatError for the first problem:
 * structure (one sentence naming the field, what it holds and what it should be), format, model name,
 * then the entries in file order (unknown or repeated name, shape, dtype), then the first expected name
 * that is absent (contract order), then shard paths (listed twice, or without a hash).
 */
export function validateModelJson(
  model: ModelDefinition,
  json: unknown,
  where = 'model.json',
): WeightsModelJson {
  const fail = (code: WeightsErrorCode, problem: string): never => {
    throw new WeightsFormatError(code, refusal(`${where} ${problem}`, model.name));
  };
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    fail('bad-json', `is not a weights file (it holds ${describeValue(json)})`);
  const parsed = modelJsonSchema.safeParse(json, { reportInput: true });
  if (!parsed.success) {
    return fail('bad-json', `is not a weights file (${issueText(parsed.error.issues[0]!)})`);
  }
  const file = parsed.data;
  if (file.format !== WEIGHTS_FORMAT || file.formatVersion !== WEIGHTS_FORMAT_VERSION) {
    fail(
      'wrong-format',
      `is a ${quote(file.format)} file version ${file.formatVersion}, not a "${WEIGHTS_FORMAT}" file version ${WEIGHTS_FORMAT_VERSION}`,
    );
  }
  if (file.model !== model.name)
    fail('wrong-model', `holds weights of ${quote(file.model)}, not of "${model.name}"`);

  const expected = new Map<string, ParamSpec>(model.params.map((p) => [p.name, p]));
  const seen = new Set<string>();
  for (const entry of file.weightsManifest.flatMap((group) => group.weights)) {
    const name = quote(entry.name, 80);
    const spec = expected.get(entry.name);
    if (spec === undefined) fail('extra-name', `lists the weight ${name}, which ${model.name} does not have`);
    else if (seen.has(entry.name)) fail('duplicate-name', `lists the weight ${name} twice`);
    else if (shapeText(entry.shape) !== shapeText(spec.shape)) {
      fail(
        'wrong-shape',
        `gives the weight ${name} the shape ${shapeText(entry.shape)}, but ${model.name}'s is ${shapeText(spec.shape)}`,
      );
    } else if (entry.dtype !== 'float32') {
      fail('wrong-dtype', `gives the weight ${name} the dtype ${quote(entry.dtype)}, not "float32"`);
    } else if (entry.quantization !== undefined && entry.quantization.dtype !== 'float16') {
      fail(
        'wrong-dtype',
        `stores the weight ${name} as ${quote(entry.quantization.dtype)}, not as float32 or float16`,
      );
    }
    seen.add(entry.name);
  }
  const missing = model.params.find((p) => !seen.has(p.name));
  if (missing !== undefined)
    fail('missing-name', `does not list the weight "${missing.name}" (shape ${shapeText(missing.shape)})`);
  const paths = new Set<string>();
  for (const path of file.weightsManifest.flatMap((group) => group.paths)) {
    if (paths.has(path)) fail('duplicate-name', `lists the shard "${path}" twice`);
    paths.add(path);
    // Own keys only: a shard named "constructor" must not find Object's constructor.
    if (!Object.hasOwn(file.manifest.sha256, path))
      fail('missing-hash', `has no SHA-256 for the shard "${path}" in manifest.sha256`);
  }
  return file;
}

/** The one way model.json is written, so edits (e.g. the eval script's accuracy) keep the formatting. */
export function formatModelJson(json: unknown): string {
  return `${JSON.stringify(json, null, 2)}\n`;
}
