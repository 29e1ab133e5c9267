/**
 * The weight format (see the weights contract): `model.json` = tfjs weights manifest + our manifest
 * (SHA-256 per shard, accuracy, provenance), binary shards `weights-N.bin` of at most 4 MiB, float32 or
 * IEEE float16 little-endian. Loading validates the file against the model definition and names the
 * first mismatch; saving writes the same format.
 */
import { sha256Hex } from '../data/checksums';
import * as tf from '@tensorflow/tfjs-core';
import { decodeFloat16, encodeFloat16 } from './float16';
import { getModel } from './index';
import type { ModelDefinition, ModelName } from './model';
import { sizeOfShape } from './model';
import type { WeightEntry, WeightsManifest, WeightsModelJson } from './weightsFormat';
import {
  MAX_SHARD_BYTES,
  NORMALISATION,
  WEIGHTS_FORMAT,
  WEIGHTS_FORMAT_VERSION,
  WeightsFormatError,
  bytesPerValue,
  errorText,
  findNonFinite,
  formatModelJson,
  listText,
  nonFiniteText,
  parseModelJsonBytes,
  refusal,
  shapeText,
  validateModelJson,
} from './weightsFormat';

export type { WeightEntry, WeightsErrorCode, WeightsManifest, WeightsModelJson } from './weightsFormat';
export {
  MAX_SHARD_BYTES,
  WeightsFormatError,
  findNonFinite,
  firstNonFinite,
  formatModelJson,
  nonFiniteText,
  refusal,
  validateModelJson,
} from './weightsFormat';

/** The part of a fetch Response the loader needs. */
export interface FetchedFile {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}
/** A file's bytes as a successful fetch answer (for a FetchLike over files in memory or on disk). */
export function fileResponse(bytes: Uint8Array): FetchedFile {
  return {
    ok: true,
    status: 200,
    statusText: 'OK',
    arrayBuffer: async () =>
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
  };
}

/** Fetches a file of the weights folder by its name ("model.json", "weights-1.bin"). */
export type FetchLike = (fileName: string) => Promise<FetchedFile>;

export interface LoadedWeights {
  /** Name → float32 tensor, in contract order. The caller disposes them. */
  readonly tensors: Map<string, tf.Tensor>;
  readonly modelJson: WeightsModelJson;
}

function fetchFromBaseUrl(baseUrl: string): FetchLike {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  // Default cache mode: the browser's HTTP cache keeps the shards between visits.
  return (name) => fetch(`${base}${name}`);
}

async function fetchBytes(fetchFile: FetchLike, name: string, modelName: string): Promise<Uint8Array> {
  const fail = (why: string): never => {
    throw new WeightsFormatError(
      'fetch-failed',
      `The ${modelName} weights could not be loaded: fetching ${name} failed (${why}).`,
    );
  };
  try {
    const response = await fetchFile(name);
    if (!response.ok) fail(`HTTP ${response.status} ${response.statusText}`.trim());
    return new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    // A FetchLike over chosen files refuses a missing one in its own words.
    if (error instanceof WeightsFormatError) throw error;
    return fail(errorText(error));
  }
}

/**
 * Loads and checks the weights of `model` from a folder URL (fetch, HTTP-cached) or a FetchLike. Throws a
 * WeightsFormatError whose message is one sentence naming the first problem (model.json, a shard's hash
 * or size, a NaN or ±Infinity with its weight and index); creates tensors only once everything has
 * checked out, so a refused file changes nothing.
 */
export async function loadWeights(
  model: ModelName | ModelDefinition,
  source: string | FetchLike,
): Promise<LoadedWeights> {
  const definition = typeof model === 'string' ? getModel(model) : model;
  const fetchFile = typeof source === 'string' ? fetchFromBaseUrl(source) : source;
  const json = parseModelJsonBytes(
    await fetchBytes(fetchFile, 'model.json', definition.name),
    definition.name,
  );
  const modelJson = validateModelJson(definition, json);
  const fail = (code: 'bad-hash' | 'shard-size' | 'non-finite', problem: string): never => {
    throw new WeightsFormatError(code, refusal(problem, definition.name));
  };

  const values = new Map<string, Float32Array>();
  for (const group of modelJson.weightsManifest) {
    const shards = await Promise.all(group.paths.map((path) => fetchBytes(fetchFile, path, definition.name)));
    for (const [i, path] of group.paths.entries()) {
      const shard = shards[i]!;
      const expectedHash = modelJson.manifest.sha256[path]!.toLowerCase();
      const actualHash = await sha256Hex(shard);
      if (actualHash !== expectedHash) {
        fail(
          'bad-hash',
          `${path} (${shard.byteLength} bytes) has the SHA-256 ${actualHash}, but model.json says ${expectedHash}`,
        );
      }
    }
    const totalBytes = shards.reduce((sum, s) => sum + s.byteLength, 0);
    const neededBytes = group.weights.reduce((sum, w) => sum + sizeOfShape(w.shape) * bytesPerValue(w), 0);
    if (totalBytes !== neededBytes) {
      const one = group.paths.length === 1;
      fail(
        'shard-size',
        `${listText(group.paths)} hold${one ? 's' : ''} ${totalBytes} bytes, but model.json's weights for ${one ? 'it' : 'them'} take ${neededBytes}`,
      );
    }
    const all = concatBytes(shards, totalBytes);
    /** The shard holding byte `offset` of the group. */
    const shardAt = (offset: number) => {
      let end = 0;
      for (const [i, shard] of shards.entries())
        if (offset < (end += shard.byteLength)) return group.paths[i]!;
      return group.paths.at(-1)!;
    };
    let offset = 0;
    for (const entry of group.weights) {
      const bytes = bytesPerValue(entry);
      const length = sizeOfShape(entry.shape) * bytes;
      // slice() copies into a fresh, aligned buffer (an odd-length float16 tensor can misalign the next one).
      // Typed arrays use the platform's byte order; every platform tfjs runs on is little-endian.
      const chunk = all.slice(offset, offset + length).buffer;
      const decoded = bytes === 2 ? decodeFloat16(new Uint16Array(chunk)) : new Float32Array(chunk);
      // A NaN or ±Infinity (a diverged run, a broken conversion) would run as a plausible accuracy.
      const bad = findNonFinite(entry.name, decoded);
      if (bad !== null)
        fail('non-finite', `${nonFiniteText(bad)} (in ${shardAt(offset + bad.index * bytes)})`);
      values.set(entry.name, decoded);
      offset += length;
    }
  }
  const tensors = new Map<string, tf.Tensor>();
  for (const p of definition.params)
    tensors.set(p.name, tf.tensor(values.get(p.name)!, [...p.shape], 'float32'));
  return { tensors, modelJson };
}

