/**
 * The fused tiled read (`tiledRead.wgsl`) in plain TypeScript loops, float64: the same layout, the same
 * parameters and the same Philox counters, so a seeded read draws the same noise here as on the GPU (up
 * to float32 rounding of the normals). The reference for the kernel tests, and a CPU path for them.
 */
import { adcGrid, quantiseScalar } from '../../chip';
import { roundHalfEven } from '../../mapping';
import { boxMuller, philox4x32 } from '../philox/philox.reference';
import {
  GROUP_FIRST_TERM,
  GROUP_NUM_COLS,
  GROUP_NUM_TERMS,
  GROUP_PER_COLUMN_TILE,
  GROUP_RECORD,
  GROUP_SIGNED_CURRENTS,
  TERM_OFFSET,
  TERM_RECORD,
  TERM_SIGN,
  numVectors,
  type TiledReadParams,
} from './layout';

export interface TiledReadData {
  layerInput: ArrayLike<number>;
  conductances: ArrayLike<number>;
  readPlan: ArrayLike<number>;
  groupWeights: ArrayLike<number>;
  /** When params.adc.rangeSource = 'tensor'. */
  adcFullScale: ArrayLike<number> | null;
  /** ν when params.inputScaleMode = 'given'. */
  inputScale: number | null;
  /** Drift exponents laid out as `conductances`, when params.driftLogTimeRatio > 0. */
  driftNu?: ArrayLike<number> | null;
}

/** y [M, N] row-major (before the bias). */
export function tiledReadReference(p: TiledReadParams, data: TiledReadData): Float64Array {
  const g = p.geometry;
  const {
    numRows: K,
    numOutputs: N,
    tileRows: R,
    numRowTiles: T,
    dataColsPerTile: Cd,
    numGroups: G,
  } = p.plan;
  const M = numVectors(g);
  const Z = p.dac.bitSerial ? p.dac.bits : 1;
  const plan = data.readPlan;
  const key = p.seed;
  const drawNoise =
    p.noise.readModel !== 'off' ||
    p.noise.outputSigmaAmperes > 0 ||
    (p.adc.bits > 0 && p.noise.adcSigmaLsb > 0);
  const out = new Float64Array(M * N);

  // Patches (im2col order) and DAC values u_z[j] per vector.
  const patch = new Float64Array(K);
  const units = new Float64Array(Z * K);
  for (let m = 0; m < M; m++) {
    const ox = m % g.outWidth;
    const oy = Math.floor(m / g.outWidth) % g.outHeight;
    const b = Math.floor(m / (g.outWidth * g.outHeight));
    for (let j = 0; j < K; j++) {
      const c = j % g.inChannels;
      const k = Math.floor(j / g.inChannels);
      const y = oy * g.stride - g.padTop + Math.floor(k / g.kernelSize);
      const x = ox * g.stride - g.padLeft + (k % g.kernelSize);
      const inside = y >= 0 && y < g.inHeight && x >= 0 && x < g.inWidth;
      patch[j] = inside ? data.layerInput[((b * g.inHeight + y) * g.inWidth + x) * g.inChannels + c]! : 0;
    }
    let nu = data.inputScale ?? 1;
    if (p.inputScaleMode === 'perVector') {
      nu = patch.reduce((s, v) => Math.max(s, Math.abs(v)), 0);
      if (!(nu > 0)) nu = 1;
    }
    for (let j = 0; j < K; j++) {
      const scaled = patch[j]! / nu;
      let code = scaled;
      if (p.dac.bits > 0) {
        const u = Math.min(1, Math.max(p.dac.signed ? -1 : 0, scaled)) * p.dac.qMaxCode;
        code = p.dac.halfUp ? Math.floor(u + 0.5) : roundHalfEven(u);
      }
      if (!p.dac.bitSerial) units[j] = code;
      else {
        const twos = code < 0 ? code + 2 ** p.dac.bits : code;
        for (let z = 0; z < Z; z++) units[z * K + j] = Math.floor(twos / 2 ** z) % 2;
      }
    }

    for (let n = 0; n < N; n++) {
      let y = 0;
      for (let gi = 0; gi < G; gi++) {
        const r = gi * GROUP_RECORD;
        const firstTerm = plan[r + GROUP_FIRST_TERM]!;
        const numTerms = plan[r + GROUP_NUM_TERMS]!;
        const cols = plan[r + GROUP_NUM_COLS]!;
        const perColumnTile = plan[r + GROUP_PER_COLUMN_TILE]! !== 0;
        const signedAdc = plan[r + GROUP_SIGNED_CURRENTS]! !== 0 || (p.dac.signed && !p.dac.bitSerial);
        const col = perColumnTile ? Math.floor(n / Cd) : n;
        let groupSum = 0;
        for (let t = 0; t < T; t++)
          for (let z = 0; z < Z; z++) {
            let current = 0;
            let variance = 0;
            for (let j = t * R; j < Math.min(K, (t + 1) * R); j++) {
              const u = units[z * K + j]!;
              for (let term = 0; term < numTerms; term++) {
                const tr = G * GROUP_RECORD + (firstTerm + term) * TERM_RECORD;
                const cell = plan[tr + TERM_OFFSET]! + j * cols + col;
                let gj = data.conductances[cell]!;
                if (p.driftLogTimeRatio > 0) gj *= Math.exp(-data.driftNu![cell]! * p.driftLogTimeRatio);
                current += plan[tr + TERM_SIGN]! * u * gj * p.dac.voltsPerUnit;
                variance += u * u * readVariance(gj, p);
              }
            }
            let xi = [0, 0];
            if (drawNoise) {
              const words = philox4x32([m, col, t, gi * Z + z], key);
              xi = boxMuller(words[0], words[1]);
              const sigma = Math.sqrt(variance * p.dac.voltsPerUnit ** 2 + p.noise.outputSigmaAmperes ** 2);
              current += sigma * xi[0]!;
            }
            let digitised = current;
            if (p.adc.bits > 0) {
              const fs =
                p.adc.rangeSource === 'uniform'
                  ? p.adc.fullScaleAmperes
                  : data.adcFullScale![
                      gi * p.adc.fullScaleStrides.group +
                        t * p.adc.fullScaleStrides.tile +
                        col * p.adc.fullScaleStrides.col
                    ]!;
              const grid = adcGrid(p.adc.levels, p.adc.bits, signedAdc, signedAdc ? -fs : 0, fs);
              grid.step = Math.max(grid.step, 1e-30);
              digitised = quantiseScalar(
                current + p.noise.adcSigmaLsb * grid.step * xi[1]!,
                grid,
                p.adc.rounding,
              );
            }
            const w = p.dac.bitSerial ? (p.dac.signed && z === p.dac.bits - 1 ? -(2 ** z) : 2 ** z) : 1;
            groupSum += w * digitised;
          }
        y += data.groupWeights[gi]! * groupSum;
      }
      out[m * N + n] = y * nu * p.outputScale;
    }
  }
  return out;
}

/** σ²(G) of the read-noise model (devices.ts readNoiseVariance), S². */
function readVariance(g: number, p: TiledReadParams): number {
  const s = p.noise.readSigma;
  switch (p.noise.readModel) {
    case 'proportional':
      return (s * g) ** 2;
    case 'constant':
      return (s * p.noise.gMaxSiemens) ** 2;
    case 'pcmRead':
      return s * s * Math.abs(g) * p.noise.gMaxSiemens;
    default:
      return 0;
  }
}
