import type { LinearLayerSpec, ModelName } from '../../models';
import { useLab } from '../../state/store';

const cache = new Map<ModelName, Promise<readonly LinearLayerSpec[]>>();

/**
 * The model's conv and dense layers as plain specs, for React's `use()`. Asked of the engine worker
 * (`EngineApi.modelLayers`): src/models imports tfjs, which the main thread never loads (evaluating it
 * there would block the page for a long task, e.g. when the per-layer cost appears during a run). A failed
 * request (the worker restarted) is forgotten, so the next render asks again.
 */
export function loadModelLayers(model: ModelName): Promise<readonly LinearLayerSpec[]> {
  let promise = cache.get(model);
  if (!promise) {
    promise = useLab.getState().engineCall(async (api) => api.modelLayers(model));
    promise.catch(() => cache.delete(model));
    cache.set(model, promise);
  }
  return promise;
}
