import type { LinearLayerSpec, ModelName } from '../../models';

const cache = new Map<ModelName, Promise<readonly LinearLayerSpec[]>>();

/**
 * The model's conv and dense layers as plain specs, for React's `use()`. Loaded lazily: src/models
 * imports tfjs, which the main thread otherwise never needs at start-up.
 */
export function loadModelLayers(model: ModelName): Promise<readonly LinearLayerSpec[]> {
  let promise = cache.get(model);
  if (!promise) {
    promise = import('../../models').then((m) => m.getModel(model).linearLayers);
    cache.set(model, promise);
  }
  return promise;
}
