import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defaultExperimentConfig } from '../sim/config';
import { useLab } from './store';
import { currentQuery, startUrlSync } from './urlSync';
import { decodeConfig } from './urlCodec';
import { lessons } from './lessons';

const store = () => useLab.getState();

function fakeWindow(search: string) {
  const location = { pathname: '/lab/', search, hash: '#x' };
  const calls: string[] = [];
  const history = {
    state: null,
    replaceState(_data: unknown, _unused: string, url?: string | URL | null) {
      calls.push(String(url));
      location.search = String(url).slice(location.pathname.length).replace(/#.*$/, '');
    },
  };
  return { target: { location, history }, calls };
}

describe('the config slice and URL sync', () => {
  beforeEach(() => {
    useLab.setState({ config: defaultExperimentConfig(), notices: [], lessonId: null, hidden: [] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('accepts valid changes and refuses invalid ones with the schema’s message', () => {
    expect(store().setField('periphery.adcBits', 5)).toBeNull();
    expect(store().config.periphery.adcBits).toBe(5);
    const message = store().setField('periphery.adcBits', 40);
    expect(message).toMatch(/16/);
    expect(store().config.periphery.adcBits).toBe(5);
    expect(store().setField('periphery.dacBits', 0)).toBeNull();
    expect(store().setField('periphery.dacMode', 'bitSerial')).toMatch(/bit-serial/);
    expect(store().config.periphery.dacMode).toBe('multilevel');
    expect(store().setField('nope.field', 1)).toMatch(/unknown/);
  });

  it('applies a preset over the current config', () => {
    store().setField('experiment.images', 50);
    expect(store().applyPreset('neurosim')).toBeNull();
    expect(store().config.crossbar.tileRows).toBe(16);
    expect(store().config.periphery.dacMode).toBe('bitSerial');
    expect(store().config.experiment.images).toBe(50);
    expect(store().applyPreset('nope')).toMatch(/unknown preset/);
  });

  it('loads a URL with its notices, lesson and hidden controls', () => {
    store().loadFromUrl('?v=2&adcBits=3&zzz=1&lesson=adc&hide=device');
    expect(store().config.periphery.adcBits).toBe(3);
    expect(store().lessonId).toBe('adc');
    expect(store().hidden).toEqual(['device']);
    expect(store().notices).toHaveLength(1);
    store().loadFromUrl('?lesson=missing');
    expect(store().lessonId).toBeNull();
    expect(store().notices[0]).toContain('missing');
  });

  it('loads a lesson with its config', () => {
    const lesson = lessons[2]!;
    expect(store().loadLesson(lesson.id)).toBe(true);
    expect(store().config).toEqual(lesson.config);
    expect(store().hidden).toEqual(lesson.hide);
    expect(store().loadLesson('nope')).toBe(false);
  });

  it('syncs the URL with one debounced replaceState and keeps the backend option', () => {
    vi.useFakeTimers();
    const { target, calls } = fakeWindow('?backend=wasm');
    const stop = startUrlSync(target, 100);
    store().setField('periphery.adcBits', 6);
    store().setField('crossbar.tileRows', 32);
    store().setField('experiment.seed', 99);
    expect(calls).toHaveLength(0);
    vi.advanceTimersByTime(100);
    expect(calls).toEqual(['/lab/?v=2&seed=99&tileRows=32&adcBits=6&backend=wasm#x']);
    const decoded = decodeConfig(target.location.search);
    expect(decoded.config).toEqual(store().config);
    expect(decoded.notices).toEqual([]);
    // No change, no write; a pending write is flushed on stop.
    store().setField('crossbar.tileRows', 32);
    vi.advanceTimersByTime(200);
    expect(calls).toHaveLength(1);
    store().setField('crossbar.tileCols', 64);
    stop();
    expect(calls).toHaveLength(2);
    expect(currentQuery(store(), '')).toBe('?v=2&seed=99&tileRows=32&tileCols=64&adcBits=6');
  });
});
