/**
 * CIFAR-10 as the worker sees it. Jobs ask for "the first N test images" or "the first N training
 * images"; they come from the embedded starter set when it holds that many (no download, a few MB), and
 * otherwise from the full data set: the app's server (public/cifar10, put there by `npm run data`), else
 * the browser's IndexedDB copy of an imported archive. The starter set's records are the official
 * files' first records, so both sources give the same images. Each file is loaded once, when first
 * needed: an inference run never reads the 150 MB of training files for 64 calibration images.
 */
import {
  CIFAR10_TEST_FILE,
  CIFAR10_TRAIN_FILES,
  buildCifarData,
  parseCifarFiles,
  type CifarData,
  type CifarFileName,
  type CifarImages,
} from '../data/cifar10';
import { importCifarArchive } from '../data/archive';
import { CifarMissingError, formatCount } from '../data/errors';
import { loadStarterSet, type StarterSet } from '../data/starterSet';
import { isCifarOnServer, loadBatches, loadCifarFromServer, saveBatches } from '../data/store';
import type { DataSetName, DataStatus, FullDataStatus } from './protocol';
import { errorMessage } from '../sim/errors';

/** The first images of a split, and which set supplied them. */
export interface ImagesInUse {
  images: CifarImages;
  set: DataSetName;
}

const HOW_TO_GET_IT =
  'Get the full CIFAR-10: run `npm run data` in the project folder, or import cifar-10-binary.tar.gz ' +
  'with the button in the data panel.';

export class WorkerData {
  private starter: Promise<StarterSet> | null = null;
  /** The imported archive (IndexedDB), parsed once it is used. */
  private imported: CifarData | null = null;
  private serverTest: Promise<CifarImages> | null = null;
  private serverTrain: Promise<CifarImages> | null = null;

  constructor(private readonly baseUrl: string) {}

  /** What is available now: the starter set's size and where the full set is, or why it is missing. */
  async status(): Promise<DataStatus> {
    const starter = await this.starterSet();
    return {
      starter: { testImages: starter.test.count, trainImages: starter.train.count },
      full: await this.fullStatus(),
    };
  }

  /** The first `count` test images (throws, saying how to get them, when no set holds that many). */
  testImages(count: number): Promise<ImagesInUse> {
    return this.firstImages('test', count);
  }

  /** The first `count` training images. */
  trainImages(count: number): Promise<ImagesInUse> {
    return this.firstImages('train', count);
  }

  /** Checks and unpacks the official archive, keeps it in IndexedDB, and makes it the full set in use. */
  async importArchive(archive: Blob): Promise<DataStatus> {
    const files = await importCifarArchive(archive);
    this.imported = buildCifarData(files);
    await saveBatches(files);
    return this.status();
  }

  private starterSet(): Promise<StarterSet> {
    this.starter ??= loadStarterSet(this.baseUrl).catch((error: unknown) => {
      this.starter = null;
      throw error;
    });
    return this.starter;
  }

  private async fullStatus(): Promise<FullDataStatus> {
    try {
      if (this.imported) return { state: 'ready', source: 'indexeddb' };
      if (await isCifarOnServer(this.baseUrl)) return { state: 'ready', source: 'server' };
      const kept = await loadBatches();
      if (kept) {
        this.imported = buildCifarData(kept);
        return { state: 'ready', source: 'indexeddb' };
      }
      return { state: 'missing', message: `The full CIFAR-10 is not here yet. ${HOW_TO_GET_IT}` };
    } catch (error) {
      return { state: 'error', message: errorMessage(error) };
    }
  }

  private async firstImages(split: 'test' | 'train', count: number): Promise<ImagesInUse> {
    const starter = await this.starterSet();
    const fromStarter = starter[split];
    if (count <= fromStarter.count) return { images: fromStarter, set: 'starter' };
    const full = await this.fullStatus();
    if (full.state !== 'ready') {
      const what = split === 'test' ? 'test images' : 'training images';
      throw new CifarMissingError(
        `This needs the first ${formatCount(count)} ${what}; the embedded starter set has ` +
          `${formatCount(fromStarter.count)}. ${full.state === 'missing' ? HOW_TO_GET_IT : full.message}`,
        split === 'test' ? [CIFAR10_TEST_FILE] : [...CIFAR10_TRAIN_FILES],
      );
    }
    if (full.source === 'indexeddb' && this.imported) return { images: this.imported[split], set: 'full' };
    return { images: await this.fromServer(split), set: 'full' };
  }

  private fromServer(split: 'test' | 'train'): Promise<CifarImages> {
    const load = async () => {
      const names: readonly CifarFileName[] = split === 'test' ? [CIFAR10_TEST_FILE] : CIFAR10_TRAIN_FILES;
      const files = await loadCifarFromServer(this.baseUrl, { files: names });
      return parseCifarFiles(names.map((fileName) => ({ fileName, bytes: files[fileName]! })));
    };
    const retry = (error: unknown): never => {
      if (split === 'test') this.serverTest = null;
      else this.serverTrain = null;
      throw error;
    };
    if (split === 'test') return (this.serverTest ??= load().catch(retry));
    return (this.serverTrain ??= load().catch(retry));
  }
}
