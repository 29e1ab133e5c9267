/**
 * Trained weights as the worker sees them: loaded (hash-checked) once per model from the app's
 * `public/models/<model>/` and kept for later runs. Training replaces the VGG-8 weights in use only
 * when asked to (its result can be exported instead).
 */
import type * as tf from '@tensorflow/tfjs';
import { getModel, type ModelName } from '../models';
import { loadWeights, type WeightsModelJson } from '../models/weights';

export interface ModelWeights {
  tensors: Map<string, tf.Tensor>;
  modelJson: WeightsModelJson;
  /** Top-1 accuracy of the digital model on the 10,000 test images, from the manifest (0..1). */
  baselineAccuracy: number | null;
}

export class WorkerModels {
  private readonly loaded = new Map<ModelName, Promise<ModelWeights>>();

  constructor(private readonly baseUrl: string) {}

  get(name: ModelName): Promise<ModelWeights> {
    let entry = this.loaded.get(name);
    if (!entry) {
      const folder = `${this.baseUrl.replace(/\/+$/, '')}/models/${name}/`;
      const loaded: Promise<ModelWeights> = loadWeights(getModel(name), folder).then(
        ({ tensors, modelJson }) => {
          return {
            tensors,
            modelJson,
            baselineAccuracy: modelJson.manifest.top1TestAccuracy ?? null,
          };
        },
      );
      entry = loaded.catch((error: unknown) => {
        // A server without the file answers 404, or (Vite) its index page, which is not JSON.
        const text = error instanceof Error ? error.message : String(error);
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
}
