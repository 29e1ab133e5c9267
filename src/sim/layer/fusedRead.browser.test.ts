/**
 * The layer's fused read on WebGPU (SwiftShader in CI: small shapes): a layer programmed with the fused
 * kernels reads what the composite tfjs-op path reads from the same chip (noise off); its noise is
 * seeded (the same seed, the same outputs) with the closed-form moments; repeated reads keep the tensor
 * count and WebGPU bytes flat.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLinearRead } from '../chip';
import type { ExperimentConfig } from '../config';
import { fusedReadUnsupported } from '../kernels/tiledRead/layout';
import { useWebGpuBackend } from '../kernels/webgpuTestUtils';
import { expectMoments, inputFor, noiseCases, programFor, readCases } from '../kernels/tiledRead/testCases';
import { referenceCalibrate, referenceForwardDetailed, referenceOutputVariance } from '../reference';
import { createRng } from '../rng';
import { convSpec, denseSpec, maxRelDiffExcept } from '../testUtils';
import type { AnalogLayerSpec } from '../tiling';
import { programAnalogLayer } from './analogLayer';
import { loadFusedKernels, type FusedKernels } from './fusedRead';
import type { AnalogLayer } from './types';

let kernels: FusedKernels;
const summary: string[] = [];

beforeAll(async () => {
  const { adapter } = await useWebGpuBackend();
  kernels = (await loadFusedKernels())!;
  summary.push(`[fused layer reads on ${adapter}]`);
});
afterAll(() => console.log(summary.join('\n')));

/** The layer programmed from seed 11, reading through the fused kernel or the composite path. */
function layerFor(spec: AnalogLayerSpec, config: ExperimentConfig, fused: boolean): AnalogLayer {
  const { kernel, bias } = programFor(spec, config);
  return programAnalogLayer(spec, kernel, bias, config, createRng(11).fork('programming'), {
    fusedKernels: fused ? kernels : null,
  });
}

/** The fused read's compiled pipelines in the webgpu backend's cache. */
function pipelines(): string[] {
  const cache = (tf.backend() as unknown as { pipelineCache: Record<string, unknown> }).pipelineCache;
  return Object.keys(cache).filter((k) => k.startsWith('crossbarTiledRead'));
}

async function read(layer: AnalogLayer, x: tf.Tensor, seed: number): Promise<Float32Array> {
  const y = layer.forward(x, createRng(seed));
  const values = (await y.data()) as Float32Array;
  y.dispose();
  return values;
}

describe('fused layer read = composite layer read of the same chip (noise off)', () => {
  let worst = 0;
  afterAll(() =>
    summary.push(`noise off: max relative difference fused vs composite ${worst.toExponential(2)}`),
  );
  for (const c of readCases().filter(
    (c) => !isLinearRead(c.config) && fusedReadUnsupported(c.config) === null,
  ))
    it(c.name, async () => {
      const input = inputFor(c.spec, 3, 13);
      const x = tf.tensor(input.data, input.shape);
      const [fused, composite] = [layerFor(c.spec, c.config, true), layerFor(c.spec, c.config, false)];
      // Both calibrate on the batch (the fused layer through a noiseless composite pass), then read.
      fused.calibrate(x);
      composite.calibrate(x);
      const a = await read(fused, x, 1);
      const b = await read(composite, x, 1);
      expect(await fused.readCalibration()).toEqual(await composite.readCalibration());
      // Outputs fed by a conversion within float32 reach of a code boundary are excluded (reference.ts).
      const { ambiguous } = referenceForwardDetailed(
        fused.chip,
        c.config,
        input,
        referenceCalibrate(fused.chip, c.config, input),
      );
      expect(ambiguous.reduce((n, v) => n + v, 0) / ambiguous.length).toBeLessThan(0.3);
      const diff = maxRelDiffExcept(a, b, ambiguous);
      worst = Math.max(worst, diff);
      expect(diff).toBeLessThan(1e-5);
      tf.dispose(x);
      fused.dispose();
      composite.dispose();
    });
});

