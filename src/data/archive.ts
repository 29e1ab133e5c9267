/**
 * Import of the official archive `cifar-10-binary.tar.gz` (bytes, or a Blob/File picked by the user).
 * Pure web-platform code (DecompressionStream, Blob streams): runs in the worker, in Node 20 and in
 * scripts/. Steps, each with its own precise error (`CifarDataError`, see errors.ts):
 *   1. size and MD5 of the archive against the published values (MD5: official page
 *      https://www.cs.toronto.edu/~kriz/cifar.html; size 170,052,171 bytes, ux-and-web-stack.md §3.2);
 *   2. gunzip with DecompressionStream('gzip');
 *   3. untar with nanotar `parseTar`, keep `cifar-10-batches-bin/{data_batch_1..5,test_batch}.bin`;
 *   4. each member must be 30,730,000 bytes with labels 0..9; optionally its SHA-256.
 * A plain `.tar` (some browsers save the archive already decompressed) is accepted too: the MD5 cannot
 * apply to it, so its members are checked against the official SHA-256 of each `.bin` instead.
 */
import { parseTar, type ParsedTarFileItemMeta } from 'nanotar';
import {
  CIFAR10_BIN_SHA256,
  CIFAR10_FILES,
  validateCifarBatch,
  type CifarFileName,
  type CifarFileSet,
} from './cifar10';
import { md5Hex, verifySha256 } from './checksums';
import { CifarDataError, formatCount } from './errors';
import { errorMessage } from '../sim/errors';

export const CIFAR10_ARCHIVE_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';
export const CIFAR10_ARCHIVE_NAME = 'cifar-10-binary.tar.gz';
/** Published on the official CIFAR page. */
export const CIFAR10_ARCHIVE_MD5 = 'c32a1d4ab5d03f1284b67883e8d87530';
export const CIFAR10_ARCHIVE_BYTES = 170_052_171;
/** The folder inside the archive. */
export const CIFAR10_ARCHIVE_DIR = 'cifar-10-batches-bin';

export type ImportStage = 'md5' | 'gunzip' | 'untar' | 'validate';

export interface ArchiveImportOptions {
  /** Name used in messages; default: the File's name, else `cifar-10-binary.tar.gz`. */
  archiveName?: string;
  /** Expected MD5 of the gzip'd archive; default the official one; `null` skips the check. */
  expectedMd5?: string | null;
  /** Expected byte size; default the official size when `expectedMd5` is the official MD5, else none. */
  expectedBytes?: number | null;
  /**
   * Expected SHA-256 of members. Default: none for a gzip'd archive whose MD5 was checked (the MD5
   * already pins every byte), the official `.bin` hashes otherwise (plain tar, or MD5 skipped).
   */
  expectedSha256?: Partial<Record<CifarFileName, string>> | null;
  /** Progress: `done` of `total` bytes in the current stage. */
  onProgress?: (stage: ImportStage, done: number, total: number) => void;
}

type Source = Uint8Array | Blob;

const GZIP_MAGIC = [0x1f, 0x8b] as const;
/** POSIX/GNU tar headers carry "ustar" at byte 257. */
const TAR_MAGIC_OFFSET = 257;

function sourceSize(source: Source): number {
  return source instanceof Blob ? source.size : source.byteLength;
}

async function readHead(source: Source, length: number): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source.subarray(0, length);
  return new Uint8Array(await source.slice(0, length).arrayBuffer());
}

export function isGzip(head: Uint8Array): boolean {
  return head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
}

export function isTar(head: Uint8Array): boolean {
  const magic = String.fromCharCode(...head.subarray(TAR_MAGIC_OFFSET, TAR_MAGIC_OFFSET + 5));
  return magic === 'ustar';
}

