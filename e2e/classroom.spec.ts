import { readFile } from 'node:fs/promises';
import { expect, test } from '@playwright/test';
import { runToEnd, waitForEngine, watchConsole } from './helpers';

/**
 * The lab in class: the classroom link builder, one image through both networks, the drift time machine
 * (a read-time sweep in one run), runs that survive a reload, and a runs JSON that imports back.
 * Workloads stay tiny (a few test images) on the default backend.
 */
test('the classroom link hides what was ticked', async ({ page, context }) => {
  const errors = watchConsole(page);
  await page.goto('/?adcBits=5');
  await page.locator('summary', { hasText: 'Classroom link' }).click();
  await page.locator('[data-hide-target="device"]').check();
  await page.locator('[data-hide-target="help"]').check();
  await page.locator('[data-hide-target="floorplan"]').check();
  const link = await page.getByTestId('classroom-url').inputValue();
  expect(link).toContain('hide=device,help,floorplan');
  await page.screenshot({ path: 'e2e/screenshots/classroom-builder.png' });
  await page.locator('summary', { hasText: 'Classroom link' }).click();

  const student = await context.newPage();
  const studentErrors = watchConsole(student);
  await student.goto(link);
  await expect(student.getByLabel('ADC bits', { exact: true })).toHaveValue('5');
  await expect(student.locator('[data-section="device"]')).toHaveCount(0);
  await expect(student.getByRole('tab', { name: 'Floorplan' })).toHaveCount(0);
  // The explanations under the controls are gone; the controls stay.
  await expect(
    student.locator('[data-section="crossbar"] .field-help', { hasText: 'Rows (inputs) per tile' }),
  ).toHaveCount(0);
  await expect(student.getByLabel('Tile rows', { exact: true })).toBeVisible();
  expect(errors).toEqual([]);
  expect(studentErrors).toEqual([]);
});

test('one image: the digital network and the simulated chip give their top-5 side by side', async ({
  page,
}) => {
  const errors = watchConsole(page);
  await page.goto('/?calibrationImages=2&adcBits=4');
  await waitForEngine(page);
  await page.getByRole('tab', { name: 'One image' }).click();
  await page.getByLabel(/Test image/).fill('3');
  await page.getByRole('button', { name: 'Classify' }).click();
  const result = page.getByTestId('single-image-result');
  await expect(result).toBeVisible({ timeout: 120_000 });
  for (const id of ['top5-digital', 'top5-analog']) {
    const items = page.getByTestId(id).locator('li');
    await expect(items).toHaveCount(5);
    const probabilities = await items.evaluateAll((li) =>
      li.map((l) => parseFloat(l.querySelector('.top-value')!.textContent!)),
    );
    // Sorted, and at most 100 % in all.
    expect([...probabilities].sort((a, b) => b - a)).toEqual(probabilities);
    expect(probabilities.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(100.05);
  }
  // Test image 3 of CIFAR-10 is an airplane (label 0 in the official test_batch.bin).
  await expect(result).toContainText('Image 3: airplane');
  await expect(page.getByTestId('single-image-snr').locator('li')).toHaveCount(8);
  await page.screenshot({ path: 'e2e/screenshots/single-image.png' });
  expect(errors).toEqual([]);
});

test('the drift time machine reads one chip at several times in one run, and the runs survive a reload and a JSON round trip', async ({
  page,
}) => {
  test.setTimeout(300_000);
  const errors = watchConsole(page);
  await page.goto(
    '/?images=8&runs=1&calibrationImages=2&preset=pcm&drift.enabled=true&drift.nuModel=pcm&sweep=drift.readTimeSeconds:1,86400,31536000',
  );
  await waitForEngine(page);
  await expect(page.getByTestId('run-summary')).toContainText(
    'At each of the 3 points of the sweep over Read time (3)',
  );
  await page.getByRole('button', { name: '▶ Run sweep' }).click();
  await runToEnd(page, 'finished', 280_000);
  const chart = page.getByTestId('sweep-chart');
  await expect(chart).toHaveAttribute('data-points', '3');
  await expect(chart.locator('.recharts-line-dot')).toHaveCount(3);
  // Read times do not change the hardware: no accuracy-against-cost chart, a sentence saying why.
  await expect(page.getByTestId('no-trade-off')).toBeVisible();
  await expect(page.getByTestId('pareto-chart')).toHaveCount(0);
  await chart.evaluate((el) => el.scrollIntoView({ block: 'center' }));
  await page.screenshot({ path: 'e2e/screenshots/drift-time-machine.png' });
  const rows = page.getByTestId('results-table').locator('tbody tr');
  await expect(rows).toHaveCount(1);
  await expect(rows.first().getByTestId('run-accuracy')).toContainText('3 points');

  // A reload keeps the finished run: the table and its chart come back.
  await page.reload();
  await expect(rows).toHaveCount(1);
  await expect(page.getByTestId('sweep-chart')).toHaveAttribute('data-points', '3');

  // Export JSON, remove the run, import the file: the same run is back in the table.
  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export JSON' }).click();
  const file = await (await downloading).path();
  const label = await rows.first().getByRole('textbox').inputValue();
  await rows
    .first()
    .getByRole('button', { name: /Remove/ })
    .click();
  await expect(rows).toHaveCount(0);
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Import JSON…' }).click();
  await (
    await chooser
  ).setFiles({ name: 'runs.json', mimeType: 'application/json', buffer: await readFile(file!) });
  await expect(page.getByTestId('runs-import-message')).toContainText('Imported 1 run');
  await expect(rows).toHaveCount(1);
  await expect(rows.first().getByRole('textbox')).toHaveValue(label);
  await expect(page.getByTestId('sweep-chart')).toHaveAttribute('data-points', '3');
  expect(errors).toEqual([]);
});
