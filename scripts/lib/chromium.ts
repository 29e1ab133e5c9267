/**
 * Debian's Chromium and the flags it runs with here (README "Tests"): never `playwright install`, which
 * downloads a browser and fails offline. The e2e suite, the WebGPU unit tests and the WebGPU bench all
 * launch it from here.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** No sandbox (root in CI), nothing that phones home (its connections are refused here). */
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** With WebGPU (on SwiftShader, the CPU, when the machine has no GPU). */
export const CHROMIUM_WEBGPU_FLAGS = [...CHROMIUM_FLAGS, '--enable-unsafe-webgpu'];
