/**
 * One slice of a sweep in Node: the lab's own inference job (src/engine/jobs/inferenceJob.ts) on the WASM
 * (or CPU) backend, with the weights from disk and CIFAR-10 from the first data source that has the
 * images, at the grid points of the slice (`shardOf`). The numbers of a point do not depend on the other
 * points, so slices run on different machines merge into the result of one machine (same backend).
 */
import { sha256Hex } from '../../src/data/checksums';
import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { JobControl } from '../../src/engine/jobControl';
import { runInferenceJob } from '../../src/engine/jobs/inferenceJob';
import { SHIPPED_WEIGHTS, type ExperimentProgress, type SweepPointResult } from '../../src/engine/protocol';
import { getModel } from '../../src/models/index';
import { loadWeights } from '../../src/models/weights';
import { DISPLAY_UNITS } from '../../src/sim/cost';
import { MAX_RUNNER_SWEEP_POINTS, expandSweep, shardOf } from '../../src/sim/sweep';
import { sweepFileOf, type SweepFile, type SweepShard } from '../../src/state/sweepFile';
import { parseBenchFile } from '../bench/benchFiles';
import { findBenchData } from '../bench/dataSource';
import { selectBackend } from '../lib/backend';
import { nodeFileFetch } from '../lib/nodeFiles';
import { repoRoot } from '../lib/paths';
import type { Experiment } from './experiment';

export interface SliceRun {
  experiment: Experiment;
  shard: SweepShard | null;
  backend: 'wasm' | 'cpu';
  /** A weights folder (model.json + shards), or null for the shipped weights of the config's model. */
  weightsDir: string | null;
  /** Stop between batches (e.g. on SIGTERM): the finished points are kept. */
  control?: JobControl;
  log: (line: string) => void;
}

const pct = (v: number | null) => (v === null ? '—' : `${(100 * v).toFixed(2)} %`);

/** "point 3 of 6 (adcBits = 5): 87.50 % ± 1.20 % over 2 runs · ≈ 12.3 mm², 45.6 µJ, 7.9 µs per image (estimate)". */
export function describePoint(point: SweepPointResult, gridSize: number, experiment: Experiment): string {
  const values = experiment.sweep.axes
    .map((a, i) => `${a.path.split('.').pop()} = ${String(point.values[i])}`)
    .join(', ');
  const { area, energy, latency } = DISPLAY_UNITS;
  const c = point.cost;
  return (
    `point ${point.index + 1} of ${gridSize} (${values}): ${pct(point.meanAccuracy)}` +
    `${point.stdAccuracy === null ? '' : ` ± ${pct(point.stdAccuracy)}`} over ${point.runs.length} run` +
    `${point.runs.length === 1 ? '' : 's'} · ≈ ${(c.areaSquareMicrons * area.factor).toPrecision(3)} ${area.unit}, ` +
    `${(c.energyPerImageJoules * energy.factor).toPrecision(3)} ${energy.unit}, ` +
    `${(c.latencyPerImageSeconds * latency.factor).toPrecision(3)} ${latency.unit} per image (estimate)`
  );
}

/** One digest of the weights: SHA-256 of the sorted list of their shards' SHA-256. */
async function weightsDigest(sha256: Readonly<Record<string, string>>): Promise<string> {
  const list = Object.entries(sha256)
    .map(([file, hash]) => `${file}:${hash.toLowerCase()}`)
    .sort()
    .join('\n');
  return sha256Hex(new TextEncoder().encode(list));
}

/** Runs the slice and returns its sweep file (outcome 'stopped' with the finished points if stopped). */
export async function runSlice(run: SliceRun): Promise<SweepFile> {
  const { experiment, shard, log } = run;
  const { config, sweep } = experiment;
  const grid = expandSweep(config, sweep, MAX_RUNNER_SWEEP_POINTS);
  const indices = (shard ? shardOf(grid, shard.index, shard.count) : grid).map((p) => p.index);
  const model = getModel(config.experiment.model);
  const weightsDir = run.weightsDir ?? path.join(repoRoot, 'public/models', model.name);
  if (!existsSync(path.join(weightsDir, 'model.json')))
    throw new Error(`no weights: ${path.join(weightsDir, 'model.json')} does not exist`);
  const images = config.experiment.images;
  const data = findBenchData(images);
  if (images > data.testImages)
    throw new Error(`the experiment reads ${images} test images; ${data.source} holds ${data.testImages}`);

  await selectBackend(run.backend);
  log(
    `sweep: ${grid.length} points${shard ? `, slice ${shard.index} of ${shard.count}: ${indices.length} points` : ''}, ` +
      `${config.experiment.runs} run(s) × ${images} images each, backend ${tf.getBackend()}`,
  );
  log(`data: ${data.source}`);
  const loaded = await loadWeights(model, nodeFileFetch(weightsDir));
  const startMs = performance.now();
  let lastLogMs = 0;
  const onProgress = (p: ExperimentProgress) => {
    for (const point of p.sweepPoints) log(describePoint(point, grid.length, experiment));
    const now = performance.now();
    if (now - lastLogMs > 10_000 && p.imagesTotal > 0) {
      lastLogMs = now;
      const left = (p.imagesTotal - p.imagesDone) / Math.max(p.imagesPerSecond, 1e-9);
      log(
        `  ${p.message} · ${p.imagesDone} of ${p.imagesTotal} images, ${p.imagesPerSecond.toFixed(1)} img/s` +
          `${p.imagesDone > 0 ? `, about ${Math.ceil(left / 60)} min left` : ''}`,
      );
    }
  };
  try {
    const result = await runInferenceJob(
      {
        config,
        sweep,
        points: indices,
        model,
        weights: loaded.tensors,
        test: parseBenchFile(data.read('test_batch.bin'), 'test_batch.bin'),
        testSet: data.testImages === 10_000 ? 'full' : 'starter',
        calibration: parseBenchFile(data.read('data_batch_1.bin'), 'data_batch_1.bin'),
        knownBaseline: null,
      },
      run.control ?? new JobControl(),
      onProgress,
      1000,
    );
    return sweepFileOf({
      config,
      sweep,
      shard,
      points: result.sweepPoints,
      baselineAccuracy: result.baselineAccuracy,
      data: result.data,
      weights: {
        source: run.weightsDir === null ? SHIPPED_WEIGHTS : weightsDir,
        sha256: await weightsDigest(loaded.modelJson.manifest.sha256),
      },
      backend: tf.getBackend(),
      outcome: result.outcome,
      seconds: (performance.now() - startMs) / 1000,
    });
  } finally {
    tf.dispose([...loaded.tensors.values()]);
  }
}
