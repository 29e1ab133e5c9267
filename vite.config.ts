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

// Workers are bundled as ES modules: the default 'iife' cannot code-split (vitejs/vite#5402).
export default defineConfig({
  plugins: [react(), cifarData()],
  worker: { format: 'es' },
  server: { port: 5173, strictPort: false },
  preview: { port: 4173, strictPort: true },
  build: { target: 'es2022', chunkSizeWarningLimit: 4000 },
  // The dev server pre-bundles what the worker imports too (its entry is listed), so the first visit
  // does not discover new dependencies mid-load and reload the page. The WASM backend must be
  // pre-bundled: its ESM build imports a CommonJS file that the browser cannot load unbundled.
  optimizeDeps: { entries: ['index.html', 'src/engine/worker.ts'] },
});
