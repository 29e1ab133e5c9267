/**
 * A tiled read of a batch (chip.ts steps 1–5) on tfjs ops available on every backend: per chunk of
 * images, per bound-management reduction, per group: DAC inputs → row-tile currents (+ IR drop, noise) →
 * ADC → digital sum over row tiles and shift-add over input cycles, × ν·post·α. Returns y before the bias.
 *
 * Seeds are drawn up front in a fixed order (per-batch variation, then per reduction, chunk, group:
 * read-noise seeds per row tile, ADC-noise seeds per row tile), so chunking and two-pass ranges reuse the
 * same draws.
 */
import * as tf from '@tensorflow/tfjs';
import { boundReductions } from '../chip';
import type { Rng } from '../rng';
import { adc, rowTileRange, shiftAdd, sumParts, type AdcOutput, type Range } from './adc';
import { readWithBoundManagement } from './boundManagement';
import { drawBatchWeights, type BatchWeights } from './conductances';
import {
  globalInputScale,
  readChunks,
  scaledChunkInputs,
  tileInputs,
  vectorScale,
  type TileInputs,
} from './dacInputs';
import { groupCurrents, hasReadNoise } from './readCurrents';
import type { LayerState } from './state';

/** The noise seeds of one group's read: per row tile (null where that noise is off). */
interface GroupSeeds {
  read: number[] | null;
  adc: number[] | null;
}

