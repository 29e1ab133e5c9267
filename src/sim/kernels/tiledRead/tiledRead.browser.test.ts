/**
 * The fused tiled read on WebGPU (SwiftShader in CI: small shapes): equal to the composite tfjs-op path
 * (layer/ on the same backend) with noise off; seeded, reproducible noise whose moments match
 * the closed form; flat memory; one shader for every setting.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { programAnalogLayer } from '../../layer';
import { referenceForwardDetailed, referenceOutputVariance } from '../../reference';
import { createRng } from '../../rng';
import {
  breakTies,
  convSpec,
  denseSpec,
  maxRelDiff,
  maxRelDiffExcept,
  randomArray,
  testConfig,
} from '../../testUtils';
import { useWebGpuBackend } from '../webgpuTestUtils';
import {
  expectMoments,
  kernelDrift,
  inputFor,
  noiseCases,
  noisy,
  prepareRead,
  prepareWith,
  programFor,
  readCases,
  tiles,
  withBias,
  withoutNoise,
  type PreparedRead,
} from './testCases';
import type { TiledReadParams } from './layout';
import { fusedTiledConv2d, fusedTiledMatMul, fusedTiledRead } from './tiledRead';
import { tiledReadReference } from './tiledRead.reference';

let backend: WebGPUBackend;
let adapter: string;
const summary: string[] = [];

beforeAll(async () => {
  ({ backend, adapter } = await useWebGpuBackend());
});
afterAll(() => console.log(`[tiledRead on ${adapter}]\n${summary.join('\n')}`));

/** The read's device tensors (created here, disposed by the caller through `dispose`). */
function upload(r: PreparedRead) {
  const t = {
    layerInput: tf.tensor(r.input.data, r.input.shape),
    conductances: tf.tensor1d(Float32Array.from(r.data.conductances)),
    readPlan: tf.tensor1d(Int32Array.from(r.data.readPlan), 'int32'),
    groupWeights: tf.tensor1d(Float32Array.from(r.data.groupWeights)),
    adcFullScale: r.data.adcFullScale ? tf.tensor1d(Float32Array.from(r.data.adcFullScale)) : null,
    inputScale: r.data.inputScale !== null ? tf.tensor1d([r.data.inputScale]) : null,
    driftNu: r.data.driftNu ? tf.tensor1d(Float32Array.from(r.data.driftNu)) : null,
  };
  const dispose = () =>
    tf.dispose(Object.values(t).filter((v): v is NonNullable<typeof v> => v !== null) as tf.Tensor[]);
  return { tensors: t, dispose };
}

async function runFused(r: PreparedRead, params: TiledReadParams): Promise<Float32Array> {
  const { tensors, dispose } = upload(r);
  const y = fusedTiledRead(backend, params, tensors);
  const values = (await y.data()) as Float32Array;
  y.dispose();
  dispose();
  return values;
}

describe('fused tiled read equals the composite tfjs path on WebGPU (noise off)', () => {
  let worstComposite = 0;
  let worstReference = 0;
  let excludedOutputs = 0;
  let allOutputs = 0;
  afterAll(() =>
    summary.push(
      `noise off: max relative error vs composite ${worstComposite.toExponential(2)}, vs float64 reference ${worstReference.toExponential(2)} (${excludedOutputs} of ${allOutputs} outputs excluded as code-boundary ties)`,
    ),
  );
  for (const c of readCases())
    it(c.name, async () => {
      const { kernel, bias } = programFor(c.spec, c.config);
      const layer = programAnalogLayer(c.spec, kernel, bias, c.config, createRng(11).fork('programming'));
      const input = inputFor(c.spec, 3, 13);
      const x = tf.tensor(input.data, input.shape);
      layer.calibrate(x);
      const yComposite = layer.forward(x, createRng(11).fork('read'));
      const composite = await yComposite.data();
      // The composite path's own (float32) calibration, so both read the same ADC grid.
      const calib = await layer.readCalibration();
      tf.dispose([x, yComposite]);
      const r = prepareWith(layer.chip, c.config, input, calib);
      layer.dispose();
      const fused = withBias(await runFused(r, r.params([1, 2])), r.chip);
      const { y: reference, ambiguous } = referenceForwardDetailed(r.chip, c.config, input, calib);
      const excluded = ambiguous.reduce((n, v) => n + v, 0);
      expect(excluded / ambiguous.length).toBeLessThan(0.3);
      excludedOutputs += excluded;
      allOutputs += ambiguous.length;
      const vsComposite = maxRelDiffExcept(fused, composite, ambiguous);
      const vsReference = maxRelDiffExcept(fused, reference, ambiguous);
      worstComposite = Math.max(worstComposite, vsComposite);
      worstReference = Math.max(worstReference, vsReference);
      expect(vsComposite).toBeLessThan(1e-5);
      expect(vsReference).toBeLessThan(1e-5);
    });
});

