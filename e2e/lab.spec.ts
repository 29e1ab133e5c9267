import { readFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import { openFloorplan, runToEnd, waitForEngine, watchConsole } from './helpers';
import { lessons } from '../src/state/lessons';

/**
 * VGG-8's conv and dense weight matrices K × N (K = 3·3·cin for the 3×3 convs), written out from the
 * paper's architecture (48-48-96-96-144-144 convs, FC 2304→384→10), independently of src/models.
 */
const VGG8: [number, number][] = [
  [27, 48],
  [432, 48],
  [432, 96],
  [864, 96],
  [864, 144],
  [1296, 144],
  [2304, 384],
  [384, 10],
];
/** Tiles of the differential mapping with unquantised weights: G⁺ and G⁻, one slice → 2 arrays. */
const expectedTiles = (rows: number, cols: number) =>
  VGG8.reduce((sum, [K, N]) => sum + Math.ceil(K / rows) * Math.ceil(N / cols) * 2, 0);

const field = (page: Page, label: string) => page.getByLabel(label, { exact: true });

async function setText(page: Page, label: string, value: string | number) {
  await field(page, label).fill(String(value));
  await field(page, label).blur();
}

test('the floorplan redraws with the tile count of the chosen tile size', async ({ page }) => {
  const errors = watchConsole(page);
  await page.goto('/');
  await openFloorplan(page);
  const count = page.getByTestId('tile-count');
  await expect(count).toHaveAttribute('data-value', String(expectedTiles(128, 128)));
  await page.screenshot({ path: 'e2e/screenshots/lab-floorplan.png' });

  for (const [rows, cols] of [
    [64, 32],
    [16, 16],
  ] as const) {
    await setText(page, 'Tile rows', rows);
    await setText(page, 'Tile columns', cols);
    await expect(count).toHaveAttribute('data-value', String(expectedTiles(rows, cols)));
  }
  await expect(count).toHaveText(expectedTiles(16, 16).toLocaleString('en'));
  await page.screenshot({ path: 'e2e/screenshots/lab-floorplan-16x16.png' });

  // GoogLeNet at 16 × 16: tens of thousands of tiles, drawn as aggregated blocks without delay.
  await field(page, 'Model').selectOption('googlenet');
  await expect.poll(async () => Number(await count.getAttribute('data-value'))).toBeGreaterThan(20000);
  await page.screenshot({ path: 'e2e/screenshots/lab-floorplan-googlenet.png' });
  expect(errors).toEqual([]);
});

test('a tile opens the inspector with its conductances, ADC histogram and one multiply', async ({ page }) => {
  const errors = watchConsole(page);
  // Default settings (calibrated ranges) on the default backend (WebAssembly on this machine).
  await page.goto('/');
  await waitForEngine(page);
  await openFloorplan(page);
  await page.locator('[data-layer="conv2"]').click();
  const grid = page.getByTestId('tile-grid');
  await expect(grid).toBeVisible();
  await grid
    .locator('canvas')
    .first()
    .click({ position: { x: 3, y: 3 } });
  const inspector = page.getByTestId('tile-inspector');
  await expect(inspector).toBeVisible();
  await expect(inspector.getByRole('heading', { level: 3 })).toContainText('conv2');
  // Waits on the worker's inspectTile: the heat-maps, the histogram and the step-through appear.
  await expect(inspector.locator('canvas.heatmap').first()).toBeVisible();
  await expect(inspector.getByTestId('clipped-fraction')).toContainText('%');
  for (let i = 0; i < 4; i++) await inspector.getByRole('button', { name: 'Next phase →' }).click();
  await expect(inspector.getByTestId('multiply-result')).toContainText('Ideal');
  await inspector.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'e2e/screenshots/lab-inspector.png' });
  expect(errors).toEqual([]);
});

