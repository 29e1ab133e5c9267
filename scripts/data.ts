/**
 * `npm run data [-- --from DIR] [--force] [--out DIR] [--url URL]`
 *
 * Puts the six CIFAR-10 `.bin` files (official binary version) in public/cifar10/, where Vite serves
 * them, and writes public/cifar10/VERIFIED (sha256sum format) once all six have passed the checks.
 *   - Already there (VERIFIED lists the official hashes and each file has 30,730,000 bytes): nothing to do.
 *   - `--from DIR` (or env CIFAR10_DIR): a local copy. DIR may hold the gzip'd `<name>.bin.gz` files
 *     (checked against DIR/SHA256SUMS, which may list the `.gz` or the `.bin` names), plain `.bin` files,
 *     a `cifar-10-batches-bin/` folder, or the official `cifar-10-binary.tar.gz`; DIR may also be that
 *     archive itself.
 *   - Otherwise: downloads https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz (162 MiB) over
 *     HTTPS, checks its published MD5, and unpacks it.
 * Whatever the route, every file must then have 10,000 records with labels 0..9 and the SHA-256 of the
 * official file (CIFAR10_BIN_SHA256) before it is written. Files are written to `<name>.tmp` and renamed,
 * so an interrupted run never leaves a half-written `.bin` or a stamp for files it did not check.
 * Any failure: a message saying what and where, and exit code 1.
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import {
  CIFAR10_ARCHIVE_BYTES,
  CIFAR10_ARCHIVE_DIR,
  CIFAR10_ARCHIVE_MD5,
  CIFAR10_ARCHIVE_NAME,
  CIFAR10_ARCHIVE_URL,
  importCifarArchive,
} from '../src/data/archive';
import { parseSha256Sums, verifySha256 } from '../src/data/checksums';
import {
  CIFAR10_BIN_SHA256,
  CIFAR10_FILES,
  FILE_BYTES,
  validateCifarBatch,
  type CifarFileName,
  type CifarFileSet,
} from '../src/data/cifar10';
import { CifarDataError, formatCount } from '../src/data/errors';
import { parseFlags, UsageError } from './lib/args';
import { repoRoot } from './lib/paths';
import { errorMessage } from '../src/sim/errors';

export { repoRoot };

export const STAMP_FILE = 'VERIFIED';
const MiB = 1024 * 1024;

export interface DataOptions {
  /** Local copy to take the data from (`--from`, else env CIFAR10_DIR). */
  from: string | undefined;
  /** Redo even when the data is already there. */
  force: boolean;
  /** Where the `.bin` files go; default public/cifar10. */
  outDir: string;
  /** The archive to download when there is no local copy. */
  url: string;
  /** One line of output. */
  log: (line: string) => void;
  /** A progress line that replaces the previous one on a terminal. */
  progress: (line: string) => void;
}

const USAGE = `Usage: npm run data [-- --from DIR] [--force] [--out DIR] [--url URL]
  --from DIR  take CIFAR-10 from a local folder (gzip'd .bin.gz + SHA256SUMS, plain .bin files,
              cifar-10-batches-bin/, or cifar-10-binary.tar.gz) instead of downloading; env CIFAR10_DIR
  --force     redo even if public/cifar10 already holds the verified files
  --out DIR   write the .bin files there instead of public/cifar10
  --url URL   download the archive from a mirror (its MD5 must still be the official one); env CIFAR10_URL`;

/** Reads the command line (`node:util` parseArgs); throws with the usage text on an unknown or incomplete option. */
export function parseDataOptions(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): DataOptions {
  let values;
  try {
    values = parseFlags(argv, {
      from: { type: 'string' },
      force: { type: 'boolean', default: false },
      out: { type: 'string' },
      url: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    });
  } catch (error) {
    if (error instanceof UsageError) throw new Error(`${error.message}.\n${USAGE}`);
    throw error;
  }
  if (values.help) throw new UsageRequest(USAGE);
  return {
    from: values.from ?? (env.CIFAR10_DIR || undefined),
    force: values.force,
    outDir: values.out === undefined ? path.join(repoRoot, 'public', 'cifar10') : path.resolve(values.out),
    url: values.url ?? (env.CIFAR10_URL || CIFAR10_ARCHIVE_URL),
    log: (line) => console.log(line),
    progress: makeProgressPrinter(),
  };
}

