import { memo } from 'react';
import type { ChipLayout } from './layout';
import { layerColour } from './layout';

interface ChipViewProps {
  layout: ChipLayout;
  selected: number | null;
  onSelect(index: number): void;
}

const pct = (v: number) => `${(100 * v).toFixed(0)} %`;

/**
 * The chip: one block per layer, its tiles drawn by an SVG pattern (one element per block however many
 * tiles it has), so GoogLeNet's tens of thousands of tiles cost a few dozen nodes.
 */
export const ChipView = memo(function ChipView({ layout, selected, onSelect }: ChipViewProps) {
  const { tilePx, aggregated } = layout;
  return (
    <svg
      className="chip-view"
      width={layout.width}
      height={Math.max(layout.height, 1)}
      viewBox={`0 0 ${layout.width} ${Math.max(layout.height, 1)}`}
      role="group"
      aria-label="Chip floorplan: one block per layer"
      data-testid="chip-view"
      data-aggregated={aggregated}
    >
      <defs>
        {!aggregated &&
          layout.blocks.map((b) => (
            <pattern
              key={b.index}
              id={`tiles-${b.index}`}
              patternUnits="userSpaceOnUse"
              x={b.x}
              y={b.y}
              width={tilePx}
              height={tilePx}
            >
              <rect
                width={tilePx}
                height={tilePx}
                fill="none"
                stroke="var(--panel)"
                strokeWidth={Math.min(1, tilePx / 6)}
              />
            </pattern>
          ))}
      </defs>
      {layout.blocks.map((b) => {
        const p = b.plan;
        const label = `${p.layer}: ${p.tileCount} tiles (${p.rowTiles} × ${p.colTiles} × ${p.arrays.length} arrays), utilisation ${pct(p.utilisation)}`;
        const fullH = b.fullRows * tilePx;
        // Aggregated: one rectangle of exactly the layer's tile area; else full rows plus the last partial row.
        const rects = aggregated
          ? [{ x: b.x, y: b.y, w: b.cols * tilePx, h: Math.max(1, (p.tileCount / b.cols) * tilePx) }]
          : [
              { x: b.x, y: b.y, w: b.cols * tilePx, h: fullH },
              ...(b.remainder > 0 ? [{ x: b.x, y: b.y + fullH, w: b.remainder * tilePx, h: tilePx }] : []),
            ].filter((r) => r.h > 0);
        // Names only where they fit (≈ 6.5 px per character at 11 px).
        const showName = b.width > p.layer.length * 6.5 + 8 && b.height > 16;
        return (
          <g
            key={b.index}
            className={`chip-block ${selected === b.index ? 'selected' : ''}`}
            role="button"
            tabIndex={0}
            aria-label={label}
            aria-pressed={selected === b.index}
            data-layer={p.layer}
            onClick={() => onSelect(b.index)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' || e.key === ' ') {
                e.preventDefault();
                onSelect(b.index);
              }
            }}
          >
            <title>{label}</title>
            {rects.map((r, i) => (
              <g key={i}>
                <rect
                  x={r.x}
                  y={r.y}
                  width={r.w}
                  height={r.h}
                  fill={layerColour(b.index, 0.35 + 0.65 * p.utilisation)}
                />
                {!aggregated && (
                  <rect x={r.x} y={r.y} width={r.w} height={r.h} fill={`url(#tiles-${b.index})`} />
                )}
              </g>
            ))}
            {selected === b.index && (
              <rect
                x={b.x - 2}
                y={b.y - 2}
                width={b.width + 4}
                height={b.height + 4}
                fill="none"
                stroke="var(--text)"
                strokeWidth={2}
              />
            )}
            {showName && (
              <text x={b.x + 4} y={b.y + 13} className="chip-label">
                {p.layer}
              </text>
            )}
          </g>
        );
      })}
    </svg>
  );
});