test('Share gives a link that restores every changed value in a new page', async ({ page, context }) => {
  const errors = watchConsole(page);
  await page.goto('/');
  await setText(page, 'ADC bits', 5);
  await setText(page, 'Tile rows', 64);
  await setText(page, 'Random seed', 42);
  await setText(page, 'Images', 500);
  await field(page, 'Weight mapping').selectOption('offset');
  await field(page, 'DAC mode').selectOption('bitSerial');
  await page.getByLabel('Stuck-at faults').check();
  await setText(page, 'Stuck at G_min (fraction)', 0.02);
  // A value the schema refuses is shown with its message and not kept.
  await field(page, 'DAC bits').fill('40');
  await expect(page.getByRole('alert').filter({ hasText: '16' })).toBeVisible();
  await setText(page, 'DAC bits', 6);

  await page.getByRole('button', { name: 'Share' }).click();
  const link = await page.getByTestId('share-url').inputValue();
  expect(link).toContain('v=2');
  expect(link).toContain('seed=42');
  expect(link).toContain('adcBits=5');
  expect(link).not.toContain('tileCols');

  const other = await context.newPage();
  const otherErrors = watchConsole(other);
  await other.goto(link);
  await expect(field(other, 'ADC bits')).toHaveValue('5');
  await expect(field(other, 'Tile rows')).toHaveValue('64');
  await expect(field(other, 'Random seed')).toHaveValue('42');
  await expect(field(other, 'Images')).toHaveValue('500');
  await expect(field(other, 'DAC bits')).toHaveValue('6');
  await expect(field(other, 'Weight mapping')).toHaveValue('offset');
  await expect(field(other, 'DAC mode')).toHaveValue('bitSerial');
  await expect(other.getByLabel('Stuck-at faults')).toBeChecked();
  await expect(field(other, 'Stuck at G_min (fraction)')).toHaveValue('0.02');
  await expect(other.getByTestId('url-notice')).toHaveCount(0);
  // Restored, not started: nothing runs until Run is pressed.
  await expect(other.getByTestId('experiment-status')).toHaveAttribute('data-status', 'idle');
  expect(errors).toEqual([]);
  expect(otherErrors).toEqual([]);
});

test('a link with garbage values and unknown keys shows a notice and uses the defaults', async ({ page }) => {
  const errors = watchConsole(page);
  await page.goto('/?v=2&adcBits=banana&tileRows=-3&model=resnet&zzz=1&onOffRatio=1e99&dacBits=4');
  const notice = page.getByTestId('url-notice');
  await expect(notice).toBeVisible();
  for (const key of ['adcBits', 'tileRows', 'model', 'zzz', 'onOffRatio'])
    await expect(notice).toContainText(key);
  await expect(field(page, 'ADC bits')).toHaveValue('8');
  await expect(field(page, 'Tile rows')).toHaveValue('128');
  await expect(field(page, 'Model')).toHaveValue('vgg8');
  await expect(field(page, 'DAC bits')).toHaveValue('4');
  await openFloorplan(page);
  await expect(page.getByTestId('tile-count')).toHaveAttribute('data-value', String(expectedTiles(128, 128)));
  await waitForEngine(page);
  await page.screenshot({ path: 'e2e/screenshots/lab-bad-url.png' });
  expect(errors).toEqual([]);
});

test('a lesson link shows its explanation, its settings and hides the training panel', async ({ page }) => {
  const errors = watchConsole(page);
  const lesson = lessons.find((l) => l.id === 'adc')!;
  await page.goto(`/?${lesson.query}`);
  await expect(page.getByTestId('lesson-panel')).toContainText(lesson.title);
  await expect(field(page, 'ADC bits')).toHaveValue(String(lesson.config.periphery.adcBits));
  await expect(page.locator('[data-section="training"]')).toHaveCount(0);
  await expect(page.getByTestId('url-notice')).toHaveCount(0);
  await page.screenshot({ path: 'e2e/screenshots/lab-lesson.png' });
  // The lesson links to its controls: the ADC bits field is highlighted, scrolled to and focused.
  await page
    .getByRole('group', { name: 'Controls of this lesson' })
    .getByRole('button', { name: 'ADC bits' })
    .click();
  await expect(field(page, 'ADC bits')).toBeFocused();
  await expect(page.locator('.lesson-focus[data-path="periphery.adcBits"]')).toBeVisible();
  // Class mode: every settings section hidden leaves the workspace alone.
  await page.goto('/?hide=experiment,crossbar,periphery,device,training&lesson=ideal');
  await expect(page.getByRole('complementary', { name: 'Settings' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: '▶ Run' })).toBeVisible();
  expect(errors).toEqual([]);
});

