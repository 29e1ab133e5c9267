import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { CHROMIUM_PATH, CHROMIUM_WEBGPU_FLAGS } from './scripts/lib/chromium';

// WebGPU kernel tests (`*.browser.test.ts`) in Debian's Chromium, whose WebGPU runs on SwiftShader (CPU):
// correct but slow, so test shapes stay small. Never `playwright install` (it downloads and fails here).

export default defineConfig({
  test: {
    include: ['src/**/*.browser.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    fileParallelism: false,
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      provider: playwright({
        launchOptions: {
          executablePath: CHROMIUM_PATH,
          args: CHROMIUM_WEBGPU_FLAGS,
        },
      }),
      instances: [{ browser: 'chromium' }],
    },
  },
});
