import { expect, test } from '@playwright/test';
import { openQuickCheck, setField, waitForEngine, watchConsole } from './helpers';

test('runs the slice on real CIFAR-10 with WebGPU, streams points, finishes, and stops a second run', async ({
  page,
}) => {
  const errors = watchConsole(page);
  await page.goto('/');
  await openQuickCheck(page);
  expect(await waitForEngine(page)).toBe('webgpu');
  // The adapter is real (SwiftShader here), not a silent fallback (emscripten PR #20034).
  await expect(page.getByTestId('backend-adapter')).not.toHaveText('');

  await setField(page, 'Test images', 32);
  await setField(page, 'Batch size', 8);
  const run = page.getByRole('button', { name: 'Run' });
  await expect(run).toBeEnabled();
  await run.click();
  const status = page.getByTestId('run-status');
  await expect(status).toHaveAttribute('data-status', 'finished');
  await expect(status).toContainText('32 / 32 images');
  await expect(page.getByTestId('accuracy-chart')).toHaveAttribute('data-points', '4');
  // recharts drew a line through the points.
  await expect(page.locator('[data-testid="accuracy-chart"] .recharts-line path').first()).toBeVisible();
  await page.screenshot({ path: 'e2e/screenshots/slice-finished.png', fullPage: true });

  // Second run: large enough not to finish before Stop; it must stop between batches.
  await setField(page, 'Test images', 4000);
  await run.click();
  await expect(status).toHaveAttribute('data-status', /running|stopping/);
  await expect
    .poll(async () => Number(await page.getByTestId('accuracy-chart').getAttribute('data-points')))
    .toBeGreaterThan(0);
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(status).toHaveAttribute('data-status', 'stopped');
  const done = Number(await page.getByTestId('accuracy-chart').getAttribute('data-points'));
  expect(done).toBeLessThan(4000 / 8);
  await expect(run).toBeEnabled();

  expect(errors).toEqual([]);
});

test('a forced backend from the URL is used and shown', async ({ page }) => {
  const errors = watchConsole(page);
  await page.goto('/?backend=wasm');
  await openQuickCheck(page);
  expect(await waitForEngine(page)).toBe('wasm');
  await expect(page.getByText('(requested in the URL)')).toBeVisible();
  await setField(page, 'Test images', 16);
  await setField(page, 'Batch size', 8);
  await page.getByRole('button', { name: 'Run' }).click();
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'finished');
  expect(errors).toEqual([]);
});
