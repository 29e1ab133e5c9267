/// <reference types="node" />
/** Where the repository is, for command-line tools and the Node-only test helpers beside them. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is scripts/lib/paths.ts). */
export const repoRoot: string = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
