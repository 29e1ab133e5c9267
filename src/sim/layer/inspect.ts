/** One tile of a programmed layer as plain arrays, for the tile inspector. */
import { fixedFullScaleAmperes } from '../chip';
import { readsWithIdealConverters, tileExtent } from '../tiling';
import { readCalibration } from './calibration';
import type { LayerState } from './state';
import type { TileInspection } from './types';

export async function inspectTile(
  state: LayerState,
  rowTile: number,
  colTile: number,
): Promise<TileInspection> {
  const { chip, config } = state;
  const plan = chip.plan;
  const e = tileExtent(plan, rowTile, colTile);
  const rowIndex = plan.tileRowIndex[rowTile]!;
  const calibrated = (await readCalibration(state)).adcFullScaleAmperes;
  return {
    rowTile,
    colTile,
    rows: e.rows,
    rowIndex: Int32Array.from(rowIndex),
    unrolling: { kernelSize: chip.spec.kernelSize, inChannels: chip.spec.inChannels },
    dataCols: e.dataCols,
    readPeriphery: readsWithIdealConverters(chip.spec, config.periphery) ? config.periphery : null,
    gMinSiemens: chip.gMinSiemens,
    gMaxSiemens: chip.gMaxSiemens,
    arrays: chip.arrays.map((a) => {
      const ref = a.role === 'reference';
      const c0 = ref ? colTile : e.col0;
      const cols = ref ? 1 : e.dataCols;
      const pick = <T extends Float32Array | Uint8Array>(src: T, make: (n: number) => T): T => {
        const out = make(e.rows * cols);
        for (let r = 0; r < e.rows; r++)
          for (let c = 0; c < cols; c++) out[r * cols + c] = src[rowIndex[r]! * a.cols + c0 + c]!;
        return out;
      };
      return {
        label: a.label,
        role: a.role,
        slice: a.slice,
        cols,
        gSiemens: pick(a.gSiemens, (n) => new Float32Array(n)),
        targetSiemens: pick(a.targetSiemens, (n) => new Float32Array(n)),
        stuck: a.stuck ? pick(a.stuck, (n) => new Uint8Array(n)) : null,
      };
    }),
    adcFullScaleAmperes:
      config.periphery.adcRange === 'fixed'
        ? chip.groups.map(() => fixedFullScaleAmperes(config, chip))
        : config.periphery.adcRange === 'calibrated'
          ? calibrated
          : null,
  };
}
