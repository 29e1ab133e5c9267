/**
 * The headless sweep runner: `npm run sweep -- --help` (options.ts) and README "Sweeps from the command
 * line". Runs the lab's inference job over a sweep's grid (or one slice of it) in Node and writes the
 * sweep file (JSON) and, if asked, a CSV of the points; `merge` combines the slices' files.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { JobControl } from '../../src/engine/jobControl';
import { errorMessage } from '../../src/sim/errors';
import { sweepPointsToCsv } from '../../src/state/sweepCsv';
import { mergeSweepFiles, parseSweepFile, sweepFileToJson, type SweepFile } from '../../src/state/sweepFile';
import { resolveExperiment } from './experiment';
import { USAGE, UsageError, parseSweepOptions, type MergeOptions, type RunOptions } from './options';
import { runSlice } from './run';

const log = (line: string) => console.log(line);

/**
 * A file name as the person typed it, relative to where they typed it: `npm run` starts scripts in the
 * package's folder and passes the caller's folder as INIT_CWD.
 */
const here = (file: string) => path.resolve(process.env.INIT_CWD ?? process.cwd(), file);

function write(file: SweepFile, out: string, csv: string | null): void {
  writeFileSync(here(out), sweepFileToJson(file));
  log(`wrote ${out} (${file.points.length} of ${file.gridSize} points)`);
  if (csv) {
    writeFileSync(here(csv), sweepPointsToCsv(file.sweep, file.points));
    log(`wrote ${csv}`);
  }
}

/** Runs the slice; a SIGTERM or SIGINT (a pod evicted, Ctrl-C) stops it and keeps the finished points. */
async function run(options: RunOptions): Promise<number> {
  const experiment = resolveExperiment(options.experiment, options.sweepAxes, (f) =>
    readFileSync(here(f), 'utf8'),
  );
  const control = new JobControl();
  const stop = () => {
    log('stopping after the current batch; the finished points will be written');
    control.stop();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  const file = await runSlice({
    experiment,
    shard: options.shard,
    backend: options.backend,
    weightsDir: options.weights === null ? null : here(options.weights),
    control,
    log,
  });
  write(file, options.out, options.csv);
  log(`${file.outcome} in ${file.seconds.toFixed(1)} s`);
  return file.outcome === 'finished' ? 0 : 3;
}

function merge(options: MergeOptions): number {
  const files = options.inputs.map((name) => {
    let text: string;
    try {
      text = readFileSync(here(name), 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read ${name}: ${errorMessage(error)}`);
    }
    const parsed = parseSweepFile(text, name);
    if (!parsed.ok) throw new UsageError(parsed.message);
    return { name, file: parsed.file };
  });
  const merged = mergeSweepFiles(files);
  if (!merged.ok) throw new UsageError(merged.message);
  write(merged.file, options.out, options.csv);
  if (merged.missing.length > 0)
    log(
      `warning: ${merged.missing.length} of ${merged.file.gridSize} points are in no slice: ${merged.missing.slice(0, 20).join(', ')}${merged.missing.length > 20 ? ', …' : ''}`,
    );
  return 0;
}

async function main(): Promise<number> {
  const parsed = parseSweepOptions(process.argv.slice(2), process.env);
  if (parsed === 'help') {
    log(USAGE);
    return 0;
  }
  return parsed.command === 'merge' ? merge(parsed) : run(parsed);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`sweep: ${error.message}\n\n${USAGE}`);
      process.exit(2);
    }
    console.error(`sweep failed: ${errorMessage(error)}`);
    process.exit(1);
  },
);
