/**
 * The experiment being edited: one valid `ExperimentConfig`, the notices from the URL it came from, the
 * lesson shown and the controls hidden for class use. The config is always valid: a change that the
 * schema rejects is refused and its message returned to the control that made it.
 *
 * URL sync is one subscriber (`startUrlSync`), debounced, writing with `history.replaceState` so that
 * editing never adds history entries (ux-and-web-stack.md §2.6).
 */
import { create } from 'zustand';
import { applyPreset as applySimPreset } from '../sim/presets';
import { defaultExperimentConfig, parseExperimentConfig, type ExperimentConfig } from '../sim/config';
import { decodeConfig, encodeConfig, leafByPath, setPath } from './urlCodec';
import { lessonById } from './lessons';

export interface ConfigState {
  config: ExperimentConfig;
  /** What the URL this page was opened with contained but could not be used. */
  notices: string[];
  lessonId: string | null;
  /** Hidden controls (`hide=` in the URL): section names, field URL keys, panel names. */
  hidden: string[];
  /** Sets one field (dotted path). Returns null, or the schema's message when the change is refused. */
  setField(path: string, value: unknown): string | null;
  /** Replaces the whole config (validated). Returns the messages when refused. */
  setConfig(config: unknown): string[];
  applyPreset(id: string): string | null;
  /** Loads a lesson's config and shows its panel. */
  loadLesson(id: string): boolean;
  closeLesson(): void;
  reset(): void;
  loadFromUrl(search: string): void;
  dismissNotices(): void;
  setHidden(hidden: string[]): void;
}

export const useConfigStore = create<ConfigState>()((set, get) => ({
  config: defaultExperimentConfig(),
  notices: [],
  lessonId: null,
  hidden: [],

  setField(path, value) {
    if (!leafByPath.has(path)) return `unknown field ${path}`;
    const result = parseExperimentConfig(setPath(get().config, path, value));
    if (!result.ok) return result.issues.map((i) => i.message).join('; ');
    set({ config: result.config });
    return null;
  },

  setConfig(config) {
    const result = parseExperimentConfig(config);
    if (!result.ok) return result.issues.map((i) => `${i.path}: ${i.message}`);
    set({ config: result.config });
    return [];
  },

  applyPreset(id) {
    try {
      set({ config: applySimPreset(get().config, id) });
      return null;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  },

  loadLesson(id) {
    const lesson = lessonById(id);
    if (!lesson) return false;
    const decoded = decodeConfig(lesson.query);
    set({ config: decoded.config, lessonId: id, hidden: decoded.viewer.hide });
    return true;
  },

  closeLesson() {
    set({ lessonId: null });
  },

  reset() {
    set({ config: defaultExperimentConfig() });
  },

  loadFromUrl(search) {
    const decoded = decodeConfig(search);
    const notices = [...decoded.notices];
    let lessonId = decoded.viewer.lesson;
    if (lessonId !== null && !lessonById(lessonId)) {
      notices.push(`There is no lesson “${lessonId}”; the link's settings were loaded without it.`);
      lessonId = null;
    }
    set({ config: decoded.config, notices, lessonId, hidden: decoded.viewer.hide });
  },

  dismissNotices() {
    set({ notices: [] });
  },

  setHidden(hidden) {
    set({ hidden });
  },
}));

/** The query string (with `?`) for the current state, keeping options other modules read (`backend`). */
export function currentQuery(
  state: Pick<ConfigState, 'config' | 'lessonId' | 'hidden'>,
  search: string,
): string {
  return `?${encodeConfig(state.config, { lesson: state.lessonId, hide: state.hidden }, new URLSearchParams(search))}`;
}

/** The shareable link for the current state. */
export function shareUrl(location: Pick<Location, 'origin' | 'pathname' | 'search'>): string {
  return `${location.origin}${location.pathname}${currentQuery(useConfigStore.getState(), location.search)}`;
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
    const query = currentQuery(useConfigStore.getState(), target.location.search);
    if (query === target.location.search) return;
    target.history.replaceState(
      target.history.state,
      '',
      `${target.location.pathname}${query}${target.location.hash}`,
    );
  };
  const unsubscribe = useConfigStore.subscribe((state, prev) => {
    if (state.config === prev.config && state.lessonId === prev.lessonId && state.hidden === prev.hidden)
      return;
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