/** A hint about what a non-gzip file probably is, from its first bytes. */
function describeHead(head: Uint8Array): string {
  const hex = Array.from(head.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  const text = new TextDecoder().decode(head.subarray(0, 64)).trimStart().toLowerCase();
  if (head.byteLength === 0) return 'the file is empty';
  if (head[0] === 0x50 && head[1] === 0x4b) return `it starts with ${hex}: a ZIP file`;
  if (text.startsWith('<!doctype') || text.startsWith('<html')) {
    return 'it is an HTML page (the download saved an error page, not the archive)';
  }
  return `it starts with ${hex}; a gzip file starts with 1f 8b`;
}

/** Feeds `source` to a stream in 1 MiB pieces (a Blob streams itself). */
function byteStream(source: Source, onBytes?: (done: number) => void): ReadableStream<Uint8Array> {
  const input = source instanceof Blob ? (source.stream() as ReadableStream<Uint8Array>) : null;
  const reader = input?.getReader();
  const step = 1024 * 1024;
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (reader) {
        const chunk = await reader.read();
        if (chunk.done) return controller.close();
        offset += chunk.value.byteLength;
        controller.enqueue(chunk.value);
      } else {
        const bytes = source as Uint8Array;
        if (offset >= bytes.byteLength) return controller.close();
        controller.enqueue(bytes.subarray(offset, offset + step));
        offset = Math.min(offset + step, bytes.byteLength);
      }
      onBytes?.(offset);
    },
  });
}

/**
 * Reads a stream into one buffer. Returns a view of the bytes read, at offset 0 of a buffer that may be
 * larger (no final copy of ~184 MB); `extractCifarMembers` knows to ignore the spare bytes.
 */
async function collect(stream: ReadableStream<Uint8Array>, sizeHint: number): Promise<Uint8Array> {
  let buffer = new Uint8Array(Math.max(sizeHint, 1024));
  let length = 0;
  const reader = stream.getReader();
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) break;
    if (length + chunk.value.byteLength > buffer.byteLength) {
      const grown = new Uint8Array(Math.max(buffer.byteLength * 2, length + chunk.value.byteLength));
      grown.set(buffer.subarray(0, length));
      buffer = grown;
    }
    buffer.set(chunk.value, length);
    length += chunk.value.byteLength;
  }
  return buffer.subarray(0, length);
}

/**
 * Gunzips `source` with DecompressionStream. Throws 'truncated' when the gzip stream ends early and
 * 'corrupt' when it is damaged (wording differs between engines, so the original message is kept).
 */
export async function gunzip(
  source: Source,
  name: string,
  onBytes?: (done: number) => void,
  sizeHint = 0,
): Promise<Uint8Array> {
  try {
    const stream = byteStream(source, onBytes).pipeThrough(
      new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>,
    );
    return await collect(stream, sizeHint);
  } catch (error) {
    const detail = errorMessage(error);
    const truncated = /unexpected end|truncat|incomplete/i.test(detail);
    throw new CifarDataError(
      truncated ? 'truncated' : 'corrupt',
      truncated
        ? `${name}: the gzip data ends early (${detail}); the file is truncated, e.g. an interrupted download.`
        : `${name}: the gzip data is damaged (${detail}).`,
      name,
      { cause: error },
    );
  }
}

/**
 * Picks the six `.bin` members out of an uncompressed tar, validating each (size, labels). Members are
 * copied out, so the tar buffer can be freed (and IndexedDB does not clone the whole tar for each).
 * `cifar-10-batches-bin/<name>` is preferred; a member with the right base name elsewhere is accepted.
 */
