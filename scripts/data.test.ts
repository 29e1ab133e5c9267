/**
 * `npm run data` (scripts/data.ts) on the shared CIFAR-10 copy and on damaged copies of it, written to
 * temporary folders; the download path against a local HTTP server (no internet in tests).
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CIFAR10_BIN_SHA256, CIFAR10_FILES, FILE_BYTES } from '../src/data/cifar10';
import { CifarDataError } from '../src/data/errors';
import {
  checkInstalled,
  collectFromDir,
  downloadArchive,
  parseDataOptions,
  repoRoot,
  runData,
  type DataOptions,
} from './data';
import { cifarDir } from './lib/cifarFiles';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'crossbar-data-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function options(outDir: string, extra: Partial<DataOptions> = {}): DataOptions & { lines: string[] } {
  const lines: string[] = [];
  return {
    from: undefined,
    force: false,
    outDir,
    url: 'http://127.0.0.1:9/never-used', // a download attempt fails fast instead of going out
    log: (line) => lines.push(line),
    progress: () => {},
    lines,
    ...extra,
  };
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** A folder with links to the shared .gz files, so one of them can be replaced by a damaged copy. */
function linkedCopy(name: string, replace: Record<string, Uint8Array | string> = {}): string {
  const dir = path.join(tmp, name);
  mkdirSync(dir);
  for (const file of CIFAR10_FILES) {
    const gz = `${file}.gz`;
    if (!(gz in replace)) symlinkSync(path.join(cifarDir, gz), path.join(dir, gz));
  }
  for (const [file, data] of Object.entries(replace)) writeFileSync(path.join(dir, file), data);
  return dir;
}

