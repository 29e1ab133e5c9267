/**
 * Typed errors of the CIFAR-10 data module. Each message is meant to be shown to the user as is: it names
 * the file, what was expected and what was found, and what to do. The `code` lets the UI pick a panel
 * without parsing the message; it is also repeated in `name` because Comlink forwards only `name`,
 * `message` and `stack` of an error thrown in the worker.
 */

/** What went wrong with a data file. */
export type CifarErrorCode =
  /** Byte length is not the expected number of 3,073-byte records. */
  | 'size'
  /** A label byte is outside 0–9. */
  | 'label'
  /** SHA-256 of a file differs from the expected one. */
  | 'checksum'
  /** MD5 of the archive differs from the published one. */
  | 'md5'
  /** The archive does not start with the gzip magic bytes (and is not a plain tar either). */
  | 'not-gzip'
  /** The gzip stream or the tar inside it ends early. */
  | 'truncated'
  /** The gzip stream is damaged (not truncated). */
  | 'corrupt'
  /** The decompressed archive is not a tar file. */
  | 'not-tar'
  /** One of the six batch files is not in the archive or folder. */
  | 'missing-member'
  /** A SHA256SUMS line could not be read. */
  | 'checksum-list'
  /** The browser refused to store the data (quota). */
  | 'storage'
  /** The server answered a request for a data file with an HTTP error (other than 404). */
  | 'http';

export class CifarDataError extends Error {
  readonly code: CifarErrorCode;
  /** The file the error is about (e.g. `test_batch.bin`), when there is one. */
  readonly fileName: string | undefined;

  constructor(code: CifarErrorCode, message: string, fileName?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = `CifarDataError[${code}]`;
    this.code = code;
    this.fileName = fileName;
  }
}

/** The data is simply not there yet (not an error in the data): the UI shows how to get it. */
export class CifarMissingError extends Error {
  /** The files that were looked for and not found. */
  readonly missingFiles: readonly string[];

  constructor(message: string, missingFiles: readonly string[]) {
    super(message);
    this.name = 'CifarMissingError';
    this.missingFiles = missingFiles;
  }
}

/** `1234567` → `1,234,567`, independent of the user's locale so messages are stable in tests. */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
