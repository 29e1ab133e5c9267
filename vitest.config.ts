import { defineConfig } from 'vitest/config';

// Unit tests run in Node on tfjs's CPU backend (and WASM where a test asks for it).
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
