import { expect, test } from '@playwright/test';
import { runToEnd, waitForEngine, watchConsole } from './helpers';

/**
 * `npm start` on a fresh copy with no CIFAR-10 and no network (e2e/servers/offlineStart.mjs): the app is
 * served anyway and runs on its built-in starter set; it says which set a result used, and an experiment
 * that needs more images than the starter set holds is refused with a plain message.
 */
test('without CIFAR-10 the default experiment runs on the built-in starter set', async ({ page }) => {
  const errors = watchConsole(page);
  await page.goto('/?images=40&runs=2&calibrationImages=8');
  await waitForEngine(page);
  await expect(page.getByTestId('data-status')).toHaveAttribute('data-full', 'missing');
  await expect(page.getByTestId('data-status')).toContainText('starter set');
  await page.getByRole('button', { name: '▶ Run' }).click();
  await runToEnd(page);

  const row = page.getByTestId('results-table').locator('tbody tr').first();
  await expect(row.getByTestId('run-images')).toContainText('40 × 2 (starter set)');
  // The digital baseline is measured on the same 40 images.
  const baseline = Number(await row.getByTestId('run-baseline').getAttribute('data-value'));
  expect(baseline * 40).toBeCloseTo(Math.round(baseline * 40), 6);
  // One batch per run: each run is a dot on the per-run chart (the per-batch chart stays away).
  const perRun = page.getByTestId('per-run-chart');
  await expect(perRun).toHaveAttribute('data-points', '2');
  await expect(page.getByTestId('inference-chart')).toHaveCount(0);
  await page.screenshot({ path: 'e2e/screenshots/offline-starter-set.png' });

  // More test images than the starter set holds: said before Run, and refused with the same reason.
  await page.getByLabel('Images', { exact: true }).fill('2000');
  await page.getByLabel('Images', { exact: true }).blur();
  await expect(
    page.getByRole('alert').filter({ hasText: 'the built-in starter set has 1,000' }),
  ).toBeVisible();
  await expect(page.getByRole('button', { name: /Run on all 10,000/ })).toBeDisabled();
  await page.getByRole('button', { name: '▶ Run' }).click();
  await runToEnd(page, 'failed');
  await expect(page.getByTestId('experiment-status')).toContainText('the embedded starter set has 1,000');
  expect(errors).toEqual([]);
});