export function forwardTiled(state: LayerState, x: tf.Tensor, readRng: Rng): tf.Tensor {
  const { chip, config, dac } = state;
  const p = config.periphery;
  const reductions = boundReductions(config);
  const chunks = readChunks(state, x);
  const { count, outShape } = chunks;
  const G = chip.groups.length;
  const T = chip.plan.rowTiles;
  const adcOn = p.adcBits > 0;
  const adcNoise = adcOn && p.adcNoise.enabled && p.adcNoise.sigmaLsb > 0;
  const rowTileRanges = adcOn && p.adcRange === 'dynamic' && p.adcDynamicScope === 'rowTile';

  const batch = drawBatchWeights(state, readRng);
  const perTile = (on: boolean) => (on ? Array.from({ length: T }, () => readRng.seed31()) : null);
  const noise = hasReadNoise(state);
  const seeds: GroupSeeds[][][] = reductions.map(() =>
    Array.from({ length: count }, () =>
      Array.from({ length: G }, () => ({ read: perTile(noise), adc: perTile(adcNoise) })),
    ),
  );
  const nuGlobal = globalInputScale(state, x);
  const keepCyclesApart = (batch?.groups[0]?.length ?? 1) > 1;
  // One global ν and no bound management: the DAC acts on x itself, the patches go straight into row tiles.
  const image =
    nuGlobal && reductions.length === 1
      ? scaledChunkInputs(state, x, tf.mul(nuGlobal, reductions[0]!), chunks, keepCyclesApart)
      : null;
  /** Chunk c's row-tile inputs at reduction ri: from the image, or from its patches P with scales nu. */
  const inputsOf = (c: number, ri: number, P: tf.Tensor2D | null, nu: tf.Tensor) =>
    image
      ? image.of(c)
      : tileInputs(state, tf.div(P!, tf.mul(nu, reductions[ri]!)) as tf.Tensor2D, keepCyclesApart);
  const readAll = (c: number, ri: number, inputs: TileInputs) =>
    chip.groups.map((_, gi) => groupCurrents(state, gi, inputs, batch, seeds[ri]![c]![gi]!.read));
  /** Chunk c's patches (null when the image path needs none) and input scales. */
  const chunkScales = (c: number) => {
    const P = image ? null : chunks.patches(c);
    return { P, nu: nuGlobal ?? vectorScale(P!) };
  };

  // Two-pass dynamic row-tile ranges when the batch is split (NeuroSim's range spans the whole batch).
  let ranges: Range[][][] | null = null;
  if (rowTileRanges && count > 1) {
    ranges = reductions.map((_, ri) => {
      let acc: Range[][] | null = null;
      for (let c = 0; c < count; c++) {
        const prev: Range[][] | null = acc;
        const step = tf.tidy((): Range[][] => {
          const { P, nu } = chunkScales(c);
          return readAll(c, ri, inputsOf(c, ri, P, nu)).map((parts, gi) =>
            parts.map((I, t): Range => {
              const rg = rowTileRange(state, I);
              const a: Range | undefined = prev?.[gi]![t];
              return a ? { lo: tf.minimum(a.lo, rg.lo), hi: tf.maximum(a.hi, rg.hi) } : rg;
            }),
          );
        });
        if (prev) prev.flat().forEach((a) => tf.dispose([a.lo, a.hi]));
        acc = step;
      }
      return acc!;
    });
  }

  const sumW = dac.cycleWeights.reduce((a, b) => a + b, 0);
  /** One read of chunk c at reduction ri: y [M, N] and, when asked, the per-vector clip flags. */
  const readLevel = (c: number, ri: number, inputs: TileInputs, nu: tf.Tensor, wantClip: boolean) => {
    const currents = readAll(c, ri, inputs);
    let acc: tf.Tensor | null = null;
    let clipped: tf.Tensor1D | null = null;
    for (let gi = 0; gi < G; gi++) {
      const group = chip.groups[gi]!;
      const parts = currents[gi]!;
      let read: tf.Tensor2D;
      let scale: AdcOutput['scale'] = 1;
      let offset: AdcOutput['offset'] = 0;
      if (adcOn) {
        const out = adc(
          state,
          gi,
          parts,
          ranges ? ranges[ri]![gi]! : null,
          seeds[ri]![c]![gi]!.adc,
          wantClip,
        );
        ({ q: read, scale, offset } = out);
        if (out.clipped) clipped = clipped ? (tf.maximum(clipped, out.clipped) as tf.Tensor1D) : out.clipped;
      } else read = sumParts(parts) as tf.Tensor2D;
      // Σ_t Σ_z w_z·(offset + scale·q) = scale·shiftAdd(Σ_t q) + offset·T·Σ_z w_z.
      const w = group.weightPerSiemens;
      let contribution: tf.Tensor = tf.mul(
        shiftAdd(state, read),
        typeof scale === 'number' ? w * scale : tf.mul(scale, w),
      );
      if (offset !== 0)
        contribution = tf.add(
          contribution,
          typeof offset === 'number' ? w * offset * T * sumW : tf.mul(offset, w * T * sumW),
        );
      if (group.perColumnTile) contribution = tf.gather(contribution, state.tensors.refIndex!, 1);
      acc = acc ? tf.add(acc, contribution) : contribution;
    }
    const y = tf.mul(acc!, tf.mul(nu, reductions[ri]! * dac.post * chip.driftCompensation));
    return { y, clipped };
  };

  // Bound management re-reads only the vectors that clipped, unless the ADC range of a read depends on
  // the other vectors read with it (dynamic row-tile range): then every reduction reads all vectors.
  const outputs: tf.Tensor[] = [];
  for (let c = 0; c < count; c++) {
    outputs.push(
      tf.tidy(() => {
        const { P, nu } = chunkScales(c);
        if (!P) return readLevel(c, 0, inputsOf(c, 0, P, nu), nu, false).y;
        const read = {
          P,
          nu,
          nuIsGlobal: nuGlobal !== null,
          numReductions: reductions.length,
          subsetReads: !rowTileRanges,
          syncReadBack: state.syncReadBack,
        };
        return readWithBoundManagement(read, (ri, Ps, nus, wantClip) =>
          readLevel(c, ri, inputsOf(c, ri, Ps, nus), nus, wantClip),
        );
      }),
    );
  }
  if (ranges) ranges.flat(2).forEach((rg) => tf.dispose([rg.lo, rg.hi]));
  image?.dispose();
  disposeBatch(batch);
  const y = outputs.length === 1 ? outputs[0]! : tf.concat(outputs, 0);
  if (outputs.length > 1) tf.dispose(outputs);
  return y.reshape(outShape);
}

function disposeBatch(batch: BatchWeights | null) {
  if (batch) tf.dispose(batch.owned);
}
