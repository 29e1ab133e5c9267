/**
 * A tiled read of a batch (chip.ts steps 1–5) on tfjs ops available on every backend: per chunk of
 * images, per bound-management reduction, per group: DAC inputs → row-tile currents (+ IR drop, noise) →
 * ADC → digital sum over row tiles and shift-add over input cycles, × ν·post·α. Returns y before the bias.
 *
 * Seeds are drawn up front in a fixed order (per-batch variation, then per reduction, chunk, group:
 * read-noise seeds per row tile, ADC-noise seeds per row tile), so chunking and the batch-wide first
 * pass (`batchPass.ts`) reuse the same draws.
 */
import * as tf from '@tensorflow/tfjs-core';
import { boundReductions } from '../chip';
import type { Rng } from '../rng';
import { adc, shiftAdd, sumParts, type AdcOutput } from './adc';
import { batchPass, type ChunkReader } from './batchPass';
import { readWithBoundManagement } from './boundManagement';
import { drawBatchWeights } from './conductances';
import { globalInputScale, readChunks, scaledChunkInputs, tileInputs, vectorScale } from './dacInputs';
import { analogCurrents, hasReadNoise, withReadNoise } from './readCurrents';
import type { LayerState } from './state';

/** The noise seeds of one group's read: per row tile (null where that noise is off). */
interface GroupSeeds {
  read: number[] | null;
  adc: number[] | null;
}

interface BatchRead extends ChunkReader {
  outShape: number[];
  /** ADC-noise seeds of chunk c's group gi at reduction ri (null: off). */
  adcSeeds(c: number, ri: number, gi: number): number[] | null;
  /** Whether this read redraws the conductances (per-batch variation). */
  redrawn: boolean;
}

/**
 * The chunks of a read of x and how each becomes currents. `readRng`: the read's stream (noise seeds and
 * the per-batch variation); null for a noiseless read of the programmed conductances (calibration).
 */
function batchRead(state: LayerState, x: tf.Tensor, readRng: Rng | null): BatchRead {
  const { chip, config } = state;
  const p = config.periphery;
  const reductions = boundReductions(config);
  const chunks = readChunks(state, x);
  const { count } = chunks;
  const T = chip.plan.rowTiles;
  const adcNoise = p.adcBits > 0 && p.adcNoise.enabled && p.adcNoise.sigmaLsb > 0;
  const batch = readRng ? drawBatchWeights(state, readRng) : null;
  const perTile = (on: boolean) => (readRng && on ? Array.from({ length: T }, () => readRng.seed31()) : null);
  const noise = hasReadNoise(state);
  const seeds: GroupSeeds[][][] = reductions.map(() =>
    Array.from({ length: count }, () =>
      chip.groups.map(() => ({ read: perTile(noise), adc: perTile(adcNoise) })),
    ),
  );
  const nuGlobal = globalInputScale(state, x);
  const keepCyclesApart = (batch?.groups[0]?.length ?? 1) > 1;
  // One global ν and no bound management: the DAC acts on x itself, the patches go straight into row tiles.
  const image =
    nuGlobal && reductions.length === 1
      ? scaledChunkInputs(state, x, tf.mul(nuGlobal, reductions[0]!), chunks, keepCyclesApart)
      : null;
  return {
    count,
    outShape: chunks.outShape,
    reductions,
    nuGlobal,
    redrawn: batch !== null,
    scales: (c) => {
      const P = image ? null : chunks.patches(c);
      return { P, nu: nuGlobal ?? vectorScale(P!) };
    },
    inputs: (c, ri, P, nu) =>
      image
        ? image.of(c)
        : tileInputs(state, tf.div(P!, tf.mul(nu, reductions[ri]!)) as tf.Tensor2D, keepCyclesApart),
    analog: (inputs) => chip.groups.map((_, gi) => analogCurrents(state, gi, inputs, batch)),
    noisy: (c, ri, inputs, analog) =>
      analog.map((parts, gi) => withReadNoise(state, gi, inputs, parts, seeds[ri]![c]![gi]!.read)),
    adcSeeds: (c, ri, gi) => seeds[ri]![c]![gi]!.adc,
    dispose: () => {
      image?.dispose();
      if (batch) tf.dispose(batch.owned);
    },
  };
}

/**
 * y = the read of x. `calibrateAdc`: first record the calibrated ADC full scales from this batch's
 * noiseless currents, in the same pass (the read then converts with them); only for reads of the
 * programmed conductances (no per-batch variation), see `canCalibrateInRead`.
 */
