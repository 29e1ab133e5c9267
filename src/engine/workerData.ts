/**
 * CIFAR-10 as the worker sees it: loaded once (from the app's server, else from the browser's
 * IndexedDB copy of an imported archive), parsed and validated, then handed to jobs as batches.
 */
import { buildCifarData, type CifarData, type CifarImages } from '../data/cifar10';
import { makeBatch } from '../data/augment';
import { importCifarArchive } from '../data/archive';
import { CifarMissingError } from '../data/errors';
import { loadBatches, loadCifarFromServer, saveBatches } from '../data/store';
import type { DataStatus } from './protocol';
import type { BatchSource } from './jobs/sliceJob';

export interface LoadedSet {
  images: CifarImages;
  count: number;
  /** Plain (not augmented) batch of consecutive records, normalised NHWC. */
  batch: BatchSource;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function consecutive(images: CifarImages): BatchSource {
  return (start, count) => {
    const indices = Int32Array.from({ length: count }, (_, i) => start + i);
    const batch = makeBatch(images, indices);
    return { x: batch.x, labels: Uint8Array.from(batch.labels), count };
  };
}

export class WorkerData {
  private data: CifarData | null = null;
  private source: 'server' | 'indexeddb' | null = null;
  private loading: Promise<CifarData> | null = null;

  constructor(private readonly baseUrl: string) {}

  /** Loads the data if needed and reports where it came from, or why it is missing. */
  async status(): Promise<DataStatus> {
    try {
      const data = await this.load();
      return {
        state: 'ready',
        source: this.source ?? 'server',
        testImages: data.test.count,
        trainImages: data.train.count,
      };
    } catch (error) {
      if (error instanceof CifarMissingError) return { state: 'missing', message: error.message };
      return { state: 'error', message: describe(error) };
    }
  }

  async testSet(): Promise<LoadedSet> {
    const data = await this.load();
    return { images: data.test, count: data.test.count, batch: consecutive(data.test) };
  }

  async trainSet(): Promise<CifarImages> {
    return (await this.load()).train;
  }

  /** Checks and unpacks the official archive, keeps it in IndexedDB, and makes it the data in use. */
  async importArchive(archive: Blob): Promise<DataStatus> {
    const files = await importCifarArchive(archive);
    this.data = buildCifarData(files);
    this.source = 'indexeddb';
    await saveBatches(files);
    return this.status();
  }

  private load(): Promise<CifarData> {
    if (this.data) return Promise.resolve(this.data);
    this.loading ??= this.fetchData().finally(() => (this.loading = null));
    return this.loading;
  }

  private async fetchData(): Promise<CifarData> {
    try {
      this.data = buildCifarData(await loadCifarFromServer(this.baseUrl));
      this.source = 'server';
    } catch (error) {
      if (!(error instanceof CifarMissingError)) throw error;
      const kept = await loadBatches();
      if (!kept) throw error;
      this.data = buildCifarData(kept);
      this.source = 'indexeddb';
    }
    return this.data;
  }
}
