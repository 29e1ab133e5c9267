/**
 * The kernel module's functions on every core. tfjs-wasm's threaded build runs its own kernels (matMul,
 * conv) on its thread pool, but the module's functions ran on the calling thread alone: on 16×16 tiles
 * the ADC's pass over the currents was the largest single-threaded share of a read. Helper threads —
 * workers (`kernelThread.worker.ts`) that instantiate the same module on tfjs-wasm's shared heap — each
 * run one part of a call (a range of the values) while the calling thread runs the first part.
 *
 * A call passes through a SharedArrayBuffer per helper (`jobs.ts`: kernel, rounding, arguments; Atomics
 * for the hand-over), so no message and no copy per call. The parts are disjoint ranges of an
 * element-wise or a min/max/abs-max pass, so the result is the one-thread result exactly.
 */
import { kernelModuleBytes, type AdcRounding } from './module';
import {
  ADC_ROUNDINGS,
  CONTROL_BYTES,
  controlViews,
  KERNEL_NAMES,
  MAX_ARGS,
  Slot,
  type KernelName,
  type KernelThreadInit,
} from './jobs';

/** Below this many values a call runs on the calling thread alone (the hand-over costs ~10–50 µs). */
export const MIN_SPLIT_VALUES = 1 << 16;
/** How long a helper may take to start before the calls run on one thread (ms). */
const START_TIMEOUT_MS = 10_000;

/** What a helper thread needs of a worker: the browser's Worker, or a test's Node worker_threads Worker. */
export interface HelperWorker {
  postMessage(message: KernelThreadInit): void;
  terminate(): unknown;
}
/** Starts one helper worker; `onReady` / `onError` once it has instantiated the module or failed. */
export type SpawnHelper = (onReady: () => void, onError: (reason: string) => void) => HelperWorker;

interface Helper {
  worker: HelperWorker;
  ints: Int32Array;
  nums: Float64Array;
}

/** Helper threads on one heap, and whether this thread may block in Atomics.wait (a worker may). */
export interface KernelThreads {
  memory: WebAssembly.Memory;
  helpers: Helper[];
  canBlock: boolean;
}

let active: KernelThreads | null = null;

/** The helpers running on `memory`'s heap, if any. */
export function kernelThreadsOn(memory: WebAssembly.Memory): KernelThreads | null {
  return active?.memory === memory ? active : null;
}

/** Whether this agent may block in Atomics.wait (browsers forbid it on a page's main thread). */
function agentCanBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** The browser's way to start a helper: a module worker that Vite bundles (`new URL` inside `new Worker`). */
function spawnBrowserHelper(onReady: () => void, onError: (reason: string) => void): HelperWorker {
  const worker = new Worker(new URL('./kernelThread.worker.ts', import.meta.url), {
    type: 'module',
    name: 'crossbar-kernel-thread',
  });
  worker.onmessage = (event: MessageEvent<unknown>) =>
    event.data === 'ready' ? onReady() : onError(String(event.data));
  worker.onerror = (event) => onError(event.message || 'the kernel thread failed to start');
  return worker;
}

/**
 * Starts `count` helper threads on the shared heap `memory` (tfjs-wasm's threaded build), replacing any
 * before. Resolves to the number that started: 0 where the heap is not shared, workers or Atomics are out
 * of reach, or a helper failed (then the calls run on one thread, as before).
 */