class UsageRequest extends Error {}

function makeProgressPrinter(): (line: string) => void {
  if (process.stdout.isTTY) return (line) => process.stdout.write(`\r${line}\x1b[K`);
  // Not a terminal (CI logs): print each line, the caller throttles to a few lines.
  return (line) => console.log(line);
}

/** Why public/cifar10 is not complete, or null when it is (stamp lists official hashes, sizes right). */
export function checkInstalled(outDir: string): string | null {
  const stamp = path.join(outDir, STAMP_FILE);
  if (!existsSync(stamp)) return `${rel(outDir)} has no ${STAMP_FILE} stamp`;
  let sums: Map<string, string>;
  try {
    sums = parseSha256Sums(readFileSync(stamp, 'utf8'), rel(stamp));
  } catch (error) {
    return errorMessage(error);
  }
  for (const name of CIFAR10_FILES) {
    const file = path.join(outDir, name);
    if (sums.get(name) !== CIFAR10_BIN_SHA256[name])
      return `${rel(stamp)} does not list the official ${name}`;
    if (!existsSync(file)) return `${rel(file)} is missing`;
    const size = statSync(file).size;
    if (size !== FILE_BYTES)
      return `${rel(file)} has ${formatCount(size)} bytes, not ${formatCount(FILE_BYTES)}`;
  }
  return null;
}

/** The six files already in `outDir` with the right size (a stamp may be missing), else null. */
function readExisting(outDir: string): CifarFileSet | null {
  const present = CIFAR10_FILES.every((name) => {
    const file = path.join(outDir, name);
    return existsSync(file) && statSync(file).size === FILE_BYTES;
  });
  if (!present) return null;
  const files = {} as CifarFileSet;
  for (const name of CIFAR10_FILES) files[name] = new Uint8Array(readFileSync(path.join(outDir, name)));
  return files;
}

function gunzipFile(bytes: Uint8Array, file: string): Uint8Array {
  try {
    return new Uint8Array(gunzipSync(bytes));
  } catch (error) {
    const detail = errorMessage(error);
    const truncated = /unexpected end/i.test(detail);
    throw new CifarDataError(
      truncated ? 'truncated' : 'corrupt',
      `${file}: ${truncated ? 'the gzip data ends early (the file is truncated)' : 'the gzip data is damaged'} (${detail}).`,
      path.basename(file),
      { cause: error },
    );
  }
}

/**
 * The six files from a local copy (see the module comment for what DIR may hold). Checks the
 * checksums DIR/SHA256SUMS lists; the official hashes are checked later for every route.
 */
