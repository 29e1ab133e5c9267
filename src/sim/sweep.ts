/**
 * Sweeps: one experiment run at every point of a grid over one or two settings (a config field, or the
 * framework/device preset), each point with the experiment's M repeated runs. Pure: the engine runs the
 * points, the UI and the command-line runner describe and split them.
 *
 * Points are numbered row-major (the first axis outermost), so point i of a grid is the same point on
 * every machine; `shardOf` takes a deterministic slice of them for a sweep spread over many machines.
 */
import { applyPreset, presets } from './presets';
import { parseExperimentConfig, type ExperimentConfig } from './config';
import { READ_SETTING_PATHS } from './readSettings';

export type SweepValue = number | boolean | string;

/** The axis that applies a preset (src/sim/presets.ts) instead of setting one field. */
export const PRESET_AXIS = 'preset';

export interface SweepAxis {
  /** Dotted config path (`periphery.adcBits`), or PRESET_AXIS. */
  path: string;
  values: readonly SweepValue[];
}

export interface SweepSpec {
  /** One axis (a line of points) or two (a grid). */
  axes: readonly SweepAxis[];
}

export interface SweepPointSpec {
  /** Row-major index in the grid. */
  index: number;
  /** The point's value on each axis. */
  values: SweepValue[];
  config: ExperimentConfig;
}

/** The drift time machine: one programmed chip read from 1 second to 10 years, with and without compensation. */
export const DRIFT_TIME_MACHINE: SweepSpec = {
  axes: [
    { path: 'device.drift.readTimeSeconds', values: [1, 3600, 86_400, 2_592_000, 31_536_000, 315_360_000] },
    { path: 'device.drift.compensation', values: [false, true] },
  ],
};

/** More points than this is a job for the command-line runner, split over machines (`--shard`). */
export const MAX_SWEEP_POINTS = 1000;

/** The most points the command-line runner expands (every shard expands the whole grid to pick its slice). */
export const MAX_RUNNER_SWEEP_POINTS = 1_000_000;

/**
 * Fields a point can change without programming a new chip: they act when the chip is read. Points
 * that differ only in these share one programmed chip (the engine reads it at each point's settings).
 */
export const READ_TIME_FIELDS: readonly string[] = [
  'experiment.images',
  'experiment.runs',
  ...READ_SETTING_PATHS,
];

function setPath(obj: unknown, path: string[], value: unknown): unknown {
  const [head, ...rest] = path as [string, ...string[]];
  const src = (obj ?? {}) as Record<string, unknown>;
  return { ...src, [head]: rest.length === 0 ? value : setPath(src[head], rest, value) };
}

function getPath(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const part of path.split('.')) cur = (cur as Record<string, unknown> | undefined)?.[part];
  return cur;
}

/** The config of one point: the base with the point's values applied, axis by axis (validated). */
export function pointConfig(
  base: ExperimentConfig,
  axes: readonly SweepAxis[],
  values: readonly SweepValue[],
): ExperimentConfig {
  let config: ExperimentConfig = base;
  axes.forEach((axis, a) => {
    const value = values[a]!;
    if (axis.path === PRESET_AXIS) {
      if (!presets.some((p) => p.id === value))
        throw new Error(`The sweep names no preset “${String(value)}”.`);
      config = applyPreset(config, String(value));
      return;
    }
    if (getPath(base, axis.path) === undefined || typeof getPath(base, axis.path) === 'object')
      throw new Error(`The sweep's field “${axis.path}” is not a setting of the experiment.`);
    const parsed = parseExperimentConfig(setPath(config, axis.path.split('.'), value));
    if (!parsed.ok)
      throw new Error(
        `The sweep's value ${String(value)} for ${axis.path} is not valid (${parsed.issues.map((i) => i.message).join('; ')}).`,
      );
    config = parsed.config;
  });
  return config;
}

/**
 * Every point of the grid, row-major; throws one plain sentence for a bad axis or value, or for more
 * than `maxPoints` points (the lab's limit unless the command-line runner asks for its own).
 */
export function expandSweep(
  base: ExperimentConfig,
  spec: SweepSpec,
  maxPoints = MAX_SWEEP_POINTS,
): SweepPointSpec[] {
  const { axes } = spec;
  if (axes.length < 1 || axes.length > 2) throw new Error('A sweep has one or two axes.');
  if (axes.length === 2 && axes[0]!.path === axes[1]!.path)
    throw new Error(`A sweep's two axes must be different settings (both are ${axes[0]!.path}).`);
  for (const axis of axes)
    if (axis.values.length === 0) throw new Error(`The sweep's axis ${axis.path} has no values.`);
  const total = axes.reduce((n, a) => n * a.values.length, 1);
  if (total > maxPoints)
    throw new Error(
      maxPoints === MAX_SWEEP_POINTS
        ? `The sweep has ${total} points; at most ${MAX_SWEEP_POINTS} run in the lab (split larger ones with npm run sweep -- --shard).`
        : `The sweep has ${total} points; at most ${maxPoints} run in one sweep.`,
    );
  const points: SweepPointSpec[] = [];
  const [first, second] = axes as [SweepAxis, SweepAxis | undefined];
  for (const v0 of first.values) {
    for (const v1 of second ? second.values : [undefined]) {
      const values = second ? [v0, v1!] : [v0];
      points.push({ index: points.length, values, config: pointConfig(base, axes, values) });
    }
  }
  return points;
}

/** What must be equal for two points to read the same programmed chip (everything but READ_TIME_FIELDS and training). */
export function chipKey(config: ExperimentConfig): string {
  let programming: unknown = { ...config, training: null };
  for (const path of READ_TIME_FIELDS) programming = setPath(programming, path.split('.'), null);
  return JSON.stringify(programming);
}

/**
 * Slice `index` of `count` (0-based) of a sweep's points: every `count`-th point from `index`, so each
 * slice gets a share of every axis value (a fast value and a slow one interleave) and the slices
 * together hold every point once.
 */
export function shardOf<T extends { index: number }>(
  points: readonly T[],
  index: number,
  count: number,
): T[] {
  if (!Number.isInteger(count) || count < 1)
    throw new Error(`A sweep splits into 1 or more shards, not ${count}.`);
  if (!Number.isInteger(index) || index < 0 || index >= count)
    throw new Error(`Shard ${index} does not exist: shards are numbered 0 to ${count - 1}.`);
  return points.filter((p) => p.index % count === index);
}
