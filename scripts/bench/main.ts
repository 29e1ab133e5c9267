/**
 * Benchmark of SPEC §5's first performance target: simulated inference costs at most 1.5× ideal digital
 * inference on the same backend and model. `npm run bench -- --help` lists the flags; README "Benchmarks"
 * says what is measured. This is the Node entry: options, data and weights from disk; the measurement
 * (measure.ts) runs here on tfjs WASM (default) or CPU, or in headless Chromium on WebGPU (browser.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CifarImages } from '../../src/data/cifar10';
import type { ModelName } from '../../src/models/index';
import { selectBackend } from '../lib/backend';
import { nodeFileFetch } from '../lib/nodeFiles';
import { repoRoot } from '../lib/paths';
import { runInChromium } from './browser';
import { parseBenchFile } from './benchFiles';
import { findBenchData, type BenchData } from './dataSource';
import { DEFAULT_IMAGES } from './defaults';
import { runBench } from './measure';
import { inBrowser, parseBenchOptions, USAGE, UsageError, type BenchOptions } from './options';
import { formatSummary } from './report';
import type { ModelResult } from './results';
import { errorMessage } from '../../src/sim/errors';

function weightsDirOf(name: ModelName): string {
  const dir = path.join(repoRoot, 'public/models', name);
  if (!existsSync(path.join(dir, 'model.json')))
    throw new Error(
      `${name} weights not found: ${path.join(dir, 'model.json')} does not exist. ` +
        `The trained weights ship in public/models/${name}/ (model.json + weights-N.bin).`,
    );
  return dir;
}

/** This machine, its load, and Node. */
function hostText(): string {
  const cpus = os.cpus();
  return `machine: ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), load ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(
      ' ',
    )}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, ${os.platform()} ${os.arch()}`;
}

/** tfjs in Node: version, backend, and for WASM its SIMD support and threads. */
async function nodeBackendText(): Promise<string> {
  let extra = '';
  if (tf.getBackend() === 'wasm') {
    const flag = async (name: string) => {
      try {
        return String(await tf.env().getAsync(name));
      } catch {
        return '?';
      }
    };
    extra = `, wasm SIMD ${await flag('WASM_HAS_SIMD_SUPPORT')}, threads ${getThreadsCount()}`;
  }
  return `tfjs ${tf.version_core} backend ${tf.getBackend()}${extra}`;
}

/** The measurement in this process, on the WASM or CPU backend. */
async function runInNode(
  options: BenchOptions,
  data: BenchData,
  log: (line: string) => void,
): Promise<{ backendText: string; results: ModelResult[] }> {
  await selectBackend(options.backend === 'cpu' ? 'cpu' : 'wasm');
  const backendText = await nodeBackendText();
  log(`${hostText()}, ${backendText}`);
  let train: CifarImages | null = null;
  const results = await runBench(options, {
    test: parseBenchFile(data.read('test_batch.bin'), 'test_batch.bin'),
    calibration: async () => (train ??= parseBenchFile(data.read('data_batch_1.bin'), 'data_batch_1.bin')),
    weights: (name) => nodeFileFetch(weightsDirOf(name)),
    log,
  });
  return { backendText, results };
}

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2));
  if (options === 'help') {
    console.log(USAGE);
    return;
  }
  // Fail early and clearly on missing inputs, before any slow work.
  for (const m of options.models) weightsDirOf(m);
  const images = Math.max(...options.models.map((m) => options.images ?? DEFAULT_IMAGES[m]));
  const data = findBenchData(images);
  if (images > data.testImages)
    throw new UsageError(`--images ${images} exceeds the ${data.testImages} test images of ${data.source}`);
  const log = (line: string) => console.log(line);
  log(`data: ${data.source}`);

  let run: { backendText: string; results: ModelResult[] };
  if (inBrowser(options.backend)) {
    log(hostText());
    run = await runInChromium(options, data, log);
  } else {
    run = await runInNode(options, data, log);
  }
  const { backendText, results } = run;
  if (options.json) {
    const machine = `${hostText()}; ${backendText}`;
    const summary = formatSummary(results);
    writeFileSync(
      options.json,
      `${JSON.stringify({ machine, data: data.source, summary, results }, null, 2)}\n`,
    );
    log(`\nwrote ${options.json}`);
  }
  if (!options.memoryCheck) log(formatSummary(results));
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(`bench: ${error.message}\n${USAGE}`);
    process.exit(2);
  }
  console.error(`bench failed: ${errorMessage(error)}`);
  process.exit(1);
});
