import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { useWebGpuBackend } from '../webgpuTestUtils';
import { samplePhilox } from './philox';
import { PHILOX_KAT } from './philox.kat';
import { philox4x32, philoxNormals } from './philox.reference';

let backend: WebGPUBackend;
beforeAll(async () => {
  ({ backend } = await useWebGpuBackend());
});

describe('Philox4x32-10 in WGSL', () => {
  it('reproduces the Random123 known-answer vectors', async () => {
    for (const v of PHILOX_KAT) {
      const { words } = await samplePhilox(backend, {
        key: v.key,
        firstCounter: v.counter[0],
        counterY: v.counter[1],
        counterZ: v.counter[2],
        counterW: v.counter[3],
        numCounters: 1,
      });
      expect(Array.from(words)).toEqual(v.words);
    }
  });

  it('equals the TS reference word for word, and its normals within float32 transcendental error', async () => {
    const key: [number, number] = [0x9e3779b9, 0x12345678];
    const params = {
      key,
      firstCounter: 0xfffff000,
      counterY: 3,
      counterZ: 0x80000000,
      counterW: 7,
      numCounters: 4096,
    };
    const { words, normals } = await samplePhilox(backend, params);
    let maxNormalError = 0;
    for (let i = 0; i < params.numCounters; i++) {
      const counter = [(params.firstCounter + i) >>> 0, 3, 0x80000000, 7] as const;
      expect(Array.from(words.subarray(i * 4, i * 4 + 4))).toEqual(philox4x32(counter, key));
      const want = philoxNormals(counter, key);
      for (let k = 0; k < 4; k++)
        maxNormalError = Math.max(maxNormalError, Math.abs(normals[i * 4 + k]! - want[k]!));
    }
    // WGSL's log, sin and cos are approximate (sin/cos: absolute error 2⁻¹¹ on [−π, π]); radius ≤ 5.9.
    expect(maxNormalError).toBeLessThan(5e-3);
  });

  it('gives standard normals (mean, variance within 5 standard errors)', async () => {
    const n = 16_384;
    const { normals } = await samplePhilox(backend, {
      key: [1, 2],
      firstCounter: 0,
      counterY: 0,
      counterZ: 0,
      counterW: 0,
      numCounters: n / 4,
    });
    let sum = 0;
    let sq = 0;
    for (const z of normals) {
      sum += z;
      sq += z * z;
    }
    expect(Math.abs(sum / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(sq / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
  });
});
