/** Downloads: the results table as CSV, a chart as PNG or SVG. Nothing is uploaded anywhere. */
import type { RunRecord } from '../../state/slices/runsSlice';
import { csvCell, csvText } from '../../state/csv';
import { differingKeys, valueText } from './configDiff';

export { csvCell };

/** One row per run: outcome, accuracies and every config field that differs between the runs. */
export function runsToCsv(runs: readonly RunRecord[]): string {
  const diffs = differingKeys(runs.map((r) => r.config));
  const header = [
    'id',
    'label',
    'status',
    'model',
    'routine',
    'images',
    'runs_done',
    'mean_accuracy',
    'std_accuracy',
    'run_accuracies',
    'digital_accuracy_same_images',
    'test_set',
    'final_test_accuracy',
    'seconds',
    'error',
    ...diffs.map((d) => d.key),
  ];
  const rows = runs.map((r) => {
    const accuracies = (r.result?.runs ?? r.series.runSummaries).map((s) => s.accuracy);
    const lastEpoch = r.series.epochPoints.at(-1);
    return [
      r.id,
      r.label,
      r.status,
      r.config.experiment.model,
      r.config.experiment.routine,
      r.config.experiment.images,
      accuracies.length,
      r.result?.meanAccuracy ?? '',
      r.result?.stdAccuracy ?? '',
      accuracies.join(' '),
      r.series.baselineAccuracy ?? '',
      r.result?.data.testSet ?? '',
      lastEpoch?.testAccuracy ?? '',
      r.result?.seconds ?? '',
      r.error ?? '',
      ...diffs.map((d) => valueText(r.config, d.path)),
    ];
  });
  return csvText([header, ...rows]);
}

export function download(filename: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

const STYLE_PROPS = [
  'fill',
  'stroke',
  'stroke-width',
  'stroke-dasharray',
  'opacity',
  'fill-opacity',
  'stroke-opacity',
  'font-size',
  'font-family',
];

/** A chart as drawable pieces: its SVG with computed styles inlined (CSS variables resolved), and its legend. */
function chartPieces(container: HTMLElement) {
  const svg = container.querySelector<SVGSVGElement>('svg.recharts-surface');
  if (!svg) throw new Error('the chart has nothing to export yet');
  const clone = svg.cloneNode(true) as SVGSVGElement;
  const originals = [svg, ...svg.querySelectorAll('*')];
  const copies = [clone, ...clone.querySelectorAll('*')];
  originals.forEach((el, i) => {
    const style = getComputedStyle(el);
    const copy = copies[i] as SVGElement;
    for (const prop of STYLE_PROPS) copy.style.setProperty(prop, style.getPropertyValue(prop));
  });
  const { width, height } = svg.getBoundingClientRect();
  clone.setAttribute('width', String(width));
  clone.setAttribute('height', String(height));
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  const legend = [...container.querySelectorAll('.recharts-legend-item')].map((el) => ({
    text: el.textContent ?? '',
    colour:
      getComputedStyle(el.querySelector('path, line, rect') ?? el).getPropertyValue('stroke') || 'black',
  }));
  const page = getComputedStyle(document.documentElement);
  return {
    clone,
    width,
    height,
    legend,
    background: page.getPropertyValue('--panel').trim() || '#ffffff',
    text: page.getPropertyValue('--text').trim() || '#000000',
  };
}

const HEADER_PX = 28;
/** Legend rows below the chart: three items a row, 20 px each. */
const legendHeight = (items: number) => 20 * Math.ceil(items / 3);
const legendAt = (i: number, width: number, top: number) => ({
  x: 8 + (i % 3) * (width / 3),
  y: top + 16 + 20 * Math.floor(i / 3),
});

const escapeXml = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** SVG of a chart with its title and legend, for papers and slides (vector, editable). */
export function chartToSvg(container: HTMLElement, title: string): Blob {
  const { clone, width, height, legend, background, text } = chartPieces(container);
  const total = HEADER_PX + height + legendHeight(legend.length) + 8;
  clone.setAttribute('y', String(HEADER_PX));
  const items = legend
    .map((item, i) => {
      const { x, y } = legendAt(i, width, HEADER_PX + height);
      return (
        `<rect x="${x}" y="${y - 9}" width="14" height="4" fill="${escapeXml(item.colour)}"/>` +
        `<text x="${x + 20}" y="${y - 3}" font-size="13" font-family="system-ui, sans-serif" fill="${escapeXml(text)}">${escapeXml(item.text)}</text>`
      );
    })
    .join('');
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${total}" viewBox="0 0 ${width} ${total}">` +
    `<rect width="100%" height="100%" fill="${escapeXml(background)}"/>` +
    `<text x="8" y="19" font-size="15" font-weight="600" font-family="system-ui, sans-serif" fill="${escapeXml(text)}">${escapeXml(title)}</text>` +
    new XMLSerializer().serializeToString(clone) +
    items +
    '</svg>';
  return new Blob([svg], { type: 'image/svg+xml' });
}

/**
 * PNG of a chart: the recharts SVG with computed styles inlined (CSS variables resolved), drawn at 2× on
 * the page background, with the legend (HTML in recharts) drawn underneath as text.
 */
export async function chartToPng(container: HTMLElement, title: string): Promise<Blob> {
  const { clone, width, height, legend, background, text } = chartPieces(container);
  const image = new Image();
  image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(new XMLSerializer().serializeToString(clone))}`;
  await image.decode();
  const scale = 2;
  const total = HEADER_PX + height + legendHeight(legend.length) + 8;
  const canvas = document.createElement('canvas');
  canvas.width = Math.ceil(width * scale);
  canvas.height = Math.ceil(total * scale);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas available');
  ctx.scale(scale, scale);
  ctx.fillStyle = background;
  ctx.fillRect(0, 0, width, total);
  ctx.fillStyle = text;
  ctx.font = '600 15px system-ui, sans-serif';
  ctx.fillText(title, 8, 19);
  ctx.drawImage(image, 0, HEADER_PX, width, height);
  ctx.font = '13px system-ui, sans-serif';
  legend.forEach((item, i) => {
    const { x, y } = legendAt(i, width, HEADER_PX + height);
    ctx.fillStyle = item.colour;
    ctx.fillRect(x, y - 9, 14, 4);
    ctx.fillStyle = text;
    ctx.fillText(item.text, x + 20, y - 3);
  });
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('PNG encoding failed'))), 'image/png'),
  );
}