describe('npm run data from a local copy', () => {
  const out = path.join(tmp, 'public-cifar10');
  beforeAll(() => {
    if (!existsSync(path.join(cifarDir, 'test_batch.bin.gz'))) {
      throw new Error(
        `CIFAR-10 test data not found in ${cifarDir}; set CIFAR10_DIR (e.g. ../shared/cifar10).`,
      );
    }
  });

  it('writes six verified files of 30,730,000 bytes and a VERIFIED stamp', async () => {
    const run = options(out, { from: cifarDir });
    expect(await runData(run)).toBe('installed');
    for (const name of CIFAR10_FILES) {
      expect(statSync(path.join(out, name)).size).toBe(FILE_BYTES);
      expect(sha256(path.join(out, name))).toBe(CIFAR10_BIN_SHA256[name]);
    }
    expect(readdirSync(out).sort()).toEqual([...CIFAR10_FILES, 'VERIFIED'].sort()); // no .tmp left
    expect(readFileSync(path.join(out, 'VERIFIED'), 'utf8')).toBe(
      readFileSync(path.join(cifarDir, 'SHA256SUMS'), 'utf8'),
    );
    expect(checkInstalled(out)).toBeNull();
    expect(run.lines.join('\n')).toContain('SHA-256 as listed');
  });

  it('does nothing the second time, and says so', async () => {
    const run = options(out, { from: cifarDir });
    expect(await runData(run)).toBe('already-present');
    expect(run.lines.join('\n')).toContain('nothing to do');
  });

  it('re-verifies files that lost their stamp, without a source', async () => {
    unlinkSync(path.join(out, 'VERIFIED'));
    const run = options(out);
    expect(await runData(run)).toBe('stamped-existing');
    expect(run.lines[0]).toContain('has no VERIFIED stamp');
    expect(checkInstalled(out)).toBeNull();
  });

  it('takes plain .bin files too (here: the folder it just wrote)', async () => {
    const again = path.join(tmp, 'again');
    expect(await runData(options(again, { from: out }))).toBe('installed');
    expect(checkInstalled(again)).toBeNull();
  });

  it('notices a wrong-sized file in an installed folder', () => {
    const broken = path.join(tmp, 'broken');
    mkdirSync(broken);
    for (const f of [...CIFAR10_FILES, 'VERIFIED']) symlinkSync(path.join(out, f), path.join(broken, f));
    unlinkSync(path.join(broken, 'data_batch_4.bin'));
    writeFileSync(path.join(broken, 'data_batch_4.bin'), new Uint8Array(100));
    expect(checkInstalled(broken)).toMatch(/data_batch_4\.bin has 100 bytes, not 30,730,000/);
  });

  it('rejects a file whose SHA-256 differs from SHA256SUMS and writes nothing', async () => {
    const sums = readFileSync(path.join(cifarDir, 'SHA256SUMS'), 'utf8').replace(
      CIFAR10_BIN_SHA256['data_batch_2.bin'],
      '0'.repeat(64),
    );
    const dir = linkedCopy('wrong-sums', { SHA256SUMS: sums });
    const target = path.join(tmp, 'not-written-1');
    const error = await runData(options(target, { from: dir })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CifarDataError);
    expect((error as CifarDataError).code).toBe('checksum');
    expect((error as Error).message).toContain(
      `data_batch_2.bin from ${dir}/data_batch_2.bin.gz (as listed in`,
    );
    expect(existsSync(target)).toBe(false);
  });

  it('rejects a truncated .gz, naming it', async () => {
    const gz = readFileSync(path.join(cifarDir, 'test_batch.bin.gz'));
    const dir = linkedCopy('truncated', { 'test_batch.bin.gz': gz.subarray(0, 1_000_000) });
    const error = await collectFromDir(dir, () => {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CifarDataError);
    expect((error as CifarDataError).code).toBe('truncated');
    expect((error as Error).message).toContain(`${dir}/test_batch.bin.gz: the gzip data ends early`);
  });

  it('names the missing files, or what the folder holds', async () => {
    const dir = linkedCopy('five');
    unlinkSync(path.join(dir, 'data_batch_5.bin.gz'));
    await expect(collectFromDir(dir, () => {})).rejects.toThrow(
      `${dir} lacks data_batch_5.bin (as .bin.gz or .bin)`,
    );
    const empty = path.join(tmp, 'empty');
    mkdirSync(empty);
    writeFileSync(path.join(empty, 'notes.txt'), 'hi');
    await expect(collectFromDir(empty, () => {})).rejects.toThrow(
      /holds no CIFAR-10 files .* it holds: notes\.txt/,
    );
    await expect(collectFromDir(path.join(tmp, 'nope'), () => {})).rejects.toThrow('does not exist');
  });
});

describe('downloadArchive (local HTTP server)', () => {
  const payload = new TextEncoder().encode('pretend archive '.repeat(10_000));
  const md5 = createHash('md5').update(payload).digest('hex');
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/archive') {
        res.writeHead(200, { 'content-length': payload.byteLength });
        res.end(payload);
      } else if (req.url === '/moved') {
        res.writeHead(302, { location: '/archive' });
        res.end();
      } else if (req.url === '/cut') {
        res.writeHead(200, { 'content-length': payload.byteLength });
        res.write(payload.subarray(0, 1000));
        setTimeout(() => res.destroy(), 50); // after the headers and some body went out
      } else {
        res.writeHead(404, 'Not Found');
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('downloads, following a redirect, and checks the MD5', async () => {
    const lines: string[] = [];
    const progress: string[] = [];
    const bytes = await downloadArchive(
      `${base}/moved`,
      md5,
      (l) => lines.push(l),
      (l) => progress.push(l),
    );
    expect(Buffer.from(bytes).equals(Buffer.from(payload))).toBe(true);
    expect(lines.join('\n')).toContain(`MD5 ${md5} matches`);
    expect(progress.at(-1)).toContain('(100%)');
  });

  it('rejects a wrong MD5, a 404 and a cut-off download with a hint', async () => {
    const quiet = () => {};
    await expect(downloadArchive(`${base}/archive`, '0'.repeat(32), quiet, quiet)).rejects.toThrow(
      `MD5 ${md5}, expected ${'0'.repeat(32)}`,
    );
    await expect(downloadArchive(`${base}/missing`, md5, quiet, quiet)).rejects.toThrow(
      /HTTP 404 Not Found.*--from DIR/,
    );
    await expect(downloadArchive(`${base}/cut`, md5, quiet, quiet)).rejects.toThrow(/was cut off/);
  });
});

describe('parseDataOptions', () => {
  it('reads --from (two spellings), --force, --out and CIFAR10_DIR', () => {
    expect(parseDataOptions(['--from', 'a'], {}).from).toBe('a');
    expect(parseDataOptions(['--from=b', '--force'], {})).toMatchObject({ from: 'b', force: true });
    expect(parseDataOptions([], {})).toMatchObject({ from: undefined, force: false });
    expect(parseDataOptions([], { CIFAR10_DIR: 'c' }).from).toBe('c');
    expect(parseDataOptions(['--from', 'a'], { CIFAR10_DIR: 'c' }).from).toBe('a');
    expect(parseDataOptions(['--out', 'x'], {}).outDir).toBe(path.resolve('x'));
    expect(parseDataOptions([], {}).outDir).toBe(path.join(repoRoot, 'public', 'cifar10'));
  });

  it('reads --url and CIFAR10_URL, the flag first, else the official archive', () => {
    expect(parseDataOptions([], {}).url).toBe('https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz');
    expect(parseDataOptions([], { CIFAR10_URL: 'http://m/a.tgz' }).url).toBe('http://m/a.tgz');
    expect(parseDataOptions(['--url=http://n/b.tgz'], { CIFAR10_URL: 'http://m/a.tgz' }).url).toBe(
      'http://n/b.tgz',
    );
  });

  it('answers --help and -h with the usage text', () => {
    for (const flag of ['--help', '-h'])
      expect(() => parseDataOptions([flag], {})).toThrow(/^Usage: npm run data .*\n {2}--from DIR/s);
  });

  it('refuses unknown options, stray arguments and missing values, with the usage text', () => {
    expect(() => parseDataOptions(['--frm', 'a'], {})).toThrow(
      /^unknown option --frm\.\nUsage: npm run data/,
    );
    expect(() => parseDataOptions(['somewhere'], {})).toThrow(/^unknown option somewhere\./);
    expect(() => parseDataOptions(['--from'], {})).toThrow(/^--from needs a value\.\nUsage/);
    expect(() => parseDataOptions(['--out='], {})).toThrow(/^--out needs a value\./);
    expect(() => parseDataOptions(['--url', '--force'], {})).toThrow(/^--url needs a value\./);
    expect(() => parseDataOptions(['--force=yes'], {})).toThrow(/^--force takes no value\./);
  });
});
