import { readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
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

/** The chip floorplan is the second tab (the page opens on the experiments). */
export async function openFloorplan(page: Page): Promise<void> {
  await page.getByRole('tab', { name: 'Floorplan' }).click();
}

/** The worker's tfjs tensor count, through the hook src/ui/debugHooks.ts installs. */
export const workerTensors = (page: Page) =>
  page.evaluate(async () => {
    const hook = (window as unknown as { __crossbarMemory: () => Promise<{ numTensors: number }> })
      .__crossbarMemory;
    return (await hook()).numTensors;
  });

/** Waits until the experiment ends and checks how (failing fast, with the run's message, otherwise). */
export async function runToEnd(page: Page, outcome = 'finished', timeout = 170_000): Promise<void> {
  const status = page.getByTestId('experiment-status');
  await expect(status).toHaveAttribute('data-status', /finished|failed|stopped|interrupted/, { timeout });
  expect(await status.getAttribute('data-status'), (await status.textContent()) ?? '').toBe(outcome);
}

/**
 * Gives the software GPU the lowest CPU priority for the rest of a test; returns the function that stops.
 *
 * Why: WebGPU here runs on SwiftShader, which does the GPU's work in Chromium's GPU process on this
 * machine's CPU cores (two in CI) at the page's own priority. A main-thread task of 7 ms of CPU time was
 * measured at 52 ms of wall time while SwiftShader compiled and ran shaders (Chromium trace, `tdur` vs
 * `dur`); on a real GPU that work does not take the page's CPU. The Long Tasks API measures wall time, so
 * to measure the page's own tasks the GPU process's threads get nice 19 (Linux: nice is per thread, and
 * SwiftShader starts threads during a run, so every thread is set again every 250 ms). Nothing is
 * changed on a machine without /proc.
 */
export function deprioritiseSoftwareGpu(): () => void {
  const apply = () => {
    let pids: string[];
    try {
      pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
    } catch {
      return;
    }
    for (const pid of pids) {
      try {
        if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=gpu-process')) continue;
        for (const tid of readdirSync(`/proc/${pid}/task`)) setPriority(Number(tid), 19);
      } catch {
        // The process or thread ended meanwhile, or is not ours: nothing to lower.
      }
    }
  };
  apply();
  const timer = setInterval(apply, 250);
  return () => clearInterval(timer);
}
