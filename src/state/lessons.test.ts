import { describe, expect, it } from 'vitest';
import { defaultExperimentConfig, parseExperimentConfig } from '../sim/config';
import { leafByPath } from '../sim/config';
import { decodeConfig } from './urlCodec';
import { lessonById, lessons } from './lessons';

describe('lessons', () => {
  it('has at least five lessons with distinct ids and distinct configs', () => {
    expect(lessons.length).toBeGreaterThanOrEqual(5);
    expect(new Set(lessons.map((l) => l.id)).size).toBe(lessons.length);
    const configs = new Set(lessons.map((l) => JSON.stringify(l.config)));
    expect(configs.size).toBe(lessons.length);
    expect(configs.has(JSON.stringify(defaultExperimentConfig()))).toBe(false);
  });

  it('every lesson points at controls that exist', () => {
    for (const lesson of lessons) {
      expect(lesson.focus.length, lesson.id).toBeGreaterThan(0);
      for (const path of lesson.focus) expect(leafByPath.has(path), `${lesson.id}: ${path}`).toBe(true);
    }
  });

  it('every lesson URL decodes to its valid config without notices', () => {
    for (const lesson of lessons) {
      const decoded = decodeConfig(lesson.query);
      expect(decoded.notices, lesson.id).toEqual([]);
      expect(parseExperimentConfig(decoded.config).ok).toBe(true);
      expect(decoded.config, lesson.id).toEqual(lesson.config);
      expect(decoded.viewer.lesson).toBe(lesson.id);
      expect(decoded.viewer.hide).toEqual(lesson.hide);
    }
  });

  it('tells the story: ideal → levels → ADC → variability → drift in time → three meanings of 6-bit', () => {
    const [ideal, levels, adc, variability, drift, sixBit] = lessons;
    expect(ideal!.config.periphery.adcBits).toBe(0);
    expect(ideal!.config.periphery.dacBits).toBe(0);
    expect(ideal!.config.crossbar.conductanceLevels).toBe(0);
    expect(levels!.config.crossbar.conductanceLevels).toBeGreaterThan(1);
    expect(levels!.config.periphery.adcBits).toBe(0);
    expect(adc!.config.periphery.adcBits).toBeGreaterThan(0);
    expect(adc!.config.device.programmingNoise.enabled).toBe(false);
    expect(variability!.config.device.programmingNoise.enabled).toBe(true);
    expect(variability!.config.device.stuckAt.enabled).toBe(true);
    expect(variability!.config.experiment.newChipEachRun).toBe(true);
    // The drift lesson reads one chip at six times, with and without compensation, in one run.
    expect(drift!.config.device.drift.enabled).toBe(true);
    expect(drift!.sweep?.axes.map((a) => a.path)).toEqual([
      'device.drift.readTimeSeconds',
      'device.drift.compensation',
    ]);
    expect(drift!.sweep!.axes[0]!.values.length).toBeGreaterThanOrEqual(3);
    expect(decodeConfig(drift!.query).viewer.sweep).toEqual(drift!.sweep);
    // The 6-bit lesson runs the three framework conventions on the same weights and images.
    expect(sixBit!.sweep?.axes).toEqual([{ path: 'preset', values: ['memtorch', 'neurosim', 'aihwkit'] }]);
    expect(decodeConfig(sixBit!.query).viewer.sweep).toEqual(sixBit!.sweep);
  });

  it('an old link to the merged drift-with-compensation lesson opens the time machine', () => {
    expect(lessonById('drift-compensated')?.id).toBe('drift');
  });
});
