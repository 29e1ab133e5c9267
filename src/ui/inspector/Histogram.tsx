import type { AdcHistogram } from './multiply';

const W = 420;
const H = 150;
const PAD = { left: 36, right: 8, top: 8, bottom: 28 };

const micro = (a: number) => `${(a * 1e6).toPrecision(3)} µA`;

/** ADC-input histogram with the ADC's range marked; what falls outside it is clipped. */
export function Histogram({ hist }: { hist: AdcHistogram }) {
  const max = Math.max(...hist.counts, 1);
  const x0 = hist.edges[0]!;
  const x1 = hist.edges[hist.edges.length - 1]!;
  const sx = (v: number) => PAD.left + ((v - x0) / (x1 - x0)) * (W - PAD.left - PAD.right);
  const sy = (c: number) => H - PAD.bottom - (c / max) * (H - PAD.top - PAD.bottom);
  const clippedPct = hist.total > 0 ? (100 * hist.clipped) / hist.total : 0;
  return (
    <figure className="histogram">
      <svg
        viewBox={`0 0 ${W} ${H}`}
        width="100%"
        role="img"
        aria-label={`Histogram of ${hist.total} ADC input currents from ${micro(x0)} to ${micro(x1)}; ${clippedPct.toFixed(2)} % clipped`}
      >
        {hist.counts.map((c, b) => (
          <rect
            key={b}
            x={sx(hist.edges[b]!)}
            y={sy(c)}
            width={Math.max(0.5, sx(hist.edges[b + 1]!) - sx(hist.edges[b]!) - 1)}
            height={H - PAD.bottom - sy(c)}
            fill="var(--series-1)"
          />
        ))}
        {[hist.lo, hist.hi].map((v, i) =>
          v === null ? null : (
            <line
              key={i}
              x1={sx(v)}
              x2={sx(v)}
              y1={PAD.top}
              y2={H - PAD.bottom}
              stroke="var(--error)"
              strokeDasharray="4 3"
              strokeWidth={2}
            />
          ),
        )}
        <line
          x1={PAD.left}
          x2={W - PAD.right}
          y1={H - PAD.bottom}
          y2={H - PAD.bottom}
          stroke="var(--muted)"
        />
        <text x={PAD.left} y={H - 8} className="axis-text">
          {micro(x0)}
        </text>
        <text x={W - PAD.right} y={H - 8} className="axis-text" textAnchor="end">
          {micro(x1)}
        </text>
        <text x={4} y={PAD.top + 10} className="axis-text">
          {max}
        </text>
      </svg>
      <figcaption>
        <strong data-testid="clipped-fraction">{clippedPct.toFixed(2)} %</strong> of{' '}
        {hist.total.toLocaleString('en')} ADC inputs clipped
        {hist.lo === null
          ? ' (the range follows the data, so nothing clips)'
          : ' (dashed lines: the ADC range)'}
        .
      </figcaption>
    </figure>
  );
}
