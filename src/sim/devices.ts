/**
 * Device non-idealities. Programming-time effects act on the target conductances once per simulated chip
 * (`programArrays`); read-time effects are described here by their variance / correction formulas and
 * applied per read by the layer. All conductances in siemens, times in seconds.
 *
 * Order at programming, per device: target G_T → device-to-device variation (unless redrawn per batch,
 * then the layer draws it; reference columns only when `includeReference`) → programming noise
 * (clipped at 0 S) = G(t0) → stuck-at faults (which override everything) → drift to the read time.
 * Each effect draws from its own forked stream, so switching one on never shifts another's numbers.
 * Each device keeps G(t0) and its drift exponent ν, so the chip can be read at another time without
 * programming it again (`driftedConductances`).
 */
import type { DeviceConfig } from './config';
import type { ConductanceArray } from './mapping';
import type { Rng } from './rng';

/** aihwkit PCMLikeNoiseModel drift-exponent fit (inference/noise/pcm.py; Nandakumar et al., ICECS 2019). */
export const PCM_NU_MEAN_SLOPE = -0.0155;
export const PCM_NU_MEAN_INTERCEPT = 0.0244;
export const PCM_NU_MEAN_MIN = 0.049;
export const PCM_NU_MEAN_MAX = 0.1;
export const PCM_NU_STD_SLOPE = -0.0125;
export const PCM_NU_STD_INTERCEPT = -0.0059;
export const PCM_NU_STD_MIN = 0.008;
export const PCM_NU_STD_MAX = 0.045;
/** Floor of g/g_max inside the log of the ν fit (aihwkit). */
export const PCM_G_FLOOR_REL = 1e-7;

export interface ProgrammedArray extends ConductanceArray {
  /** Target conductances before any device effect (siemens). */
  targetSiemens: Float32Array;
  /** 0 = healthy, 1 = stuck at G_min, 2 = stuck at G_max; null when stuck-at faults are off. */
  stuck: Uint8Array | null;
  /** G(t0): the conductance without drift (for drift compensation); equals gSiemens when drift is off. */
  gUndriftedSiemens: Float32Array;
  /**
   * Drift exponent ν per device, drawn at programming (|N(μ, σ)| or the PCM fit); null when drift is off.
   * Stuck devices keep theirs, unused: they do not drift.
   */
  driftNu: Float32Array | null;
}

/**
 * Programming noise σ(G_T) in siemens.
 *  proportional: σ = sigma·G_T;  constant: σ = sigma·G_max;
 *  pcm: σ = pcmScale·(c0 + c1·g + c2·g²)·G_max/G_max,ref µS with g = G_T/G_max
 *       (aihwkit PCMLikeNoiseModel.apply_programming_noise_to_conductance, prog_coeff fitted at 25 µS).
 */
export function programmingSigmaSiemens(
  gTarget: number,
  gMax: number,
  p: DeviceConfig['programmingNoise'],
): number {
  if (p.model === 'proportional') return p.sigma * Math.abs(gTarget);
  if (p.model === 'constant') return p.sigma * gMax;
  const g = gTarget / gMax;
  const [c0, c1, c2] = p.pcmCoefficientsMicroSiemens;
  const sigmaMicro = (c0 + c1 * g + c2 * g * g) * (gMax / p.pcmGMaxRefSiemens);
  return Math.max(0, p.pcmScale * sigmaMicro * 1e-6);
}

/** aihwkit PCM drift exponent statistics from the target conductance: μ_ν, σ_ν (clipped linear in ln g). */
export function pcmNuStats(gTarget: number, gMax: number): { mean: number; std: number } {
  const l = Math.log(Math.max(gTarget / gMax, PCM_G_FLOOR_REL));
  const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
  return {
    mean: clamp(PCM_NU_MEAN_SLOPE * l + PCM_NU_MEAN_INTERCEPT, PCM_NU_MEAN_MIN, PCM_NU_MEAN_MAX),
    std: clamp(PCM_NU_STD_SLOPE * l + PCM_NU_STD_INTERCEPT, PCM_NU_STD_MIN, PCM_NU_STD_MAX),
  };
}

