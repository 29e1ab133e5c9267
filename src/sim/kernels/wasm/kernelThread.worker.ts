/**
 * A kernel helper thread (`threads.ts`): instantiates the kernel module on tfjs-wasm's shared heap and
 * runs its part of each call until the engine stops it. Started by the engine worker (a nested worker).
 */
import { serveKernelJobs, type KernelThreadInit } from './jobs';

self.onmessage = (event: MessageEvent<KernelThreadInit>) => {
  self.onmessage = null;
  try {
    serveKernelJobs(event.data, () => self.postMessage('ready'));
  } catch (error) {
    self.postMessage(error instanceof Error ? error.message : String(error));
  }
};