export function extractCifarMembers(tar: Uint8Array, archiveName: string): CifarFileSet {
  if (tar.byteLength < 512 || !isTar(tar)) {
    throw new CifarDataError(
      'not-tar',
      `${archiveName}: the decompressed data is not a tar archive (no "ustar" header), ` +
        `so this is not cifar-10-binary.tar.gz.`,
      archiveName,
    );
  }
  // nanotar reads `data.buffer` and ignores a view's byteOffset and length. A view at offset 0 (what
  // `gunzip` returns) is passed as its whole buffer; members reaching past `end` are caught below.
  const whole = tar.byteOffset === 0 && tar.buffer instanceof ArrayBuffer ? tar.buffer : tar.slice().buffer;
  const end = tar.byteLength;
  const seen: string[] = [];
  let last: ParsedTarFileItemMeta | null = null;
  const truncated = (member: ParsedTarFileItemMeta | null, cause?: unknown) =>
    new CifarDataError(
      'truncated',
      `${archiveName}: the tar data ends early` +
        (member ? ` inside ${member.name} (${formatCount(member.size)} bytes declared)` : '') +
        '; the archive is truncated.',
      archiveName,
      { cause },
    );
  let members;
  try {
    members = parseTar(whole, {
      filter: (meta) => {
        seen.push(meta.name);
        last = meta;
        return meta.type === 'file' && isWanted(meta.name);
      },
    });
  } catch (error) {
    // nanotar throws a RangeError when a member's declared size runs past the end of the buffer.
    throw truncated(last, error);
  }
  for (const member of members) {
    if (member.data && member.data.byteOffset + member.data.byteLength > end) throw truncated(member);
  }
  const found = new Map<CifarFileName, Uint8Array>();
  for (const member of members) {
    const base = baseName(member.name);
    if (!isWanted(member.name)) continue;
    const exact = member.name === `${CIFAR10_ARCHIVE_DIR}/${base}`;
    if (!found.has(base) || exact) found.set(base, member.data ?? new Uint8Array(0));
  }
  const missing = CIFAR10_FILES.filter((f) => !found.has(f));
  if (missing.length > 0) {
    const pythonVersion = seen.some((n) => n.includes('cifar-10-batches-py'));
    const listed = seen.slice(0, 8).join(', ') + (seen.length > 8 ? ', …' : '');
    throw new CifarDataError(
      'missing-member',
      `${archiveName}: missing ${missing.map((f) => `${CIFAR10_ARCHIVE_DIR}/${f}`).join(', ')}. ` +
        `The archive holds: ${listed || 'nothing'}.` +
        (pythonVersion ? ' This is the Python version of CIFAR-10; the binary version is needed.' : ''),
      missing[0],
    );
  }
  const files = {} as CifarFileSet;
  for (const name of CIFAR10_FILES) {
    const data = found.get(name)!;
    validateCifarBatch(data, `${CIFAR10_ARCHIVE_DIR}/${name} in ${archiveName}`);
    files[name] = data.slice();
  }
  return files;
}

function baseName(path: string): CifarFileName {
  return path.slice(path.lastIndexOf('/') + 1) as CifarFileName;
}

function isWanted(path: string): boolean {
  return (CIFAR10_FILES as readonly string[]).includes(baseName(path));
}

/** Throws 'checksum' for the first member whose SHA-256 differs from `expected`. */
export async function verifyMembers(
  files: CifarFileSet,
  expected: Partial<Record<CifarFileName, string>>,
  archiveName: string,
): Promise<void> {
  for (const name of CIFAR10_FILES) {
    const hex = expected[name];
    if (hex) await verifySha256(files[name], hex, `${CIFAR10_ARCHIVE_DIR}/${name} in ${archiveName}`);
  }
}

/**
 * Imports the official archive (or a plain tar of it) and returns the six validated `.bin` files.
 * See the module comment for the checks and their order.
 */