export async function collectFromDir(from: string, log: (line: string) => void): Promise<CifarFileSet> {
  const source = path.resolve(from);
  if (!existsSync(source)) throw new Error(`--from ${from}: ${source} does not exist.`);
  if (statSync(source).isFile()) return importArchiveFile(source, log);

  const sumsFile = path.join(source, 'SHA256SUMS');
  const sums = existsSync(sumsFile) ? parseSha256Sums(readFileSync(sumsFile, 'utf8'), sumsFile) : null;
  const candidates = (name: CifarFileName): string[] => [
    path.join(source, `${name}.gz`),
    path.join(source, name),
    path.join(source, CIFAR10_ARCHIVE_DIR, name),
  ];
  const found = CIFAR10_FILES.map((name) => candidates(name).find((file) => existsSync(file)));
  if (found.every((file) => file === undefined)) {
    const archive = path.join(source, CIFAR10_ARCHIVE_NAME);
    if (existsSync(archive)) return importArchiveFile(archive, log);
    const listing = readdirSync(source).slice(0, 12).join(', ') || 'nothing';
    throw new CifarDataError(
      'missing-member',
      `${source} holds no CIFAR-10 files (looked for data_batch_1.bin.gz, data_batch_1.bin, ` +
        `${CIFAR10_ARCHIVE_DIR}/ and ${CIFAR10_ARCHIVE_NAME}); it holds: ${listing}.`,
    );
  }
  const missing = CIFAR10_FILES.filter((_, i) => found[i] === undefined);
  if (missing.length > 0) {
    throw new CifarDataError(
      'missing-member',
      `${source} lacks ${missing.join(', ')} (as .bin.gz or .bin).`,
      missing[0],
    );
  }

  log(`Reading CIFAR-10 from ${source}${sums ? ` (checking ${rel(sumsFile)})` : ''}`);
  const files = {} as CifarFileSet;
  for (const [i, name] of CIFAR10_FILES.entries()) {
    const file = found[i]!;
    let bytes: Uint8Array = new Uint8Array(readFileSync(file));
    const listedName = path.basename(file);
    const listedRaw = sums?.get(listedName);
    if (listedRaw) await verifySha256(bytes, listedRaw, `${file} (as listed in ${sumsFile})`);
    if (file.endsWith('.gz')) {
      bytes = gunzipFile(bytes, file);
      const listedBin = sums?.get(name);
      if (listedBin) await verifySha256(bytes, listedBin, `${name} from ${file} (as listed in ${sumsFile})`);
    }
    files[name] = bytes;
    log(
      `  ${name}: read from ${rel(file)}${sums?.has(listedName) || sums?.has(name) ? ', SHA-256 as listed' : ''}`,
    );
  }
  return files;
}

async function importArchiveFile(archive: string, log: (line: string) => void): Promise<CifarFileSet> {
  log(`Unpacking ${archive} (checking its size and MD5 ${CIFAR10_ARCHIVE_MD5})`);
  return importCifarArchive(new Uint8Array(readFileSync(archive)), { archiveName: archive });
}

/**
 * Downloads `url` into memory (following redirects), printing progress, and checks its MD5 (and size,
 * when the server sends it) against `expectedMd5` while the bytes arrive.
 */
export async function downloadArchive(
  url: string,
  expectedMd5: string,
  log: (line: string) => void,
  progress: (line: string) => void,
  redirectsLeft = 5,
): Promise<Uint8Array> {
  const hint =
    'Check the internet connection, or use a local copy: npm run data -- --from DIR ' +
    '(a folder with the .bin.gz files and SHA256SUMS, the .bin files, or cifar-10-binary.tar.gz).';
  const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const client = url.startsWith('https:') ? https : url.startsWith('http:') ? http : null;
    if (!client) return reject(new Error(`cannot download ${url}: only http(s) URLs are supported.`));
    const request = client.get(url, resolve);
    request.setTimeout(30_000, () => request.destroy(new Error('no answer for 30 s')));
    request.on('error', (error) =>
      reject(new Error(`could not download ${url}: ${errorMessage(error)}. ${hint}`)),
    );
  });
  const status = response.statusCode ?? 0;
  const location = response.headers.location;
  if (status >= 300 && status < 400 && location) {
    response.resume();
    if (redirectsLeft === 0) throw new Error(`could not download ${url}: too many redirects.`);
    return downloadArchive(new URL(location, url).href, expectedMd5, log, progress, redirectsLeft - 1);
  }
  if (status !== 200) {
    response.resume();
    throw new Error(`could not download ${url}: HTTP ${status} ${response.statusMessage ?? ''}. ${hint}`);
  }
  const declared = Number(response.headers['content-length'] ?? NaN);
  const total = Number.isFinite(declared) ? declared : CIFAR10_ARCHIVE_BYTES;
  log(`Downloading ${url} (${(total / MiB).toFixed(1)} MiB)`);

  const md5 = createHash('md5');
  const chunks: Buffer[] = [];
  let received = 0;
  let lastShown = -1;
  await new Promise<void>((resolve, reject) => {
    response.setTimeout(30_000, () => response.destroy(new Error('no data for 30 s')));
    response.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      md5.update(chunk);
      received += chunk.length;
      const percent = Math.floor((100 * received) / total);
      const step = process.stdout.isTTY ? 1 : 10;
      if (Math.floor(percent / step) !== Math.floor(lastShown / step)) {
        lastShown = percent;
        progress(
          `  ${(received / MiB).toFixed(1)} / ${(total / MiB).toFixed(1)} MiB (${Math.min(percent, 100)}%)`,
        );
      }
    });
    response.on('end', resolve);
    response.on('error', (error) =>
      reject(new Error(`download of ${url} failed: ${errorMessage(error)}. ${hint}`)),
    );
    response.on('aborted', () => reject(new Error(`download of ${url} was cut off. ${hint}`)));
  });
  if (process.stdout.isTTY) process.stdout.write('\n');
  if (Number.isFinite(declared) && received !== declared) {
    throw new Error(
      `download of ${url} ended after ${formatCount(received)} of ${formatCount(declared)} bytes. ${hint}`,
    );
  }
  const actual = md5.digest('hex');
  if (actual !== expectedMd5) {
    throw new CifarDataError(
      'md5',
      `downloaded ${url}: MD5 ${actual}, expected ${expectedMd5}. The download is damaged; run npm run data again.`,
    );
  }
  log(`  MD5 ${actual} matches the published one.`);
  return new Uint8Array(Buffer.concat(chunks, received));
}

