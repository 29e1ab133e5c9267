import { defineConfig } from '@playwright/test';
import { CHROMIUM_FLAGS, CHROMIUM_PATH, CHROMIUM_WEBGPU_FLAGS } from './scripts/lib/chromium';

const WEBGPU = { launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_WEBGPU_FLAGS } };

/** The production build (`vite preview`; CIFAR-10 is served from public/cifar10). */
const PREVIEW_PORT = 4173;
/** What the README's `npm start` serves: the dev server, with the full data set in public/cifar10. */
const DEV_PORT = 5173;
/** `npm start` on a copy of the working tree without public/cifar10 and with no network for the download. */
const OFFLINE_PORT = 5175;

/** Specs that are about serving the app (and its headers): they run against the dev server too. */
const SERVING = /(newcomer|threads)\.spec\.ts/;

export default defineConfig({
  testDir: 'e2e',
  // WebGPU here runs on SwiftShader (CPU): correct but slow, so workloads stay tiny and timeouts generous.
  timeout: 180_000,
  expect: { timeout: 60_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    viewport: { width: 1280, height: 800 },
    trace: 'off',
  },
  projects: [
    {
      name: 'dev',
      testMatch: SERVING,
      use: { ...WEBGPU, baseURL: `http://localhost:${DEV_PORT}` },
    },
    {
      name: 'offline',
      testMatch: /(newcomer|offline)\.spec\.ts/,
      use: { ...WEBGPU, baseURL: `http://localhost:${OFFLINE_PORT}` },
    },
    {
      name: 'preview',
      testIgnore: /fallback\.spec\.ts|offline\.spec\.ts/,
      use: { ...WEBGPU, baseURL: `http://localhost:${PREVIEW_PORT}` },
    },
    {
      // Without the WebGPU flag: the engine must fall back and say why.
      name: 'no-webgpu',
      testMatch: /fallback\.spec\.ts/,
      use: {
        launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS },
        baseURL: `http://localhost:${PREVIEW_PORT}`,
      },
    },
  ],
  webServer: [
    {
      command: `npx vite build --logLevel warn && npx vite preview --port ${PREVIEW_PORT} --strictPort`,
      url: `http://localhost:${PREVIEW_PORT}`,
      timeout: 300_000,
      reuseExistingServer: !process.env.CI,
      stdout: 'ignore',
    },
    {
      command: `npm start -- --port ${DEV_PORT} --strictPort`,
      url: `http://localhost:${DEV_PORT}`,
      timeout: 300_000,
      reuseExistingServer: !process.env.CI,
      stdout: 'ignore',
    },
    {
      command: `node e2e/servers/offlineStart.mjs ${OFFLINE_PORT}`,
      url: `http://localhost:${OFFLINE_PORT}`,
      timeout: 300_000,
      reuseExistingServer: !process.env.CI,
      stdout: 'ignore',
    },
  ],
});