test('two tiny inference runs appear in the table and the chart, and the CSV export parses', async ({
  page,
}) => {
  const errors = watchConsole(page);
  // Tiny runs on the default backend: 8 test images, 2 calibration images, default calibrated ranges.
  await page.goto('/?calibrationImages=2');
  await setText(page, 'Images', 8);
  await setText(page, 'Runs', 1);
  await waitForEngine(page);

  await page.getByRole('button', { name: '▶ Run' }).click();
  await runToEnd(page);
  // The default chip (8-bit converters, calibrated ranges) reads every layer closely: on the WASM backend
  // its SNRs are 25–41 dB and it classifies these 8 images as the digital network does (92 % on all
  // 10,000). Tiled layers with many row tiles (conv6: 11, fc1: 18) once broke on WebGPU (AddN limit).
  const snr = await page
    .getByTestId('layer-snr')
    .locator('li')
    .evaluateAll((items) => items.map((li) => Number(li.getAttribute('data-snr-db'))));
  expect(snr).toHaveLength(8);
  for (const db of snr) expect(db).toBeGreaterThan(20);
  expect(
    Number(await page.getByTestId('run-accuracy').first().getAttribute('data-value')),
  ).toBeGreaterThanOrEqual(0.75);
  await setText(page, 'ADC bits', 4);
  await page.getByRole('button', { name: '▶ Run' }).click();
  await runToEnd(page);

  const rows = page.getByTestId('results-table').locator('tbody tr');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toContainText('adcBits=8');
  await expect(rows.nth(1)).toContainText('adcBits=4');
  // One batch per run: each run is a dot on the per-run chart (no per-batch chart of lone dots).
  const chart = page.getByTestId('per-run-chart');
  await expect(chart).toHaveAttribute('data-series', '2');
  await expect(chart.locator('.recharts-line-dot')).toHaveCount(2);
  await expect(chart.locator('.recharts-line-dot').nth(1)).toBeVisible();
  await expect(page.getByTestId('inference-chart')).toHaveCount(0);
  // The digital network on the same 8 images is beside each run.
  await expect(rows.nth(0).getByTestId('run-baseline')).toContainText('%');
  await page.screenshot({ path: 'e2e/screenshots/lab-runs.png' });
  // The tooltip is mounted only under the pointer (chartFrame.tsx): none before, the run's value on hover.
  await expect(chart.locator('.recharts-tooltip-wrapper')).toHaveCount(0);
  await chart.locator('.recharts-line-dot').nth(1).hover();
  await expect(chart.locator('.recharts-tooltip-wrapper')).toContainText('%');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export CSV' }).click(),
  ]);
  const csv = await readFile((await download.path())!, 'utf8');
  const lines = csv.trim().split(/\r?\n/);
  expect(lines).toHaveLength(3);
  const header = lines[0]!.split(',');
  const col = (name: string) => header.indexOf(name);
  expect(col('adcBits')).toBeGreaterThan(0);
  const records = lines.slice(1).map((l) => l.split(','));
  expect(records.map((r) => r[col('adcBits')])).toEqual(['8', '4']);
  // The per-run chart as SVG: a standalone vector file with its title, legend and the runs' dots.
  const [svgDownload] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('per-run-chart').locator('..').getByRole('button', { name: 'Save SVG' }).click(),
  ]);
  const svg = await readFile((await svgDownload.path())!, 'utf8');
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  expect(svg).toContain('Accuracy of each run');
  expect(svg.match(/recharts-line-dot"/g)?.length).toBe(2);
  for (const r of records) {
    expect(r[col('status')]).toBe('finished');
    const accuracy = Number(r[col('mean_accuracy')]);
    expect(accuracy).toBeGreaterThanOrEqual(0);
    expect(accuracy).toBeLessThanOrEqual(1);
  }
  expect(errors).toEqual([]);
});

test('screenshots: dark mode and a tablet-width layout', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto('/');
  await openFloorplan(page);
  await expect(page.getByTestId('tile-count')).toBeVisible();
  await page.locator('[data-layer="fc1"]').click();
  await page.screenshot({ path: 'e2e/screenshots/lab-dark.png' });
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 820, height: 1100 });
  await page.screenshot({ path: 'e2e/screenshots/lab-tablet.png' });
});
