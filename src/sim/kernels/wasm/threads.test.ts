/**
 * The kernel threads (`threads.ts`) with real threads: helpers on Node's worker_threads share a
 * WebAssembly.Memory with this thread, as the browser's nested workers share tfjs-wasm's heap. A call
 * split between this thread and 1 or 3 helpers writes the same bytes and gives the same reductions as
 * the one-thread call, for every kernel a helper runs; a helper's failure surfaces as an error.
 */
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { randomArray } from '../../testUtils';
import { KERNEL_NAMES, type KernelName } from './jobs';
import { kernelModuleBytes } from './module';
import {
  kernelThreadsOn,
  MIN_SPLIT_VALUES,
  runSplit,
  startKernelThreads,
  stopKernelThreads,
  type SpawnHelper,
} from './threads';

const spawnNodeHelper: SpawnHelper = (onReady, onError) => {
  const worker = new Worker(new URL('./threads.testWorker.mjs', import.meta.url));
  worker.on('message', (m) => (m === 'ready' ? onReady() : onError(String(m))));
  worker.on('error', (e) => onError(e.message));
  return worker;
};

afterEach(() => stopKernelThreads());

/** Values per source; n is odd and past the split threshold, so the parts are unequal and the last short. */
const n = MIN_SPLIT_VALUES * 3 + 7;
const PAGE = 65536;

function setUp(rounding: 'halfEven' | 'floor') {
  const bytesNeeded = 4 * n * 7 + 64;
  const memory = new WebAssembly.Memory({
    initial: Math.ceil(bytesNeeded / PAGE),
    maximum: 4096,
    shared: true,
  });
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(kernelModuleBytes(rounding, true)), {
    env: { memory },
  });
  const local = (name: KernelName, args: number[]) => (exports[name] as (...a: number[]) => number)(...args);
  const heap = new Float32Array(memory.buffer);
  // Four sources, then two accumulators (one-thread and split), all 16-byte aligned.
  const at = (i: number) => i * (Math.ceil(n / 4) * 4);
  for (let s = 0; s < 4; s++) heap.set(randomArray(n, 10 + s, 8), at(s));
  return { memory, local, heap, at };
}

describe('kernel threads', () => {
  for (const helpers of [1, 3])
    for (const rounding of ['halfEven', 'floor'] as const)
      it(`${helpers} helper(s), ${rounding}: every kernel split equals the one-thread call`, async () => {
        const { memory, local, heap, at } = setUp(rounding);
        expect(await startKernelThreads(memory, helpers, spawnNodeHelper)).toBe(helpers);
        const threads = kernelThreadsOn(memory)!;
        expect(threads.helpers).toHaveLength(helpers);
        for (const name of KERNEL_NAMES) {
          const sources = name.startsWith('adc') && name !== 'adcValues' ? Number(name.slice(3)) : 1;
          const args = (acc: number) => (from: number, count: number) =>
            name === 'absMax' || name === 'min' || name === 'max'
              ? [4 * (at(0) + from), count]
              : [
                  ...Array.from({ length: sources }, (_, s) => 4 * (at(s) + from)),
                  4 * (at(acc) + from),
                  count,
                  0.25,
                  0.5,
                  -7,
                  7,
                ];
          heap.fill(1.5, at(4), at(6));
          const one = runSplit(null, local, rounding, name, n, args(4));
          const split = runSplit(threads, local, rounding, name, n, args(5));
          expect(one).toHaveLength(1);
          expect(split).toHaveLength(helpers + 1);
          if (name === 'absMax' || name === 'max') expect(Math.max(...split)).toBe(one[0]);
          else if (name === 'min') expect(Math.min(...split)).toBe(one[0]);
          else expect(heap.subarray(at(5), at(5) + n)).toEqual(heap.subarray(at(4), at(4) + n));
        }
      });

  it('runs a short call on this thread alone', async () => {
    const { memory, local, at } = setUp('halfEven');
    await startKernelThreads(memory, 1, spawnNodeHelper);
    const calls: number[][] = [];
    const spy = (name: KernelName, args: number[]) => (calls.push(args), local(name, args));
    runSplit(kernelThreadsOn(memory), spy, 'halfEven', 'absMax', MIN_SPLIT_VALUES - 1, (from, count) => [
      4 * (at(0) + from),
      count,
    ]);
    expect(calls).toEqual([[4 * at(0), MIN_SPLIT_VALUES - 1]]);
  });

  it('reports a helper’s failed call (an address past the heap) as an error', async () => {
    const { memory, local } = setUp('halfEven');
    await startKernelThreads(memory, 1, spawnNodeHelper);
    const past = memory.buffer.byteLength;
    expect(() =>
      runSplit(kernelThreadsOn(memory), local, 'halfEven', 'absMax', 2 * MIN_SPLIT_VALUES, (from, count) => [
        from === 0 ? 0 : past,
        count,
      ]),
    ).toThrow(/a kernel thread failed: absMax/);
  });

  it('starts none on an unshared memory or without a way to spawn', async () => {
    const plain = new WebAssembly.Memory({ initial: 1 });
    expect(await startKernelThreads(plain, 1, spawnNodeHelper)).toBe(0);
    const shared = new WebAssembly.Memory({ initial: 1, maximum: 16, shared: true });
    expect(await startKernelThreads(shared, 1, null)).toBe(0);
    expect(kernelThreadsOn(shared)).toBeNull();
  });
});
