import { expect, test, type Page } from '@playwright/test';
import { deprioritiseSoftwareGpu, runToEnd, waitForEngine, watchConsole, workerTensors } from './helpers';

/**
 * The routines of issue 4 in the browser: GoogLeNet inference on real CIFAR-10 test images through the
 * worker on WebGPU (SwiftShader here), streaming into the chart; no main-thread task over 50 ms while a
 * run streams; and the worker's tensor count unchanged by repeated and stopped runs.
 * Workloads stay tiny: SwiftShader is a CPU rasteriser, ~50× slower than the WASM backend.
 */

// Long tasks are wall time: keep SwiftShader's CPU work (a real GPU's work) from stretching the page's.
let restoreGpuPriority = () => {};
test.beforeEach(() => {
  restoreGpuPriority = deprioritiseSoftwareGpu();
});
test.afterEach(() => restoreGpuPriority());
// On the 2-core CI machine the page's work when a GoogLeNet run finishes passed 50 ms in about half of the
// tries (52–55 ms) while SwiftShader kept both cores busy: React's commit of the finished views plus a
// layout forced by recharts' Tooltip, now mounted only under the pointer (chartFrame.tsx); 4 of 4 runs
// since without a long task. One retry stays for OS preemption; a page that blocks for real fails both.
test.describe.configure({ retries: 1 });

/** Starts collecting main-thread long tasks (≥ 50 ms by the Long Tasks API's definition). */
async function watchLongTasks(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __longTasks: { start: number; duration: number; name: string }[] };
    w.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries())
        w.__longTasks.push({ start: e.startTime, duration: e.duration, name: e.name });
    }).observe({ type: 'longtask', buffered: false });
  });
}

async function longTasks(page: Page): Promise<{ start: number; duration: number; name: string }[]> {
  return page.evaluate(
    () =>
      (window as unknown as { __longTasks: { start: number; duration: number; name: string }[] }).__longTasks,
  );
}

test('GoogLeNet inference on real test images runs on WebGPU and streams into the chart; long tasks measured', async ({
  page,
}) => {
  // SwiftShader compiles every WebGPU pipeline on the CPU: GoogLeNet's ~65 layer shapes take minutes.
  test.setTimeout(420_000);
  const errors = watchConsole(page);
  // Two test images, one run, every layer on simulated tiles with an 8-bit DAC. Ideal ADC and dynamic
  // ranges: the layers take the fused path and need no calibration pass (SwiftShader is ~50× slower
  // than WASM; the tiled ADC path is covered on VGG-8 and in the unit tests).
  await page.goto(
    '/?backend=webgpu&model=googlenet&images=2&runs=1&adcBits=0&adcRange=dynamic&inputScaling=dynamic',
  );
  expect(await waitForEngine(page)).toBe('webgpu');
  await expect(page.getByTestId('run-summary')).toContainText('GoogLeNet inference on the first 2 CIFAR-10');
  // Page-load work is over: the run views were drawn once, hidden (src/ui/runs/RunViewsWarmUp.tsx).
  await expect(page.locator('html')).toHaveAttribute('data-run-views', 'warm');

  await watchLongTasks(page);
  const started = Date.now();
  await page.getByRole('button', { name: '▶ Run' }).click();
  await runToEnd(page, 'finished', 400_000);
  const seconds = (Date.now() - started) / 1000;
  const tasks = await longTasks(page);

  const chart = page.getByTestId('per-run-chart');
  await expect(chart).toHaveAttribute('data-series', '1');
  expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThan(0);
  const accuracy = page.getByTestId('run-accuracy');
  await expect(accuracy).toContainText('%');
  const mean = Number(await accuracy.getAttribute('data-value'));
  // Two images: 0, 0.5 or 1 (GoogLeNet's digital accuracy is 95 %, so usually 1).
  expect([0, 0.5, 1]).toContain(mean);
  console.log(`GoogLeNet run: ${seconds.toFixed(1)} s; long tasks: ${JSON.stringify(tasks)}`);
  // SPEC: no main-thread task over 50 ms during a run. The Long Tasks API reports tasks of 50 ms or more.
  expect(tasks).toEqual([]);
  expect(errors).toEqual([]);
});

test('the worker holds the same number of tensors after repeated runs and after a stopped run', async ({
  page,
}) => {
  const errors = watchConsole(page);
  // VGG-8 with the default settings (tiled reads, 8-bit ADC, calibrated ranges) on the default backend.
  await page.goto('/?images=8&runs=1&calibrationImages=2');
  await waitForEngine(page);
  await expect(page.locator('html')).toHaveAttribute('data-run-views', 'warm');
  await watchLongTasks(page);
  const run = page.getByRole('button', { name: '▶ Run' });

  await run.click();
  await runToEnd(page);
  const afterFirst = await workerTensors(page);
  await run.click();
  await runToEnd(page);
  const afterSecond = await workerTensors(page);

  // A longer third experiment (10 runs of 8 images), stopped once its first points have streamed in.
  await page.getByLabel('Runs', { exact: true }).fill('10');
  await page.getByLabel('Runs', { exact: true }).blur();
  await run.click();
  const chart = page.getByTestId('per-run-chart');
  await expect(chart).toHaveAttribute('data-series', '3');
  await page.getByRole('button', { name: '■ Stop' }).click();
  await runToEnd(page, 'stopped');
  const afterStop = await workerTensors(page);

  console.log(`tensors: ${afterFirst}, ${afterSecond}, ${afterStop}`);
  expect(afterFirst).toBeGreaterThan(0);
  expect(afterSecond).toBe(afterFirst);
  expect(afterStop).toBe(afterFirst);
  // Three runs streaming points into the chart, one of them stopped: no main-thread task over 50 ms.
  const tasks = await longTasks(page);
  console.log(`long tasks during three VGG-8 runs: ${JSON.stringify(tasks)}`);
  expect(tasks).toEqual([]);
  expect(errors).toEqual([]);
});
