/** The bench's command line: every flag, its default, and each refusal's message. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_PRESETS } from './defaults';
import { parseBenchOptions, UsageError, type BenchOptions } from './options';

const parse = (...argv: string[]) => parseBenchOptions(argv) as BenchOptions;
const refusal = (...argv: string[]) => {
  try {
    parseBenchOptions(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`${argv.join(' ')} was accepted`);
};

describe('parseBenchOptions', () => {
  it('has the documented defaults', () => {
    expect(parse()).toEqual({
      models: ['vgg8'],
      backend: 'wasm',
      images: null,
      batch: null,
      presets: DEFAULT_PRESETS,
      repeats: 3,
      seed: 1,
      profile: false,
      json: null,
      calibrationImages: null,
      memoryCheck: false,
    });
  });

  it('reads every flag, in both spellings', () => {
    expect(
      parse(
        '--model=googlenet',
        '--backend',
        'cpu',
        '--images',
        '50',
        '--batch=10',
        '--presets',
        ' rram, pcm ,',
        '--repeats',
        '2',
        '--seed',
        '0',
        '--profile',
        '--json',
        'out.json',
        '--calibration-images',
        '32',
        '--memory-check',
      ),
    ).toEqual({
      models: ['googlenet'],
      backend: 'cpu',
      images: 50,
      batch: 10,
      presets: ['rram', 'pcm'],
      repeats: 2,
      seed: 0,
      profile: true,
      json: 'out.json',
      calibrationImages: 32,
      memoryCheck: true,
    });
    expect(parse('--model', 'all').models).toEqual(['vgg8', 'googlenet']);
    expect(parse('--backend', 'webgpu').backend).toBe('webgpu');
    expect(parse('--backend', 'wasm-browser').backend).toBe('wasm-browser');
  });

  it('answers --help and -h', () => {
    expect(parseBenchOptions(['--help'])).toBe('help');
    expect(parseBenchOptions(['-h', '--model', 'vgg8'])).toBe('help');
  });

  it('refuses bad values, naming the flag and what it takes', () => {
    expect(refusal('--model', 'resnet')).toBe('--model must be vgg8, googlenet or all, got "resnet"');
    expect(refusal('--backend', 'webgl')).toBe(
      '--backend must be wasm, cpu, webgpu or wasm-browser, got "webgl"',
    );
    expect(refusal('--backend', 'webgpu', '--profile')).toBe(
      '--profile needs --backend wasm, cpu or wasm-browser (on WebGPU, kernels run asynchronously)',
    );
    expect(refusal('--images', '0')).toBe('--images must be an integer 1…10000');
    expect(refusal('--images', '10001')).toBe('--images must be an integer 1…10000');
    expect(refusal('--batch', '2.5')).toMatch(/^--batch must be an integer 1…/);
    expect(refusal('--repeats', 'three')).toBe('--repeats must be an integer 1…1000');
    expect(refusal('--calibration-images', '2000')).toBe('--calibration-images must be an integer 1…1024');
    expect(refusal('--seed=-1')).toBe('--seed must be a non-negative integer');
    expect(refusal('--presets', 'ideal,nope,rram')).toMatch(/^unknown preset\(s\) nope; known: memtorch, /);
    expect(refusal('--presets', ',')).toMatch(/^unknown preset\(s\) \(none given\); known: /);
  });

  it('refuses unknown flags, stray arguments and missing values', () => {
    expect(refusal('--modle', 'vgg8')).toBe('unknown option --modle');
    expect(refusal('vgg8')).toBe('unknown option vgg8');
    expect(refusal('--images')).toBe('--images needs a value');
    expect(refusal('--json', '--profile')).toBe('--json needs a value');
    expect(refusal('--profile=yes')).toBe('--profile takes no value');
  });
});
