import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Vite serves public/ (pretrained weights, downloaded CIFAR-10) as-is.
// Workers are bundled as ES modules: the default 'iife' cannot code-split (vitejs/vite#5402).
export default defineConfig({
  plugins: [react()],
  worker: { format: 'es' },
  server: { port: 5173, strictPort: false },
  preview: { port: 4173 },
  build: { target: 'es2022', chunkSizeWarningLimit: 4000 },
  optimizeDeps: { exclude: ['@tensorflow/tfjs-backend-wasm'] },
});
