import { describe, expect, it } from 'vitest';
import {
  defaultExperimentConfig,
  drawMomentOf,
  parseExperimentConfig,
  SCHEMA_VERSION,
  withOverrides,
} from './index';

describe('ExperimentConfig schema', () => {
  it('fills every default from an empty object and the defaults are valid', () => {
    const config = defaultExperimentConfig();
    expect(config.schemaVersion).toBe(SCHEMA_VERSION);
    expect(config.crossbar.tileRows).toBe(128);
    expect(config.crossbar.tileCols).toBe(128);
    expect(config.experiment.images).toBe(1000);
    expect(config.experiment.runs).toBe(3);
    expect(config.device.drift.t0Seconds).toBe(20);
    const reparsed = parseExperimentConfig(JSON.parse(JSON.stringify(config)));
    expect(reparsed).toEqual({ ok: true, config });
  });

  it('reports bad values field by field, with dotted paths', () => {
    const result = parseExperimentConfig({
      crossbar: { tileRows: -3, mapping: 'diagonal' },
      periphery: { adcBits: 40 },
      device: { drift: { nuMean: 'fast' } },
      experiment: { images: 0 },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const paths = result.issues.map((i) => i.path).sort();
    expect(paths).toEqual([
      'crossbar.mapping',
      'crossbar.tileRows',
      'device.drift.nuMean',
      'experiment.images',
      'periphery.adcBits',
    ]);
    for (const issue of result.issues) expect(issue.message.length).toBeGreaterThan(0);
  });

  it('checks cross-field rules', () => {
    const result = parseExperimentConfig({ periphery: { dacMode: 'bitSerial', dacBits: 0 } });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((i) => i.path)).toEqual(['periphery.dacBits']);
    expect(parseExperimentConfig({ schemaVersion: 99 }).ok).toBe(false);
  });

  it('merges overrides deeply and validates them', () => {
    const c = withOverrides(defaultExperimentConfig(), { device: { drift: { enabled: true } } });
    expect(c.device.drift.enabled).toBe(true);
    expect(c.device.drift.nuMean).toBe(defaultExperimentConfig().device.drift.nuMean);
    expect(() => withOverrides(c, { periphery: { adcBits: -1 } })).toThrow(/periphery.adcBits/);
  });

  it('states when each effect is drawn', () => {
    const c = defaultExperimentConfig();
    expect(drawMomentOf('stuckAt', c)).toBe('programming');
    expect(drawMomentOf('readNoise', c)).toBe('read');
    expect(drawMomentOf('irDrop', c)).toBeNull();
    const neurosimLike = withOverrides(c, {
      device: { d2dVariation: { enabled: true, redrawEachBatch: true } },
    });
    expect(drawMomentOf('d2dVariation', neurosimLike)).toBe('batch');
  });
});
