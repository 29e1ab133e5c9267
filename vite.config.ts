import { createReadStream, existsSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

const CIFAR_DIR = path.resolve(import.meta.dirname, 'public/cifar10');

// Production pages get a Content-Security-Policy (SPEC §6). Not in dev: Vite's dev server injects
// inline scripts (React refresh). 'wasm-unsafe-eval' lets the WASM backend compile its module.
const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self' blob: data:",
  "object-src 'none'",
  "base-uri 'self'",
].join('; ');

/**
 * Cross-origin isolation, so that the WASM backend can share its memory between threads
 * (SharedArrayBuffer) and run its threaded SIMD build. Every resource of the app is same-origin, so
 * `require-corp` blocks nothing. public/_headers sets the same for static hosts (README, "Threads and
 * deployment").
 */
const CROSS_ORIGIN_ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * CIFAR-10 (`npm run data`) lands in public/cifar10 so the dev server serves it at /cifar10/. A build
 * must not copy 180 MB into dist/, so it is removed from the bundle output and `vite preview` serves it
 * from public/cifar10 instead. A static deployment without it falls back to the in-app archive import.
 */
function cifarData(): Plugin {
  let outDir = 'dist';
  return {
    name: 'crossbar-lab:cifar-data',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    transformIndexHtml: {
      order: 'post',
      handler: (_html, ctx) =>
        ctx.server
          ? []
          : [
              {
                tag: 'meta',
                attrs: { 'http-equiv': 'Content-Security-Policy', content: CSP },
                injectTo: 'head-prepend',
              },
            ],
    },
    closeBundle() {
      rmSync(path.join(outDir, 'cifar10'), { recursive: true, force: true });
    },
    configurePreviewServer(server) {
      server.middlewares.use('/cifar10', (req, res, next) => {
        const name = path.basename((req.url ?? '').split('?')[0] ?? '');
        const file = path.join(CIFAR_DIR, name);
        if (!name || !existsSync(file)) return next();
        res.setHeader('Content-Type', 'application/octet-stream');
        res.setHeader('Content-Length', statSync(file).size);
        createReadStream(file).pipe(res);
      });
    },
  };
}

const THREADED_GLUE = /@tensorflow\/tfjs-backend-wasm\/wasm-out\/tfjs-backend-wasm-threaded-simd\.js$/;

/**
 * The threaded WASM backend starts each of its pthread workers with a script made of the Emscripten
 * glue's factory function turned back into text (`wasmFactoryThreadedSimd.toString()` in
 * tfjs-backend-wasm's `init()`). Minified, that text refers to names declared outside the function (its
 * own `_scriptDir` turned into `e`), and every pthread worker failed with "e is not defined". The glue
 * gets its own, untouched source as the factory's text: a string the minifier leaves alone (the pthread
 * workers then run the glue as published, beside the same .wasm). The dev server does not minify its
 * pre-bundle, whose factory text works as it is. (tensorflow/tfjs#4107 and #4539: the same failure.)
 */
function wasmThreadsGlue(): Plugin {
  return {
    name: 'crossbar-lab:wasm-threads-glue',
    apply: 'build',
    transform: {
      filter: { id: THREADED_GLUE },
      handler(code) {
        if (!/^var WasmBackendModuleThreadedSimd = /m.test(code))
          this.error('the threaded WASM glue no longer declares WasmBackendModuleThreadedSimd');
        const text = `(() => {\n${code}\nreturn WasmBackendModuleThreadedSimd;\n})()`;
        return {
          code: `${code}\nWasmBackendModuleThreadedSimd.toString = () => ${JSON.stringify(text)};\n`,
          map: null,
        };
      },
    },
  };
}

// Workers are bundled as ES modules: the default 'iife' cannot code-split (vitejs/vite#5402).
export default defineConfig({
  plugins: [react(), cifarData(), wasmThreadsGlue()],
  // The engine worker imports the WASM backend: its bundle needs the glue plugin too.
  worker: { format: 'es', plugins: () => [wasmThreadsGlue()] },
  server: { port: 5173, strictPort: false, headers: CROSS_ORIGIN_ISOLATION },
  preview: { port: 4173, strictPort: true, headers: CROSS_ORIGIN_ISOLATION },
  build: { target: 'es2022', chunkSizeWarningLimit: 4000 },
  // The dev server pre-bundles what the worker imports too (its entry is listed), so the first visit
  // does not discover new dependencies mid-load and reload the page. The WASM backend must be
  // pre-bundled: its ESM build imports a CommonJS file that the browser cannot load unbundled.
  optimizeDeps: { entries: ['index.html', 'src/engine/worker.ts'] },
});
