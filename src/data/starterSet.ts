/**
 * The CIFAR-10 starter set that ships with the app (public/cifar10-starter/, see its README): the
 * first 1,000 test images and the first 256 training images of the official binary files, byte for
 * byte. The default experiment, calibration and the tile inspector run on it with no download; larger
 * experiments need the full data set. Because the records are the official files' first records,
 * "the first N test images" are the same images whichever set supplies them.
 */
import { parseCifarBatch, type CifarImages } from './cifar10';
import { verifySha256 } from './checksums';
import { CifarDataError } from './errors';

export interface StarterFile {
  /** File name in public/cifar10-starter/. */
  name: string;
  /** The official file whose first records it holds. */
  officialFile: 'test_batch.bin' | 'data_batch_1.bin';
  records: number;
  sha256: string;
}

/** Source: public/cifar10-starter/SHA256SUMS (a unit test checks both against the official files). */
export const STARTER_TEST: StarterFile = {
  name: 'test_batch.first-1000.bin',
  officialFile: 'test_batch.bin',
  records: 1000,
  sha256: '8314c96d7cd65618193bab23acdd5d4c4af15bf6dd00a1781d55beedf3be1ef5',
};
export const STARTER_TRAIN: StarterFile = {
  name: 'data_batch_1.first-256.bin',
  officialFile: 'data_batch_1.bin',
  records: 256,
  sha256: 'deab4d49398de726c7bb7ea2afffa984eec2b52bcebc3f00e73f4f595db89448',
};

export interface StarterSet {
  test: CifarImages;
  train: CifarImages;
}

/** Fetches, checks (SHA-256, records, labels) and parses both files from `${baseUrl}/cifar10-starter/`. */
export async function loadStarterSet(
  baseUrl: string,
  doFetch: typeof fetch = globalThis.fetch.bind(globalThis),
): Promise<StarterSet> {
  const base = baseUrl.replace(/\/+$/, '');
  const load = async (file: StarterFile): Promise<CifarImages> => {
    const url = `${base}/cifar10-starter/${file.name}`;
    const response = await doFetch(url);
    const type = response.headers.get('content-type') ?? '';
    if (!response.ok || type.includes('text/html')) {
      await response.body?.cancel();
      throw new CifarDataError(
        'http',
        `The embedded starter set is missing from this deployment (${url}: HTTP ${response.status}).`,
        file.name,
      );
    }
    const bytes = new Uint8Array(await response.arrayBuffer());
    await verifySha256(bytes, file.sha256, file.name);
    return parseCifarBatch(bytes, file.name, { expectedRecords: file.records });
  };
  const [test, train] = await Promise.all([load(STARTER_TEST), load(STARTER_TRAIN)]);
  return { test, train };
}