describe('fused tiled read: ADC full scale per group × row tile × column (a tensor with strides)', () => {
  it('equals the float64 reference', async () => {
    const config = testConfig(tiles, breakTies, {
      crossbar: { mapping: 'offset', weightBits: 5, cellBits: 3 },
      periphery: { adcRange: 'fixed', adcBits: 6, dacMode: 'bitSerial', dacBits: 4 },
    });
    const r = prepareRead(convSpec, config);
    const base = r.params([1, 2]);
    const { numGroups: G, numRowTiles: T, numOutputs: N } = base.plan;
    const scales = randomArray(G * T * N, 5);
    const fullScale = Float32Array.from(scales, (v) => base.adc.fullScaleAmperes * (1 + 0.3 * Math.tanh(v)));
    const params: TiledReadParams = {
      ...base,
      adc: { ...base.adc, rangeSource: 'tensor', fullScaleStrides: { group: T * N, tile: N, col: 1 } },
    };
    const perTile = { ...r, data: { ...r.data, adcFullScale: fullScale } };
    const gpu = await runFused(perTile, params);
    const want = tiledReadReference(params, perTile.data);
    const uniform = tiledReadReference(base, r.data);
    expect(maxRelDiff(want, uniform)).toBeGreaterThan(1e-3); // the per-tile ranges matter
    expect(maxRelDiff(gpu, want)).toBeLessThan(1e-5);
  });
});

describe('fused tiled read: read time as a uniform (drift in the kernel)', () => {
  it('equals the float64 reference with conductances drifted on the host, at two read times', async () => {
    const r = prepareRead(
      convSpec,
      testConfig(tiles, breakTies, { periphery: { adcRange: 'fixed', adcBits: 7 } }),
    );
    const outputs: Float32Array[] = [];
    for (const t of [3.6e3, 3.2e8]) {
      const d = kernelDrift(r, t);
      const params = { ...r.params([1, 2]), driftLogTimeRatio: d.logRatio };
      const gpu = await runFused({ ...r, data: d.inKernel }, params);
      expect(maxRelDiff(gpu, tiledReadReference({ ...params, driftLogTimeRatio: 0 }, d.onHost))).toBeLessThan(
        1e-5,
      );
      outputs.push(gpu);
    }
    expect(maxRelDiff(outputs[0]!, outputs[1]!)).toBeGreaterThan(1e-2);
  });
});

describe('fused tiled read: dense and conv entry points', () => {
  it('return [batch, N] and [batch, outH, outW, N]', async () => {
    for (const spec of [denseSpec, convSpec]) {
      const r = prepareRead(spec, testConfig(tiles));
      const { tensors, dispose } = upload(r);
      const y =
        spec.kind === 'dense'
          ? fusedTiledMatMul(backend, r.params([1, 2]), tensors)
          : fusedTiledConv2d(backend, r.params([1, 2]), tensors);
      const g = r.params([1, 2]).geometry;
      expect(y.shape).toEqual(
        spec.kind === 'dense' ? [3, spec.outChannels] : [3, g.outHeight, g.outWidth, spec.outChannels],
      );
      y.dispose();
      dispose();
    }
  });
});

describe('fused tiled read: per-read noise on WebGPU', () => {
  it('the same seed gives identical noise, another seed other noise', async () => {
    for (const spec of [denseSpec, convSpec]) {
      const r = prepareRead(
        spec,
        noisy({ periphery: { adcBits: 8, adcRange: 'fixed', adcNoise: { enabled: true } } }),
      );
      const a = await runFused(r, r.params([5, 6]));
      expect(await runFused(r, r.params([5, 6]))).toEqual(a);
      const b = await runFused(r, r.params([6, 6]));
      const differ = a.filter((v, i) => v !== b[i]).length / a.length;
      expect(differ).toBeGreaterThan(0.9);
    }
  });

  it('draws the same Philox streams as the float64 reference', async () => {
    let worst = 0;
    for (const spec of [denseSpec, convSpec]) {
      const r = prepareRead(spec, noisy({ periphery: { dacMode: 'bitSerial', dacBits: 4 } }));
      const p = r.params([0xdeadbeef, 0x12345678]);
      const gpu = await runFused(r, p);
      const want = tiledReadReference(p, r.data);
      const variance = referenceOutputVariance(r.chip, r.config, r.input, r.calib);
      const clean = tiledReadReference(withoutNoise(p), r.data);
      for (let i = 0; i < gpu.length; i++) {
        // Noise agrees to the float32 error of the normals (≤ 5e-3 absolute, see the Philox tests).
        const error = Math.abs(gpu[i]! - want[i]!) / Math.sqrt(variance[i]!);
        worst = Math.max(worst, error);
        expect(Math.abs(want[i]! - clean[i]!)).toBeGreaterThan(0);
      }
    }
    summary.push(`noise on: max |GPU − reference| = ${worst.toExponential(2)} output σ`);
    expect(worst).toBeLessThan(1e-2);
  });

  for (const [name, config] of noiseCases)
    it(`mean and variance match the closed form: ${name}`, async () => {
      const r = prepareRead(denseSpec, config);
      const clean = tiledReadReference(withoutNoise(r.params([0, 0])), r.data);
      const variance = referenceOutputVariance(r.chip, config, r.input, r.calib);
      const reads = 300;
      const sum = new Float64Array(clean.length);
      const sq = new Float64Array(clean.length);
      const { tensors, dispose } = upload(r);
      for (let s = 0; s < reads; s++) {
        const y = fusedTiledRead(backend, r.params([s, 7]), tensors);
        const values = await y.data();
        y.dispose();
        for (let i = 0; i < values.length; i++) {
          sum[i]! += values[i]! - clean[i]!;
          sq[i]! += (values[i]! - clean[i]!) ** 2;
        }
      }
      dispose();
      expectMoments(sum, sq, variance, reads);
    });
});

