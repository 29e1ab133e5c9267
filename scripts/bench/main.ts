/**
 * Benchmark of SPEC §5's first performance target: simulated inference costs at most 1.5× ideal digital
 * inference on the same backend and model. `npm run bench -- --help` lists the flags; README "Benchmarks"
 * says what is measured. This is the Node entry: options, data and weights from disk, tfjs WASM (default)
 * or CPU; the measurement itself is measure.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCifarBatch, type CifarImages } from '../../src/data/cifar10';
import type { ModelName } from '../../src/models/index';
import { selectBackend } from '../lib/backend';
import { readCifarFile } from '../lib/cifarFiles';
import { nodeFileFetch } from '../lib/nodeFiles';
import { repoRoot } from '../lib/paths';
import { runBench } from './measure';
import { formatSummary } from './report';
import { parseBenchOptions, USAGE, UsageError } from './options';

function weightsDirOf(name: ModelName): string {
  const dir = path.join(repoRoot, 'public/models', name);
  if (!existsSync(path.join(dir, 'model.json')))
    throw new Error(
      `${name} weights not found: ${path.join(dir, 'model.json')} does not exist. ` +
        `The trained weights ship in public/models/${name}/ (model.json + weights-N.bin).`,
    );
  return dir;
}

async function machineText(backend: string): Promise<string> {
  const cpus = os.cpus();
  let extra = '';
  if (backend === 'wasm') {
    const flag = async (name: string) => {
      try {
        return String(await tf.env().getAsync(name));
      } catch {
        return '?';
      }
    };
    extra = `, wasm SIMD ${await flag('WASM_HAS_SIMD_SUPPORT')}, threads ${getThreadsCount()}`;
  }
  return (
    `machine: ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, ` +
    `${os.platform()} ${os.arch()}, tfjs ${tf.version.tfjs} backend ${tf.getBackend()}${extra}`
  );
}

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2));
  if (options === 'help') {
    console.log(USAGE);
    return;
  }
  // Fail early and clearly on missing inputs, before any slow work.
  for (const m of options.models) weightsDirOf(m);
  const test = parseCifarBatch(readCifarFile('test_batch.bin'), 'test_batch.bin');
  if ((options.images ?? 0) > test.count)
    throw new UsageError(`--images ${options.images} exceeds the ${test.count} test images`);
  let train: CifarImages | null = null;

  await selectBackend(options.backend);
  console.log(await machineText(options.backend));
  const results = await runBench(options, {
    test,
    calibration: async () =>
      (train ??= parseCifarBatch(readCifarFile('data_batch_1.bin'), 'data_batch_1.bin')),
    weights: (name) => nodeFileFetch(weightsDirOf(name)),
    log: (line) => console.log(line),
  });
  if (options.json) {
    writeFileSync(
      options.json,
      `${JSON.stringify({ machine: await machineText(options.backend), summary: formatSummary(results), results }, null, 2)}\n`,
    );
    console.log(`\nwrote ${options.json}`);
  }
  console.log(formatSummary(results));
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(`bench: ${error.message}\n${USAGE}`);
    process.exit(2);
  }
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
