import { describe, expect, it } from 'vitest';
import { parseUniformDeclaration, tfjsUniformType, uniformsReferenced } from '../uniforms';
import { PhiloxSampleProgram, philoxSampleUniformData } from './philox';
import { PHILOX_KAT } from './philox.kat';
import { boxMuller, mulHi32, philox4x32, philoxNormals, uniformOpen01 } from './philox.reference';

describe('Philox4x32-10 reference', () => {
  it('reproduces the Random123 known-answer vectors', () => {
    for (const v of PHILOX_KAT) expect(philox4x32(v.counter, v.key)).toEqual(v.words);
  });

  it('mulHi32 equals the exact 64-bit product', () => {
    const cases = [
      [0xffffffff, 0xffffffff],
      [0xd2511f53, 0x12345678],
      [0xcd9e8d57, 0x80000000],
      [1, 0xffffffff],
      [0, 0xdeadbeef],
    ];
    for (const [a, b] of cases) expect(mulHi32(a!, b!)).toBe(Number((BigInt(a!) * BigInt(b!)) >> 32n));
  });

  it('maps words into the open interval (0, 1) and normals stay finite', () => {
    expect(uniformOpen01(0)).toBeGreaterThan(0);
    expect(uniformOpen01(0xffffffff)).toBeLessThan(1);
    for (const [a, b] of [
      [0, 0],
      [0xffffffff, 0xffffffff],
    ])
      for (const z of boxMuller(a!, b!)) expect(Number.isFinite(z)).toBe(true);
  });

  it('gives standard normals: mean, variance, and independence of the four outputs', () => {
    const n = 50_000;
    const sum = [0, 0, 0, 0];
    const sq = [0, 0, 0, 0];
    let cross = 0;
    for (let i = 0; i < n; i++) {
      const z = philoxNormals([i, 7, 0, 0], [123, 456]);
      for (let k = 0; k < 4; k++) {
        sum[k]! += z[k]!;
        sq[k]! += z[k]! ** 2;
      }
      cross += z[0]! * z[1]!;
    }
    // Standard errors: mean 1/√n ≈ 0.0045, variance √(2/n) ≈ 0.0063, cross term 1/√n; bounds at ~5σ.
    for (let k = 0; k < 4; k++) {
      expect(Math.abs(sum[k]! / n)).toBeLessThan(5 / Math.sqrt(n));
      expect(Math.abs(sq[k]! / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    }
    expect(Math.abs(cross / n)).toBeLessThan(5 / Math.sqrt(n));
  });
});

describe('Philox sampling program', () => {
  it('declares the uniforms philoxSampleUniformData() fills, with the same names, types and order', () => {
    const data = philoxSampleUniformData({
      key: [1, 2],
      firstCounter: 0,
      counterY: 0,
      counterZ: 0,
      counterW: 0,
      numCounters: 1,
    });
    const declared = parseUniformDeclaration(new PhiloxSampleProgram(1).uniforms);
    expect(data.map((u) => u.name)).toEqual(declared.map((u) => u.name));
    expect(data.map((u) => u.type)).toEqual(declared.map((u) => tfjsUniformType(u.type)));
    const used = uniformsReferenced(new PhiloxSampleProgram(1).getUserCode());
    expect(used).toEqual(declared.map((u) => u.name).sort());
  });
});
