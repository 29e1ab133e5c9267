/// <reference types="node" />
/** A FetchLike over a folder on disk, for loading weights in scripts and tests as the app fetches them. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileResponse, type FetchLike } from '../../src/models/weights';

/** Reads `dir/<name>`; a missing file answers like HTTP 404. */
export function nodeFileFetch(dir: string): FetchLike {
  return async (name) => {
    const file = path.join(dir, name);
    if (!existsSync(file)) {
      return {
        ok: false,
        status: 404,
        statusText: 'Not Found',
        arrayBuffer: () => Promise.reject(new Error('404')),
      };
    }
    return fileResponse(await readFile(file));
  };
}