export function forwardTiled(
  state: LayerState,
  x: tf.Tensor,
  readRng: Rng,
  { calibrateAdc = false }: { calibrateAdc?: boolean } = {},
): tf.Tensor {
  const { chip, config, dac } = state;
  const p = config.periphery;
  const read = batchRead(state, x, readRng);
  const { count, reductions } = read;
  const G = chip.groups.length;
  const T = chip.plan.rowTiles;
  const adcOn = p.adcBits > 0;
  const rowTileRanges = adcOn && p.adcRange === 'dynamic' && p.adcDynamicScope === 'rowTile';
  // The ADC grid depends on the whole batch: read every chunk once first (NeuroSim's range spans the
  // whole batch; calibration sees every image), keeping the currents that fit for the conversions.
  const first =
    calibrateAdc || (rowTileRanges && count > 1)
      ? batchPass(state, read, { ranges: rowTileRanges && count > 1, calibrate: calibrateAdc, keep: true })
      : null;

  const sumW = dac.cycleWeights.reduce((a, b) => a + b, 0);
  /** One read of chunk c at reduction ri from its currents: y [M, N] and, when asked, the clip flags. */
  const convert = (c: number, ri: number, currents: tf.Tensor2D[][], nu: tf.Tensor, wantClip: boolean) => {
    let acc: tf.Tensor | null = null;
    let clipped: tf.Tensor1D | null = null;
    for (let gi = 0; gi < G; gi++) {
      const group = chip.groups[gi]!;
      const parts = currents[gi]!;
      let q: tf.Tensor2D;
      let scale: AdcOutput['scale'] = 1;
      let offset: AdcOutput['offset'] = 0;
      if (adcOn) {
        const ranges = first?.ranges?.[ri]?.[gi] ?? null;
        const out = adc(state, gi, parts, ranges, read.adcSeeds(c, ri, gi), wantClip);
        ({ q, scale, offset } = out);
        if (out.clipped) clipped = clipped ? (tf.maximum(clipped, out.clipped) as tf.Tensor1D) : out.clipped;
      } else q = sumParts(parts) as tf.Tensor2D;
      // Σ_t Σ_z w_z·(offset + scale·q) = scale·shiftAdd(Σ_t q) + offset·T·Σ_z w_z.
      const w = group.weightPerSiemens;
      let contribution: tf.Tensor = tf.mul(
        shiftAdd(state, q),
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
  /** Chunk c's currents at reduction ri, from the vectors P (null: the image path) with scales nu. */
  const currents = (c: number, ri: number, P: tf.Tensor2D | null, nu: tf.Tensor, whole: boolean) => {
    const kept = whole ? first?.kept[ri]?.[c] : null;
    if (kept) return kept;
    const inputs = read.inputs(c, ri, P, nu);
    return read.noisy(c, ri, inputs, read.analog(inputs));
  };

  // Bound management re-reads only the vectors that clipped, unless the ADC range of a read depends on
  // the other vectors read with it (dynamic row-tile range): then every reduction reads all vectors.
  const outputs: tf.Tensor[] = [];
  for (let c = 0; c < count; c++) {
    outputs.push(
      tf.tidy(() => {
        const { P, nu } = read.scales(c);
        const bounded = {
          P: P!,
          nu,
          nuIsGlobal: read.nuGlobal !== null,
          numReductions: reductions.length,
          subsetReads: !rowTileRanges,
          syncReadBack: state.syncReadBack,
        };
        if (!P || reductions.length === 1) return convert(c, 0, currents(c, 0, P, nu, true), nu, false).y;
        return readWithBoundManagement(bounded, (ri, Ps, nus, wantClip) =>
          convert(c, ri, currents(c, ri, Ps, nus, Ps === P), nus, wantClip),
        );
      }),
    );
    first?.release(c);
  }
  first?.dispose();
  read.dispose();
  const y = outputs.length === 1 ? outputs[0]! : tf.concat(outputs, 0);
  if (outputs.length > 1) tf.dispose(outputs);
  return tf.reshape(y, read.outShape);
}

/** Records the calibrated ADC full scales from the noiseless currents of x (no conversion). */
export function measureAdcFullScales(state: LayerState, x: tf.Tensor): void {
  const read = batchRead(state, x, null);
  batchPass(state, read, { ranges: false, calibrate: true, keep: false }).dispose();
  read.dispose();
}
