/** Display names of the two networks (no tfjs import: the main thread reads it). */
import type { ModelName } from './model';

export const MODEL_LABEL: Readonly<Record<ModelName, string>> = { vgg8: 'VGG-8', googlenet: 'GoogLeNet' };
