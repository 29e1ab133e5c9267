import { expect, test } from '@playwright/test';
import { runToEnd, waitForEngine, watchConsole } from './helpers';

/**
 * The dev server and the production build send COOP/COEP (vite.config.ts), so the page is cross-origin
 * isolated and the WASM backend runs its threaded SIMD build with one thread per logical processor (at
 * most 8), and the badge says how many; the sim's kernel module starts as many threads of its own
 * (nested workers on the shared heap, src/sim/kernels/wasm/threads.ts). In the production build this needs the threaded glue kept
 * runnable as text (vite.config.ts, `wasmThreadsGlue`): its pthread workers failed there before.
 * WASM is forced so that the test means the same on a machine with a GPU.
 */
test('the page is cross-origin isolated and WASM and the sim kernels run one thread per core', async ({
  page,
}, info) => {
  const errors = watchConsole(page);
  await page.goto('/?backend=wasm&images=8&runs=1&calibrationImages=2');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  expect(await waitForEngine(page)).toBe('wasm');

  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  const threads = Math.min(cores, 8);
  if (cores >= 2) expect(threads).toBeGreaterThanOrEqual(2);
  await expect(page.getByTestId('backend-adapter')).toHaveText(
    threads > 1
      ? `CPU (WebAssembly), ${threads} threads, SIMD ADC kernel on ${threads} threads`
      : 'CPU (WebAssembly), 1 thread, SIMD ADC kernel',
  );
  console.log(`[${info.project.name}] ${cores} logical processors, WASM on ${threads} threads`);

  await page.getByRole('button', { name: '▶ Run' }).click();
  await runToEnd(page);
  expect(errors).toEqual([]);
});
