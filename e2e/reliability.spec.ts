import { expect, test, type Page } from '@playwright/test';
import { runToEnd, waitForEngine, watchConsole } from './helpers';

/**
 * A lost GPU and a crashed worker cost nothing: the run in flight ends as interrupted with the reason,
 * the engine restarts by itself, and the next Run works — no reload, runs and settings kept. And a long
 * session of tiny runs, every third stopped at once, leaves the worker's memory flat.
 */
const memory = (page: Page) =>
  page.evaluate(async () => {
    const hook = (
      window as unknown as {
        __crossbarMemory: () => Promise<{ numTensors: number; gpuBytesAllocated: number | null }>;
      }
    ).__crossbarMemory;
    return hook();
  });

async function interruptMidRun(page: Page, interrupt: () => Promise<unknown>, reason: string) {
  await page.getByRole('button', { name: '▶ Run' }).click();
  const status = page.getByTestId('experiment-status');
  // Mid-run: the chip is programmed and the first batches are being read.
  await expect(status).toHaveAttribute('data-status', 'running', { timeout: 120_000 });
  await interrupt();
  await runToEnd(page, 'interrupted', 60_000);
  await expect(status).toContainText(reason);
  await expect(page.getByRole('alert').filter({ hasText: 'was restarted' })).toBeVisible();
  // The engine is back by itself; the interrupted run stays in the table.
  await waitForEngine(page);
  await expect(page.getByTestId('results-table').locator('tbody tr[data-status="interrupted"]')).toHaveCount(
    1,
  );
  // The next Run works.
  await page.getByLabel('Runs', { exact: true }).fill('1');
  await page.getByLabel('Images', { exact: true }).fill('4');
  await page.getByLabel('Images', { exact: true }).blur();
  await page.getByRole('button', { name: '▶ Run' }).click();
  await runToEnd(page, 'finished', 240_000);
}

test('a WebGPU device lost mid-run ends that run as interrupted; the engine restarts and the next Run completes', async ({
  page,
}) => {
  test.setTimeout(420_000);
  const errors = watchConsole(page);
  await page.goto(
    '/?backend=webgpu&images=60&runs=3&calibrationImages=2&adcBits=0&adcRange=dynamic&inputScaling=dynamic',
  );
  expect(await waitForEngine(page)).toBe('webgpu');
  await interruptMidRun(
    page,
    () =>
      page.evaluate(() =>
        (window as unknown as { __crossbarLoseGpu: () => Promise<boolean> }).__crossbarLoseGpu(),
      ),
    'the GPU device was destroyed',
  );
  await page.screenshot({ path: 'e2e/screenshots/reliability-gpu-lost.png' });
  // Chromium logs the destroyed device's failing GPU calls; the page itself says nothing in red.
  expect(errors.filter((e) => !/WebGPU|GPU|device/i.test(e))).toEqual([]);
});

test('a worker terminated mid-run ends that run as interrupted; the engine restarts and the next Run completes', async ({
  page,
}) => {
  test.setTimeout(300_000);
  const errors = watchConsole(page);
  await page.goto('/?images=500&runs=3&calibrationImages=2');
  await waitForEngine(page);
  await interruptMidRun(
    page,
    () =>
      page.evaluate(() => (window as unknown as { __crossbarKillWorker: () => void }).__crossbarKillWorker()),
    'the worker was terminated',
  );
  expect(errors).toEqual([]);
});

test('fifty tiny runs, every third stopped at once, leave the worker’s tensors and GPU buffers flat', async ({
  page,
}) => {
  test.setTimeout(600_000);
  const errors = watchConsole(page);
  await page.goto('/?backend=webgpu&images=1&runs=1&adcBits=0&adcRange=dynamic&inputScaling=dynamic');
  expect(await waitForEngine(page)).toBe('webgpu');
  const run = page.getByRole('button', { name: '▶ Run' });
  const status = page.getByTestId('experiment-status');
  const samples: { numTensors: number; gpuBytesAllocated: number | null }[] = [];
  for (let i = 1; i <= 50; i++) {
    await run.click();
    if (i % 3 === 0) {
      await page.getByRole('button', { name: '■ Stop' }).click();
      await expect(status).toHaveAttribute('data-status', /stopped|finished/, { timeout: 120_000 });
    } else {
      await runToEnd(page, 'finished', 120_000);
    }
    if (i === 5 || i === 50) samples.push(await memory(page));
  }
  console.log(`worker memory after run 5 and run 50: ${JSON.stringify(samples)}`);
  expect(samples[1]!.numTensors).toBe(samples[0]!.numTensors);
  expect(samples[1]!.gpuBytesAllocated).not.toBeNull();
  expect(samples[1]!.gpuBytesAllocated!).toBeLessThanOrEqual(samples[0]!.gpuBytesAllocated!);
  expect(errors).toEqual([]);
});
