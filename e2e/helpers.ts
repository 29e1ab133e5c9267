import { expect, type Page } from '@playwright/test';

/** Collects console errors and uncaught page errors; tests assert the list is empty at the end. */
export function watchConsole(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(`${error.name}: ${error.message}`));
  return errors;
}

export async function waitForEngine(page: Page): Promise<string> {
  const name = page.getByTestId('backend-name');
  await expect(name).toBeVisible();
  return (await name.textContent()) ?? '';
}

export async function setField(page: Page, label: string, value: string | number): Promise<void> {
  const input = page.getByLabel(label, { exact: true });
  await input.fill(String(value));
}

/** The foundation's quick check lives in its own tab of the lab. */
export async function openQuickCheck(page: Page): Promise<void> {
  await page.getByRole('tab', { name: 'Quick check' }).click();
}

/** Waits until the experiment ends and checks how (failing fast, with the run's message, otherwise). */
export async function runToEnd(page: Page, outcome = 'finished', timeout = 170_000): Promise<void> {
  const status = page.getByTestId('experiment-status');
  await expect(status).toHaveAttribute('data-status', /finished|failed|stopped/, { timeout });
  expect(await status.getAttribute('data-status'), (await status.textContent()) ?? '').toBe(outcome);
}
