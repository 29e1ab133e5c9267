/** The bench's defaults and its target, shared by the options (Node) and the measurement (Node or browser). */
import type { ModelName } from '../../src/models/index';

/** SPEC §5: simulated inference costs at most 1.5× ideal digital inference. */
export const TARGET_RATIO = 1.5;
export const DEFAULT_PRESETS = ['ideal', 'rram', 'memtorch', 'neurosim', 'aihwkit'];
/** Test images per model when --images is not given. */
export const DEFAULT_IMAGES: Record<ModelName, number> = { vgg8: 200, googlenet: 20 };
export const TEST_SET_SIZE = 10_000;
