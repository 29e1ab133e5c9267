/**
 * The runs JSON file: `runsToJson` writes the results table's runs, `runsFromJson` reads such a file
 * back (and files written before runs had a `series`), so a researcher can compare later or elsewhere.
 * Nothing in a file is trusted: it is checked with a schema, each run's config is validated (and
 * migrated from an older schema version), and a refusal is one plain sentence. Live runs in a file come
 * back as stopped; trained weights are never in it (they export as their own zip).
 */
import { z } from 'zod';
import { SCHEMA_VERSION, parseExperimentConfig } from '../sim/config';
import { EMPTY_SERIES, isLive, type RunRecord, type RunStatus } from './slices/runsSlice';

export const RUNS_FILE_FORMAT = 'crossbar-lab-runs';

/** Points per series a file may hold (a guard against a hostile file's size, far above any real run). */
const MAX_POINTS = 1_000_000;
const finite = z.number().refine(Number.isFinite, 'not a finite number');
const fraction = finite.refine((v) => v >= 0 && v <= 1, 'not a fraction between 0 and 1');
const count = z.number().int().nonnegative();
const batchPoint = z.object({
  run: count,
  point: count.optional(),
  batch: count,
  imagesDone: count,
  batchAccuracy: fraction,
  runningAccuracy: fraction,
});
const epochPoint = z.object({
  epoch: count,
  trainLoss: finite,
  trainAccuracy: fraction,
  testAccuracy: fraction,
  elapsedSeconds: finite,
});
const runSummary = z.object({ run: count, point: count.optional(), accuracy: fraction, images: count });
const sweepValue = z.union([finite, z.boolean(), z.string().max(200)]);
const sweepPoint = z.object({
  index: count,
  values: z.array(sweepValue).max(2),
  runs: z.array(runSummary).max(MAX_POINTS),
  meanAccuracy: fraction.nullable(),
  stdAccuracy: finite.nullable(),
  layerSnr: z.array(z.object({ layer: z.string().max(200), snrDb: finite })).max(10_000),
  cost: z.object({
    areaSquareMicrons: finite,
    energyPerImageJoules: finite,
    latencyPerImageSeconds: finite,
  }),
});
const sweepSpec = z.object({
  axes: z
    .array(z.object({ path: z.string().max(200), values: z.array(sweepValue).min(1).max(1000) }))
    .min(1)
    .max(2),
});
const layerSnr = z.object({ layer: z.string().max(200), snrDb: finite });
const STATUSES = [
  'idle',
  'starting',
  'running',
  'paused',
  'stopping',
  'finished',
  'stopped',
  'failed',
  'interrupted',
] as const;

const runSchema = z.object({
  label: z.string().max(500),
  status: z.enum(STATUSES),
  startedAt: z.string().max(100).default(''),
  error: z.string().max(10_000).nullable().default(null),
  config: z.unknown(),
  sweep: sweepSpec.nullable().default(null),
  result: z
    .object({
      kind: z.enum(['inference', 'sweep', 'training']),
      outcome: z.enum(['finished', 'stopped']),
      seconds: finite,
      runs: z.array(runSummary).max(MAX_POINTS),
      meanAccuracy: fraction.nullable(),
      stdAccuracy: finite.nullable(),
      layerSnr: z.array(layerSnr).max(10_000),
      epochs: z.array(epochPoint).max(MAX_POINTS),
      sweepPoints: z.array(sweepPoint).max(MAX_POINTS).default([]),
      data: z.object({ testImages: count, testSet: z.enum(['starter', 'full']) }).optional(),
      baselineAccuracy: fraction.nullable().default(null),
      warnings: z.array(z.string().max(2000)).max(1000).default([]),
      weightsSource: z.string().max(1000).optional(),
    })
    .nullable()
    .default(null),
  series: z
    .object({
      batchPoints: z.array(batchPoint).max(MAX_POINTS),
      epochPoints: z.array(epochPoint).max(MAX_POINTS),
      runSummaries: z.array(runSummary).max(MAX_POINTS),
      sweepPoints: z.array(sweepPoint).max(MAX_POINTS).default([]),
      baselineAccuracy: fraction.nullable(),
    })
    .optional(),
  // Files written before runs had a `series` kept these at the top level.
  batchPoints: z.array(batchPoint).max(MAX_POINTS).optional(),
  epochPoints: z.array(epochPoint).max(MAX_POINTS).optional(),
  runSummaries: z.array(runSummary).max(MAX_POINTS).optional(),
  layerSnr: z.array(layerSnr).max(10_000).default([]),
});