describe('fused tiled read: resources', () => {
  it('keeps the tensor count and WebGPU bytes flat across repeated reads', async () => {
    const r = prepareRead(convSpec, noisy({ periphery: { adcBits: 6, adcRange: 'calibrated' } }));
    const { tensors, dispose } = upload(r);
    const read = async (s: number) => {
      const y = fusedTiledRead(backend, r.params([s, 1]), tensors);
      await y.data();
      y.dispose();
    };
    await read(0); // warm-up: compiles the pipeline and fills the buffer pool
    await read(1);
    const before = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number; numBytesAllocatedInGPU?: number };
    for (let s = 2; s < 22; s++) await read(s);
    const after = tf.memory() as typeof before;
    dispose();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    expect(after.numBytesInGPU).toBe(before.numBytesInGPU);
    expect(after.numBytesAllocatedInGPU).toBe(before.numBytesAllocatedInGPU);
    summary.push(
      `memory over 20 reads: numTensors ${before.numTensors} → ${after.numTensors}, numBytesInGPU ${before.numBytesInGPU} → ${after.numBytesInGPU}, allocated ${before.numBytesAllocatedInGPU} → ${after.numBytesAllocatedInGPU}`,
    );
  });

  it('compiles one pipeline for every setting (ADC bits, levels, ranges, noise, DAC, read time, dense/conv)', async () => {
    const pipelines = () =>
      Object.keys((backend as unknown as { pipelineCache: Record<string, unknown> }).pipelineCache).filter(
        (k) => k.startsWith('crossbarTiledRead'),
      );
    const base = prepareRead(denseSpec, testConfig(tiles));
    await runFused(base, base.params([0, 0]));
    const keys = pipelines();
    expect(keys).toHaveLength(1);
    const variants: [string, Parameters<typeof testConfig>[0], typeof denseSpec][] = [
      ['ADC 4 bits', { periphery: { adcBits: 4 } }, denseSpec],
      ['ADC 12 bits, powerOfTwo', { periphery: { adcBits: 12, adcLevels: 'powerOfTwo' } }, denseSpec],
      [
        'fixed range (a uniform)',
        { periphery: { adcRange: 'fixed', adcFixedFullScaleGmaxCurrents: 3 } },
        denseSpec,
      ],
      ['ideal ADC', { periphery: { adcBits: 0 } }, denseSpec],
      ['read noise σ 0.1', { device: { readNoise: { enabled: true, sigma: 0.1 } } }, denseSpec],
      [
        'output and ADC noise',
        {
          device: { outputNoise: { enabled: true } },
          periphery: { adcNoise: { enabled: true, sigmaLsb: 2 } },
        },
        denseSpec,
      ],
      ['bit-serial DAC', { periphery: { dacMode: 'bitSerial', dacBits: 6 } }, denseSpec],
      ['offset mapping (2 groups), conv', { crossbar: { mapping: 'offset' } }, convSpec],
      [
        'per-vector input scale, drift',
        { periphery: { inputScaling: 'perVector' }, device: { drift: { enabled: true } } },
        convSpec,
      ],
    ];
    for (const [, patch, spec] of variants) {
      const r = prepareRead(spec, testConfig(tiles, patch), 2);
      await runFused(r, r.params([3, 4]));
    }
    for (const t of [1e3, 1e7]) {
      // Read time with drift in the kernel: a uniform too.
      const r = prepareRead(denseSpec, testConfig(tiles), 2);
      const d = kernelDrift(r, t);
      await runFused({ ...r, data: d.inKernel }, { ...r.params([3, 4]), driftLogTimeRatio: d.logRatio });
    }
    expect(pipelines()).toEqual(keys);
    summary.push(`pipelines after ${variants.length + 3} settings: ${pipelines().length} (${keys[0]})`);
  });
});
