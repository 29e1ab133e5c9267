import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCifarBatch } from '../../data/cifar10';
import { makeBatch } from '../../data/augment';
import { readCifarFile } from '../../../scripts/lib/cifarFiles';
import { DigitalRunner, getModel } from '../../models';
import { createVgg8 } from '../../models/vgg8';
import { nonTrivialWeights, disposeAll } from '../../models/testing/fixtures';
import { selectBackend } from '../../../scripts/lib/backend';
import { withOverrides, defaultExperimentConfig, type ExperimentConfig } from '../../sim/config';
import { applyPreset } from '../../sim/presets';
import { createRng } from '../../sim/rng';
import { AnalogRunner, ProgrammedModel } from '../analogRunner';
import { JobControl } from '../jobControl';
import type { ExperimentProgress, RunSummary } from '../protocol';
import { InvalidResult, pointsToRun, runInferenceJob, type InferenceInputs } from './inferenceJob';
import { toAnalogSpec } from '../analogRunner';
import { estimateCost } from '../../sim/cost';
import type { SweepSpec } from '../../sim/sweep';

const test = parseCifarBatch(readCifarFile('test_batch.bin'), 'test_batch.bin');

beforeAll(async () => {
  await selectBackend('wasm');
});

/** Ideal devices, 16-bit DAC and ADC: the analog path must reproduce the digital network. */
const idealConfig = () =>
  withOverrides(applyPreset(defaultExperimentConfig(), 'ideal'), {
    periphery: { dacBits: 16, adcBits: 16 },
  });

describe('analog networks with ideal devices and 16-bit converters', () => {
  it.each([
    ['vgg8', 8],
    ['googlenet', 2],
  ] as const)('%s logits equal the digital logits to 1e-3 on real test images', async (name, count) => {
    const model = getModel(name);
    const weights = nonTrivialWeights(model, 5);
    const config = idealConfig();
    const chip = await ProgrammedModel.program(model, weights, config, createRng(1));
    const batch = makeBatch(
      test,
      Int32Array.from({ length: count }, (_, i) => i),
    );
    // Calibrate the converter ranges on the same batch, as the routine does on training images.
    tf.tidy(() => {
      model.forward(
        weights,
        new AnalogRunner(chip, createRng(2), { calibrate: true }),
        tf.tensor4d(batch.x, [count, 32, 32, 3]),
      );
    });
    const [digital, analog] = tf.tidy(() => {
      const x = tf.tensor4d(batch.x, [count, 32, 32, 3]);
      return [
        model.forward(weights, new DigitalRunner(weights), x),
        model.forward(weights, new AnalogRunner(chip, createRng(3)), x),
      ];
    });
    const d = await digital.data();
    const a = await analog.data();
    const scale = Math.max(...Array.from(d, Math.abs));
    let worst = 0;
    for (let i = 0; i < d.length; i++) worst = Math.max(worst, Math.abs(d[i]! - a[i]!));
    expect(worst).toBeLessThanOrEqual(1e-3 * scale);
    tf.dispose([digital, analog]);
    chip.dispose();
    disposeAll(weights);
  });
});

// A narrow VGG-8 on full-size CIFAR-10 images keeps the routine tests fast on two CPU cores.
const narrow = createVgg8({
  convChannels: [8, 8, 8, 8, 8, 8],
  hiddenUnits: 16,
  inputSize: 32,
  numClasses: 10,
});

/** The routine's inputs for the narrow VGG-8 on the test batch (calibrating on it too). */
const inputsFor = (
  config: ExperimentConfig,
  weights: Map<string, tf.Tensor>,
  sweep: SweepSpec | null = null,
): InferenceInputs => ({
  config,
  sweep,
  model: narrow,
  weights,
  test,
  testSet: 'full',
  calibration: test,
  knownBaseline: null,
});