const fileSchema = z.object({
  app: z.literal('Crossbar Lab'),
  runs: z.array(runSchema).max(10_000),
});

/** The runs as a JSON file (trained weights left out: they export as their own zip). */
export function runsToJson(runs: readonly RunRecord[]): string {
  return JSON.stringify(
    {
      app: 'Crossbar Lab',
      format: RUNS_FILE_FORMAT,
      schemaVersion: SCHEMA_VERSION,
      exportedAt: new Date().toISOString(),
      runs: runs.map((r) => ({
        id: r.id,
        label: r.label,
        status: r.status,
        startedAt: r.startedAt,
        error: r.error,
        config: r.config,
        sweep: r.sweep,
        result: r.result && { ...r.result, weights: undefined },
        series: r.series,
        layerSnr: r.layerSnr,
      })),
    },
    null,
    2,
  );
}

/** Where a zod issue is, in words: `runs[2].config`. */
function where(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i > 0 ? '.' : ''}${String(p)}`)).join('');
}

/**
 * Reads a runs file. Returns the runs (ids are given by the store when they are added), or one plain
 * sentence saying why the file was refused.
 */
export function runsFromJson(text: string): { ok: true; runs: RunRecord[] } | { ok: false; message: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return {
      ok: false,
      message: 'The file was refused: it is not JSON (a runs file is what Export JSON saves).',
    };
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const at = where(issue.path);
    // zod says "expected array, received undefined" for a missing field: say "missing".
    const problem = /received undefined$/.test(issue.message)
      ? `${at || 'a field'} is missing`
      : `${issue.message}${at ? ` at ${at}` : ''}`;
    return {
      ok: false,
      message: `The file was refused: it is not a Crossbar Lab runs file (${problem}).`,
    };
  }
  const runs: RunRecord[] = [];
  for (const [i, run] of parsed.data.runs.entries()) {
    const config = parseExperimentConfig(run.config);
    if (!config.ok) {
      const first = config.issues[0]!;
      return {
        ok: false,
        message: `The file was refused: the settings of run ${i + 1} (“${run.label}”) are not valid (${first.path || 'config'}: ${first.message}).`,
      };
    }
    const status: RunStatus = isLive(run.status) || run.status === 'idle' ? 'stopped' : run.status;
    const series = run.series ?? {
      batchPoints: run.batchPoints ?? [],
      epochPoints: run.epochPoints ?? [],
      runSummaries: run.runSummaries ?? run.result?.runs ?? [],
      sweepPoints: run.result?.sweepPoints ?? [],
      baselineAccuracy: run.result?.baselineAccuracy ?? EMPTY_SERIES.baselineAccuracy,
    };
    runs.push({
      id: '',
      label: run.label,
      config: config.config,
      sweep: run.sweep,
      status,
      series,
      layerSnr: run.layerSnr,
      progress: null,
      result: run.result && {
        ...run.result,
        // Files from before the starter set existed: every run then read the full data set.
        data: run.result.data ?? { testImages: config.config.experiment.images, testSet: 'full' },
      },
      error: run.error,
      startedAt: run.startedAt,
    });
  }
  return { ok: true, runs };
}

/** The schemas of a sweep and its points, for the sweep results file (src/state/sweepFile.ts). */
export { sweepPoint as sweepPointSchema, sweepSpec as sweepSpecSchema };
