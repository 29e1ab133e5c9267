/**
 * The sweep results file: one sweep's base config, its grid, the slice of the grid that ran (a shard), and
 * each finished point's runs, mean ± std, per-layer SNR and cost estimate. `npm run sweep` writes one per
 * shard, `npm run sweep -- merge` combines the slices (`mergeSweepFiles`), and the lab exports the same
 * file for a sweep run. Nothing in a file is trusted: `parseSweepFile` checks it against the schema and
 * against its own grid, and a refusal is one plain sentence.
 */
import { z } from 'zod';
import type { RunData, SweepPointResult } from '../engine/protocol';
import { SCHEMA_VERSION, parseExperimentConfig, type ExperimentConfig } from '../sim/config';
import { MAX_RUNNER_SWEEP_POINTS, expandSweep, shardOf, type SweepSpec } from '../sim/sweep';
import { errorMessage } from '../sim/errors';
import { sweepPointSchema, sweepSpecSchema } from './runsFile';

export const SWEEP_FILE_FORMAT = 'crossbar-lab-sweep';

/** Slice `index` of `count` of a grid (`shardOf`: every count-th point from index). */
export interface SweepShard {
  index: number;
  count: number;
}

export interface SweepFile {
  app: 'Crossbar Lab';
  format: typeof SWEEP_FILE_FORMAT;
  schemaVersion: number;
  /** The base config every point changes (its seed is the sweep's seed). */
  config: ExperimentConfig;
  sweep: SweepSpec;
  /** Points in the whole grid. */
  gridSize: number;
  /** The slice that ran, or null: the whole grid, or a merge of slices. */
  shard: SweepShard | null;
  /** Grid indices the file was to run, ascending (a merge: the union of its slices'). */
  assigned: number[];
  /** The finished points, by grid index (fewer than `assigned` when the run stopped early). */
  points: SweepPointResult[];
  /** The digital network's top-1 on the same images (null when not measured). */
  baselineAccuracy: number | null;
  data: RunData;
  /** The weights: 'shipped' or where they came from, and one digest of their shards' SHA-256 (null: unknown). */
  weights: { source: string; sha256: string | null };
  /** The tfjs backend (same config and seed give the same numbers on the same backend), null if unknown. */
  backend: string | null;
  outcome: 'finished' | 'stopped';
  /** Seconds of computing (a merge: the sum over its slices). */
  seconds: number;
}

/** The grid's size: the product of its axes' lengths. */
export const gridSizeOf = (sweep: SweepSpec) => sweep.axes.reduce((n, a) => n * a.values.length, 1);

/** A sweep file for a (sharded) run: the grid size and the assigned points follow from the sweep and the shard. */
export function sweepFileOf(
  fields: Omit<SweepFile, 'app' | 'format' | 'schemaVersion' | 'gridSize' | 'assigned'>,
): SweepFile {
  const gridSize = gridSizeOf(fields.sweep);
  const all = Array.from({ length: gridSize }, (_, index) => ({ index }));
  const assigned = (fields.shard ? shardOf(all, fields.shard.index, fields.shard.count) : all).map(
    (p) => p.index,
  );
  const { config, sweep, shard, points, ...rest } = fields;
  return {
    app: 'Crossbar Lab',
    format: SWEEP_FILE_FORMAT,
    schemaVersion: SCHEMA_VERSION,
    config,
    sweep,
    gridSize,
    shard,
    assigned,
    ...rest,
    points: [...points].sort((a, b) => a.index - b.index),
  };
}

