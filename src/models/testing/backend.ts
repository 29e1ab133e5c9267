/// <reference types="node" />
/** Test and script helper: pick the tfjs backend in Node (CPU, or WASM for inference speed). */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import path from 'node:path';
import { REPO_ROOT } from './nodeFiles';

export async function selectBackend(name: 'cpu' | 'wasm'): Promise<void> {
  if (name === 'wasm') {
    // In Node the .wasm binaries are read from disk; the path must end with a slash.
    setWasmPaths(`${path.join(REPO_ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist')}/`);
  }
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend ${name} failed to initialise`);
  await tf.ready();
}
