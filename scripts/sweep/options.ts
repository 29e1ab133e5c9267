/**
 * The sweep runner's command line (USAGE): run one slice of a sweep, or merge the slices' files.
 * Plain data out; nothing here reads a file or runs anything.
 */
import { parseCommandLine, UsageError } from '../lib/args';
import type { SweepShard } from '../../src/state/sweepFile';

export { UsageError };

export const USAGE = `usage: npm run sweep -- <experiment URL | config.json> [--sweep FIELD:V1,V2,…] [--sweep FIELD:…]
                        [--shard I/N | --shards N] [--out FILE.json] [--csv FILE.csv]
                        [--backend wasm|cpu] [--weights DIR]
       npm run sweep -- merge A.json B.json … --out ALL.json [--csv ALL.csv]

  The experiment: a lab link (its settings and its sweep=, sweep2=) or a config JSON file (an exported
  config, or a sweep file of this runner). --sweep gives the sweep's axes instead, as in a link:
  --sweep adcBits:3,4,5 --sweep tileRows:64,128 (one or two; FIELD is the link's key, or preset).
  --shard I/N runs slice I (0-based) of N: grid points I, I+N, I+2N, …; --shards N takes I from the
  environment's JOB_COMPLETION_INDEX (a Kubernetes Indexed Job sets it).
  --out: the results (default sweep.json, or sweep-shard-I-of-N.json); --csv also writes one row per point.
  --weights: a folder with model.json and its shards (default: the shipped weights in public/models).
  Data: CIFAR-10 from CIFAR10_DIR (default ../shared/cifar10), else public/cifar10, else the starter set.
  merge: combines the slices of one sweep (same config, seed, sweep, images, weights and backend).`;

export interface RunOptions {
  command: 'run';
  /** The link or the config file, as given. */
  experiment: string;
  /** The --sweep axes' texts (`adcBits:3,4,5`), at most two; empty: the experiment's own sweep. */
  sweepAxes: string[];
  shard: SweepShard | null;
  out: string;
  csv: string | null;
  backend: 'wasm' | 'cpu';
  /** null: the shipped weights of the config's model. */
  weights: string | null;
}

export interface MergeOptions {
  command: 'merge';
  inputs: string[];
  out: string;
  csv: string | null;
}

const wholeNumber = (text: string) => (/^\d+$/.test(text) ? Number(text) : Number.NaN);

/** `I/N` → slice I of N (0 ≤ I < N). */
export function parseShard(text: string): SweepShard {
  const flag = '--shard';
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!match) throw new UsageError(`${flag} must be I/N (slice I of N, 0-based), got "${text}"`);
  const [index, count] = [Number(match[1]), Number(match[2])];
  if (count < 1) throw new UsageError(`${flag} ${text}: N must be at least 1`);
  if (index >= count) throw new UsageError(`${flag} ${text}: slices are numbered 0 to ${count - 1}`);
  return { index, count };
}

/**
 * The options, or 'help'. `env` supplies JOB_COMPLETION_INDEX for --shards. Throws a UsageError naming
 * the first problem.
 */
export function parseSweepOptions(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): RunOptions | MergeOptions | 'help' {
  const { values, positionals } = parseCommandLine(argv, {
    sweep: { type: 'string', multiple: true },
    shard: { type: 'string' },
    shards: { type: 'string' },
    out: { type: 'string' },
    csv: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    weights: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) return 'help';
  const csv = values.csv ?? null;
  if (positionals[0] === 'merge') {
    const inputs = positionals.slice(1);
    const runOnly = (['sweep', 'shard', 'shards', 'weights'] as const).find((f) => values[f] !== undefined);
    if (runOnly) throw new UsageError(`--${runOnly} is for running a sweep, not for merge`);
    if (inputs.length === 0) throw new UsageError('merge needs the sweep files of the slices');
    if (!values.out) throw new UsageError('merge needs --out FILE.json');
    return { command: 'merge', inputs, out: values.out, csv };
  }
  if (positionals.length === 0) throw new UsageError('give the experiment: a lab link or a config JSON file');
  if (positionals.length > 1)
    throw new UsageError(`one experiment at a time; also got "${positionals.slice(1).join(' ')}"`);
  const sweepAxes = values.sweep ?? [];
  if (sweepAxes.length > 2) throw new UsageError('a sweep has one or two axes: give --sweep at most twice');
  const backend = values.backend;
  if (backend !== 'wasm' && backend !== 'cpu')
    throw new UsageError(`--backend must be wasm or cpu, got "${backend}"`);

  let shard: SweepShard | null = null;
  if (values.shard !== undefined && values.shards !== undefined)
    throw new UsageError('give --shard I/N or --shards N, not both');
  if (values.shard !== undefined) shard = parseShard(values.shard);
  if (values.shards !== undefined) {
    const count = wholeNumber(values.shards);
    if (!(count >= 1)) throw new UsageError(`--shards must be a whole number ≥ 1, got "${values.shards}"`);
    const index = env.JOB_COMPLETION_INDEX;
    if (index === undefined)
      throw new UsageError(
        '--shards N takes the slice from JOB_COMPLETION_INDEX, which is not set (use --shard I/N)',
      );
    const i = wholeNumber(index);
    if (Number.isNaN(i)) throw new UsageError(`JOB_COMPLETION_INDEX must be a whole number, got "${index}"`);
    if (i >= count)
      throw new UsageError(
        `JOB_COMPLETION_INDEX ${i} is not a slice of --shards ${count} (0 to ${count - 1})`,
      );
    shard = { index: i, count };
  }
  const out = values.out ?? (shard ? `sweep-shard-${shard.index}-of-${shard.count}.json` : 'sweep.json');
  return {
    command: 'run',
    experiment: positionals[0]!,
    sweepAxes,
    shard,
    out,
    csv,
    backend,
    weights: values.weights ?? null,
  };
}