describe('inference routine', () => {
  const noisyConfig = (runs: number, images: number) =>
    withOverrides(applyPreset(defaultExperimentConfig(), 'rram'), {
      experiment: { model: 'vgg8', images, runs, seed: 7, newChipEachRun: true },
      periphery: { adcBits: 6 },
    });

  async function run(config: ReturnType<typeof noisyConfig>, control = new JobControl()) {
    const model = narrow;
    const weights = nonTrivialWeights(model, 11);
    const messages: ExperimentProgress[] = [];
    const result = await runInferenceJob(inputsFor(config, weights), control, (p) => messages.push(p), 0);
    disposeAll(weights);
    return { result, messages };
  }

  it('streams every batch, reports per-run accuracy with mean ± std and per-layer SNR, and is reproducible', async () => {
    const before = tf.memory().numTensors;
    const config = noisyConfig(3, 150);
    const { result, messages } = await run(config);
    expect(tf.memory().numTensors).toBe(before);
    expect(result.outcome).toBe('finished');
    const points = messages.flatMap((m) => m.batchPoints);
    // 150 images in batches of 100: two batches per run, three runs.
    expect(points.map((p) => [p.run, p.batch, p.imagesDone])).toEqual([
      [0, 0, 100],
      [0, 1, 150],
      [1, 0, 100],
      [1, 1, 150],
      [2, 0, 100],
      [2, 1, 150],
    ]);
    expect(messages.flatMap((m) => m.runSummaries)).toEqual(result.runs);
    const accuracies = result.runs.map((r) => r.accuracy);
    accuracies.forEach((acc, i) => expect(acc).toBeCloseTo(points[2 * i + 1]!.runningAccuracy, 12));
    const mean = accuracies.reduce((a, b) => a + b, 0) / 3;
    const std = Math.sqrt(accuracies.reduce((a, b) => a + (b - mean) ** 2, 0) / 2);
    expect(result.meanAccuracy).toBeCloseTo(mean, 12);
    expect(result.stdAccuracy).toBeCloseTo(std, 12);
    expect(result.layerSnr.map((s) => s.layer)).toEqual(narrow.linearLayers.map((l) => l.name));
    for (const s of result.layerSnr) expect(Number.isFinite(s.snrDb)).toBe(true);

    const again = await run(config);
    expect(again.result.runs).toEqual(result.runs);
    expect(again.result.layerSnr).toEqual(result.layerSnr);
  });

  it('stops between batches without leaking tensors', async () => {
    const before = tf.memory().numTensors;
    const control = new JobControl();
    const config = noisyConfig(5, 300);
    let batches = 0;
    const model = narrow;
    const weights = nonTrivialWeights(model, 11);
    const result = await runInferenceJob(
      inputsFor(config, weights),
      control,
      (p) => {
        batches += p.batchPoints.length;
        if (batches >= 2) control.stop();
      },
      0,
    );
    disposeAll(weights);
    expect(result.outcome).toBe('stopped');
    expect(tf.memory().numTensors).toBe(before);
  });

  describe('sweeps', () => {
    const config = withOverrides(applyPreset(defaultExperimentConfig(), 'rram'), {
      experiment: { model: 'vgg8', images: 40, runs: 2, seed: 3 },
      periphery: { adcBits: 6 },
    });
    async function sweep(spec: SweepSpec | null, base = config, points: number[] | null = null) {
      const weights = nonTrivialWeights(narrow, 11);
      const messages: ExperimentProgress[] = [];
      const result = await runInferenceJob(
        { ...inputsFor(base, weights, spec), points },
        new JobControl(),
        (p) => messages.push(p),
        0,
      );
      disposeAll(weights);
      return { result, messages };
    }

    it('gives each point the numbers of the same settings run alone, whichever other points run', async () => {
      const before = tf.memory().numTensors;
      const whole = await sweep({ axes: [{ path: 'periphery.adcBits', values: [4, 8] }] });
      expect(tf.memory().numTensors).toBe(before);
      expect(whole.result.kind).toBe('sweep');
      expect(whole.result.sweepPoints.map((p) => p.values)).toEqual([[4], [8]]);
      expect(whole.messages.flatMap((m) => m.sweepPoints)).toEqual(whole.result.sweepPoints);
      // The point adcBits = 8, alone as a one-point sweep and as a plain inference of its settings.
      const alone = await sweep({ axes: [{ path: 'periphery.adcBits', values: [8] }] });
      const plain = await sweep(null, withOverrides(config, { periphery: { adcBits: 8 } }));
      const accuracies = (runs: RunSummary[]) => runs.map((r) => r.accuracy);
      expect(accuracies(alone.result.sweepPoints[0]!.runs)).toEqual(
        accuracies(whole.result.sweepPoints[1]!.runs),
      );
      expect(accuracies(plain.result.runs)).toEqual(accuracies(whole.result.sweepPoints[1]!.runs));
      // The same point chosen out of the grid (a shard of one point): the same result, index and all.
      const chosen = await sweep({ axes: [{ path: 'periphery.adcBits', values: [4, 8] }] }, config, [1]);
      expect(chosen.result.sweepPoints).toEqual([whole.result.sweepPoints[1]]);
      expect(chosen.messages.flatMap((m) => m.batchPoints).every((b) => b.point === 1)).toBe(true);
      // Mean ± sample std of each point's runs, and the cost estimate of its settings.
      for (const point of whole.result.sweepPoints) {
        const values = accuracies(point.runs);
        const mean = (values[0]! + values[1]!) / 2;
        expect(point.meanAccuracy).toBeCloseTo(mean, 12);
        expect(point.stdAccuracy).toBeCloseTo(Math.abs(values[0]! - values[1]!) / Math.SQRT2, 12);
        const pointConfig = withOverrides(config, { periphery: { adcBits: point.values[0] as number } });
        expect(point.cost).toEqual(estimateCost(pointConfig, narrow.linearLayers.map(toAnalogSpec)).totals);
      }
      // The digital baseline is measured once, on the same images.
      expect(whole.result.baselineAccuracy).toBe(plain.result.baselineAccuracy);
    });

    it('chooses points by grid index and refuses an index outside the grid', () => {
      const spec = {
        axes: [
          { path: 'periphery.adcBits', values: [4, 6, 8] },
          { path: 'crossbar.tileRows', values: [32, 64] },
        ],
      };
      const chosen = pointsToRun(config, spec, [5, 0, 3]);
      expect(chosen.gridSize).toBe(6);
      // Grid order, whatever order they were asked in; row-major values.
      expect(chosen.points.map((p) => [p.index, ...p.values])).toEqual([
        [0, 4, 32],
        [3, 6, 64],
        [5, 8, 64],
      ]);
      expect(pointsToRun(config, spec).points).toHaveLength(6);
      expect(() => pointsToRun(config, spec, [6])).toThrow('points 0 to 5, not 6');
      expect(() => pointsToRun(config, null, [0])).toThrow('Only a sweep');
    });

    it('programs one chip for points that differ only in what is read, and one per chip setting otherwise', async () => {
      const programmings = (messages: ExperimentProgress[]) =>
        messages.filter((m, i) => m.phase === 'programming' && messages[i - 1]?.phase !== 'programming')
          .length;
      const images = await sweep({ axes: [{ path: 'experiment.images', values: [20, 40] }] });
      expect(programmings(images.messages)).toBe(1);
      const dac = await sweep({ axes: [{ path: 'periphery.dacBits', values: [4, 8] }] });
      expect(programmings(dac.messages)).toBe(2);
      // ADC bits with the same tiles: one chip, each point read and calibrated as if programmed for it.
      const adc = await sweep({ axes: [{ path: 'periphery.adcBits', values: [4, 8] }] });
      expect(programmings(adc.messages)).toBe(1);
      const eightBits = await sweep({ axes: [{ path: 'periphery.adcBits', values: [8] }] });
      expect(adc.result.sweepPoints[1]!.runs.map((r) => r.accuracy)).toEqual(
        eightBits.result.sweepPoints[0]!.runs.map((r) => r.accuracy),
      );
      expect(adc.result.sweepPoints[1]!.layerSnr).toEqual(eightBits.result.sweepPoints[0]!.layerSnr);
      expect(adc.result.sweepPoints[1]!.layerSnr).not.toEqual(adc.result.sweepPoints[0]!.layerSnr);
      // The drift time machine: one chip read at each time, each point as if programmed for its time.
      const drifting = withOverrides(config, { device: { drift: { enabled: true, nuModel: 'pcm' } } });
      const later = { path: 'device.drift.readTimeSeconds', values: [31_536_000] };
      const times = await sweep({ axes: [{ ...later, values: [3600, ...later.values] }] }, drifting);
      expect(programmings(times.messages)).toBe(1);
      const alone = await sweep({ axes: [later] }, drifting);
      expect(times.result.sweepPoints[1]!.runs.map((r) => r.accuracy)).toEqual(
        alone.result.sweepPoints[0]!.runs.map((r) => r.accuracy),
      );
      expect(times.result.sweepPoints[1]!.layerSnr).toEqual(alone.result.sweepPoints[0]!.layerSnr);
      expect(times.result.sweepPoints[1]!.layerSnr).not.toEqual(times.result.sweepPoints[0]!.layerSnr);
    });
  });

  describe('validity', () => {
    const config = withOverrides(defaultExperimentConfig(), {
      experiment: { model: 'vgg8', images: 20, runs: 1, seed: 5 },
      periphery: { calibrationImages: 8 },
    });
    /** The narrow VGG-8's weights with one kernel replaced. */
    function weightsWith(layer: string, value: (i: number) => number) {
      const weights = nonTrivialWeights(narrow, 11);
      const kernel = weights.get(`${layer}/kernel`)!;
      const values = Float32Array.from({ length: kernel.size }, (_, i) => value(i));
      weights.set(`${layer}/kernel`, tf.tensor(values, kernel.shape));
      kernel.dispose();
      return weights;
    }
    const run = (weights: Map<string, tf.Tensor>) =>
      runInferenceJob(inputsFor(config, weights), new JobControl(), () => {}, 0).finally(() =>
        disposeAll(weights),
      );

    it('stops with a message naming the layer when the outputs turn non-finite, and reports no accuracy', async () => {
      const before = tf.memory().numTensors;
      const layer = narrow.linearLayers[2]!.name;
      const error = await run(weightsWith(layer, (i) => (i === 7 ? Number.NaN : 0.01))).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(InvalidResult);
      expect((error as Error).message).toContain(`from layer ${layer} on`);
      expect((error as Error).message).toContain('no accuracy is reported');
      expect(tf.memory().numTensors).toBe(before);
    });

    it('says which layer a collapsed calibrated ADC range belongs to', async () => {
      // conv1 with all-zero weights: no current ever reaches its ADCs, so their calibrated ranges are 0 A.
      const first = narrow.linearLayers[0]!.name;
      const result = await run(weightsWith(first, () => 0));
      expect(result.warnings.some((w) => w.startsWith(`Layer ${first}:`) && w.includes('0 A'))).toBe(true);
      expect(result.warnings.every((w) => w.startsWith(`Layer ${first}:`))).toBe(true);
      // The healthy network has none.
      expect((await run(nonTrivialWeights(narrow, 11))).warnings).toEqual([]);
    });
  });
});
