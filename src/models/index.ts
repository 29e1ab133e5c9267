/** The two networks of the paper's comparison, by name. */
import { createGoogLeNet } from './googlenet';
import type { ModelDefinition, ModelName } from './model';
import { createVgg8 } from './vgg8';

export type { ModelDefinition, ModelName, ParamSpec, ParamRole } from './model';
export type { LinearLayerRunner, LinearLayerSpec, WeightMap } from './layers';
export { DigitalRunner, imagesTensor, linearLayerMacs, weightMatrixShape } from './layers';

export const MODEL_NAMES: readonly ModelName[] = ['vgg8', 'googlenet'];

const cache = new Map<ModelName, ModelDefinition>();

/** The paper-sized definition of `name` (built once; definitions are immutable plain data + functions). */
export function getModel(name: ModelName): ModelDefinition {
  let model = cache.get(name);
  if (model === undefined) {
    model = name === 'vgg8' ? createVgg8() : createGoogLeNet();
    cache.set(name, model);
  }
  return model;
}

export function isModelName(value: unknown): value is ModelName {
  return value === 'vgg8' || value === 'googlenet';
}
