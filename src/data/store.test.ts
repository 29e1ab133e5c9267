/**
 * `loadCifarFromServer` with an injected `fetch` (the IndexedDB half needs a browser: e2e covers it).
 * The server here answers with real file bytes, a 404, Vite's HTML fallback or a short body.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CIFAR10_FILES, FILE_BYTES } from './cifar10';
import { CifarDataError, CifarMissingError } from './errors';
import { loadCifarFromServer } from './store';
import { readCifarFile } from '../../scripts/lib/cifarFiles';

type Handler = (url: string) => Response;

function fakeFetch(handler: Handler): { fetch: typeof fetch; urls: string[] } {
  const urls: string[] = [];
  const fn = (input: string | URL | Request): Promise<Response> => {
    const url = String(input);
    urls.push(url);
    return Promise.resolve(handler(url));
  };
  return { fetch: fn as typeof fetch, urls };
}

const binary = (bytes: Uint8Array) =>
  new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { 'content-type': 'application/octet-stream' } });

describe('loadCifarFromServer', () => {
  let testBatch: Uint8Array;
  beforeAll(() => {
    testBatch = readCifarFile('test_batch.bin');
  });

  it('fetches the six files from <base>/cifar10/ and checks sizes and labels', async () => {
    const server = fakeFetch(() => binary(testBatch));
    let lastProgress = 0;
    const files = await loadCifarFromServer('/app/', {
      fetch: server.fetch,
      verifySha256: false,
      onProgress: (done, total) => {
        expect(total).toBe(6 * FILE_BYTES);
        lastProgress = done;
      },
    });
    expect(server.urls).toEqual(CIFAR10_FILES.map((f) => `/app/cifar10/${f}`));
    expect(files['test_batch.bin']?.byteLength).toBe(FILE_BYTES);
    expect(lastProgress).toBe(6 * FILE_BYTES);
  });

  it('checks each file against the official SHA-256 by default', async () => {
    // Serving test_batch.bin's bytes as data_batch_1.bin passes size and labels but not the hash.
    const server = fakeFetch(() => binary(testBatch));
    const error = await loadCifarFromServer('', { fetch: server.fetch }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CifarDataError);
    expect((error as CifarDataError).message).toContain('data_batch_1.bin: SHA-256 mismatch');
  });

  it('says how to get the data on a 404 and on the dev server’s HTML fallback', async () => {
    for (const handler of [
      () => new Response('not found', { status: 404 }),
      () => new Response('<!doctype html><html></html>', { headers: { 'content-type': 'text/html' } }),
    ] satisfies Handler[]) {
      const error = await loadCifarFromServer('', { fetch: fakeFetch(handler).fetch }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CifarMissingError);
      expect((error as CifarMissingError).message).toContain('/cifar10/data_batch_1.bin not found');
      expect((error as CifarMissingError).message).toContain('npm run data');
      expect((error as CifarMissingError).missingFiles).toEqual(['data_batch_1.bin']);
    }
  });

  it('names the file and sizes when the server sends a truncated file', async () => {
    const server = fakeFetch(() => binary(testBatch.subarray(0, 1_000_000)));
    const error = await loadCifarFromServer('', { fetch: server.fetch }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CifarDataError);
    expect((error as CifarDataError).code).toBe('size');
    expect((error as CifarDataError).message).toContain('data_batch_1.bin: expected 30,730,000 bytes');
    expect((error as CifarDataError).message).toContain('got 1,000,000 bytes');
  });

  it('reports other HTTP errors with the URL and status', async () => {
    const server = fakeFetch(
      () => new Response('boom', { status: 500, statusText: 'Internal Server Error' }),
    );
    await expect(loadCifarFromServer('http://x', { fetch: server.fetch })).rejects.toThrow(
      'http://x/cifar10/data_batch_1.bin: HTTP 500 Internal Server Error',
    );
  });
});
