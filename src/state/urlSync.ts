/**
 * The state in the address bar: one subscriber writes the config, lesson and hidden controls into the
 * URL on every change, debounced, with `history.replaceState` so that editing never adds history
 * entries (ux-and-web-stack.md §2.6).
 */
import { encodeConfig } from './urlCodec';
import { useLab, type LabState } from './store';

/** The query string (with `?`) for a state, keeping options other modules read (`backend`). */
export function currentQuery(
  state: Pick<LabState, 'config' | 'sweep' | 'lessonId' | 'hidden'>,
  search: string,
): string {
  const viewer = { sweep: state.sweep, lesson: state.lessonId, hide: state.hidden };
  return `?${encodeConfig(state.config, viewer, new URLSearchParams(search))}`;
}

/** The shareable link for the current state. */
export function shareUrl(location: Pick<Location, 'origin' | 'pathname' | 'search'>): string {
  return `${location.origin}${location.pathname}${currentQuery(useLab.getState(), location.search)}`;
}

export interface UrlSyncTarget {
  location: Pick<Location, 'pathname' | 'search' | 'hash'>;
  history: Pick<History, 'replaceState' | 'state'>;
}

/**
 * Writes the state into the URL on every change, debounced by `delayMs` (browsers throttle history
 * calls; nuqs uses 50–320 ms). Returns a function that stops syncing (and flushes a pending write).
 */
export function startUrlSync(target: UrlSyncTarget, delayMs = 150): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const write = () => {
    timer = null;
    const query = currentQuery(useLab.getState(), target.location.search);
    if (query === target.location.search) return;
    target.history.replaceState(
      target.history.state,
      '',
      `${target.location.pathname}${query}${target.location.hash}`,
    );
  };
  const unsubscribe = useLab.subscribe((state, prev) => {
    const same =
      state.config === prev.config &&
      state.sweep === prev.sweep &&
      state.lessonId === prev.lessonId &&
      state.hidden === prev.hidden;
    if (same) return;
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(write, delayMs);
  });
  return () => {
    unsubscribe();
    if (timer !== null) {
      clearTimeout(timer);
      write();
    }
  };
}
