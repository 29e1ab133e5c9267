/**
 * The experiment being edited: one valid `ExperimentConfig`, the notices from the URL it came from, the
 * lesson shown and the controls hidden for class use. The config is always valid: a change that the
 * schema rejects is refused and its message returned to the control that made it.
 */
import { applyPreset as applySimPreset } from '../../sim/presets';
import {
  defaultExperimentConfig,
  leafByPath,
  parseExperimentConfig,
  type ExperimentConfig,
} from '../../sim/config';
import { expandSweep, type SweepSpec } from '../../sim/sweep';
import { decodeConfig, setPath } from '../urlCodec';
import { lessonById } from '../lessons';
import { errorMessage } from '../../sim/errors';
import type { LabSlice } from '../store';

export interface ConfigSlice {
  config: ExperimentConfig;
  /** A sweep over the config (Run runs every point), or null. */
  sweep: SweepSpec | null;
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
  /** Sets (or clears) the sweep; returns null, or why the sweep does not fit the config. */
  setSweep(sweep: SweepSpec | null): string | null;
  /** Loads a lesson's config and shows its panel. */
  loadLesson(id: string): boolean;
  closeLesson(): void;
  resetConfig(): void;
  loadFromUrl(search: string): void;
  dismissNotices(): void;
  setHidden(hidden: string[]): void;
}

export const createConfigSlice: LabSlice<ConfigSlice> = (set, get) => ({
  config: defaultExperimentConfig(),
  sweep: null,
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
      return errorMessage(error);
    }
  },

  setSweep(sweep) {
    if (sweep) {
      try {
        expandSweep(get().config, sweep);
      } catch (error) {
        return errorMessage(error);
      }
    }
    set({ sweep });
    return null;
  },

  loadLesson(id) {
    const lesson = lessonById(id);
    if (!lesson) return false;
    const decoded = decodeConfig(lesson.query);
    set({ config: decoded.config, sweep: decoded.viewer.sweep, lessonId: id, hidden: decoded.viewer.hide });
    return true;
  },

  closeLesson() {
    set({ lessonId: null });
  },

  resetConfig() {
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
    set({
      config: decoded.config,
      sweep: decoded.viewer.sweep,
      notices,
      lessonId,
      hidden: decoded.viewer.hide,
    });
  },

  dismissNotices() {
    set({ notices: [] });
  },

  setHidden(hidden) {
    set({ hidden });
  },
});