export async function startKernelThreads(
  memory: WebAssembly.Memory,
  count: number,
  spawn: SpawnHelper | null = typeof Worker === 'undefined' ? null : spawnBrowserHelper,
): Promise<number> {
  stopKernelThreads();
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  if (!shared || !spawn || count < 1) return 0;
  const modules = ADC_ROUNDINGS.map((r: AdcRounding) => kernelModuleBytes(r, true));
  if (!modules.every((bytes) => WebAssembly.validate(bytes))) return 0;
  const compiled = modules.map((bytes) => new WebAssembly.Module(bytes));
  const helpers: Helper[] = [];
  try {
    await Promise.all(
      Array.from(
        { length: count },
        () =>
          new Promise<void>((resolve, reject) => {
            const control = new SharedArrayBuffer(CONTROL_BYTES);
            const timer = setTimeout(
              () => reject(new Error('a kernel thread did not start in time')),
              START_TIMEOUT_MS,
            );
            const worker = spawn(
              () => {
                clearTimeout(timer);
                resolve();
              },
              (reason) => {
                clearTimeout(timer);
                reject(new Error(reason));
              },
            );
            helpers.push({ worker, ...controlViews(control) });
            worker.postMessage({ memory, modules: compiled, control });
          }),
      ),
    );
  } catch {
    for (const h of helpers) h.worker.terminate();
    return 0;
  }
  active = { memory, helpers, canBlock: agentCanBlock() };
  return helpers.length;
}

/** Stops the helper threads (a new backend, or a test's end). */
export function stopKernelThreads(): void {
  for (const h of active?.helpers ?? []) h.worker.terminate();
  active = null;
}

/**
 * Runs kernel `name` (with `rounding`'s module) over n values: `args(at, count)` gives a part's arguments
 * for values at … at + count − 1. With helpers and n ≥ MIN_SPLIT_VALUES the values are split in equal
 * parts (multiples of 4: whole SIMD lanes), the helpers' started first; else one call. Returns each
 * part's result, in order.
 */
export function runSplit(
  threads: KernelThreads | null,
  local: (name: KernelName, args: number[]) => number,
  rounding: AdcRounding,
  name: KernelName,
  n: number,
  args: (at: number, count: number) => number[],
): number[] {
  const parts = threads && n >= MIN_SPLIT_VALUES ? threads.helpers.length + 1 : 1;
  if (parts === 1) return [local(name, args(0, n))];
  const size = Math.ceil(n / parts / 4) * 4;
  const partArgs = (p: number) => {
    const at = Math.min(p * size, n);
    return args(at, Math.min(size, n - at));
  };
  // Helper i runs part i + 1 (an empty part at the end of a short call is skipped).
  const started = threads!.helpers.map((h, i) =>
    (i + 1) * size < n ? post(h, rounding, name, partArgs(i + 1)) : null,
  );
  const results = [local(name, partArgs(0))];
  threads!.helpers.forEach((h, i) => {
    const seq = started[i];
    if (seq !== null && seq !== undefined) results.push(finish(h, seq, threads!.canBlock));
  });
  return results;
}

/** Hands a job to a helper; returns its sequence number. */
function post(h: Helper, rounding: AdcRounding, name: KernelName, args: number[]): number {
  if (args.length > MAX_ARGS) throw new Error(`${name}: ${args.length} arguments, at most ${MAX_ARGS}`);
  h.nums.set(args);
  h.ints[Slot.Kernel] = KERNEL_NAMES.indexOf(name);
  h.ints[Slot.Rounding] = ADC_ROUNDINGS.indexOf(rounding);
  h.ints[Slot.ArgCount] = args.length;
  const seq = (h.ints[Slot.Job]! + 1) | 0;
  // The store is sequentially consistent: the helper that sees the new number sees the job above.
  Atomics.store(h.ints, Slot.Job, seq);
  Atomics.notify(h.ints, Slot.Job);
  return seq;
}

/** Waits for a helper's job `seq` and returns its result; throws what the helper reported. */
function finish(h: Helper, seq: number, canBlock: boolean): number {
  for (;;) {
    const done = Atomics.load(h.ints, Slot.Done);
    if (done === seq) break;
    if (canBlock) Atomics.wait(h.ints, Slot.Done, done);
  }
  if (h.ints[Slot.Failed] !== 0)
    throw new Error(`a kernel thread failed: ${KERNEL_NAMES[h.ints[Slot.Kernel]!]}`);
  return h.nums[MAX_ARGS]!;
}
