/**
 * Test support (Vitest, Node only): finds the shared CIFAR-10 copy and reads its files.
 * The app's tsconfig has no Node types (src/ must run in a browser), so Node modules are imported
 * dynamically under the small interfaces below instead of `import … from 'node:fs'`.
 *
 * Data dir: env CIFAR10_DIR, else `<repo root>/../shared/cifar10`. A test that needs it fails with
 * `missingDataMessage` instead of being skipped silently.
 */
interface NodeFs {
  existsSync(path: string): boolean;
  readFileSync(path: string): Uint8Array;
  readFileSync(path: string, encoding: 'utf8'): string;
}
interface NodePath {
  resolve(...parts: string[]): string;
  join(...parts: string[]): string;
}
interface NodeZlib {
  gunzipSync(data: Uint8Array): Uint8Array;
  gzipSync(data: Uint8Array, options?: { level?: number }): Uint8Array;
}
interface NodeCrypto {
  createHash(algorithm: string): { update(data: Uint8Array): { digest(encoding: 'hex'): string } };
}
interface NodeUrl {
  fileURLToPath(url: URL): string;
}

// A non-literal specifier keeps TypeScript from looking for Node's type declarations.
const load = <T>(name: string): Promise<T> => import(/* @vite-ignore */ `node:${name}`) as Promise<T>;

const [fs, path, zlib, crypto, url] = await Promise.all([
  load<NodeFs>('fs'),
  load<NodePath>('path'),
  load<NodeZlib>('zlib'),
  load<NodeCrypto>('crypto'),
  load<NodeUrl>('url'),
]);

const env = (globalThis as unknown as { process: { env: Record<string, string | undefined> } }).process.env;

export const repoRoot: string = url.fileURLToPath(new URL('../../../', import.meta.url));

/** The shared data folder (env CIFAR10_DIR, default `<repo>/../shared/cifar10`). */
export const cifarDir: string = path.resolve(repoRoot, env.CIFAR10_DIR ?? '../shared/cifar10');

export function missingDataMessage(file: string): string {
  return (
    `CIFAR-10 test data not found: ${path.join(cifarDir, file)} does not exist. ` +
    "Set CIFAR10_DIR to a folder with the gzip'd .bin files and SHA256SUMS (e.g. ../shared/cifar10)."
  );
}

/** The bytes of `<name>` (e.g. `test_batch.bin`) from `<name>.gz` (or `<name>`) in the data folder. */
export function readCifarFile(name: string): Uint8Array {
  const gz = path.join(cifarDir, `${name}.gz`);
  if (fs.existsSync(gz)) return new Uint8Array(zlib.gunzipSync(fs.readFileSync(gz)));
  const plain = path.join(cifarDir, name);
  if (fs.existsSync(plain)) return new Uint8Array(fs.readFileSync(plain));
  throw new Error(missingDataMessage(`${name}.gz`));
}

/** A text file of the data folder (SHA256SUMS, batches.meta.txt). */
export function readCifarText(name: string): string {
  const file = path.join(cifarDir, name);
  if (!fs.existsSync(file)) throw new Error(missingDataMessage(name));
  return fs.readFileSync(file, 'utf8');
}

/** gzip with Node's zlib at level 1 (fast; test archives are mostly zeros). */
export function nodeGzip(data: Uint8Array): Uint8Array {
  return new Uint8Array(zlib.gzipSync(data, { level: 1 }));
}

/** Node's own hash (OpenSSL): an independent reference for the module's hash-wasm/WebCrypto code. */
export function nodeHash(algorithm: 'md5' | 'sha256', data: Uint8Array): string {
  return crypto.createHash(algorithm).update(data).digest('hex');
}
