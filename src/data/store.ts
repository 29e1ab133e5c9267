/**
 * Where the browser gets CIFAR-10 from (thin: the checks live in cifar10.ts, checksums.ts, archive.ts):
 *  - the app's own server: `${baseUrl}/cifar10/<file>.bin`, put in public/cifar10/ by `npm run data`;
 *  - IndexedDB (idb-keyval), where an archive the user imported is kept so it is asked for only once.
 * Works in the main thread and in a worker (both have `fetch` and `indexedDB`).
 */
import { createStore, delMany, get, getMany, set, setMany, type UseStore } from 'idb-keyval';
import {
  CIFAR10_BIN_SHA256,
  CIFAR10_FILES,
  FILE_BYTES,
  validateCifarBatch,
  type CifarFileName,
  type CifarFileSet,
} from './cifar10';
import { verifySha256 } from './checksums';
import { CifarDataError, CifarMissingError, formatCount } from './errors';

/** Versioned names: a change of layout gets a new database instead of a migration. */
const DB_NAME = 'crossbar-lab-cifar10-v1';
const STORE_NAME = 'files';
/** Written after the six files, so a save interrupted halfway is never taken for a complete one. */
const MANIFEST_KEY = 'manifest';

interface Manifest {
  files: readonly string[];
  savedAt: string;
}

let store: UseStore | null = null;
/** Created on first use: `createStore` opens the database at once, which must not happen at import. */
function cifarStore(): UseStore {
  store ??= createStore(DB_NAME, STORE_NAME);
  return store;
}

/** Keeps the six files in IndexedDB (about 184 MB). Throws 'storage' when the browser refuses (quota). */
export async function saveBatches(files: CifarFileSet): Promise<void> {
  try {
    await del(MANIFEST_KEY);
    await setMany(
      CIFAR10_FILES.map((name) => [name, files[name]]),
      cifarStore(),
    );
    const manifest: Manifest = { files: CIFAR10_FILES, savedAt: new Date().toISOString() };
    await set(MANIFEST_KEY, manifest, cifarStore());
  } catch (error) {
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new CifarDataError(
      'storage',
      `The browser could not keep CIFAR-10 (${formatCount(FILE_BYTES * CIFAR10_FILES.length)} bytes) in ` +
        `IndexedDB (${detail}). Free some disk space or allow this site more storage, then import again.`,
      undefined,
      { cause: error },
    );
  }
}

async function del(key: string): Promise<void> {
  await delMany([key], cifarStore());
}

/** The six files from IndexedDB, or null when they were never saved (or a save did not finish). */
export async function loadBatches(): Promise<CifarFileSet | null> {
  const manifest = await get<Manifest>(MANIFEST_KEY, cifarStore());
  if (!manifest) return null;
  const values = await getMany<Uint8Array | undefined>([...CIFAR10_FILES], cifarStore());
  const files = {} as CifarFileSet;
  for (const [i, name] of CIFAR10_FILES.entries()) {
    const bytes = values[i];
    if (!(bytes instanceof Uint8Array)) return null;
    validateCifarBatch(bytes, `${name} (kept in this browser)`);
    files[name] = bytes;
  }
  return files;
}

/** Forgets the imported data. */
export async function clearBatches(): Promise<void> {
  await delMany([MANIFEST_KEY, ...CIFAR10_FILES], cifarStore());
}

export interface ServerLoadOptions {
  /** Injectable for tests; default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Which of the six files to load (default all, in the official order). */
  files?: readonly CifarFileName[];
  /** Check each file's SHA-256 against the official one (default true; ~0.2 s for all six). */
  verifySha256?: boolean;
  /** Bytes received so far, of all six files. */
  onProgress?: (done: number, total: number) => void;
}

const HOW_TO_GET_IT =
  'Run `npm run data` in the project folder (it downloads and verifies CIFAR-10), or import ' +
  'cifar-10-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html in the app.';

/** The stamp `npm run data` writes into public/cifar10 once all six files have passed their checks. */
const SERVER_STAMP = 'VERIFIED';

/**
 * Whether the app's server holds the verified data set, asked cheaply (its stamp file, not 184 MB).
 * Vite's dev server answers unknown paths with index.html (status 200), so HTML means "not there".
 */
export async function isCifarOnServer(
  baseUrl: string,
  doFetch: typeof fetch = globalThis.fetch.bind(globalThis),
): Promise<boolean> {
  const response = await doFetch(`${baseUrl.replace(/\/+$/, '')}/cifar10/${SERVER_STAMP}`);
  await response.body?.cancel();
  return response.ok && !(response.headers.get('content-type') ?? '').includes('text/html');
}

/**
 * Fetches the six files (or `options.files`) from `${baseUrl}/cifar10/`. A 404 (or Vite's HTML fallback
 * page) means the data was never put there: `CifarMissingError` with instructions. Any other problem is a
 * `CifarDataError` or a network error naming the URL. Files not asked for are absent from the result.
 */
export async function loadCifarFromServer(
  baseUrl: string,
  options: ServerLoadOptions = {},
): Promise<Partial<CifarFileSet>> {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const base = baseUrl.replace(/\/+$/, '');
  const names = options.files ?? CIFAR10_FILES;
  const total = FILE_BYTES * names.length;
  const files: Partial<CifarFileSet> = {};
  let received = 0;
  for (const name of names) {
    const url = `${base}/cifar10/${name}`;
    const response = await doFetch(url);
    const type = response.headers.get('content-type') ?? '';
    // The dev server answers unknown paths with index.html (status 200), so HTML means "not there".
    if (response.status === 404 || type.includes('text/html')) {
      await response.body?.cancel();
      throw new CifarMissingError(`CIFAR-10 is not on the server (${url} not found). ${HOW_TO_GET_IT}`, [
        name,
      ]);
    }
    if (!response.ok || !response.body) {
      throw new CifarDataError('http', `${url}: HTTP ${response.status} ${response.statusText}`, name);
    }
    const bytes = await readExactly(response.body, name, (n) => options.onProgress?.(received + n, total));
    received += bytes.byteLength;
    validateCifarBatch(bytes, name);
    if (options.verifySha256 ?? true) await verifySha256(bytes, CIFAR10_BIN_SHA256[name], name);
    files[name] = bytes;
  }
  return files;
}

/** Reads a body into a 30,730,000-byte array; a longer or shorter body is a 'size' error. */
async function readExactly(
  body: ReadableStream<Uint8Array>,
  name: string,
  onBytes: (done: number) => void,
): Promise<Uint8Array> {
  const out = new Uint8Array(FILE_BYTES);
  const reader = body.getReader();
  let length = 0;
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) break;
    if (length + chunk.value.byteLength > FILE_BYTES) {
      await reader.cancel();
      throw new CifarDataError(
        'size',
        `${name}: the server sent more than ${formatCount(FILE_BYTES)} bytes; it is not a CIFAR-10 batch.`,
        name,
      );
    }
    out.set(chunk.value, length);
    length += chunk.value.byteLength;
    onBytes(length);
  }
  if (length !== FILE_BYTES) validateCifarBatch(out.subarray(0, length), name); // throws 'size'
  return out;
}
