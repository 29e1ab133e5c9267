/** The bench's defaults and its target, shared by the options (Node) and the measurement (Node or browser). */
import type { ModelName } from '../../src/models/index';

/** SPEC §5: simulated inference costs at most 1.5× ideal digital inference. */
export const TARGET_RATIO = 1.5;
/** Issue 11: the default config on the paper's 16×16 tiles at most 3×. */
export const SMALL_TILES_TARGET_RATIO = 3;
/** Issue 11: a bit-serial config (one read per input bit) at most 2× per input cycle. */
export const PER_INPUT_CYCLE_TARGET_RATIO = 2;
export const DEFAULT_PRESETS = ['ideal', 'rram', 'memtorch', 'neurosim', 'aihwkit'];
/** Test images per model when --images is not given. */
export const DEFAULT_IMAGES: Record<ModelName, number> = { vgg8: 200, googlenet: 20 };
export const TEST_SET_SIZE = 10_000;
