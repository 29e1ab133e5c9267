import { describe, expect, it } from 'vitest';
import type { SweepPointResult } from '../engine/protocol';
import { sweepPointsToCsv } from './sweepCsv';

const cost = {
  areaSquareMicrons: 32_400_000,
  energyPerImageJoules: 8.29e-5,
  latencyPerImageSeconds: 1.99e-4,
};

describe('sweepPointsToCsv', () => {
  it('writes one row per point: axis values, mean, std, each run, and the estimated cost in mm², µJ, µs', () => {
    const points: SweepPointResult[] = [
      // Out of order on purpose: rows follow the grid index.
      {
        index: 1,
        values: [5, 'digital'],
        runs: [{ run: 0, accuracy: 0.5, images: 8 }],
        meanAccuracy: 0.5,
        stdAccuracy: null,
        layerSnr: [],
        cost,
      },
      {
        index: 0,
        values: [5, 'analog'],
        runs: [
          { run: 0, accuracy: 0.75, images: 8 },
          { run: 1, accuracy: 0.625, images: 8 },
        ],
        meanAccuracy: 0.6875,
        stdAccuracy: 0.08838834764831845,
        layerSnr: [],
        cost: { areaSquareMicrons: 1234.5, energyPerImageJoules: 3e-9, latencyPerImageSeconds: 7e-7 },
      },
    ];
    const csv = sweepPointsToCsv(
      {
        axes: [
          { path: 'periphery.adcBits', values: [5] },
          { path: 'crossbar.differentialSubtraction', values: ['analog', 'digital'] },
        ],
      },
      points,
    );
    expect(csv.split('\r\n')).toEqual([
      'point,adcBits,differentialSubtraction,images,runs,mean_accuracy,std_accuracy,run_1_accuracy,run_2_accuracy,' +
        'estimated_area_mm2,estimated_energy_uJ_per_image,estimated_latency_us_per_image',
      '0,5,analog,8,2,0.6875,0.08838834764831845,0.75,0.625,0.0012345,0.003,0.7',
      '1,5,digital,8,1,0.5,,0.5,,32.4,82.9,199',
      '',
    ]);
  });

  it('names the preset axis and a nested field by their URL keys', () => {
    const csv = sweepPointsToCsv(
      {
        axes: [
          { path: 'preset', values: ['rram'] },
          { path: 'device.drift.readTimeSeconds', values: [3600] },
        ],
      },
      [],
    );
    expect(csv.split('\r\n')[0]).toMatch(/^point,preset,drift\.readTimeSeconds,images,runs,/);
    expect(csv.split('\r\n')).toHaveLength(2);
  });
});
