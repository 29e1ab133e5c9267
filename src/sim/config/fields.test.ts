import { describe, expect, it } from 'vitest';
import {
  FIELDS,
  configLeaves,
  defaultExperimentConfig,
  ignoredSettings,
  inactiveReason,
  withOverrides,
} from './index';

describe('the field table', () => {
  it('has exactly one row per leaf of the schema', () => {
    expect(Object.keys(FIELDS).sort()).toEqual(configLeaves.map((l) => l.path).sort());
  });

  it('says when a field has no effect, and which settings of a config are ignored', () => {
    const config = withOverrides(defaultExperimentConfig(), {
      crossbar: { cellBits: 2 },
      periphery: { adcBits: 6 },
    });
    expect(inactiveReason('crossbar.cellBits', config)).toBe('when weight bits > 0');
    expect(inactiveReason('periphery.adcBits', config)).toBeNull();
    // cellBits is set but weights are not quantised; adcBits is set and acts; defaults are never listed.
    expect(ignoredSettings(config)).toEqual([{ path: 'crossbar.cellBits', reason: 'when weight bits > 0' }]);
    const quantised = withOverrides(config, { crossbar: { weightBits: 8 } });
    expect(ignoredSettings(quantised)).toEqual([]);
  });
});
