import { describe, expect, it } from 'vitest';
import { defaultExperimentConfig, parseExperimentConfig } from '../sim/config';
import { decodeConfig, leafByPath } from './urlCodec';
import { lessons } from './lessons';

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

  it('tells the story: ideal → levels → ADC → variability → drift without and with compensation', () => {
    const [ideal, levels, adc, variability, drift, compensated] = lessons;
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
    expect(drift!.config.device.drift.enabled).toBe(true);
    expect(drift!.config.device.drift.compensation).toBe(false);
    expect({ ...compensated!.config.device.drift, compensation: false }).toEqual(drift!.config.device.drift);
    expect(compensated!.config.device.drift.compensation).toBe(true);
  });
});
