import { useEffect, useRef, useState } from 'react';
import type { TilePlan } from '../../sim/tiling';
import { tileExtent } from '../../sim/tiling';
import { layerColour } from './layout';

interface LayerGridProps {
  plan: TilePlan;
  index: number;
  width: number;
  selected: { rowTile: number; colTile: number } | null;
  onInspect(rowTile: number, colTile: number): void;
}

const MAX_HEIGHT_PX = 420;

/**
 * One layer's tiles, one grid per programmed array (G⁺, G⁻, slices), on canvases (a layer can have
 * hundreds of thousands of tiles at tiny tile sizes). Each tile shows the part of it that holds weights.
 * Keyboard: the grid is one tab stop; arrow keys move, Enter inspects.
 */
export function LayerGrid({ plan, index, width, selected, onInspect }: LayerGridProps) {
  const [cursor, setCursor] = useState({ rowTile: 0, colTile: 0 });
  const arrays = plan.arrays.length;
  const perArrayWidth = Math.max(40, Math.floor((width - 12 * (arrays - 1)) / Math.min(arrays, 4)));
  let cell = Math.min(26, perArrayWidth / plan.colTiles);
  cell = Math.min(cell, MAX_HEIGHT_PX / plan.rowTiles);
  const w = Math.max(1, Math.ceil(cell * plan.colTiles));
  const h = Math.max(1, Math.ceil(cell * plan.rowTiles));
  const active = selected ?? cursor;
  const extent = tileExtent(
    plan,
    Math.min(active.rowTile, plan.rowTiles - 1),
    Math.min(active.colTile, plan.colTiles - 1),
  );

  const move = (dr: number, dc: number) =>
    setCursor((c) => ({
      rowTile: Math.max(0, Math.min(plan.rowTiles - 1, c.rowTile + dr)),
      colTile: Math.max(0, Math.min(plan.colTiles - 1, c.colTile + dc)),
    }));

  return (
    <div className="layer-grid">
      <div
        className="layer-grid-arrays"
        role="application"
        tabIndex={0}
        aria-label={`Tiles of ${plan.layer}: ${plan.rowTiles} row tiles × ${plan.colTiles} column tiles per array. Arrow keys move, Enter inspects.`}
        aria-describedby="layer-grid-cursor"
        data-testid="tile-grid"
        onKeyDown={(e) => {
          const moves: Record<string, [number, number]> = {
            ArrowUp: [-1, 0],
            ArrowDown: [1, 0],
            ArrowLeft: [0, -1],
            ArrowRight: [0, 1],
          };
          const m = moves[e.key];
          if (m) {
            e.preventDefault();
            move(m[0], m[1]);
          } else if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            onInspect(cursor.rowTile, cursor.colTile);
          }
        }}
      >
        {plan.arrays.map((a) => (
          <figure key={a.label} className="array-grid">
            <figcaption>{a.label}</figcaption>
            <TileCanvas
              plan={plan}
              colour={layerColour(index)}
              cell={cell}
              width={w}
              height={h}
              highlight={active}
              onPick={(r, c) => {
                setCursor({ rowTile: r, colTile: c });
                onInspect(r, c);
              }}
            />
          </figure>
        ))}
      </div>
      <p id="layer-grid-cursor" className="muted small" aria-live="polite">
        Tile (row {active.rowTile + 1}, column {active.colTile + 1}) of {plan.rowTiles} × {plan.colTiles}:{' '}
        {extent.rows} of {plan.tileRows} rows and {extent.dataCols} of {plan.dataColsPerTile} data columns
        hold weights. Click a tile, or press Enter, to inspect it.
      </p>
    </div>
  );
}

interface TileCanvasProps {
  plan: TilePlan;
  colour: string;
  cell: number;
  width: number;
  height: number;
  highlight: { rowTile: number; colTile: number };
  onPick(rowTile: number, colTile: number): void;
}

function TileCanvas({ plan, colour, cell, width, height, highlight, onPick }: TileCanvasProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.ceil(width * dpr);
    canvas.height = Math.ceil(height * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const styles = getComputedStyle(canvas);
    ctx.fillStyle = styles.getPropertyValue('--grid') || '#ddd';
    ctx.fillRect(0, 0, width, height);
    const gap = cell >= 6 ? 1 : 0;
    ctx.fillStyle = colour;
    const rowFrac = plan.rowsInLastTile / plan.tileRows;
    const colFrac = plan.colsInLastTile / plan.dataColsPerTile;
    for (let r = 0; r < plan.rowTiles; r++) {
      const fh = r === plan.rowTiles - 1 ? rowFrac : 1;
      for (let c = 0; c < plan.colTiles; c++) {
        const fw = c === plan.colTiles - 1 ? colFrac : 1;
        // The used part of the tile in the layer colour; the unused part stays grey.
        ctx.fillRect(
          c * cell + gap,
          r * cell + gap,
          Math.max(0.5, fw * cell - 2 * gap),
          Math.max(0.5, fh * cell - 2 * gap),
        );
      }
    }
    ctx.strokeStyle = styles.getPropertyValue('--text') || '#000';
    ctx.lineWidth = 2;
    ctx.strokeRect(
      highlight.colTile * cell + 1,
      highlight.rowTile * cell + 1,
      Math.max(2, cell - 2),
      Math.max(2, cell - 2),
    );
  }, [plan, colour, cell, width, height, highlight]);
  return (
    <canvas
      ref={ref}
      style={{ width, height }}
      aria-hidden="true"
      onClick={(e) => {
        const rect = e.currentTarget.getBoundingClientRect();
        const c = Math.min(plan.colTiles - 1, Math.floor((e.clientX - rect.left) / cell));
        const r = Math.min(plan.rowTiles - 1, Math.floor((e.clientY - rect.top) / cell));
        onPick(Math.max(0, r), Math.max(0, c));
      }}
    />
  );
}