/** Power-law drift factor (t/t0)^(−ν) for t > t0, else 1 (MemTorch model_conductance_drift; aihwkit pcm.py). */
export function driftFactor(nu: number, readTimeSeconds: number, t0Seconds: number): number {
  return readTimeSeconds > t0Seconds ? (readTimeSeconds / t0Seconds) ** -nu : 1;
}

/**
 * Picks ⌊n·fractionAtGmin⌋ devices stuck at G_min and then ⌊n·fractionAtGmax⌋ of the rest stuck at G_max,
 * without replacement (MemTorch DeviceFaults semantics). Returns the codes 0/1/2 per device.
 */
export function drawStuckMask(
  n: number,
  fractionAtGmin: number,
  fractionAtGmax: number,
  rng: Rng,
): Uint8Array {
  const nMin = Math.floor(n * fractionAtGmin);
  const nMax = Math.min(n - nMin, Math.floor(n * fractionAtGmax));
  const mask = new Uint8Array(n);
  // Partial Fisher–Yates: the first nMin + nMax positions of a random permutation.
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  for (let i = 0; i < nMin + nMax; i++) {
    const j = i + rng.int(n - i);
    const t = idx[i]!;
    idx[i] = idx[j]!;
    idx[j] = t;
    mask[idx[i]!] = i < nMin ? 1 : 2;
  }
  return mask;
}

/** Applies the programming-time effects of `device` to every array (drawn from `rng`, moment 'programming'). */
export function programArrays(
  arrays: ConductanceArray[],
  device: DeviceConfig,
  gMinSiemens: number,
  gMaxSiemens: number,
  rng: Rng,
): ProgrammedArray[] {
  return arrays.map((a, index) => {
    const arrayRng = rng.fork(`array ${index}`);
    const target = a.gSiemens;
    const g = Float32Array.from(target);
    const n = g.length;

    const d2d = device.d2dVariation;
    const varied = a.role !== 'reference' || d2d.includeReference;
    if (d2d.enabled && d2d.sigmaRelative > 0 && varied) {
      const r = arrayRng.fork('d2d');
      if (d2d.model === 'multiplicative' && !d2d.redrawEachBatch) {
        // NeuroSim V1.4 `vari`: G ← G·(1 + σξ).
        for (let i = 0; i < n; i++) g[i] = g[i]! * (1 + d2d.sigmaRelative * r.normal());
      } else if (d2d.model === 'additive' && !d2d.redrawEachBatch) {
        // NeuroSim first-layer branch `remainderQ + normal(0, vari)`: G ← G + σ·G_max·ξ.
        for (let i = 0; i < n; i++) g[i] = g[i]! + d2d.sigmaRelative * gMaxSiemens * r.normal();
      } else if (d2d.model === 'conductanceRange') {
        // MemTorch StochasticParameter r_on, r_off ~ N(nominal, σ·nominal) (min 1 Ω); each device's own
        // range [1/R_off,i, 1/R_on,i] clips the nominally mapped conductance.
        const rOn = 1 / gMaxSiemens;
        const rOff = 1 / gMinSiemens;
        for (let i = 0; i < n; i++) {
          const rOnI = Math.max(1, rOn * (1 + d2d.sigmaRelative * r.normal()));
          const rOffI = Math.max(1, rOff * (1 + d2d.sigmaRelative * r.normal()));
          const lo = Math.min(1 / rOffI, 1 / rOnI);
          const hi = Math.max(1 / rOffI, 1 / rOnI);
          g[i] = Math.min(hi, Math.max(lo, g[i]!));
        }
      }
    }

    const prog = device.programmingNoise;
    if (prog.enabled) {
      const r = arrayRng.fork('programming noise');
      for (let i = 0; i < n; i++) {
        const sigma = programmingSigmaSiemens(target[i]!, gMaxSiemens, prog);
        g[i] = Math.max(0, g[i]! + sigma * r.normal());
      }
    }

    // ν is drawn whenever drift is on, whatever the read time, so a chip read later uses the same draws.
    const drift = device.drift;
    let driftNu: Float32Array | null = null;
    if (drift.enabled) {
      const r = arrayRng.fork('drift nu');
      driftNu = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const stats =
          drift.nuModel === 'pcm'
            ? pcmNuStats(target[i]!, gMaxSiemens)
            : { mean: drift.nuMean, std: drift.nuStd };
        // ν = |μ + σξ| (aihwkit takes the absolute value so conductances never grow).
        driftNu[i] = Math.abs(stats.mean + stats.std * r.normal());
      }
    }

    let stuck: Uint8Array | null = null;
    const sa = device.stuckAt;
    if (sa.enabled) {
      stuck = drawStuckMask(n, sa.fractionAtGmin, sa.fractionAtGmax, arrayRng.fork('stuck'));
      for (let i = 0; i < n; i++) {
        if (stuck[i] === 1) g[i] = gMinSiemens;
        else if (stuck[i] === 2) g[i] = gMaxSiemens;
      }
    }
    const programmed = { gUndriftedSiemens: g, driftNu, stuck };
    return { ...a, ...programmed, gSiemens: driftedConductances(programmed, drift), targetSiemens: target };
  });
}

