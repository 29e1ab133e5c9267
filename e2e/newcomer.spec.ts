import { expect, test } from '@playwright/test';
import { runToEnd, waitForEngine, watchConsole } from './helpers';

/**
 * A newcomer's first minutes, against every server the project has: the dev server that `npm start`
 * serves, the same on a fresh copy with no CIFAR-10 and no network ("offline"), and the production
 * build. The page loads, the engine starts, Run is in sight and says what it will do, and pressing it
 * streams points — with no console error.
 */
test('the landing view shows Run and what it will do; pressing it streams the first points', async ({
  page,
}, info) => {
  const errors = watchConsole(page);
  await page.goto('/');
  const run = page.getByRole('button', { name: '▶ Run' });
  await expect(run).toBeInViewport();
  await expect(page.getByTestId('run-summary')).toContainText(
    'VGG-8 inference on the first 1,000 CIFAR-10 test images, 3 times',
  );
  // WebGPU here is SwiftShader, a software adapter: WebAssembly is chosen, and the report says why.
  expect(await waitForEngine(page)).toBe('wasm');
  await page.getByText('Why not the GPU?').click();
  await expect(page.locator('.backend-badge li').filter({ hasText: 'webgpu' })).toContainText(
    'software renderer',
  );
  await page.screenshot({ path: `e2e/screenshots/landing-${info.project.name}.png` });

  const pressed = Date.now();
  await run.click();
  const chart = page.getByTestId('inference-chart');
  await expect
    .poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 120_000 })
    .toBeGreaterThan(0);
  console.log(
    `[${info.project.name}] first chart point ${((Date.now() - pressed) / 1000).toFixed(1)} s after Run`,
  );
  await page.getByRole('button', { name: '■ Stop' }).click();
  await runToEnd(page, 'stopped');
  expect(errors).toEqual([]);
});

test('?backend=webgpu still forces WebGPU on the software adapter', async ({ page }) => {
  const errors = watchConsole(page);
  await page.goto('/?backend=webgpu');
  expect(await waitForEngine(page)).toBe('webgpu');
  await expect(page.locator('.backend-badge')).toContainText('requested in the URL');
  expect(errors).toEqual([]);
});
