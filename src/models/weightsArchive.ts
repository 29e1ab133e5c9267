/**
 * Weights as files a person downloads and chooses again: one .zip holding model.json and its shards
 * (what Crossbar Lab exports), or the loose files themselves (model.json + weights-N.bin, as in
 * public/models/ or the Python trainer's output). Zipped with fflate, stored without compression:
 * float weights barely compress, and storing keeps a 5 MB export instant.
 */
import { unzipSync, zipSync, type UnzipFileInfo } from 'fflate';
import { MODEL_NAMES, getModel, isModelName, type ModelName } from './index';
import { fileResponse, loadWeights, type FetchLike, type LoadedWeights, type SavedWeights } from './weights';
import {
  WeightsFormatError,
  describeValue,
  errorText,
  listText,
  parseModelJsonBytes,
  quote,
  refusal,
} from './weightsFormat';

/** A file the person chose: its name and bytes. */
export interface ChosenFile {
  name: string;
  bytes: Uint8Array;
}

/** More entries than model.json, its shards and a README or two is not a weights archive. */
export const MAX_ARCHIVE_ENTRIES = 256;
/**
 * What a zip may unpack to, all entries together (declared sizes, checked before anything is inflated):
 * GoogLeNet's float32 weights are ~25 MB, so a larger archive is not one weights set, and a small zip
 * declaring gigabytes (a zip bomb) is refused before any allocation.
 */
export const MAX_ARCHIVE_BYTES = 128 * 1024 * 1024;

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

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/**
 * The entries of a zip (path → bytes), within MAX_ARCHIVE_ENTRIES and MAX_ARCHIVE_BYTES, each holding
 * exactly the size its directory declares (fflate checks no CRC; a deflated entry longer than declared is
 * cut short, a stored one is taken whole): otherwise a WeightsFormatError saying what is wrong.
 */
function unzipEntries(file: ChosenFile): Map<string, Uint8Array> {
  const name = quote(file.name, 60);
  const fail = (problem: string): never => {
    throw new WeightsFormatError('bad-archive', refusal(problem));
  };
  const declared = new Map<string, number>();
  let declaredBytes = 0;
  const admit = (info: UnzipFileInfo): boolean => {
    if (info.name.endsWith('/')) return false;
    if (declared.has(info.name)) fail(`${name} holds two entries named ${quote(info.name, 60)}`);
    if (declared.size + 1 > MAX_ARCHIVE_ENTRIES)
      fail(`${name} holds more than ${MAX_ARCHIVE_ENTRIES} files, far more than model.json and its shards`);
    declaredBytes += info.originalSize;
    if (declaredBytes > MAX_ARCHIVE_BYTES) {
      fail(
        `${name} unpacks to more than ${mib(MAX_ARCHIVE_BYTES)} (${quote(info.name, 60)} alone says ${mib(info.originalSize)}), more than any weights set needs`,
      );
    }
    declared.set(info.name, info.originalSize);
    return true;
  };
  let unpacked: Record<string, Uint8Array>;
  try {
    unpacked = unzipSync(file.bytes, { filter: admit });
  } catch (error) {
    if (error instanceof WeightsFormatError) throw error;
    return fail(`${name} is not a zip archive Crossbar Lab can read (${errorText(error)})`);
  }
  const entries = new Map<string, Uint8Array>();
  // fflate's result is a plain object: an entry named "__proto__" becomes its prototype and is skipped.
  for (const [path, bytes] of Object.entries(unpacked)) {
    const size = declared.get(path);
    if (size !== bytes.byteLength) {
      fail(
        `${name} is damaged: its entry ${quote(path, 60)} says it holds ${size ?? 0} bytes but holds ${bytes.byteLength}`,
      );
    }
    entries.set(path, bytes);
  }
  return entries;
}

/**
 * The weights folder the chosen files make up (name → bytes): a zip is unpacked (entries in a sub-folder
 * count by their base name), loose files are taken by name. Throws a WeightsFormatError when a zip is
 * unreadable, too large or damaged, there is no model.json, or a name comes twice.
 */
export function weightsFolderFromFiles(files: readonly ChosenFile[]): Map<string, Uint8Array> {
  const folder = new Map<string, Uint8Array>();
  const add = (name: string, bytes: Uint8Array) => {
    if (folder.has(name)) {
      throw new WeightsFormatError(
        'duplicate-name',
        refusal(`two of the chosen files are named ${quote(name, 60)}, so it is unclear which to use`),
      );
    }
    folder.set(name, bytes);
  };
  for (const file of files) {
    if (!isZip(file)) add(baseName(file.name), file.bytes);
    else for (const [path, bytes] of unzipEntries(file)) add(baseName(path), bytes);
  }
  if (!folder.has('model.json')) {
    throw new WeightsFormatError(
      'fetch-failed',
      refusal(
        `there is no model.json among the chosen files (${listText([...folder.keys()])}); choose the .zip Crossbar Lab exports, or model.json together with its .bin shards`,
      ),
    );
  }
  return folder;
}

/** Which of the lab's models a weights folder is for (its model.json's `model`). */
export function modelOfFolder(folder: ReadonlyMap<string, Uint8Array>): ModelName {
  const json = parseModelJsonBytes(folder.get('model.json') ?? new Uint8Array());
  const runs = `Crossbar Lab runs ${MODEL_NAMES.join(' and ')}`;
  // Own properties only: JSON's "__proto__" key is an own property, never a prototype.
  const model = Object.hasOwn(json, 'model') ? json.model : undefined;
  if (isModelName(model)) return model;
  throw new WeightsFormatError(
    'wrong-model',
    refusal(
      model === undefined
        ? `model.json does not say which model it is for (${runs})`
        : typeof model === 'string'
          ? `model.json is for the model ${quote(model)}, but ${runs}`
          : `model.json's model is ${describeValue(model)}, not a model's name (${runs})`,
    ),
  );
}

/** Serves a weights folder to `loadWeights`; a missing shard is refused in one sentence. */
export function fetchFromFolder(folder: ReadonlyMap<string, Uint8Array>): FetchLike {
  return async (name) => {
    const bytes = folder.get(name);
    if (bytes === undefined) {
      throw new WeightsFormatError(
        'fetch-failed',
        refusal(`${name} is not among the chosen files (${listText([...folder.keys()])})`),
      );
    }
    return fileResponse(bytes);
  };
}

/**
 * The chosen files checked as one weights set: the model their model.json names and its weights (the
 * caller disposes them). Throws a WeightsFormatError before creating any tensor when anything is wrong,
 * so the weights in use stay.
 */
export async function loadWeightsFiles(
  files: readonly ChosenFile[],
): Promise<{ model: ModelName; loaded: LoadedWeights }> {
  const folder = weightsFolderFromFiles(files);
  const model = modelOfFolder(folder);
  return { model, loaded: await loadWeights(getModel(model), fetchFromFolder(folder)) };
}
