/**
 * Where the bench's time and memory go: tf.profile (peak bytes; time per kernel), time per layer, and
 * the per-read normal draws that tf.randomNormal makes in JS, outside every kernel (--profile).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ProgrammedModel } from '../../src/engine/analogRunner';
import { AnalogRunner } from '../../src/engine/analogRunner';
import {
  DigitalRunner,
  type LinearLayerRunner,
  type ModelDefinition,
  type WeightMap,
} from '../../src/models/index';
import { boundReductions, layerReadConfig, redrawsPerBatch, variesArray } from '../../src/sim/chip';
import type { ExperimentConfig } from '../../src/sim/config';
import type { Rng } from '../../src/sim/rng';
import { pass, type Batch } from './passes';
import type { ProfileResult } from './results';

type ProfileKernels = Awaited<ReturnType<typeof tf.profile>>['kernels'];

/**
 * tf.profile, robust to long runs: tfjs summarises a profile with Math.max(...kernels), which overflows
 * the call stack past ~100k kernel calls (NeuroSim-style VGG-8 makes more per batch). Then the same
 * records, which the engine keeps, are summarised here with a loop.
 */
async function profileOf(f: () => Promise<unknown>): Promise<{ peakBytes: number; kernels: ProfileKernels }> {
  try {
    const info = await tf.profile(async () => {
      await f();
    });
    return { peakBytes: info.peakBytes, kernels: info.kernels };
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    const kernels = (tf.engine().state as unknown as { activeProfile: { kernels: ProfileKernels } })
      .activeProfile.kernels;
    let peakBytes = -Infinity;
    for (const k of kernels) {
      peakBytes = Math.max(peakBytes, k.totalBytesSnapshot);
      k.kernelTimeMs = await k.kernelTimeMs;
    }
    return { peakBytes, kernels };
  }
}

/** Engine-tracked peak bytes (absolute: everything resident + intermediates) while `f` runs. */
export async function peakBytesOf(f: () => Promise<unknown>): Promise<number | null> {
  const { peakBytes } = await profileOf(f);
  return Number.isFinite(peakBytes) ? peakBytes : null;
}

/** Wraps a runner and adds the wall time of each layer call (kernels on wasm/cpu run synchronously). */
class TimedRunner implements LinearLayerRunner {
  constructor(
    private readonly inner: LinearLayerRunner,
    readonly ms: Map<string, number>,
  ) {}

  private time<T>(name: string, f: () => T): T {
    const t0 = performance.now();
    const y = f();
    this.ms.set(name, (this.ms.get(name) ?? 0) + performance.now() - t0);
    return y;
  }

  conv2d(name: string, x: tf.Tensor4D, stride: number, padding: 'same' | 'valid' | number): tf.Tensor4D {
    return this.time(name, () => this.inner.conv2d(name, x, stride, padding));
  }

  dense(name: string, x: tf.Tensor2D): tf.Tensor2D {
    return this.time(name, () => this.inner.dense(name, x));
  }
}

/**
 * Standard normals one forward pass of `images` images reads from the chip's noise bank (same shapes as
 * src/sim/layer/readCurrents.ts and adc.ts): per-read noise [T, Z·M, cols] per read group and bound-management reduction, ADC
 * noise alike, and NeuroSim's per-batch device variation [T, R, cols] per array.
 */
function normalDrawsPerBatch(chip: ProgrammedModel, config: ExperimentConfig, images: number): number {
  const d = config.device;
  const p = config.periphery;
  const perRead =
    (d.readNoise.enabled || d.outputNoise.enabled ? 1 : 0) + (p.adcBits > 0 && p.adcNoise.enabled ? 1 : 0);
  const reductions = boundReductions(config).length;
  let draws = 0;
  for (const layer of chip.layers.values()) {
    const { plan } = layer;
    const vectors = images * (plan.vectorsPerImage ?? 0);
    for (const group of layer.chip.groups) {
      const cols = layer.chip.arrays[group.terms[0]!.array]!.cols;
      draws += perRead * reductions * plan.rowTiles * plan.inputCycles * vectors * cols;
    }
    // Per batch, or per input bit (NeuroSim), on the varied arrays only (not its reference columns).
    const read = layerReadConfig(layer.spec, config);
    if (redrawsPerBatch(read)) {
      const perBit = read.device.d2dVariation.redrawEachInputBit ? plan.inputCycles : 1;
      for (const a of layer.chip.arrays)
        if (variesArray(read, a.role)) draws += perBit * plan.rowTiles * plan.tileRows * a.cols;
    }
  }
  return draws;
}

/** Nanoseconds per seeded tf.randomNormal draw on this backend (best of three 2^20-element draws). */
export function randomNormalNsPerDraw(): number {
  const n = 1 << 20;
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const r = tf.randomNormal([n], 0, 1, 'float32', 12345 + i);
    r.dataSync();
    best = Math.min(best, performance.now() - t0);
    r.dispose();
  }
  return (best * 1e6) / n;
}

/** One profiled simulated batch: kernels, time outside them, normal draws, and the slowest layers. */
export async function profilePreset(
  model: ModelDefinition,
  weights: WeightMap,
  batch: Batch,
  chip: ProgrammedModel,
  config: ExperimentConfig,
  readRng: Rng,
  nsPerDraw: number,
): Promise<ProfileResult> {
  const digitalLayers = new Map<string, number>();
  const simLayers = new Map<string, number>();
  await pass(model, weights, [batch], () => new TimedRunner(new DigitalRunner(weights), digitalLayers));
  let simMs = 0;
  const info = await profileOf(async () => {
    const t0 = performance.now();
    await pass(model, weights, [batch], () => new TimedRunner(new AnalogRunner(chip, readRng), simLayers));
    simMs = performance.now() - t0;
  });
  const byKernel = new Map<string, number>();
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + ms);
  }
  const kernelMs = [...byKernel.values()].reduce((a, b) => a + b, 0);
  const normalDraws = normalDrawsPerBatch(chip, config, batch.labels.length);
  return {
    simMs,
    kernelMs,
    outsideKernelsMs: simMs - kernelMs,
    topKernels: [...byKernel.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([kernel, ms]) => ({ kernel, ms })),
    normalDraws,
    normalDrawsMsEstimate: (normalDraws * nsPerDraw) / 1e6,
    topLayers: [...simLayers.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 4)
      .map(([layer, ms]) => ({ layer, simMs: ms, digitalMs: digitalLayers.get(layer) ?? 0 })),
  };
}
