import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';

// WebGPU kernel tests (`*.browser.test.ts`) in Debian's Chromium, whose WebGPU runs on SwiftShader (CPU):
// correct but slow, so test shapes stay small. Never `playwright install` (it downloads and fails here).
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

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
          executablePath: CHROMIUM,
          args: [
            '--no-sandbox',
            '--enable-unsafe-webgpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        },
      }),
      instances: [{ browser: 'chromium' }],
    },
  },
});