export function sweepFileToJson(file: SweepFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

const count = z.number().int().nonnegative();
const fileSchema = z.object({
  app: z.literal('Crossbar Lab'),
  format: z.literal(SWEEP_FILE_FORMAT),
  schemaVersion: z.number().int(),
  config: z.unknown(),
  sweep: sweepSpecSchema,
  gridSize: count,
  shard: z.object({ index: count, count: z.number().int().min(1) }).nullable(),
  assigned: z.array(count).max(1_000_000),
  points: z.array(sweepPointSchema).max(1_000_000),
  baselineAccuracy: z.number().min(0).max(1).nullable(),
  data: z.object({ testImages: count, testSet: z.enum(['starter', 'full']) }),
  weights: z.object({ source: z.string().max(1000), sha256: z.string().max(128).nullable() }),
  backend: z.string().max(100).nullable(),
  outcome: z.enum(['finished', 'stopped']),
  seconds: z.number().nonnegative(),
});

export type SweepFileResult = { ok: true; file: SweepFile } | { ok: false; message: string };

/**
 * Reads a sweep file (`name` is how the refusal names it). Beyond the schema, its config must be valid,
 * its sweep must expand on that config to `gridSize` points, and every point must sit in the grid at its
 * index with that index's values.
 */
export function parseSweepFile(text: string, name: string): SweepFileResult {
  const refuse = (problem: string): SweepFileResult => ({
    ok: false,
    message: `${name} was refused: ${problem}.`,
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return refuse('it is not JSON');
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return refuse(
      `it is not a Crossbar Lab sweep file (${issue.path.join('.') || 'file'}: ${issue.message})`,
    );
  }
  const raw = parsed.data;
  const config = parseExperimentConfig(raw.config);
  if (!config.ok) {
    const issue = config.issues[0]!;
    return refuse(`its config is not valid (${issue.path || 'config'}: ${issue.message})`);
  }
  let grid;
  try {
    grid = expandSweep(config.config, raw.sweep, MAX_RUNNER_SWEEP_POINTS);
  } catch (error) {
    return refuse(`its sweep does not apply to its config (${errorMessage(error)})`);
  }
  if (grid.length !== raw.gridSize) return refuse(`its grid has ${grid.length} points, not ${raw.gridSize}`);
  for (const point of raw.points) {
    const at = grid[point.index];
    if (!at || JSON.stringify(at.values) !== JSON.stringify(point.values))
      return refuse(`its point ${point.index} does not have the grid's values at that index`);
  }
  return { ok: true, file: { ...raw, config: config.config } };
}

/** The first place two plain values differ (`periphery.adcBits: 6 vs 8`), or null when they are equal. */
export function firstDifference(a: unknown, b: unknown, path = ''): string | null {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
  if (isObject(a) && isObject(b) && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const key of keys) {
      const d = firstDifference(a[key], b[key], path ? `${path}.${key}` : key);
      if (d) return d;
    }
    return null;
  }
  if (a === b) return null;
  return `${path ? `${path}: ` : ''}${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
}

/** What must match for two files to have used the same weights: their digest, else where they came from. */
const weightsIdentity = (file: SweepFile) => file.weights.sha256 ?? file.weights.source;

export type MergeResult = { ok: true; file: SweepFile; missing: number[] } | { ok: false; message: string };

/**
 * Combines slices of one sweep. They must share the base config (seed included), the sweep, the images,
 * the weights, the backend and the digital baseline, and hold disjoint points; the result holds every
 * point, by index, and `missing` lists the grid's points that no slice finished.
 */
export function mergeSweepFiles(files: readonly { name: string; file: SweepFile }[]): MergeResult {
  const [first] = files;
  if (!first) return { ok: false, message: 'Nothing to merge: give the sweep files of the slices.' };
  const owner = new Map<number, string>();
  for (const { name, file } of files) {
    const checks: [string, unknown, unknown][] = [
      ['configs', first.file.config, file.config],
      ['sweeps', first.file.sweep, file.sweep],
      ['images', first.file.data, file.data],
      ['weights', weightsIdentity(first.file), weightsIdentity(file)],
      ['backends', first.file.backend, file.backend],
    ];
    for (const [what, a, b] of checks) {
      const d = firstDifference(a, b);
      if (d)
        return {
          ok: false,
          message: `${first.name} and ${name} are not slices of the same sweep: their ${what} differ (${d}).`,
        };
    }
    const [x, y] = [first.file.baselineAccuracy, file.baselineAccuracy];
    if (x !== null && y !== null && x !== y)
      return {
        ok: false,
        message: `${first.name} and ${name} measured different digital accuracies on the same images (${x} vs ${y}): they did not compute alike.`,
      };
    for (const point of file.points) {
      const other = owner.get(point.index);
      if (other !== undefined)
        return {
          ok: false,
          message: `Point ${point.index} (${point.values.join(', ')}) is in both ${other} and ${name}: the slices overlap.`,
        };
      owner.set(point.index, name);
    }
  }
  const points = files.flatMap(({ file }) => file.points).sort((a, b) => a.index - b.index);
  const missing = Array.from({ length: first.file.gridSize }, (_, i) => i).filter((i) => !owner.has(i));
  const assigned = [...new Set(files.flatMap(({ file }) => file.assigned))].sort((a, b) => a - b);
  const file: SweepFile = {
    ...first.file,
    shard: null,
    assigned,
    points,
    baselineAccuracy: files.find(({ file }) => file.baselineAccuracy !== null)?.file.baselineAccuracy ?? null,
    outcome: files.every(({ file }) => file.outcome === 'finished') ? 'finished' : 'stopped',
    seconds: files.reduce((s, { file }) => s + file.seconds, 0),
  };
  return { ok: true, file, missing };
}
