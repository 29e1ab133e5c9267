import { describe, expect, it } from 'vitest';
import { defaultExperimentConfig, withOverrides } from '../config';
import type { AnalogLayerSpec } from '../tiling';
import { COMPONENT_LABELS, describeEstimate, ESTIMATE_ASSUMPTIONS } from './describe';
import { estimateCost } from './estimate';
import { COMPONENTS } from './types';

const layer: AnalogLayerSpec = {
  ...{ name: 'c', kind: 'conv', inChannels: 16, outChannels: 32, kernelSize: 3, stride: 1, padding: 'same' },
  ...{ inputHeight: 8, inputWidth: 8 },
};

describe('describeEstimate', () => {
  const est = estimateCost(withOverrides(defaultExperimentConfig(), { periphery: { adcBits: 0 } }), [layer]);
  const d = describeEstimate(est);

  it('labels every component once, in breakdown order', () => {
    expect(d.rows.map((r) => r.component)).toEqual([...COMPONENTS]);
    expect(d.rows.map((r) => r.label)).toEqual(COMPONENTS.map((c) => COMPONENT_LABELS[c]));
    expect(new Set(Object.values(COMPONENT_LABELS)).size).toBe(COMPONENTS.length);
  });

  it('converts to mm², µJ and µs, and the rows add up to the totals', () => {
    const sum = (f: (r: (typeof d.rows)[number]) => number) => d.rows.reduce((s, r) => s + f(r), 0);
    expect(sum((r) => r.areaSquareMillimeters)).toBeCloseTo(est.totals.areaSquareMicrons / 1e6, 12);
    expect(sum((r) => r.energyPerImageMicrojoules)).toBeCloseTo(est.totals.energyPerImageJoules * 1e6, 12);
    expect(sum((r) => r.latencyPerImageMicroseconds)).toBeCloseTo(
      est.totals.latencyPerImageSeconds * 1e6,
      12,
    );
  });

  it('says it is an estimate, and lists the assumptions and this config’s warnings', () => {
    expect(d.title).toMatch(/estimate/i);
    expect(d.summary).toMatch(/estimate$/);
    expect(d.notes).toEqual([...ESTIMATE_ASSUMPTIONS, ...est.warnings]);
    expect(est.warnings.length).toBeGreaterThan(0); // adcBits = 0
  });
});