export async function importCifarArchive(
  source: Source,
  options: ArchiveImportOptions = {},
): Promise<CifarFileSet> {
  const fileName = typeof File !== 'undefined' && source instanceof File ? source.name : undefined;
  const name = options.archiveName ?? fileName ?? CIFAR10_ARCHIVE_NAME;
  const expectedMd5 = options.expectedMd5 === undefined ? CIFAR10_ARCHIVE_MD5 : options.expectedMd5;
  const expectedBytes =
    options.expectedBytes !== undefined
      ? options.expectedBytes
      : expectedMd5 === CIFAR10_ARCHIVE_MD5
        ? CIFAR10_ARCHIVE_BYTES
        : null;
  const progress = options.onProgress;
  const size = sourceSize(source);
  const head = await readHead(source, 512);

  let tar: Uint8Array;
  let md5Checked = false;
  if (isGzip(head)) {
    if (expectedBytes !== null && size !== expectedBytes) {
      const short = size < expectedBytes;
      throw new CifarDataError(
        short ? 'truncated' : 'size',
        `${name}: ${formatCount(size)} bytes, but the official archive has ${formatCount(expectedBytes)}. ` +
          (short
            ? 'The download is incomplete (or this is not the official archive); download it again.'
            : 'This is not the official archive.'),
        name,
      );
    }
    if (expectedMd5 !== null) {
      const md5 = await md5Hex(source, (done) => progress?.('md5', done, size));
      if (md5 !== expectedMd5.toLowerCase()) {
        throw new CifarDataError(
          'md5',
          `${name}: MD5 mismatch. Expected ${expectedMd5.toLowerCase()} (published on the CIFAR page), ` +
            `got ${md5} (${formatCount(size)} bytes). The file is damaged or not the official archive.`,
          name,
        );
      }
      md5Checked = true;
    }
    // The official tar is ~1.09× the gzip size; a close hint saves re-allocations.
    tar = await gunzip(source, name, (done) => progress?.('gunzip', done, size), Math.ceil(size * 1.1));
  } else if (isTar(head)) {
    tar = source instanceof Uint8Array ? source : new Uint8Array(await source.arrayBuffer());
  } else {
    throw new CifarDataError('not-gzip', `${name} is not a gzip file: ${describeHead(head)}.`, name);
  }

  progress?.('untar', 0, tar.byteLength);
  const files = extractCifarMembers(tar, name);
  progress?.('untar', tar.byteLength, tar.byteLength);

  const expectedSha256 =
    options.expectedSha256 !== undefined ? options.expectedSha256 : md5Checked ? null : CIFAR10_BIN_SHA256;
  if (expectedSha256) {
    progress?.('validate', 0, CIFAR10_FILES.length);
    await verifyMembers(files, expectedSha256, name);
    progress?.('validate', CIFAR10_FILES.length, CIFAR10_FILES.length);
  }
  return files;
}

/** A file the user picked or dropped: its name and bytes (a `File` is both). */
export interface PickedFile {
  name: string;
  data: Uint8Array | Blob;
}

/**
 * The six `.bin` files picked one by one (e.g. after Safari unpacked the archive into
 * `cifar-10-batches-bin/`). Each must have the official SHA-256 (or `expectedSha256`), size and labels.
 */
export async function importCifarBinFiles(
  picked: readonly PickedFile[],
  expectedSha256: Partial<Record<CifarFileName, string>> = CIFAR10_BIN_SHA256,
): Promise<CifarFileSet> {
  const byName = new Map(picked.map((f) => [baseName(f.name.replace(/\\/g, '/')), f] as const));
  const missing = CIFAR10_FILES.filter((name) => !byName.has(name));
  if (missing.length > 0) {
    throw new CifarDataError(
      'missing-member',
      `Missing ${missing.join(', ')}: pick all six .bin files of cifar-10-batches-bin/ ` +
        `(got ${picked.map((f) => f.name).join(', ') || 'none'}), or the archive ${CIFAR10_ARCHIVE_NAME}.`,
      missing[0],
    );
  }
  const files = {} as CifarFileSet;
  for (const name of CIFAR10_FILES) {
    const { data } = byName.get(name)!;
    const bytes = data instanceof Uint8Array ? data : new Uint8Array(await data.arrayBuffer());
    validateCifarBatch(bytes, name);
    const hex = expectedSha256[name];
    if (hex) await verifySha256(bytes, hex, name);
    files[name] = bytes;
  }
  return files;
}

/**
 * What the import panel calls with whatever the user picked: one archive (gzip'd or plain tar), or the
 * six `.bin` files.
 */
export async function importCifarUpload(
  picked: readonly PickedFile[],
  options: ArchiveImportOptions = {},
): Promise<CifarFileSet> {
  const only = picked.length === 1 ? picked[0] : undefined;
  if (only && !only.name.endsWith('.bin')) {
    return importCifarArchive(only.data, { archiveName: only.name, ...options });
  }
  return importCifarBinFiles(picked);
}
