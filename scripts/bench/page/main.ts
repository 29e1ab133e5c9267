/**
 * The bench page: runs measure.ts in Chromium on tfjs's WebGPU backend or its WASM backend (threaded on
 * this cross-origin-isolated page), started as the app's worker starts them (src/engine/backend.ts). Served by the Vite dev server that browser.ts starts, which also
 * serves the CIFAR-10 bytes at /__bench/data/ and the shipped weights at /models/; progress lines go back
 * through `window.benchLog`, which browser.ts exposes.
 */
import * as tf from '@tensorflow/tfjs-core';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { selectBackend } from '../../../src/engine/backend';
import { parseBenchFile, type BenchFile } from '../benchFiles';
import { runBench } from '../measure';
import type { BenchOptions } from '../options';
import type { PageRun } from '../browser';

declare global {
  interface Window {
    /** Set by the page: runs the bench with these options. */
    crossbarBench?: (options: BenchOptions) => Promise<PageRun>;
    /** Set by browser.ts (Playwright's exposeFunction): one line of output. */
    benchLog?: (line: string) => Promise<void>;
  }
}

async function fetchFile(file: BenchFile) {
  const response = await fetch(`/__bench/data/${file}`);
  if (!response.ok) throw new Error(`fetching ${file} from the bench server: HTTP ${response.status}`);
  return parseBenchFile(new Uint8Array(await response.arrayBuffer()), file);
}

window.crossbarBench = async (options) => {
  const sent: Promise<void>[] = [];
  const log = (line: string) => void sent.push(window.benchLog!(line));
  const wasm = options.backend === 'wasm-browser';
  const wanted = wasm ? 'wasm' : 'webgpu';
  const report = await selectBackend(
    wanted,
    wasm
      ? {
          'tfjs-backend-wasm.wasm': wasmUrl,
          'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
          'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
        }
      : null,
  );
  if (report.backend !== wanted)
    throw new Error(
      `${wanted} did not start in Chromium: ${report.rejected.map((r) => `${r.backend}: ${r.reason}`).join('; ')}`,
    );
  const software = report.software ? ' (a software renderer: it runs on the CPU)' : '';
  const backendText =
    `browser: ${navigator.userAgent.match(/(Headless)?Chrome\/[\d.]+/)?.[0] ?? navigator.userAgent}, ` +
    `tfjs ${tf.version_core} backend ${wanted} on ${report.adapterDescription}${software}` +
    (wasm ? `, cross-origin isolated ${String(crossOriginIsolated)}` : '');
  log(backendText);
  let train: ReturnType<typeof fetchFile> | null = null;
  const results = await runBench(options, {
    test: await fetchFile('test_batch.bin'),
    calibration: () => (train ??= fetchFile('data_batch_1.bin')),
    weights: (name) => `/models/${name}/`,
    log,
  });
  await Promise.all(sent);
  return { backendText, results };
};
