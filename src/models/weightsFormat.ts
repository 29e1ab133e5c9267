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
  | 'bad-archive';

/** A weights file that cannot be used for this model; `message` names the first problem found. */
export class WeightsFormatError extends Error {
  constructor(
    readonly code: WeightsErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'WeightsFormatError';
  }
}

/** A shard or model.json file name: no directories, nothing that could escape the weights folder. */
const fileName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a plain file name');

const weightEntrySchema = z.object({
  name: z.string().min(1),
  shape: z.array(z.number().int().nonnegative()),
  dtype: z.string(),
  quantization: z.looseObject({ dtype: z.string(), original_dtype: z.string().optional() }).optional(),
});

const manifestSchema = z.looseObject({
  sha256: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits')),
  top1TestAccuracy: z.number().min(0).max(1).nullable().optional(),
  trainer: z.looseObject({}).optional(),
  normalisation: z.string().optional(),
  createdAt: z.string().optional(),
});

export const modelJsonSchema = z.object({
  format: z.string(),
  formatVersion: z.number(),
  model: z.string(),
  weightsManifest: z
    .array(z.object({ paths: z.array(fileName).min(1), weights: z.array(weightEntrySchema) }))
    .min(1),
  manifest: manifestSchema,
});

export type WeightsModelJson = z.infer<typeof modelJsonSchema>;
export type WeightEntry = z.infer<typeof weightEntrySchema>;
export type WeightsManifest = z.infer<typeof manifestSchema>;

export const shapeText = (shape: readonly number[]) => `[${shape.join(',')}]`;

export function bytesPerValue(entry: WeightEntry): number {
  return entry.quantization === undefined ? 4 : 2;
}

/**
 * Checks `json` against `model`; returns it typed or throws a WeightsFormatError for the first problem:
 * structure, format, model name, then the entries in file order (unknown or repeated name, shape, dtype),
 * then the first expected name that is absent (contract order), then shard hashes listed.
 */
export function validateModelJson(
  model: ModelDefinition,
  json: unknown,
  where = 'model.json',
): WeightsModelJson {
  const fail = (code: WeightsErrorCode, problem: string): never => {
    throw new WeightsFormatError(code, `${model.name} weights (${where}): ${problem}`);
  };
  const parsed = modelJsonSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.map(String).join('.') ?? '';
    return fail(
      'bad-json',
      `not a weights file: ${path === '' ? '(root)' : path}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const file = parsed.data;
  if (file.format !== WEIGHTS_FORMAT || file.formatVersion !== WEIGHTS_FORMAT_VERSION) {
    fail(
      'wrong-format',
      `format is "${file.format}" version ${file.formatVersion}, expected "${WEIGHTS_FORMAT}" version ${WEIGHTS_FORMAT_VERSION}`,
    );
  }
  if (file.model !== model.name)
    fail('wrong-model', `the file holds weights of "${file.model}", not "${model.name}"`);

  const expected = new Map<string, ParamSpec>(model.params.map((p) => [p.name, p]));
  const seen = new Set<string>();
  for (const entry of file.weightsManifest.flatMap((group) => group.weights)) {
    const spec = expected.get(entry.name);
    if (spec === undefined)
      fail('extra-name', `unexpected weight "${entry.name}" (not a parameter of ${model.name})`);
    else if (seen.has(entry.name)) fail('duplicate-name', `weight "${entry.name}" appears twice`);
    else if (shapeText(entry.shape) !== shapeText(spec.shape)) {
      fail(
        'wrong-shape',
        `weight "${entry.name}" has shape ${shapeText(entry.shape)}, expected ${shapeText(spec.shape)}`,
      );
    } else if (entry.dtype !== 'float32') {
      fail('wrong-dtype', `weight "${entry.name}" has dtype "${entry.dtype}", expected "float32"`);
    } else if (entry.quantization !== undefined && entry.quantization.dtype !== 'float16') {
      fail(
        'wrong-dtype',
        `weight "${entry.name}" is stored as "${entry.quantization.dtype}", expected float32 or float16 quantization`,
      );
    }
    seen.add(entry.name);
  }
  const missing = model.params.find((p) => !seen.has(p.name));
  if (missing !== undefined)
    fail('missing-name', `missing weight "${missing.name}" (shape ${shapeText(missing.shape)})`);
  for (const path of file.weightsManifest.flatMap((group) => group.paths)) {
    if (file.manifest.sha256[path] === undefined)
      fail('missing-hash', `manifest.sha256 has no hash for shard "${path}"`);
  }
  return file;
}

/** The one way model.json is written, so edits (e.g. the eval script's accuracy) keep the formatting. */
export function formatModelJson(json: unknown): string {
  return `${JSON.stringify(json, null, 2)}\n`;
}
