/**
 * Test hooks on `window` (read by the e2e tests; harmless for users): the worker's tfjs tensor count,
 * so a test can check that repeated and stopped runs leak no tensors.
 */
import type { MemoryReport } from '../engine/protocol';
import { useLab } from '../state/store';

declare global {
  interface Window {
    /** The engine worker's `tf.memory()` (tensors and bytes held). */
    __crossbarMemory?: () => Promise<MemoryReport>;
    /** Destroys the worker's WebGPU device, as a driver reset would (false on another backend). */
    __crossbarLoseGpu?: () => Promise<boolean>;
    /** Terminates the worker, as a crash would. */
    __crossbarKillWorker?: () => void;
  }
}

export function installDebugHooks(target: Window): void {
  target.__crossbarMemory = () => useLab.getState().engineNow().memory();
  target.__crossbarLoseGpu = () => useLab.getState().engineNow().loseGpuDevice();
  target.__crossbarKillWorker = () => useLab.getState().terminateEngine('the worker was terminated');
}