/** Writes `bytes` to `file` through `file.tmp` + rename, so a crash never leaves half a file. */
function writeAtomic(file: string, bytes: Uint8Array | string): void {
  const tmp = `${file}.tmp`;
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, file);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}

/** The last gate for every route (size, labels, official SHA-256), then the files and the stamp. */
export async function install(
  files: CifarFileSet,
  outDir: string,
  log: (line: string) => void,
): Promise<void> {
  const lines: string[] = [];
  for (const name of CIFAR10_FILES) {
    validateCifarBatch(files[name], name);
    const hex = await verifySha256(files[name], CIFAR10_BIN_SHA256[name], name);
    lines.push(`${hex}  ${name}`);
  }
  mkdirSync(outDir, { recursive: true });
  rmSync(path.join(outDir, STAMP_FILE), { force: true }); // no stamp while files change
  for (const name of CIFAR10_FILES) writeAtomic(path.join(outDir, name), files[name]);
  writeAtomic(path.join(outDir, STAMP_FILE), `${lines.join('\n')}\n`);
  log(
    `Wrote ${CIFAR10_FILES.length} files of ${formatCount(FILE_BYTES)} bytes to ${rel(outDir)}/ ` +
      `(10,000 records each, labels 0–9, SHA-256 of the official files) and ${STAMP_FILE}.`,
  );
}

export type DataOutcome = 'already-present' | 'stamped-existing' | 'installed';

export async function runData(options: DataOptions): Promise<DataOutcome> {
  const { outDir, log } = options;
  if (!options.force) {
    const reason = checkInstalled(outDir);
    if (reason === null) {
      log(
        `CIFAR-10 is already in ${rel(outDir)}/ (6 verified .bin files); nothing to do. Use --force to redo.`,
      );
      return 'already-present';
    }
    const existing = readExisting(outDir);
    if (existing) {
      log(`${reason}; checking the six .bin files already there.`);
      await install(existing, outDir, log);
      return 'stamped-existing';
    }
  }
  let files: CifarFileSet;
  if (options.from) {
    files = await collectFromDir(options.from, log);
  } else {
    const archive = await downloadArchive(options.url, CIFAR10_ARCHIVE_MD5, log, options.progress);
    log(`Unpacking ${CIFAR10_ARCHIVE_NAME}`);
    files = await importCifarArchive(archive, { archiveName: options.url });
  }
  await install(files, outDir, log);
  return 'installed';
}

function rel(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') ? relative : file;
}

async function main(): Promise<void> {
  try {
    await runData(parseDataOptions(process.argv.slice(2), process.env));
  } catch (error) {
    if (error instanceof UsageRequest) {
      console.log(error.message);
      return;
    }
    console.error(`npm run data failed: ${errorMessage(error)}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) await main();
