/**
 * The hand-over between the calling thread and a kernel helper thread (`threads.ts`): one
 * SharedArrayBuffer per helper, laid out as
 *
 *   Int32 [0] job number (the caller writes it last)   [1] done number (the helper writes it last)
 *         [2] kernel index in KERNEL_NAMES             [3] rounding index in ADC_ROUNDINGS
 *         [4] argument count                           [5] 1 when the helper's call threw
 *   Float64 from byte 32: MAX_ARGS arguments, then the result.
 *
 * and the helper's loop (`serveKernelJobs`), which waits on the job number with Atomics.wait. No imports:
 * the helper receives the compiled modules, so this file is all a helper worker runs.
 */
import type { AdcRounding } from './module';

/** The module's exports a helper may run. */
export const KERNEL_NAMES = ['adc1', 'adc2', 'adc3', 'adc4', 'adcValues', 'absMax', 'min', 'max'] as const;
export type KernelName = (typeof KERNEL_NAMES)[number];
/** One compiled module per rounding, in this order. */
export const ADC_ROUNDINGS: readonly AdcRounding[] = ['halfEven', 'halfUp', 'floor'];
/** adc4 takes the most: 4 sources, acc, n, origin, step, kMin, kMax. */
export const MAX_ARGS = 10;

/** Int32 slots of the control block. */
export const Slot = { Job: 0, Done: 1, Kernel: 2, Rounding: 3, ArgCount: 4, Failed: 5 } as const;
const ARGS_BYTE_OFFSET = 32;
export const CONTROL_BYTES = ARGS_BYTE_OFFSET + 8 * (MAX_ARGS + 1);

export function controlViews(control: SharedArrayBuffer) {
  return {
    ints: new Int32Array(control, 0, ARGS_BYTE_OFFSET / 4),
    nums: new Float64Array(control, ARGS_BYTE_OFFSET, MAX_ARGS + 1),
  };
}

/** What a helper receives once: the shared heap, the modules (ADC_ROUNDINGS' order), its control block. */
export interface KernelThreadInit {
  memory: WebAssembly.Memory;
  modules: WebAssembly.Module[];
  control: SharedArrayBuffer;
}

type Exported = (...args: number[]) => number | undefined;

/** A helper's life: instantiate the modules on the heap, say `ready`, then run jobs until terminated. */
export function serveKernelJobs(init: KernelThreadInit, ready: () => void): never {
  const instances = init.modules.map(
    (m) => new WebAssembly.Instance(m, { env: { memory: init.memory } }).exports as Record<string, Exported>,
  );
  const { ints, nums } = controlViews(init.control);
  let seen = Atomics.load(ints, Slot.Job);
  ready();
  for (;;) {
    Atomics.wait(ints, Slot.Job, seen);
    const job = Atomics.load(ints, Slot.Job);
    if (job === seen) continue;
    seen = job;
    try {
      const fn = instances[ints[Slot.Rounding]!]![KERNEL_NAMES[ints[Slot.Kernel]!]!]!;
      nums[MAX_ARGS] = fn(...Array.from(nums.subarray(0, ints[Slot.ArgCount]!))) ?? 0;
      ints[Slot.Failed] = 0;
    } catch {
      ints[Slot.Failed] = 1;
    }
    Atomics.store(ints, Slot.Done, seen);
    Atomics.notify(ints, Slot.Done);
  }
}
