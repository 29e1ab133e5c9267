/**
 * The headless runner end to end, as a cluster would use it: `npm run sweep` runs a 4-point sweep on one
 * machine, then as two slices (one with --shard 0/2, one with --shards 2 and JOB_COMPLETION_INDEX=1, as
 * a Kubernetes Indexed Job starts it), and `merge` combines the slices. The merged result must equal the
 * one-machine run exactly: every run's accuracy, mean, std, per-layer SNR and cost estimate.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSweepFile, type SweepFile } from '../../src/state/sweepFile';
import { repoRoot } from '../lib/paths';

const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), 'sweep-shards-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Tiny but not trivial: programming and read noise (new read noise each run), 2 runs per point, 8 images. */
const LINK =
  'http://localhost:5173/?v=2&seed=3&images=8&runs=2&calibrationImages=2' +
  '&programmingNoise.enabled=true&readNoise.enabled=true&readNoise.sigma=0.05&sweep=adcBits:3,4,5,8';

/** `npm run sweep -- …args` in the repository, with `env` added; returns stdout. */
async function sweep(args: string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/sweep/main.ts', ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env, INIT_CWD: dir },
    timeout: 170_000,
  });
  return stdout;
}

function read(name: string): SweepFile {
  const parsed = parseSweepFile(readFileSync(path.join(dir, name), 'utf8'), name);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.file;
}

describe('npm run sweep', () => {
  it(
    'two slices of a 4-point sweep, merged, equal the unsharded run (same seed)',
    { timeout: 600_000 },
    async () => {
      await sweep([LINK, '--out', 'whole.json', '--csv', 'whole.csv']);
      const first = await sweep([LINK, '--shard', '0/2']);
      expect(first).toContain('slice 0 of 2: 2 points');
      await sweep([LINK, '--shards', '2'], { JOB_COMPLETION_INDEX: '1' });
      const merged = await sweep([
        'merge',
        'sweep-shard-1-of-2.json',
        'sweep-shard-0-of-2.json',
        '--out',
        'merged.json',
        '--csv',
        'merged.csv',
      ]);
      expect(merged).toContain('wrote merged.json (4 of 4 points)');

      const whole = read('whole.json');
      const [slice0, slice1] = [read('sweep-shard-0-of-2.json'), read('sweep-shard-1-of-2.json')];
      // Each slice ran its own points: every other point of the grid.
      expect(slice0.points.map((p) => p.index)).toEqual([0, 2]);
      expect(slice1.points.map((p) => p.index)).toEqual([1, 3]);
      expect(whole.points.map((p) => p.values)).toEqual([[3], [4], [5], [8]]);
      expect(whole.points.every((p) => p.runs.length === 2 && p.layerSnr.length === 8)).toBe(true);

      const all = read('merged.json');
      expect(all.points).toEqual(whole.points);
      expect({ ...all, seconds: 0 }).toEqual({ ...whole, seconds: 0 });
      expect(readFileSync(path.join(dir, 'merged.csv'), 'utf8')).toBe(
        readFileSync(path.join(dir, 'whole.csv'), 'utf8'),
      );
    },
  );

  it('refuses to merge a slice with itself, and exits 2 with the reason', async () => {
    const error = await sweep([
      'merge',
      'sweep-shard-0-of-2.json',
      'sweep-shard-0-of-2.json',
      '--out',
      'x.json',
    ]).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(error?.code).toBe(2);
    expect(error?.stderr).toContain(
      'Point 0 (3) is in both sweep-shard-0-of-2.json and sweep-shard-0-of-2.json',
    );
  });
});
