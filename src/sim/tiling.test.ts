import { describe, expect, it } from 'vitest';
import { defaultExperimentConfig, withOverrides } from './config';
import { planLayer, planModel, tileExtent, type AnalogLayerSpec } from './tiling';

const crossbar = (patch: Parameters<typeof withOverrides>[1]['crossbar']) =>
  withOverrides(defaultExperimentConfig(), { crossbar: patch }).crossbar;

const conv: AnalogLayerSpec = {
  name: 'c',
  kind: 'conv',
  inChannels: 48,
  outChannels: 96,
  kernelSize: 3,
  stride: 1,
  padding: 'same',
  inputHeight: 16,
  inputWidth: 16,
};

describe('planLayer', () => {
  it('counts tiles, utilisation and ADC conversions of a conv (hand-computed)', () => {
    // K = 3·3·48 = 432 rows → ⌈432/128⌉ = 4 row tiles (last holds 48); N = 96 → 1 column tile of 128.
    const plan = planLayer(conv, crossbar({ tileRows: 128, tileCols: 128, mapping: 'differential' }), {
      dacMode: 'multilevel',
      dacBits: 8,
    });
    expect([plan.rows, plan.cols, plan.rowTiles, plan.colTiles]).toEqual([432, 96, 4, 1]);
    expect(plan.tileCount).toBe(8); // × 2 polarities
    expect(plan.utilisation).toBeCloseTo((2 * 432 * 96) / (8 * 128 * 128), 12);
    expect(plan.rowsInLastTile).toBe(48);
    // 16·16 output pixels × 4 row tiles × 96 column pairs (analog subtraction).
    expect(plan.adcConversionsPerImage).toBe(256 * 4 * 96);
    expect(plan.macsPerImage).toBe(256 * 432 * 96);
  });

  it('adds slices, input bits and reference columns', () => {
    // Offset, 8-bit weights on 2-bit cells → 4 slices; 16×16 tiles hold 15 data columns + 1 reference.
    const plan = planLayer(
      {
        name: 'd',
        kind: 'dense',
        inChannels: 100,
        outChannels: 40,
        kernelSize: 1,
        stride: 1,
        padding: 'valid',
      },
      crossbar({ tileRows: 16, tileCols: 16, mapping: 'offset', weightBits: 8, cellBits: 2 }),
      { dacMode: 'bitSerial', dacBits: 6 },
    );
    expect(plan.sliceBits).toEqual([2, 2, 2, 2]);
    expect([plan.rowTiles, plan.colTiles, plan.dataColsPerTile]).toEqual([7, 3, 15]);
    expect(plan.tileCount).toBe(4 * 7 * 3);
    expect(plan.colsInLastTile).toBe(10);
    // 7 row tiles × 6 input bits × 4 slices × (40 data + 3 reference columns).
    expect(plan.adcConversionsPerVector).toBe(7 * 6 * 4 * 43);
    expect(plan.usedCells).toBe(4 * (100 * 40 + 100 * 3));
    expect(tileExtent(plan, 6, 2)).toEqual({ row0: 96, col0: 30, rows: 4, dataCols: 10 });
  });

  it('differential slicing holds the magnitude bits; 0 means one tile per layer', () => {
    const plan = planLayer(conv, crossbar({ tileRows: 0, tileCols: 0, weightBits: 8, cellBits: 3 }));
    expect(plan.sliceBits).toEqual([3, 3, 1]); // 7 magnitude bits
    expect([plan.rowTiles, plan.colTiles, plan.tileCount]).toEqual([1, 1, 6]);
    expect(plan.utilisation).toBe(1);
  });

  it('totals a model', () => {
    const cb = crossbar({ tileRows: 64, tileCols: 64 });
    const dense: AnalogLayerSpec = {
      name: 'fc',
      kind: 'dense',
      inChannels: 2304,
      outChannels: 384,
      kernelSize: 1,
      stride: 1,
      padding: 'valid',
    };
    const total = planModel([conv, dense], cb);
    const a = planLayer(conv, cb);
    const b = planLayer(dense, cb);
    expect(total.tileCount).toBe(a.tileCount + b.tileCount);
    expect(total.tileCount).toBe(2 * 7 * 2 + 2 * 36 * 6);
    expect(total.adcConversionsPerImage).toBe(a.adcConversionsPerImage! + b.adcConversionsPerImage!);
  });
});
