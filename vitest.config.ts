import { configDefaults, defineConfig } from 'vitest/config';

// Unit tests run in Node on tfjs's CPU backend (and WASM where a test asks for it). WebGPU kernel tests
// (`*.browser.test.ts`) run in Chromium: `npm run test:webgpu` (vitest.browser.config.ts).
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'],
    exclude: [...configDefaults.exclude, '**/*.browser.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    setupFiles: ['scripts/lib/testSetup.ts'],
  },
});