/**
 * Conductances at the read time of `drift`: G(t) = G(t0)·(t/t0)^(−ν) per device (`driftFactor`), stuck
 * devices unchanged; G(t0) itself when drift is off (the same array). Deterministic: the same devices at
 * the same read time give the same conductances, however often the chip is read.
 */
export function driftedConductances(
  a: Pick<ProgrammedArray, 'gUndriftedSiemens' | 'driftNu' | 'stuck'>,
  drift: DeviceConfig['drift'],
): Float32Array {
  const g0 = a.gUndriftedSiemens;
  const nu = a.driftNu;
  if (!drift.enabled || !nu) return g0;
  const g = Float32Array.from(g0);
  for (let i = 0; i < g.length; i++)
    if (!a.stuck?.[i]) g[i] = g0[i]! * driftFactor(nu[i]!, drift.readTimeSeconds, drift.t0Seconds);
  return g;
}

/**
 * Per-read noise variance σ²(G) of one device (S²); the output variance of a column is Σ_j V_j²·σ²(G_j)
 * (exact, computed with a second matmul of V² against σ²(G)).
 *  proportional: σ = sigma·G;  constant: σ = sigma·G_max;  pcmRead: σ² = sigma²·G·G_max
 *  (aihwkit PCM_READ: w_noise·√(Σ_j |W_ij|·x_j²) with W = G/G_max).
 */
export function readNoiseVariance(g: number, gMax: number, p: DeviceConfig['readNoise']): number {
  if (p.model === 'proportional') return (p.sigma * g) ** 2;
  if (p.model === 'constant') return (p.sigma * gMax) ** 2;
  return p.sigma * p.sigma * Math.abs(g) * gMax;
}

/**
 * aihwkit's analytic IR-drop model (simulator/parameters/io.py, C++ applyIrDrop), per column of one tile
 * with R rows, in physical units: with x̃_j = V_j/V_read and W_ij = G_ij/G_max,
 *   a = (R/g_ratio)·Σ_j W_j|x̃_j|,  c = a·(a·(0.05·a − 0.2) + 0.5),
 *   ΔI = −scale·c·Σ_j G_j·V_j·(1 − (1 − j/R)²),   g_ratio = (1/R_wire)/G_max.
 * Row j = 0 is next to the driver. This returns c from a.
 */
export function irDropPolynomial(a: number): number {
  return a * (a * (0.05 * a - 0.2) + 0.5);
}

export function irDropRowWeight(j: number, rows: number): number {
  return 1 - (1 - j / rows) ** 2;
}
