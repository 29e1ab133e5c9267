/**
 * Trained weights as the worker sees them: per model, the shipped ones (hash-checked, loaded once from
 * the app's `public/models/<model>/`) or a set the person chose (exported from a training run, or files),
 * kept for later runs until replaced.
 */
import * as tf from '@tensorflow/tfjs-core';
import { getModel, type ModelName } from '../models';
import { loadWeights, type LoadedWeights, type WeightsModelJson } from '../models/weights';
import { loadWeightsFiles, type ChosenFile } from '../models/weightsArchive';
import { SHIPPED_WEIGHTS, type WeightsInUse } from './protocol';
import { errorMessage } from '../sim/errors';

export interface ModelWeights {
  tensors: Map<string, tf.Tensor>;
  modelJson: WeightsModelJson;
  /** Top-1 accuracy of the digital model on the 10,000 test images, from the manifest (0..1). */
  baselineAccuracy: number | null;
  /** SHIPPED_WEIGHTS or where the weights came from. */
  source: string;
}

const fromLoaded = ({ tensors, modelJson }: LoadedWeights, source: string): ModelWeights => ({
  tensors,
  modelJson,
  baselineAccuracy: modelJson.manifest.top1TestAccuracy ?? null,
  source,
});

export const describeWeights = (name: ModelName, w: ModelWeights): WeightsInUse => ({
  model: name,
  source: w.source,
  baselineAccuracy: w.baselineAccuracy,
});

export class WorkerModels {
  private readonly loaded = new Map<ModelName, Promise<ModelWeights>>();

  constructor(private readonly baseUrl: string) {}

  get(name: ModelName): Promise<ModelWeights> {
    let entry = this.loaded.get(name);
    if (!entry) {
      const folder = `${this.baseUrl.replace(/\/+$/, '')}/models/${name}/`;
      const loaded = loadWeights(getModel(name), folder).then((w) => fromLoaded(w, SHIPPED_WEIGHTS));
      entry = loaded.catch((error: unknown) => {
        // A server without the file answers 404, or (Vite) its index page, which is not JSON.
        const text = errorMessage(error);
        if (/HTTP 404|not JSON/.test(text)) {
          throw new Error(
            `The pretrained ${name} weights are not on this server (${folder}model.json). They ship with ` +
              'Crossbar Lab in public/models/; a deployment must serve that folder too.',
          );
        }
        throw error;
      });
      // A failed load is not cached: the next call tries again.
      entry.catch(() => this.loaded.delete(name));
      this.loaded.set(name, entry);
    }
    return entry;
  }

  /** Uses checked weights for `name` from now on; the weights used before are disposed. */
  async use(name: ModelName, weights: LoadedWeights, source: string): Promise<ModelWeights> {
    const entry = fromLoaded(weights, source);
    const previous = this.loaded.get(name);
    this.loaded.set(name, Promise.resolve(entry));
    if (previous) {
      const old = await previous.catch(() => null);
      if (old) tf.dispose([...old.tensors.values()]);
    }
    return entry;
  }

  /**
   * Checks the chosen files as one weights set and uses them for the model their model.json names. A
   * refused set throws (one sentence saying why) before anything changes: the weights in use stay.
   */
  async useFiles(files: readonly ChosenFile[], source: string): Promise<WeightsInUse> {
    const { model, loaded } = await loadWeightsFiles(files);
    return describeWeights(model, await this.use(model, loaded, source));
  }

  /** Goes back to the shipped weights (loaded again on next use). */
  async useShipped(name: ModelName): Promise<ModelWeights> {
    const previous = this.loaded.get(name);
    this.loaded.delete(name);
    const old = previous ? await previous.catch(() => null) : null;
    if (old && old.source !== SHIPPED_WEIGHTS) tf.dispose([...old.tensors.values()]);
    else if (old) this.loaded.set(name, Promise.resolve(old));
    return this.get(name);
  }
}
