/**
 * `--memory-check` (issue 11 item 5, SPEC §5's memory target): the default config on 16×16 tiles over N
 * test images at batch B, `repeats` simulated passes one after the other (no digital pass), and the
 * memory each leaves and peaks at:
 * - peak tensor bytes: the tfjs engine's tracked bytes at their highest within a batch (tf.profile:
 *   weights + programmed chip + the batch's intermediates), profiled on the first batch, every
 *   PROFILE_EVERY-th and the last (the full batches all have the same shapes; profiling each would
 *   slow a 10,000-image pass by a quarter);
 * - after each pass: live tensors and their bytes (flat: nothing kept from a pass);
 * - the backend's own memory, which outlives tensors: on WASM the heap (it grows, never shrinks), on
 *   WebGPU the bytes its buffer pool holds. Flat across passes means no growth from ragged shapes (the
 *   last batch of 10,000 at 64 is 16 images).
 * Batches are built one at a time, as the inference job builds them.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  AnalogRunner,
  ProgrammedModel,
  calibrateChip,
  needsCalibration,
} from '../../src/engine/analogRunner';
import { getModel, type ModelName } from '../../src/models/index';
import { loadWeights } from '../../src/models/weights';
import { createRng } from '../../src/sim/rng';
import { DEFAULT_IMAGES } from './defaults';
import type { BenchEnvironment } from './measure';
import type { BenchOptions } from './options';
import { makeBatches, pass } from './passes';
import { peakBytesOf } from './profile';
import { table } from './report';

const MB = 1024 * 1024;
/** SPEC §5: GoogLeNet over the 10,000 test images on 16×16 tiles in under 1.5 GB. */
export const MEMORY_TARGET_MB = 1536;
const PROFILE_EVERY = 16;

export interface MemoryRun {
  seconds: number;
  accuracy: number;
  peakMB: number;
  tensorsAfter: number;
  tensorMBAfter: number;
  /** WASM heap or WebGPU buffer pool (MB); null on other backends. */
  backendMB: number | null;
}

/** The backend's own memory: what it holds beyond live tensors (MB), and its name. */
function backendMemory(): { name: string; mb: number } | null {
  const backend = tf.getBackend();
  if (backend === 'wasm') {
    const probe = tf.zeros([1]);
    try {
      const heap = (tf.backend() as BackendWasm).typedArrayFromHeap(probe) as Float32Array;
      return { name: 'WASM heap', mb: heap.buffer.byteLength / MB };
    } finally {
      probe.dispose();
    }
  }
  const allocated = (tf.memory() as { numBytesInGPUAllocated?: number }).numBytesInGPUAllocated;
  return allocated === undefined ? null : { name: 'WebGPU buffers allocated', mb: allocated / MB };
}

