import { expect, test } from '@playwright/test';
import { waitForEngine, watchConsole } from './helpers';

// This project launches Chromium without --enable-unsafe-webgpu.
test('without WebGPU the engine falls back and says why', async ({ page }) => {
  const errors = watchConsole(page);
  await page.goto('/');
  const backend = await waitForEngine(page);
  expect(['webgl', 'wasm', 'cpu']).toContain(backend);
  await page.getByText('Why not the GPU?').click();
  await expect(page.locator('.backend-badge li').first()).toContainText('webgpu');
  expect(errors).toEqual([]);
});
