/// <reference types="node" />
/** Picks the tfjs backend in Node (CPU, or WASM for inference speed), for scripts and tests. */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import path from 'node:path';
import { repoRoot } from './paths';

export async function selectBackend(name: 'cpu' | 'wasm'): Promise<void> {
  if (name === 'wasm') {
    // In Node the .wasm binaries are read from disk; the path must end with a slash.
    setWasmPaths(`${path.join(repoRoot, 'node_modules/@tensorflow/tfjs-backend-wasm/dist')}/`);
  }
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend ${name} failed to initialise`);
  await tf.ready();
}
