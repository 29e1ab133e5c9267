/**
 * `--backend webgpu` and `--backend wasm-browser`: the measurement (measure.ts, the same code Node runs) in
 * headless Chromium, on tfjs's WebGPU backend or on its WASM backend as the app runs it (cross-origin
 * isolated, so the threaded SIMD build with one thread per core; Node's tfjs-wasm runs one thread).
 * Serves page/ with Vite's dev server (its own dependency cache, so the app's is left alone; the app's
 * COOP/COEP headers), plus the CIFAR-10 bytes Node found at /__bench/data/ and the shipped weights from
 * public/models; drives the page with Playwright and prints its lines as they come.
 *
 * Chromium: env CHROMIUM_PATH, default Debian's /usr/bin/chromium (never `playwright install`). Without a
 * GPU, Chromium's WebGPU runs on SwiftShader (CPU, ~50× slower than WASM): keep --images small there.
 */
import { chromium } from '@playwright/test';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createServer, type Plugin } from 'vite';
import { repoRoot } from '../lib/paths';
import { BENCH_FILES } from './benchFiles';
import type { BenchData } from './dataSource';
import type { BenchOptions } from './options';
import type { ModelResult } from './results';
import { CHROMIUM_PATH, CHROMIUM_WEBGPU_FLAGS } from '../lib/chromium';

/** The app's headers (vite.config.ts): a cross-origin-isolated page may run WASM threads. */
const CROSS_ORIGIN_ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** What the page hands back. */
export interface PageRun {
  /** Browser, tfjs and the backend (WebGPU adapter, or WASM threads). */
  backendText: string;
  results: ModelResult[];
}

const PAGE = 'scripts/bench/page/index.html';
/** Loading the page may wait for Vite to pre-bundle tfjs on a first run. */
const LOAD_TIMEOUT_MS = 300_000;
/** tfjs-webgpu's notice that kernel times read zero without timestamp queries: the bench never shows them. */
const IGNORED_CONSOLE = /timestamp-query/;

/** Serves the bench's two files at /__bench/data/<official name>. */
function benchData(data: BenchData): Plugin {
  return {
    name: 'crossbar-lab:bench-data',
    configureServer(server) {
      server.middlewares.use('/__bench/data', (req, res, next) => {
        const file = BENCH_FILES.find((f) => req.url === `/${f}`);
        if (!file) return next();
        const bytes = data.read(file);
        res.setHeader('Content-Type', 'application/octet-stream');
        res.setHeader('Content-Length', bytes.byteLength);
        res.end(bytes);
      });
    },
  };
}

export async function runInChromium(
  options: BenchOptions,
  data: BenchData,
  log: (line: string) => void,
): Promise<PageRun> {
  const executablePath = CHROMIUM_PATH;
  if (!existsSync(executablePath))
    throw new Error(
      `--backend ${options.backend} needs Chromium at ${executablePath} (set CHROMIUM_PATH; on Debian/Ubuntu: ` +
        'sudo apt-get install -y chromium).',
    );
  const server = await createServer({
    configFile: false,
    root: repoRoot,
    cacheDir: path.join(repoRoot, 'node_modules/.vite-bench'),
    logLevel: 'warn',
    plugins: [benchData(data)],
    server: { host: '127.0.0.1', port: 0, hmr: false, headers: CROSS_ORIGIN_ISOLATION },
    optimizeDeps: { entries: [PAGE] },
  });
  let browser: Awaited<ReturnType<typeof chromium.launch>> | null = null;
  try {
    await server.listen();
    const { port } = server.httpServer!.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}/${PAGE}`;
    log(`chromium: ${executablePath}, headless, bench page ${url}`);
    browser = await chromium.launch({ executablePath, args: CHROMIUM_WEBGPU_FLAGS, headless: true });
    const page = await browser.newPage();
    await page.exposeFunction('benchLog', (line: string) => log(line));
    page.on('console', (message) => {
      const type = message.type();
      if ((type === 'error' || type === 'warning') && !IGNORED_CONSOLE.test(message.text()))
        log(`[chromium ${type}] ${message.text()}`);
    });
    page.on('pageerror', (error) => log(`[chromium page error] ${error.message}`));
    await page.goto(url, { timeout: LOAD_TIMEOUT_MS });
    await page.waitForFunction(() => window.crossbarBench !== undefined, null, { timeout: LOAD_TIMEOUT_MS });
    return await page.evaluate((o) => window.crossbarBench!(o), options);
  } finally {
    await browser?.close();
    await server.close();
  }
}
