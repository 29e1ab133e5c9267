import { describe, expect, it } from 'vitest';
import { defaultExperimentConfig, withOverrides } from '../sim/config';
import { runsFromJson, runsToJson } from './runsFile';
import type { RunRecord } from './slices/runsSlice';

const finished: RunRecord = {
  id: 'run-4',
  label: '=HYPERLINK("x") · my run',
  sweep: null,
  config: withOverrides(defaultExperimentConfig(), {
    periphery: { adcBits: 5 },
    experiment: { images: 8, runs: 2 },
  }),
  status: 'finished',
  series: {
    batchPoints: [{ run: 0, batch: 0, imagesDone: 8, batchAccuracy: 0.75, runningAccuracy: 0.75 }],
    epochPoints: [],
    runSummaries: [
      { run: 0, accuracy: 0.75, images: 8 },
      { run: 1, accuracy: 0.625, images: 8 },
    ],
    sweepPoints: [],
    baselineAccuracy: 0.875,
  },
  layerSnr: [{ layer: 'conv1', snrDb: 31.5 }],
  progress: null,
  result: {
    kind: 'inference',
    outcome: 'finished',
    seconds: 3.5,
    runs: [
      { run: 0, accuracy: 0.75, images: 8 },
      { run: 1, accuracy: 0.625, images: 8 },
    ],
    meanAccuracy: 0.6875,
    stdAccuracy: 0.0884,
    layerSnr: [{ layer: 'conv1', snrDb: 31.5 }],
    epochs: [],
    sweepPoints: [],
    data: { testImages: 8, testSet: 'starter' },
    baselineAccuracy: 0.875,
    warnings: [],
  },
  error: null,
  startedAt: '2026-12-03T12:00:00.000Z',
};

describe('the runs file', () => {
  it('reads back what it wrote: the same label, config, series, SNR and result', () => {
    const read = runsFromJson(runsToJson([finished, { ...finished, status: 'running' }]));
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    const { id: _id, ...expected } = finished;
    expect(read.runs[0]).toMatchObject(expected);
    // A run that was live when saved comes back stopped (its worker is gone).
    expect(read.runs[1]!.status).toBe('stopped');
  });

  it('leaves trained weights out (they export as their own zip)', () => {
    const trained = {
      ...finished,
      result: { ...finished.result!, weights: new Map([['w', new Float32Array(3)]]) },
    };
    expect(runsToJson([trained])).not.toContain('"weights"');
  });

  it('reads the flat layout of files written before runs had a series', () => {
    const old = JSON.stringify({
      app: 'Crossbar Lab',
      schemaVersion: 1,
      runs: [
        {
          id: 'run-1',
          label: 'Run 1',
          status: 'finished',
          startedAt: '',
          error: null,
          config: { schemaVersion: 1, experiment: { seed: 5 } },
          result: null,
          runSummaries: [{ run: 0, accuracy: 0.5, images: 10000 }],
          layerSnr: [],
          batchPoints: [],
          epochPoints: [],
        },
      ],
    });
    const read = runsFromJson(old);
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(read.runs[0]!.series.runSummaries).toEqual([{ run: 0, accuracy: 0.5, images: 10000 }]);
    // A version-1 config keeps the defaults of its time.
    expect(read.runs[0]!.config.experiment).toMatchObject({ seed: 5, images: 10000, runs: 10 });
  });

  it.each([
    ['not JSON', '{', 'it is not JSON'],
    ['another app', '{"app":"Other","runs":[]}', 'not a Crossbar Lab runs file'],
    ['no runs', '{"app":"Crossbar Lab"}', 'runs'],
    ['a NaN accuracy', runsToJson([finished]).replace('0.6875', '"NaN"'), 'meanAccuracy'],
    [
      'an accuracy above 1',
      runsToJson([finished]).replace('"runningAccuracy": 0.75', '"runningAccuracy": 7.5'),
      'runningAccuracy',
    ],
    ['a bad config', runsToJson([finished]).replace('"adcBits": 5', '"adcBits": 99'), 'adcBits'],
  ])('refuses %s with one plain sentence', (_, text, mentions) => {
    const read = runsFromJson(text);
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(read.message).toMatch(/^The file was refused: .*\.$/);
    expect(read.message).toContain(mentions);
    expect(read.message).not.toMatch(/TypeError|undefined|\[object/);
  });
});
