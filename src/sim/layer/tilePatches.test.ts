/**
 * im2col straight into row tiles (tilePatches.ts) against the float64 reference im2col and the plan's
 * tile rows, on the cpu backend (plain arrays) and the wasm backend (in place in the module heap).
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../scripts/lib/backend';
import { programChip } from '../chip';
import type { DeepPartial, ExperimentConfig } from '../config';
import { referenceIm2col } from '../reference';
import { createRng } from '../rng';
import { convLayer, convSpec, denseSpec, kernelShape, randomArray, testConfig } from '../testUtils';
import type { AnalogLayerSpec } from '../tiling';
import { partWidthsOf } from './conductances';
import { patchGeometry, patchRuns, tilePatchTensors } from './tilePatches';

afterAll(() => selectBackend('cpu'));

const cases: [string, AnalogLayerSpec, DeepPartial<ExperimentConfig>][] = [
  ['conv, stride 2, same padding, 8-row tiles', convSpec, { crossbar: { tileRows: 8 } }],
  [
    'conv, valid padding, stride 1',
    { ...convSpec, padding: 'valid', stride: 1 },
    { crossbar: { tileRows: 5 } },
  ],
  ['conv, numeric padding', { ...convSpec, padding: 2, stride: 1 }, { crossbar: { tileRows: 16 } }],
  ['conv, channel-major rows (MemTorch)', convSpec, { crossbar: { tileRows: 8, rowOrder: 'channelMajor' } }],
  [
    'conv, per-kernel-position tiles, partial tiles dropped (NeuroSim)',
    { ...convSpec, inChannels: 5 },
    { crossbar: { tileRows: 2, rowTiling: 'perKernelPosition', partialRowTiles: 'drop' } },
  ],
  [
    'conv, 20 channels, 48-row tiles: runs continue into the next kernel column (memmove)',
    convLayer(20, 4, 7),
    { crossbar: { tileRows: 48 } },
  ],
  [
    'conv, 20 channels, stride 2, padding 2, 64-row tiles',
    convLayer(20, 4, 7, { stride: 2, padding: 2 }),
    { crossbar: { tileRows: 64 } },
  ],
  ['dense, 8-row tiles', denseSpec, { crossbar: { tileRows: 8 } }],
  ['dense, 32-row tiles (memmove)', denseSpec, { crossbar: { tileRows: 32 } }],
];

describe.each(['cpu', 'wasm'] as const)('row-tile patches on %s', (backend) => {
  for (const [name, spec, patch] of cases)
    it(`${name}: each part holds its tile's patch columns, planes stacked`, async () => {
      await selectBackend(backend);
      const config = testConfig(patch);
      const chip = programChip(
        spec,
        randomArray(
          kernelShape(spec).reduce((a, b) => a * b, 1),
          1,
        ),
        null,
        config,
        createRng(1),
      );
      const shape = spec.kind === 'conv' ? [3, 7, 7, spec.inChannels] : [3, spec.inChannels];
      const size = shape.reduce((a, b) => a * b, 1);
      const planes = [randomArray(size, 2), randomArray(size, 3)];
      const tensors = planes.map((p) => tf.tensor(p, shape));
      const before = tf.memory().numTensors;
      // Images 1 … 2 of each plane.
      const widths = partWidthsOf(chip);
      const parts = tilePatchTensors(tensors, 1, 3, patchGeometry(chip, shape), patchRuns(chip), widths);
      expect(tf.memory().numTensors).toBe(before + chip.plan.rowTiles);
      const K = chip.K;
      const refs = planes.map((p) =>
        referenceIm2col(chip, { data: p.slice(size / 3), shape: [2, ...shape.slice(1)] }),
      );
      const M = refs[0]!.M;
      for (const [t, part] of parts.entries()) {
        const P = chip.plan.tileRowIndex[t]!.length;
        expect(part.shape).toEqual([2 * M, P]);
        const got = await part.data();
        const want = new Float32Array(2 * M * P);
        const rows = chip.plan.tileRowIndex[t]!;
        refs.forEach((ref, z) => {
          for (let m = 0; m < M; m++)
            rows.forEach((j, r) => (want[(z * M + m) * P + r] = ref.patches[m * K + j]!));
        });
        expect(got).toEqual(want);
      }
      tf.dispose([...parts, ...tensors]);
    });
});
