#!/usr/bin/env node
/**
 * First step of `npm start` and `npm test` on a fresh clone: installs the locked dependencies when
 * node_modules is missing or older than package-lock.json, and (with --browser) checks that Debian's
 * Chromium is present for the end-to-end tests. Plain Node, no dependencies: it runs before `npm ci`.
 */
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const lock = path.join(root, 'package-lock.json');
const installed = path.join(root, 'node_modules', '.package-lock.json');

const stale = !existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs;
if (stale) {
  console.log('[setup] installing the locked dependencies (npm ci)…');
  execSync('npm ci --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
}

if (process.argv.includes('--browser')) {
  const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(chromium)) {
    console.error(
      `[setup] the end-to-end tests need Chromium at ${chromium}.\n` +
        '        On Debian/Ubuntu: sudo apt-get install -y chromium  (or set CHROMIUM_PATH).',
    );
    process.exit(1);
  }
}