describe('fused layer read: seeded noise', () => {
  it('the same seed gives the same outputs, another seed others; calibrateAndForward reads like forward', async () => {
    const config = noiseCases[0]![1];
    for (const spec of [denseSpec, convSpec]) {
      const layer = layerFor(spec, config, true);
      const input = inputFor(spec, 2, 3);
      const x = tf.tensor(input.data, input.shape);
      const a = await read(layer, x, 5);
      expect(await read(layer, x, 5)).toEqual(a);
      const b = await read(layer, x, 6);
      expect(a.filter((v, i) => v !== b[i]).length / a.length).toBeGreaterThan(0.9);
      const y = layer.calibrateAndForward(x, createRng(5));
      expect(await y.data()).toEqual(a);
      // It is the fused kernel that read (its Philox noise, not the composite path's noise bank).
      const composite = layerFor(spec, config, false);
      const c = await read(composite, x, 5);
      expect(c.filter((v, i) => v !== a[i]).length / c.length).toBeGreaterThan(0.9);
      expect(pipelines().length).toBe(1);
      tf.dispose([x, y]);
      layer.dispose();
      composite.dispose();
    }
  });

  for (const [name, config] of noiseCases)
    it(`mean and variance match the closed form: ${name}`, async () => {
      const layer = layerFor(denseSpec, config, true);
      const input = inputFor(denseSpec, 2, 3);
      const x = tf.tensor(input.data, input.shape);
      layer.calibrate(x);
      const calib = await layer.readCalibration();
      const { y: clean } = referenceForwardDetailed(layer.chip, config, input, calib);
      const variance = referenceOutputVariance(layer.chip, config, input, calib);
      const reads = 300;
      const sum = new Float64Array(clean.length);
      const sq = new Float64Array(clean.length);
      for (let s = 0; s < reads; s++) {
        const values = await read(layer, x, 1000 + s);
        for (let i = 0; i < values.length; i++) {
          sum[i]! += values[i]! - clean[i]!;
          sq[i]! += (values[i]! - clean[i]!) ** 2;
        }
      }
      expectMoments(sum, sq, variance, reads);
      tf.dispose(x);
      layer.dispose();
    });
});

describe('fused layer read: resources', () => {
  it('keeps the tensor count and WebGPU bytes flat across repeated reads and re-reads', async () => {
    const config = noiseCases[0]![1];
    const layer = layerFor(convSpec, config, true);
    const input = inputFor(convSpec, 2, 3);
    const x = tf.tensor(input.data, input.shape);
    await read(layer, x, 0); // warm-up: compiles the pipeline and fills the buffer pool
    await read(layer, x, 1);
    type Memory = tf.MemoryInfo & { numBytesInGPU?: number; numBytesAllocatedInGPU?: number };
    const before = tf.memory() as Memory;
    for (let s = 2; s < 22; s++) await read(layer, x, s);
    const after = tf.memory() as Memory;
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytesInGPU).toBe(before.numBytesInGPU);
    expect(after.numBytesAllocatedInGPU).toBe(before.numBytesAllocatedInGPU);
    summary.push(
      `memory over 20 layer reads: numTensors ${before.numTensors} → ${after.numTensors}, numBytesInGPU ${before.numBytesInGPU} → ${after.numBytesInGPU}, allocated ${before.numBytesAllocatedInGPU} → ${after.numBytesAllocatedInGPU}`,
    );
    // Re-read at another read time: the packed chip is replaced, not added to.
    layer.readAt({
      ...config,
      device: { ...config.device, readNoise: { ...config.device.readNoise, sigma: 0.1 } },
    });
    await read(layer, x, 30);
    expect(tf.memory().numTensors).toBe(before.numTensors);
    tf.dispose(x);
    layer.dispose();
  });
});