function concatBytes(parts: readonly Uint8Array[], totalBytes: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(totalBytes);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

export interface SaveOptions {
  readonly dtype: 'float32' | 'float16';
}

export interface SavedWeights {
  readonly modelJson: WeightsModelJson;
  /** model.json as written to disk: JSON.stringify(…, null, 2) + newline. */
  readonly modelJsonText: string;
  /** Shard bytes, in the order (and with the names) of `modelJson.weightsManifest[0].paths`. */
  readonly shards: Uint8Array[];
  readonly shardNames: string[];
}

/**
 * Serialises `tensors` (every parameter of `model`, contract order) as model.json + shards ≤ 4 MiB.
 * Refuses NaN and ±Infinity (WeightsFormatError 'non-finite', naming the weight and index); float16
 * rounds to nearest-even and throws if a value is beyond ±65504. `extraManifest` fills
 * top1TestAccuracy, trainer, createdAt, …; sha256 is always computed here.
 */
export async function saveWeights(
  model: ModelName | ModelDefinition,
  tensors: ReadonlyMap<string, tf.Tensor>,
  options: SaveOptions,
  extraManifest: Partial<Omit<WeightsManifest, 'sha256'>> & Record<string, unknown> = {},
): Promise<SavedWeights> {
  const definition = typeof model === 'string' ? getModel(model) : model;
  const entries: WeightEntry[] = [];
  const parts: Uint8Array[] = [];
  for (const p of definition.params) {
    const tensor = tensors.get(p.name);
    if (tensor === undefined) throw new Error(`saveWeights(${definition.name}): no tensor "${p.name}"`);
    if (shapeText(tensor.shape) !== shapeText(p.shape)) {
      throw new Error(
        `saveWeights(${definition.name}): "${p.name}" has shape ${shapeText(tensor.shape)}, expected ${shapeText(p.shape)}`,
      );
    }
    const data = (await tensor.data()) as Float32Array;
    const bad = findNonFinite(p.name, data);
    if (bad !== null) {
      throw new WeightsFormatError(
        'non-finite',
        `The ${definition.name} weights were not saved: ${nonFiniteText(bad)}.`,
      );
    }
    if (options.dtype === 'float16') {
      parts.push(new Uint8Array(encodeFloat16(data, p.name).buffer));
      entries.push({
        name: p.name,
        shape: [...p.shape],
        dtype: 'float32',
        quantization: { dtype: 'float16', original_dtype: 'float32' },
      });
    } else {
      parts.push(new Uint8Array(Float32Array.from(data).buffer));
      entries.push({ name: p.name, shape: [...p.shape], dtype: 'float32' });
    }
  }
  const extraNames = [...tensors.keys()].filter((name) => !definition.params.some((p) => p.name === name));
  if (extraNames.length > 0)
    throw new Error(`saveWeights(${definition.name}): unexpected tensor "${extraNames[0]}"`);

  const all = concatBytes(
    parts,
    parts.reduce((sum, part) => sum + part.byteLength, 0),
  );
  const shards: Uint8Array[] = [];
  for (let offset = 0; offset < all.byteLength || shards.length === 0; offset += MAX_SHARD_BYTES) {
    shards.push(all.slice(offset, offset + MAX_SHARD_BYTES));
  }
  const shardNames = shards.map((_, i) => `weights-${i + 1}.bin`);
  const sha256: Record<string, string> = {};
  for (const [i, name] of shardNames.entries()) sha256[name] = await sha256Hex(shards[i]!);

  // sha256 is ours alone; anything the caller passed under that name is dropped.
  const { sha256: _callerHash, ...extra } = extraManifest as Record<string, unknown>;
  const modelJson: WeightsModelJson = {
    format: WEIGHTS_FORMAT,
    formatVersion: WEIGHTS_FORMAT_VERSION,
    model: definition.name,
    weightsManifest: [{ paths: shardNames, weights: entries }],
    manifest: {
      sha256,
      top1TestAccuracy: null,
      normalisation: NORMALISATION,
      createdAt: new Date().toISOString(),
      ...extra,
    },
  };
  return { modelJson, modelJsonText: formatModelJson(modelJson), shards, shardNames };
}
