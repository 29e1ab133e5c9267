/** The bench's report as text: pure functions of the results (no tfjs, no I/O), shared by Node and the page. */
import type { CalibrationTiming, ModelResult, SummaryTiles } from './results';

/** A Markdown-style table, columns right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const mbText = (x: number | null) => (x === null ? 'n/a' : x.toFixed(0));

/** Table cells: the calibration pass and one simulated batch of the same images (after the warm-up). */
function calibrationCells(c: CalibrationTiming | null): [string, string] {
  return c ? [c.seconds.toFixed(2), c.batchSeconds.toFixed(2)] : ['—', '—'];
}

/**
 * The bench's last line: the median paired ratio t_sim / t_digital of the default config on its 128×128
 * tiles and on 16×16 tiles. Several models give one value per model, in order, joined by '/'
 * (`--model all`: vgg8/googlenet).
 */
export function formatSummary(results: readonly ModelResult[]): string {
  const ratios = (tiles: SummaryTiles) =>
    results.map((r) => r.presets.find((p) => p.summary === tiles)?.ratio.toFixed(2) ?? 'n/a').join('/');
  return `sim/ideal 128x128: ${ratios('128x128')}  16x16: ${ratios('16x16')}`;
}

/** One model's report: heading, the per-case table, a verdict per case (cost, calibration), any profiles. */
export function formatModelReport(result: ModelResult): string {
  const { model, images, batch, repeats } = result;
  const lines: string[] = [];
  lines.push(
    `\n${model} (${images} images, batch ${batch}, median of ${repeats}; digital ${result.digitalImagesPerSecond.toFixed(1)} img/s, ` +
      `top-1 ${pct(result.digitalAccuracy)}, peak ${mbText(result.digitalPeakMB)} MB)`,
  );
  lines.push(
    table(
      [
        'preset',
        'digital img/s',
        'sim img/s',
        'sim/digital',
        '(min–max)',
        'calib s',
        'sim batch s',
        'program s',
        'digital acc',
        'sim acc',
        'chip MB',
        'peak MB',
      ],
      result.presets.map((p) => [
        p.preset,
        p.digitalImagesPerSecond.toFixed(1),
        p.simImagesPerSecond.toFixed(1),
        `${p.ratio.toFixed(2)}x`,
        `${p.ratioMin.toFixed(2)}–${p.ratioMax.toFixed(2)}`,
        ...calibrationCells(p.calibration),
        p.programSeconds.toFixed(2),
        pct(result.digitalAccuracy),
        pct(p.simAccuracy),
        p.chipMB.toFixed(1),
        mbText(p.peakMB),
      ]),
    ),
  );
  const stand = result.presets.find((p) => p.summary === '128x128' && p.preset !== 'default');
  if (stand)
    lines.push(`(${stand.preset} is the default config: its row gives the summary's 128x128 figure)`);
  lines.push(`(calib s, sim batch s: the calibration pass and one simulated batch of the same images, warm)`);
  for (const p of result.presets) {
    const verdict = p.ratio <= p.target.ratio ? 'meets' : 'MISSES';
    lines.push(
      `verdict ${model}/${p.preset}: simulated costs ${p.ratio.toFixed(2)}x ideal digital -> ${verdict} the target ` +
        `(<= ${p.target.ratio}x, ${p.target.source})`,
    );
  }
  for (const p of result.presets) {
    const c = p.calibration;
    if (!c) continue;
    const ratio = c.seconds / c.batchSeconds;
    lines.push(
      `calibration ${model}/${p.preset}: ${c.seconds.toFixed(2)} s on ${c.images} training images vs ${c.batchSeconds.toFixed(2)} s ` +
        `for one simulated batch of the same images = ${ratio.toFixed(2)}x -> ${ratio <= 1 ? 'meets' : 'MISSES'} ` +
        `the target (<= 1x; first pass, kernels cold: ${c.firstSeconds.toFixed(2)} s)`,
    );
  }
  for (const p of result.presets) {
    const f = p.profile;
    if (!f) continue;
    const share = (ms: number) => `${ms.toFixed(0)} ms (${((100 * ms) / f.simMs).toFixed(0)} %)`;
    lines.push(
      `profile ${model}/${p.preset}, one batch of ${batch}: simulated ${f.simMs.toFixed(0)} ms = kernels ${share(f.kernelMs)} + outside kernels ${share(f.outsideKernelsMs)}`,
    );
    lines.push(`  kernels: ${f.topKernels.map((k) => `${k.kernel} ${share(k.ms)}`).join(', ')}`);
    if (f.normalDraws > 0)
      lines.push(
        `  tf.randomNormal (JS, outside kernels): ${(f.normalDraws / 1e6).toFixed(1)} M draws ≈ ${share(f.normalDrawsMsEstimate)}`,
      );
    lines.push(
      `  slowest layers (sim vs digital ms): ${f.topLayers.map((l) => `${l.layer} ${l.simMs.toFixed(0)} vs ${l.digitalMs.toFixed(0)}`).join(', ')}`,
    );
  }
  return lines.join('\n');
}
