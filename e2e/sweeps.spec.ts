import { readFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import { openFloorplan, runToEnd, waitForEngine, watchConsole } from './helpers';

/**
 * Trade-off sweeps on tiny workloads (8 test images, 1 run, 2 calibration images, VGG-8 on the default
 * backend): accuracy against ADC bits with the Pareto chart of accuracy against estimated cost, a grid
 * drawn as a heat map, the points' CSV, loading a point by clicking it, and the cost estimate of the
 * settings beside the per-layer SNR and in the Floorplan tab.
 */
const TINY = '/?images=8&runs=1&calibrationImages=2';

async function runSweep(page: Page, query: string, points: number): Promise<void> {
  await page.goto(`${TINY}&${query}`);
  await waitForEngine(page);
  await expect(page.getByTestId('run-summary')).toContainText(`At each of the ${points} points of the sweep`);
  await page.getByRole('button', { name: '▶ Run sweep' }).click();
  await runToEnd(page, 'finished', 170_000);
}

test('a 3-point ADC-bits sweep gives three points, a Pareto chart and a CSV; a click loads a point', async ({
  page,
}) => {
  test.setTimeout(240_000);
  const errors = watchConsole(page);
  await runSweep(page, 'sweep=adcBits:3,5,8', 3);

  await expect(page.getByTestId('sweep-chart')).toHaveAttribute('data-points', '3');
  const pareto = page.getByTestId('pareto-chart');
  await expect(pareto).toHaveAttribute('data-points', '3');
  await expect(pareto).toHaveAttribute('data-metric', 'energy');
  const front = Number(await pareto.getAttribute('data-front'));
  expect(front).toBeGreaterThanOrEqual(1);
  expect(front).toBeLessThanOrEqual(3);
  // One circle per point, front and others; the front is also listed as buttons.
  await expect(pareto.locator('svg.recharts-surface circle')).toHaveCount(3);
  const frontButtons = page.locator('.pareto-front button');
  await expect(frontButtons).toHaveCount(front);
  // The cheapest point in energy is the 3-bit one (a flash ADC's energy grows as 2^b), always on the front.
  await expect(frontButtons.first()).toContainText('ADC bits = 3');
  // No heat map for one axis.
  await expect(page.getByTestId('sweep-heatmap')).toHaveCount(0);

  // Chip area on the x axis instead.
  await page.getByLabel('Cost axis').selectOption('area');
  await expect(pareto).toHaveAttribute('data-metric', 'area');
  await expect(pareto).toContainText('Chip area, mm² (estimate)');
  await page.screenshot({ path: 'e2e/screenshots/sweep-pareto.png', fullPage: true });

  // The per-layer SNR of the last point, with its estimated cost per layer beside it.
  await expect(page.getByTestId('layer-snr').locator('li')).toHaveCount(8);
  await expect(page.getByTestId('layer-cost').locator('li')).toHaveCount(8);
  await expect(page.getByTestId('layer-cost')).toContainText('ADC bits = 8');

  // The points as CSV: one row per point with the estimated cost.
  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Points CSV' }).click();
  const csv = (await readFile((await (await downloading).path())!, 'utf8')).trim().split('\r\n');
  expect(csv[0]).toBe(
    'point,adcBits,images,runs,mean_accuracy,std_accuracy,run_1_accuracy,' +
      'estimated_area_mm2,estimated_energy_uJ_per_image,estimated_latency_us_per_image',
  );
  expect(csv.slice(1).map((row) => row.split(',').slice(0, 4))).toEqual([
    ['0', '3', '8', '1'],
    ['1', '5', '8', '1'],
    ['2', '8', '8', '1'],
  ]);

  // Clicking a point of the front loads its settings and clears the sweep.
  await frontButtons.first().click();
  await expect(page.getByTestId('run-summary')).not.toContainText('sweep');
  await expect(page.getByLabel('ADC bits', { exact: true })).toHaveValue('3');

  // The Floorplan tab estimates the cost of these settings.
  await openFloorplan(page);
  const cost = page.getByTestId('cost-estimate');
  await expect(cost).toContainText('estimate, not a measurement');
  await expect(cost.getByTestId('cost-area')).toContainText('mm²');
  await expect(cost.getByTestId('cost-layers').locator('tbody tr')).toHaveCount(8);
  await page.screenshot({ path: 'e2e/screenshots/cost-estimate.png', fullPage: true });
  expect(errors).toEqual([]);
});

test('a 2×2 grid of ADC bits × tile rows draws a heat map of 4 cells', async ({ page }) => {
  test.setTimeout(240_000);
  const errors = watchConsole(page);
  await runSweep(page, 'sweep=adcBits:4,8&sweep2=tileRows:64,128', 4);

  const heatmap = page.getByTestId('sweep-heatmap');
  await expect(heatmap).toHaveAttribute('data-cells', '4');
  const cells = heatmap.getByTestId('heatmap-cell');
  await expect(cells).toHaveCount(4);
  // Each cell writes its mean accuracy and is coloured; the legend gives the scale's ends.
  for (const cell of await cells.all()) {
    await expect(cell).toContainText('%');
    expect(await cell.evaluate((el) => getComputedStyle(el).backgroundColor)).not.toBe('rgba(0, 0, 0, 0)');
  }
  await expect(heatmap.locator('.heatmap-legend')).toContainText('%');
  await expect(heatmap.locator('thead th')).toHaveText(['ADC bits ↓ · Tile rows →', '64', '128']);
  await expect(heatmap.locator('tbody th')).toHaveText(['4', '8']);
  await expect(page.getByTestId('pareto-chart')).toHaveAttribute('data-points', '4');
  await heatmap.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'e2e/screenshots/sweep-heatmap.png', fullPage: true });

  // A cell loads its point: 8-bit ADC on 64-row tiles.
  await cells.nth(2).click();
  await expect(page.getByLabel('ADC bits', { exact: true })).toHaveValue('8');
  await expect(page.getByLabel('Tile rows', { exact: true })).toHaveValue('64');
  expect(errors).toEqual([]);
});
