/**
 * Philox4x32-10 (Salmon, Moraes, Dror & Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC'11;
 * Random123 `philox.h`) in plain TypeScript, the reference for `philox.wgsl`. A counter-based generator:
 * the four output words are a pure function of a 128-bit counter and a 64-bit key, so every GPU thread
 * draws its own numbers from (counter, key) with no state and no ordering between threads.
 *
 * One round, with (hi, lo) = the 64-bit product of two 32-bit words:
 *   (h0, l0) = M0·c0,  (h1, l1) = M1·c2,  c ← (h1 ⊕ c1 ⊕ k0, l1, h0 ⊕ c3 ⊕ k1, l0);
 * ten rounds, the key bumped by the Weyl constants (W0, W1) between rounds.
 * All words are unsigned 32-bit integers held in JS numbers (≥ 0).
 */

export const PHILOX_M0 = 0xd2511f53;
export const PHILOX_M1 = 0xcd9e8d57;
export const PHILOX_W0 = 0x9e3779b9;
export const PHILOX_W1 = 0xbb67ae85;
export const PHILOX_ROUNDS = 10;

export type PhiloxCounter = readonly [number, number, number, number];
export type PhiloxKey = readonly [number, number];
export type PhiloxWords = [number, number, number, number];

/** High 32 bits of the 64-bit product a·b, from 16-bit halves (as the WGSL does; no 64-bit integers). */
export function mulHi32(a: number, b: number): number {
  const aLo = a & 0xffff;
  const aHi = a >>> 16;
  const bLo = b & 0xffff;
  const bHi = b >>> 16;
  const lolo = aLo * bLo;
  const hilo = aHi * bLo;
  const lohi = aLo * bHi;
  const carry = (lolo >>> 16) + (hilo & 0xffff) + (lohi & 0xffff);
  return (aHi * bHi + (hilo >>> 16) + (lohi >>> 16) + (carry >>> 16)) >>> 0;
}

/** Philox4x32-10 of one counter under one key: four uniformly distributed 32-bit words. */
export function philox4x32(counter: PhiloxCounter, key: PhiloxKey): PhiloxWords {
  let [c0, c1, c2, c3] = counter.map((w) => w >>> 0) as PhiloxWords;
  let k0 = key[0] >>> 0;
  let k1 = key[1] >>> 0;
  for (let round = 0; round < PHILOX_ROUNDS; round++) {
    const hi0 = mulHi32(PHILOX_M0, c0);
    const lo0 = Math.imul(PHILOX_M0, c0) >>> 0;
    const hi1 = mulHi32(PHILOX_M1, c2);
    const lo1 = Math.imul(PHILOX_M1, c2) >>> 0;
    [c0, c1, c2, c3] = [(hi1 ^ c1 ^ k0) >>> 0, lo1, (hi0 ^ c3 ^ k1) >>> 0, lo0];
    k0 = (k0 + PHILOX_W0) >>> 0;
    k1 = (k1 + PHILOX_W1) >>> 0;
  }
  return [c0, c1, c2, c3];
}

/** A word → uniform in (0, 1): the top 24 bits, centred in their bin, so never 0 (log-safe) nor 1. */
export function uniformOpen01(word: number): number {
  return (word >>> 8) * 2 ** -24 + 2 ** -25;
}

/**
 * Box–Muller: two words → two independent standard normals, r·cos θ and r·sin θ with r = √(−2 ln u₁),
 * θ = 2π·u₂ − π (in [−π, π), where WGSL's sin/cos have their stated accuracy). |value| ≤ √(2·ln 2²⁵) ≈ 5.9.
 */
export function boxMuller(word1: number, word2: number): [number, number] {
  const radius = Math.sqrt(-2 * Math.log(uniformOpen01(word1)));
  const angle = 2 * Math.PI * uniformOpen01(word2) - Math.PI;
  return [radius * Math.cos(angle), radius * Math.sin(angle)];
}

/** Four standard normals from one counter: Box–Muller on words (0, 1) and (2, 3). */
export function philoxNormals(counter: PhiloxCounter, key: PhiloxKey): [number, number, number, number] {
  const [w0, w1, w2, w3] = philox4x32(counter, key);
  return [...boxMuller(w0, w1), ...boxMuller(w2, w3)];
}