/** One model's memory check; returns its report lines. */
export async function memoryCheck(
  name: ModelName,
  options: BenchOptions,
  env: BenchEnvironment,
  config: Parameters<typeof ProgrammedModel.program>[2],
): Promise<string[]> {
  const model = getModel(name);
  const images = options.images ?? DEFAULT_IMAGES[name];
  const batch = Math.min(options.batch ?? 64, images);
  const { tensors: weights } = await loadWeights(model, env.weights(name));
  const rng = createRng(options.seed);
  const chip = await ProgrammedModel.program(model, weights, config, rng.fork('chip'));
  const runs: MemoryRun[] = [];
  let poolName = 'backend memory';
  const batchesOf = Math.ceil(images / batch);
  env.log(
    `\n== memory check ${name}: default config on 16x16 tiles, ${images} test images at batch ${batch} ` +
      `(${batchesOf} batches, the last of ${images - (batchesOf - 1) * batch}), ${options.repeats} passes`,
  );
  try {
    if (needsCalibration(config)) {
      const train = await env.calibration();
      const count = Math.min(config.periphery.calibrationImages, train.count);
      calibrateChip(model, weights, chip, config, train, rng.fork('calibration'));
      env.log(`  calibrated on ${count} training images`);
    }
    for (let rep = 0; rep < options.repeats; rep++) {
      const readRng = rng.fork('read').fork(rep);
      let peak = 0;
      let correct = 0;
      const start = performance.now();
      for (let b = 0; b < batchesOf; b++) {
        const first = b * batch;
        // One batch built, read (its peak profiled) and freed at a time.
        const one = makeBatches(env.test, Math.min(batch, images - first), batch, first);
        let hits = 0;
        const read = async () => {
          hits = (await pass(model, weights, one, () => new AnalogRunner(chip, readRng.fork(b)))).correct;
        };
        if (b % PROFILE_EVERY === 0 || b === batchesOf - 1)
          peak = Math.max(peak, (await peakBytesOf(read)) ?? 0);
        else await read();
        for (const x of one) x.x.dispose();
        correct += hits;
        if (b % 20 === 19) env.log(`    pass ${rep + 1}: ${b + 1}/${batchesOf} batches`);
      }
      const seconds = (performance.now() - start) / 1000;
      const memory = tf.memory();
      const own = backendMemory();
      if (own) poolName = own.name;
      const run: MemoryRun = {
        seconds,
        accuracy: correct / images,
        peakMB: peak / MB,
        tensorsAfter: memory.numTensors,
        tensorMBAfter: memory.numBytes / MB,
        backendMB: own?.mb ?? null,
      };
      runs.push(run);
      env.log(
        `  pass ${rep + 1}/${options.repeats}: ${seconds.toFixed(0)} s (${(images / seconds).toFixed(1)} img/s), ` +
          `peak ${run.peakMB.toFixed(0)} MB, after: ${run.tensorsAfter} tensors, ${run.tensorMBAfter.toFixed(1)} MB` +
          (own ? `, ${own.name} ${own.mb.toFixed(0)} MB` : ''),
      );
    }
  } finally {
    chip.dispose();
    for (const t of weights.values()) t.dispose();
  }
  return formatMemoryCheck(name, images, batch, runs, poolName);
}

/** The table and the verdicts: peak within the target, tensors and backend memory flat across passes. */
export function formatMemoryCheck(
  name: string,
  images: number,
  batch: number,
  runs: readonly MemoryRun[],
  poolName: string,
): string[] {
  const mb = (x: number | null) => (x === null ? 'n/a' : x.toFixed(1));
  const lines = [
    table(
      ['pass', 'img/s', 'sim acc', 'peak tensor MB', 'tensors after', 'tensor MB after', `${poolName} MB`],
      runs.map((r, i) => [
        String(i + 1),
        (images / r.seconds).toFixed(1),
        `${(100 * r.accuracy).toFixed(1)} %`,
        r.peakMB.toFixed(0),
        String(r.tensorsAfter),
        mb(r.tensorMBAfter),
        mb(r.backendMB),
      ]),
    ),
  ];
  const peak = Math.max(...runs.map((r) => r.peakMB));
  const flat = (f: (r: MemoryRun) => number | null) => runs.every((r) => f(r) === f(runs[0]!));
  const tensorsFlat = flat((r) => r.tensorsAfter) && flat((r) => r.tensorMBAfter);
  const backendFlat = flat((r) => r.backendMB);
  lines.push(
    `verdict memory ${name} (${images} images, batch ${batch}, 16x16 tiles): peak ${peak.toFixed(0)} MB of tensors -> ` +
      `${peak <= MEMORY_TARGET_MB ? 'meets' : 'MISSES'} the target (<= ${MEMORY_TARGET_MB} MB); after each of ${runs.length} passes ` +
      `tensors ${tensorsFlat ? 'flat' : 'NOT flat'}, ${poolName} ${backendFlat ? 'flat' : 'NOT flat'}`,
  );
  return lines;
}
