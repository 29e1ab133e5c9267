/**
 * What the sweep runner runs: the base config and the sweep, from a lab link (decoded as the lab decodes
 * it, src/state/urlCodec.ts) or a JSON file (a config, or a sweep file of this runner), with the sweep's
 * axes from --sweep if given. Unlike the lab, which opens a bad link with defaults and a notice, the
 * runner refuses it: a mistyped key would otherwise spend a cluster's time on the wrong experiment.
 */
import { parseExperimentConfig, type ExperimentConfig } from '../../src/sim/config';
import { MAX_RUNNER_SWEEP_POINTS, expandSweep, type SweepSpec } from '../../src/sim/sweep';
import { errorMessage } from '../../src/sim/errors';
import { SWEEP_FILE_FORMAT, parseSweepFile } from '../../src/state/sweepFile';
import { decodeConfig } from '../../src/state/urlCodec';
import { UsageError } from './options';

export interface Experiment {
  config: ExperimentConfig;
  sweep: SweepSpec;
  /** Where it came from, for the log. */
  source: string;
}

/** A link's query: the part after `?` of a URL, or a query given on its own (`?adcBits=5&…`, `adcBits=5&…`). */
function queryOf(text: string): string | null {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    try {
      return new URL(text).search;
    } catch {
      throw new UsageError(`"${text}" is not a valid link`);
    }
  }
  if (text.startsWith('?')) return text;
  if (!text.toLowerCase().endsWith('.json') && /^[\w.]+=/.test(text)) return text;
  return null;
}

function decodeLink(query: string, what: string): ReturnType<typeof decodeConfig> {
  const decoded = decodeConfig(query);
  if (decoded.notices.length > 0) throw new UsageError(`refused ${what}:\n  ${decoded.notices.join('\n  ')}`);
  return decoded;
}

/** The config and sweep of a JSON file: a sweep file (config and sweep), or a config. */
function fromJson(text: string, file: string): { config: ExperimentConfig; sweep: SweepSpec | null } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UsageError(`${file} is not JSON`);
  }
  if ((json as { format?: unknown } | null)?.format === SWEEP_FILE_FORMAT) {
    const parsed = parseSweepFile(text, file);
    if (!parsed.ok) throw new UsageError(parsed.message);
    return { config: parsed.file.config, sweep: parsed.file.sweep };
  }
  const parsed = parseExperimentConfig(json);
  if (!parsed.ok)
    throw new UsageError(
      `${file} is not a valid experiment config:\n  ${parsed.issues.map((i) => `${i.path || 'config'}: ${i.message}`).join('\n  ')}`,
    );
  return { config: parsed.config, sweep: null };
}

/**
 * The experiment to run. `readText` reads a file (the runner passes fs; tests pass a map). Throws a
 * UsageError for a bad link, file or axis, a training routine, no sweep, or a sweep that does not apply.
 */
export function resolveExperiment(
  experiment: string,
  sweepAxes: readonly string[],
  readText: (file: string) => string,
): Experiment {
  const query = queryOf(experiment);
  let base: { config: ExperimentConfig; sweep: SweepSpec | null };
  if (query !== null) {
    const decoded = decodeLink(query, 'the link');
    base = { config: decoded.config, sweep: decoded.viewer.sweep };
  } else {
    let text: string;
    try {
      text = readText(experiment);
    } catch {
      throw new UsageError(`"${experiment}" is neither a lab link nor a readable config file`);
    }
    base = fromJson(text, experiment);
  }
  let sweep = base.sweep;
  if (sweepAxes.length > 0) {
    // The axes as a link's sweep= and sweep2=, read by the lab's own decoder (same keys and value syntax).
    const params = new URLSearchParams();
    sweepAxes.forEach((axis, i) => params.set(i === 0 ? 'sweep' : 'sweep2', axis));
    sweep = decodeLink(`?${params.toString()}`, 'the --sweep axes').viewer.sweep;
  }
  if (!sweep)
    throw new UsageError(
      'no sweep to run: give --sweep FIELD:V1,V2,… or a link with sweep= (e.g. sweep=adcBits:3,4,5)',
    );
  if (base.config.experiment.routine !== 'inference')
    throw new UsageError('the sweep runner runs inference; the experiment’s routine is training');
  try {
    expandSweep(base.config, sweep, MAX_RUNNER_SWEEP_POINTS);
  } catch (error) {
    throw new UsageError(errorMessage(error));
  }
  return { config: base.config, sweep, source: query !== null ? 'link' : experiment };
}
