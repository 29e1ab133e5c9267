/** The bench's report from given numbers: the summary line's exact format, the table and the verdicts. */
import { describe, expect, it } from 'vitest';
import { formatModelReport, formatSummary, table } from './report';
import type { ModelResult, PresetResult } from './results';
import { formatMemoryCheck, type MemoryRun } from './memoryCheck';

function row(preset: string, ratio: number, extra: Partial<PresetResult> = {}): PresetResult {
  return {
    preset,
    summary: null,
    target: { ratio: 1.5, source: 'SPEC §5' },
    programSeconds: 0.5,
    calibration: null,
    chipMB: 5.25,
    peakMB: 300,
    digitalImagesPerSecond: 100,
    simImagesPerSecond: 100 / ratio,
    ratio,
    ratioMin: ratio - 0.1,
    ratioMax: ratio + 0.1,
    simAccuracy: 0.9,
    ...extra,
  };
}

function model(name: 'vgg8' | 'googlenet', presets: PresetResult[]): ModelResult {
  return {
    model: name,
    images: 50,
    batch: 50,
    repeats: 2,
    weightsMB: 5.1,
    digitalPeakMB: 21,
    digitalImagesPerSecond: 100,
    digitalAccuracy: 0.92,
    presets,
  };
}

const vgg8 = model('vgg8', [
  row('ideal', 1.234, { summary: '128x128' }),
  row('rram', 3),
  row('neurosim', 13, { target: { ratio: 12, source: 'issue 11, 2x per input cycle, 6 cycles' } }),
  row('default 16x16', 2.9, {
    summary: '16x16',
    target: { ratio: 3, source: 'issue 11, 16x16 tiles' },
    calibration: { images: 64, firstSeconds: 2, seconds: 0.75, batchSeconds: 0.5 },
  }),
]);
const googlenet = model('googlenet', [
  row('default', 2.5, { summary: '128x128' }),
  row('default 16x16', 10, { summary: '16x16' }),
]);

describe('formatSummary', () => {
  it('gives the default config’s median ratios on 128x128 and 16x16 tiles, two decimals', () => {
    expect(formatSummary([vgg8])).toBe('sim/ideal 128x128: 1.23  16x16: 2.90');
  });

  it('joins one value per model with "/", in the order run', () => {
    expect(formatSummary([vgg8, googlenet])).toBe('sim/ideal 128x128: 1.23/2.50  16x16: 2.90/10.00');
  });

  it('says n/a where a model has no such row', () => {
    expect(formatSummary([model('vgg8', [row('rram', 3)])])).toBe('sim/ideal 128x128: n/a  16x16: n/a');
  });
});

describe('formatModelReport', () => {
  const text = formatModelReport(vgg8);

  it('puts the calibration pass and one simulated batch beside the ratios', () => {
    const cells = (label: string) =>
      text
        .split('\n')
        .find((l) => l.startsWith(`| ${label.padStart(13)} |`))!
        .split('|')
        .slice(1, 8)
        .map((c) => c.trim());
    expect(cells('preset').slice(3)).toEqual(['sim/digital', '(min–max)', 'calib s', 'sim batch s']);
    expect(cells('default 16x16')).toEqual([
      'default 16x16',
      '100.0',
      '34.5',
      '2.90x',
      '2.80–3.00',
      '0.75',
      '0.50',
    ]);
    expect(cells('rram')).toEqual(['rram', '100.0', '33.3', '3.00x', '2.90–3.10', '—', '—']);
  });

  it('gives a cost verdict per case and a calibration verdict where there is one', () => {
    expect(text).toContain(
      'verdict vgg8/ideal: simulated costs 1.23x ideal digital -> meets the target (<= 1.5x, SPEC §5)',
    );
    expect(text).toContain('verdict vgg8/rram: simulated costs 3.00x ideal digital -> MISSES');
    expect(text).toContain(
      'verdict vgg8/neurosim: simulated costs 13.00x ideal digital -> MISSES the target (<= 12x, issue 11, 2x per input cycle, 6 cycles)',
    );
    expect(text).toContain(
      'verdict vgg8/default 16x16: simulated costs 2.90x ideal digital -> meets the target (<= 3x, issue 11, 16x16 tiles)',
    );
    expect(text).toContain(
      'calibration vgg8/default 16x16: 0.75 s on 64 training images vs 0.50 s for one simulated batch of ' +
        'the same images = 1.50x -> MISSES the target (<= 1x; first pass, kernels cold: 2.00 s)',
    );
    expect(text).toContain("(ideal is the default config: its row gives the summary's 128x128 figure)");
  });
});

describe('table', () => {
  it('right-aligns every column to its widest cell', () => {
    expect(table(['a', 'bb'], [['ccc', 'd']])).toBe('|   a | bb |\n|-----|----|\n| ccc |  d |');
  });
});

describe('formatMemoryCheck', () => {
  const run = (peakMB: number, tensorsAfter: number, backendMB: number | null): MemoryRun => ({
    seconds: 100,
    accuracy: 0.9,
    peakMB,
    tensorsAfter,
    tensorMBAfter: 47,
    backendMB,
  });
  it('meets when the peak is within 1.5 GB and every pass leaves the same tensors and backend memory', () => {
    const lines = formatMemoryCheck(
      'googlenet',
      10000,
      64,
      [run(753, 3063, 1043), run(752, 3063, 1043)],
      'WASM heap',
    );
    expect(lines.at(-1)).toBe(
      'verdict memory googlenet (10000 images, batch 64, 16x16 tiles): peak 753 MB of tensors -> meets the target ' +
        '(<= 1536 MB); after each of 2 passes tensors flat, WASM heap flat',
    );
    expect(lines[0]).toContain('| WASM heap MB |');
  });
  it('says which part misses: the peak, tensors left behind, a growing pool', () => {
    const peak = formatMemoryCheck('googlenet', 10, 8, [run(1600, 10, 5), run(1600, 10, 5)], 'WASM heap').at(
      -1,
    )!;
    expect(peak).toContain('-> MISSES the target');
    const leak = formatMemoryCheck('googlenet', 10, 8, [run(700, 10, 5), run(700, 11, 5)], 'WASM heap').at(
      -1,
    )!;
    expect(leak).toContain('tensors NOT flat, WASM heap flat');
    const pool = formatMemoryCheck(
      'googlenet',
      10,
      8,
      [run(700, 10, 5), run(700, 10, 6)],
      'WebGPU buffers',
    ).at(-1)!;
    expect(pool).toContain('tensors flat, WebGPU buffers NOT flat');
  });
});
