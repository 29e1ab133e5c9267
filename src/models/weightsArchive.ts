/**
 * Weights as files a person downloads and chooses again: one .zip holding model.json and its shards
 * (what Crossbar Lab exports), or the loose files themselves (model.json + weights-N.bin, as in
 * public/models/ or the Python trainer's output). Zipped with fflate, stored without compression:
 * float weights barely compress, and storing keeps a 5 MB export instant.
 */
import { unzipSync, zipSync } from 'fflate';
import { MODEL_NAMES, isModelName, type ModelName } from './index';
import { fileResponse, type FetchLike, type SavedWeights } from './weights';
import { WeightsFormatError } from './weightsFormat';

/** A file the person chose: its name and bytes. */
export interface ChosenFile {
  name: string;
  bytes: Uint8Array;
}

/** model.json and its shards in one zip, at the archive's root. */
export function packWeightsArchive(saved: SavedWeights): Uint8Array {
  const entries: Record<string, [Uint8Array, { level: 0 }]> = {
    'model.json': [new TextEncoder().encode(saved.modelJsonText), { level: 0 }],
  };
  for (const [i, name] of saved.shardNames.entries()) entries[name] = [saved.shards[i]!, { level: 0 }];
  return zipSync(entries);
}

const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);
const isZip = (file: ChosenFile) =>
  /\.zip$/i.test(file.name) ||
  // "PK\x03\x04": a zip whatever its name.
  (file.bytes[0] === 0x50 && file.bytes[1] === 0x4b && file.bytes[2] === 0x03 && file.bytes[3] === 0x04);

/**
 * The weights folder the chosen files make up (name → bytes): a zip is unpacked (entries in a sub-folder
 * count by their base name), loose files are taken by name. Throws a WeightsFormatError when there is
 * no model.json or a name comes twice.
 */
export function weightsFolderFromFiles(files: readonly ChosenFile[]): Map<string, Uint8Array> {
  const folder = new Map<string, Uint8Array>();
  const add = (name: string, bytes: Uint8Array, from: string) => {
    if (folder.has(name))
      throw new WeightsFormatError('duplicate-name', `Two files are named ${name} (${from}): choose one set`);
    folder.set(name, bytes);
  };
  for (const file of files) {
    if (!isZip(file)) {
      add(baseName(file.name), file.bytes, file.name);
      continue;
    }
    let entries: Record<string, Uint8Array>;
    try {
      entries = unzipSync(file.bytes);
    } catch (error) {
      throw new WeightsFormatError(
        'bad-archive',
        `${file.name} is not a readable zip archive: ${String(error)}`,
      );
    }
    for (const [path, bytes] of Object.entries(entries))
      if (!path.endsWith('/')) add(baseName(path), bytes, file.name);
  }
  if (!folder.has('model.json')) {
    const names = [...folder.keys()].join(', ') || 'none';
    throw new WeightsFormatError(
      'fetch-failed',
      `No model.json among the chosen files (${names}). Choose the .zip Crossbar Lab exports, or model.json together with its .bin shards.`,
    );
  }
  return folder;
}

/** Which of the lab's models a weights folder is for (its model.json's `model`). */
export function modelOfFolder(folder: ReadonlyMap<string, Uint8Array>): ModelName {
  let model: unknown;
  try {
    model = (JSON.parse(new TextDecoder().decode(folder.get('model.json'))) as { model?: unknown }).model;
  } catch (error) {
    throw new WeightsFormatError('bad-json', `model.json: not JSON: ${String(error)}`);
  }
  if (!isModelName(model))
    throw new WeightsFormatError(
      'wrong-model',
      `model.json is for the model ${JSON.stringify(model)}; Crossbar Lab runs ${MODEL_NAMES.join(' and ')}`,
    );
  return model;
}

/** Serves a weights folder to `loadWeights`; a missing shard reads as a clear error. */
export function fetchFromFolder(folder: ReadonlyMap<string, Uint8Array>): FetchLike {
  return async (name) => {
    const bytes = folder.get(name);
    if (bytes === undefined)
      throw new Error(`it is not among the chosen files (${[...folder.keys()].join(', ')})`);
    return fileResponse(bytes);
  };
}
