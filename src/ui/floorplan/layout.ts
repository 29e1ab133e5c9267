/**
 * Chip floorplan layout (pure): one block per layer, each a grid of its tiles, packed on shelves into a
 * given width. A layer's natural grid is its row-tiles (down) × column-tiles of every programmed array
 * side by side (across); grids with extreme proportions are re-wrapped into a near-square block. The
 * tile size in pixels is the largest that fits the height; below `MIN_TILE_PX` the blocks are drawn
 * solid (aggregated) instead of tile by tile.
 */
import type { TilePlan } from '../../sim/tiling';

export const MIN_TILE_PX = 2.5;
const GAP_PX = 6;
const MAX_ASPECT = 4;

export interface LayerBlock {
  index: number;
  plan: TilePlan;
  x: number;
  y: number;
  /** Tiles per block row and the number of full rows; `remainder` tiles sit in one last partial row. */
  cols: number;
  fullRows: number;
  remainder: number;
  width: number;
  height: number;
}

export interface ChipLayout {
  blocks: LayerBlock[];
  tilePx: number;
  width: number;
  height: number;
  aggregated: boolean;
}

function blockGrid(plan: TilePlan, tilePx: number, width: number) {
  const tiles = plan.tileCount;
  let cols = plan.colTiles * plan.arrays.length;
  const rows = plan.rowTiles;
  if (cols / rows > MAX_ASPECT || rows / cols > MAX_ASPECT) cols = Math.ceil(Math.sqrt(tiles * 1.5));
  cols = Math.max(1, Math.min(cols, Math.floor(width / tilePx), tiles));
  return { cols, fullRows: Math.floor(tiles / cols), remainder: tiles % cols };
}

function pack(plans: TilePlan[], tilePx: number, width: number): { blocks: LayerBlock[]; height: number } {
  const blocks: LayerBlock[] = [];
  let x = 0;
  let y = 0;
  let shelf = 0;
  plans.forEach((plan, index) => {
    const g = blockGrid(plan, tilePx, width);
    const w = g.cols * tilePx;
    const h = (g.fullRows + (g.remainder > 0 ? 1 : 0)) * tilePx;
    if (x > 0 && x + w > width) {
      x = 0;
      y += shelf + GAP_PX;
      shelf = 0;
    }
    blocks.push({ index, plan, x, y, ...g, width: w, height: h });
    x += w + GAP_PX;
    shelf = Math.max(shelf, h);
  });
  return { blocks, height: y + shelf };
}

/** Lays out `plans` in `width` px, choosing the largest tile size (≤ maxTilePx) that fits `maxHeight`. */
export function layoutChip(plans: TilePlan[], width: number, maxHeight: number, maxTilePx = 28): ChipLayout {
  let lo = 0.05;
  let hi = maxTilePx;
  if (pack(plans, hi, width).height > maxHeight) {
    for (let i = 0; i < 30; i++) {
      const mid = (lo + hi) / 2;
      if (pack(plans, mid, width).height <= maxHeight) lo = mid;
      else hi = mid;
    }
  } else lo = hi;
  const tilePx = lo;
  const { blocks, height } = pack(plans, tilePx, width);
  return { blocks, tilePx, width, height, aggregated: tilePx < MIN_TILE_PX };
}

/** A categorical colour per layer (golden-angle hues); the layer is also named in text everywhere. */
export function layerColour(index: number, alpha = 1): string {
  const hue = Math.round((index * 137.508) % 360);
  return `hsl(${hue} 62% 52% / ${alpha})`;
}
