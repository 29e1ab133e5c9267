/**
 * Runs survive a reload: one subscriber keeps the finished runs in IndexedDB (idb-keyval), as the same
 * JSON the Export JSON button writes (so a saved session goes through the same checks as an imported
 * file when it is read back), plus each training run's weights beside it. It writes when a run ends,
 * is renamed or removed — never on the progress messages of a live run, which would cost the main
 * thread a JSON of every point ten times a second. A run still live when the page goes away is lost
 * with the worker that ran it.
 */
import { createStore, del, get, keys, set, type UseStore } from 'idb-keyval';
import { errorMessage } from '../sim/errors';
import { runsFromJson, runsToJson } from './runsFile';
import { isLive, type RunRecord } from './slices/runsSlice';
import { useLab } from './store';

/** Versioned names: a change of layout gets a new database instead of a migration. */
const DB_NAME = 'crossbar-lab-runs-v1';
const RUNS_KEY = 'runs';
const weightsKey = (index: number) => `weights-${index}`;

let store: UseStore | null = null;
/** Created on first use: `createStore` opens the database at once, which must not happen at import. */
function runsStore(): UseStore {
  store ??= createStore(DB_NAME, 'runs');
  return store;
}

const kept = (runs: readonly RunRecord[]) => runs.filter((r) => !isLive(r.status));

/** The runs saved in this browser (with training runs' weights), or a sentence saying why they could not be read. */
export async function readSavedRuns(): Promise<{ runs: RunRecord[]; message: string | null }> {
  try {
    const text = await get<string>(RUNS_KEY, runsStore());
    if (text === undefined) return { runs: [], message: null };
    const read = runsFromJson(text);
    if (!read.ok)
      return { runs: [], message: `The runs saved in this browser could not be read back: ${read.message}` };
    const runs = await Promise.all(
      read.runs.map(async (run, i) => {
        if (run.config.experiment.routine !== 'training' || !run.result) return run;
        const weights = await get<Map<string, Float32Array>>(weightsKey(i), runsStore());
        return weights ? { ...run, result: { ...run.result, weights } } : run;
      }),
    );
    return { runs, message: null };
  } catch (error) {
    return {
      runs: [],
      message: `The runs saved in this browser could not be read back (${errorMessage(error)}).`,
    };
  }
}

async function save(runs: readonly RunRecord[]): Promise<void> {
  await set(RUNS_KEY, runsToJson(runs), runsStore());
  const withWeights = new Set<string>();
  for (const [i, run] of runs.entries()) {
    if (!run.result?.weights) continue;
    withWeights.add(weightsKey(i));
    await set(weightsKey(i), run.result.weights, runsStore());
  }
  for (const key of await keys(runsStore()))
    if (key !== RUNS_KEY && !withWeights.has(String(key))) await del(key, runsStore());
}

/**
 * Saves the finished runs whenever they change (debounced by `delayMs`, so typing a run's name writes
 * once). A write still pending when the page is hidden or left happens at once. Returns the function
 * that stops; `onError` hears of a failed write (the quota, a private window).
 */
export function startRunsPersistence(onError: (message: string) => void, delayMs = 150): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let last = kept(useLab.getState().runs);
  const write = () => {
    timer = null;
    save(last).catch((error: unknown) =>
      onError(`The runs could not be saved in this browser (${errorMessage(error)}).`),
    );
  };
  const flush = () => {
    if (timer === null) return;
    clearTimeout(timer);
    write();
  };
  const unsubscribe = useLab.subscribe((state) => {
    const now = kept(state.runs);
    if (now.length === last.length && now.every((r, i) => r === last[i])) return;
    last = now;
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(write, delayMs);
  });
  const onHide = () => {
    if (document.visibilityState === 'hidden') flush();
  };
  window.addEventListener('pagehide', flush);
  document.addEventListener('visibilitychange', onHide);
  return () => {
    unsubscribe();
    window.removeEventListener('pagehide', flush);
    document.removeEventListener('visibilitychange', onHide);
    flush();
  };
}
