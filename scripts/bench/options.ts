/**
 * The bench's command line: `npm run bench -- [flags]` (see USAGE). Plain data out, so that the same
 * options can be handed to the measurement in Node or in the browser page.
 */
import { parseFlags, UsageError } from '../lib/args';
import { isModelName, type ModelName } from '../../src/models/index';
import { presets } from '../../src/sim/presets';
import { DEFAULT_PRESETS, TEST_SET_SIZE } from './defaults';

const MAX_REPEATS = 1000;
const MAX_CALIBRATION_IMAGES = 1024;

export const USAGE =
  'usage: npm run bench -- [--model vgg8|googlenet|all] [--backend wasm|cpu|webgpu|wasm-browser] [--images N] [--batch B]\n' +
  `                        [--presets ${DEFAULT_PRESETS.join(',')}] [--repeats 3] [--seed 1] [--profile]\n` +
  '                        [--calibration-images N] [--json FILE] [--memory-check]\n' +
  '--memory-check: instead of the cost cases, --repeats simulated passes of the default config on 16x16 tiles over\n' +
  '          --images at --batch (default 64), reporting peak tensor memory and what each pass leaves (issue 11 item 5)\n' +
  'backends: wasm and cpu run in Node (WASM on one thread there); webgpu and wasm-browser (the threaded WASM build,\n' +
  '          one thread per core, as the app runs it) in headless Chromium (CHROMIUM_PATH, default /usr/bin/chromium)\n' +
  `presets: ${presets.map((p) => p.id).join(', ')}`;

export { UsageError };

/** wasm and cpu run in Node; webgpu and wasm-browser (threaded WASM, cross-origin isolated) in headless Chromium. */
export type BenchBackend = 'wasm' | 'cpu' | 'webgpu' | 'wasm-browser';

/** Backends the bench runs in headless Chromium. */
export const inBrowser = (backend: BenchBackend) => backend === 'webgpu' || backend === 'wasm-browser';

export interface BenchOptions {
  models: ModelName[];
  backend: BenchBackend;
  /** Test images per model (null: DEFAULT_IMAGES). */
  images: number | null;
  /** Images per batch (null: the inference job's batch size). */
  batch: number | null;
  presets: string[];
  repeats: number;
  seed: number;
  profile: boolean;
  json: string | null;
  /** Overrides periphery.calibrationImages (default: the config's 64). */
  calibrationImages: number | null;
  /** Runs the memory check (`memoryCheck.ts`) instead of the cost cases. */
  memoryCheck: boolean;
}

function positiveInt(value: string | undefined, name: string, max = Number.MAX_SAFE_INTEGER): number | null {
  if (value === undefined) return null;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`--${name} must be an integer 1…${max}`);
  return n;
}

/** The options, or 'help' for --help / -h. Throws a UsageError naming the first bad flag. */
export function parseBenchOptions(argv: readonly string[]): BenchOptions | 'help' {
  const values = parseFlags(argv, {
    model: { type: 'string', default: 'vgg8' },
    backend: { type: 'string', default: 'wasm' },
    images: { type: 'string' },
    batch: { type: 'string' },
    presets: { type: 'string', default: DEFAULT_PRESETS.join(',') },
    repeats: { type: 'string', default: '3' },
    seed: { type: 'string', default: '1' },
    profile: { type: 'boolean', default: false },
    json: { type: 'string' },
    'calibration-images': { type: 'string' },
    'memory-check': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) return 'help';
  const model = values.model;
  const models: ModelName[] = model === 'all' ? ['vgg8', 'googlenet'] : isModelName(model) ? [model] : [];
  if (models.length === 0) throw new UsageError(`--model must be vgg8, googlenet or all, got "${model}"`);
  const backend = values.backend;
  if (backend !== 'wasm' && backend !== 'cpu' && backend !== 'webgpu' && backend !== 'wasm-browser')
    throw new UsageError(`--backend must be wasm, cpu, webgpu or wasm-browser, got "${backend}"`);
  // Layer times are wall times of synchronous kernels, and tf.profile's kernel times need timestamp queries.
  if (values.profile && backend === 'webgpu')
    throw new UsageError(
      '--profile needs --backend wasm, cpu or wasm-browser (on WebGPU, kernels run asynchronously)',
    );
  const ids = values.presets
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const known = new Set(presets.map((p) => p.id));
  const unknown = ids.filter((id) => !known.has(id));
  if (ids.length === 0 || unknown.length > 0)
    throw new UsageError(
      `unknown preset(s) ${unknown.join(', ') || '(none given)'}; known: ${[...known].join(', ')}`,
    );
  const seed = Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new UsageError('--seed must be a non-negative integer');
  return {
    models,
    backend,
    images: positiveInt(values.images, 'images', TEST_SET_SIZE),
    batch: positiveInt(values.batch, 'batch'),
    presets: ids,
    repeats: positiveInt(values.repeats, 'repeats', MAX_REPEATS)!,
    seed,
    profile: values.profile,
    json: values.json ?? null,
    calibrationImages: positiveInt(
      values['calibration-images'],
      'calibration-images',
      MAX_CALIBRATION_IMAGES,
    ),
    memoryCheck: values['memory-check'],
  };
}
