#!/usr/bin/env node
/**
 * The server of the "offline" e2e project: what a newcomer runs on a fresh clone with no network —
 * `npm start` in a copy of this working tree (tracked and untracked, git-ignored files left out, so no
 * public/cifar10), with the CIFAR-10 download pointed at a closed port. The app must still be served
 * and run its default experiment on the built-in starter set.
 *
 * node_modules is hard-linked (instant, no extra disk), keeping file times so that setup.mjs sees the
 * install as current; Vite's dependency cache is left behind so the copy builds its own.
 * Usage: node e2e/servers/offlineStart.mjs PORT
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const port = process.argv[2] ?? '5175';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const copy = mkdtempSync(path.join(tmpdir(), 'crossbar-lab-fresh-clone-'));

const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
  cwd: root,
  encoding: 'utf8',
})
  .split('\0')
  .filter((f) => f !== '');
for (const file of files) {
  const from = path.join(root, file);
  let stat;
  try {
    stat = statSync(from);
  } catch {
    continue; // deleted in the working tree but still in the index
  }
  const to = path.join(copy, file);
  mkdirSync(path.dirname(to), { recursive: true });
  copyFileSync(from, to);
  utimesSync(to, stat.atime, stat.mtime);
}
execFileSync('cp', ['-al', path.join(root, 'node_modules'), path.join(copy, 'node_modules')]);
rmSync(path.join(copy, 'node_modules', '.vite'), { recursive: true, force: true });

const env = { ...process.env, CIFAR10_URL: 'http://127.0.0.1:9/cifar-10-binary.tar.gz' };
delete env.CIFAR10_DIR;
console.log(`[offline] npm start in ${copy} (no public/cifar10, download pointed at a closed port)`);
const child = spawn('npm', ['start', '--', '--port', port, '--strictPort'], {
  cwd: copy,
  env,
  stdio: 'inherit',
});
const cleanUp = () => rmSync(copy, { recursive: true, force: true });
child.on('exit', (code) => {
  cleanUp();
  process.exit(code ?? 0);
});
for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => {
    child.kill('SIGTERM');
  });
