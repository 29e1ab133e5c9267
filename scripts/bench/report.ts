/** The bench's report as text: pure functions of the results (no tfjs, no I/O), shared by Node and the page. */
import { TARGET_RATIO } from './defaults';
import type { ModelResult } from './results';

/** A Markdown-style table, columns right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const mbText = (x: number | null) => (x === null ? 'n/a' : x.toFixed(0));

/** One model's report: heading, the per-preset table, a verdict per preset, and any profiles. */
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
        'program s',
        'calib s',
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
        p.programSeconds.toFixed(2),
        p.calibrateSeconds.toFixed(2),
        pct(result.digitalAccuracy),
        pct(p.simAccuracy),
        p.chipMB.toFixed(1),
        mbText(p.peakMB),
      ]),
    ),
  );
  for (const p of result.presets) {
    const verdict = p.ratio <= TARGET_RATIO ? 'meets' : 'MISSES';
    lines.push(
      `verdict ${model}/${p.preset}: simulated costs ${p.ratio.toFixed(2)}x ideal digital -> ${verdict} the SPEC §5 target (<= ${TARGET_RATIO}x)`,
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
