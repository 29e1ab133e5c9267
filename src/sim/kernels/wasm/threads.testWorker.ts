/** A kernel thread for `threads.test.ts` on Node's worker_threads (the browser runs kernelThread.worker.ts). */
import { parentPort } from 'node:worker_threads';
import { serveKernelJobs, type KernelThreadInit } from './jobs';

parentPort!.once('message', (init: KernelThreadInit) => {
  try {
    serveKernelJobs(init, () => parentPort!.postMessage('ready'));
  } catch (error) {
    parentPort!.postMessage(error instanceof Error ? error.message : String(error));
  }
});
