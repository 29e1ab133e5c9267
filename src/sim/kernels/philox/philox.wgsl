// Philox4x32-10 counter-based random numbers and Box–Muller normals (a library: no entry point; the
// programs that use it append their own `main`). Reference: philox.reference.ts (same maths in TS).
// Source: Salmon, Moraes, Dror & Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC'11; Random123
// include/Random123/philox.h. Known-answer vectors: Random123 kat_vectors (checked in philox tests).
//
// One round, with (hi, lo) = the 64-bit product of two u32 words:
//   (h0, l0) = M0·c0,  (h1, l1) = M1·c2,  c ← (h1 ^ c1 ^ k0, l1, h0 ^ c3 ^ k1, l0),
// ten rounds with the key bumped by the Weyl constants (W0, W1) between rounds.
// WGSL has no 64-bit integers: the high word comes from 16-bit halves (mulHi32); u32 `*` wraps, giving
// the low word.

const PHILOX_M0 : u32 = 0xd2511f53u;
const PHILOX_M1 : u32 = 0xcd9e8d57u;
const PHILOX_W0 : u32 = 0x9e3779b9u;
const PHILOX_W1 : u32 = 0xbb67ae85u;
const PHILOX_ROUNDS : u32 = 10u;
const PHILOX_TWO_PI : f32 = 6.283185307179586;
const PHILOX_PI : f32 = 3.141592653589793;

// High 32 bits of a·b: a = aHi·2¹⁶ + aLo, b = bHi·2¹⁶ + bLo; every partial product fits in a u32.
fn mulHi32(a : u32, b : u32) -> u32 {
  let aLo = a & 0xffffu;
  let aHi = a >> 16u;
  let bLo = b & 0xffffu;
  let bHi = b >> 16u;
  let lolo = aLo * bLo;
  let hilo = aHi * bLo;
  let lohi = aLo * bHi;
  let carry = (lolo >> 16u) + (hilo & 0xffffu) + (lohi & 0xffffu);
  return aHi * bHi + (hilo >> 16u) + (lohi >> 16u) + (carry >> 16u);
}

// Four uniformly distributed u32 words of counter `c` under key `k`.
fn philox4x32(counter : vec4<u32>, key : vec2<u32>) -> vec4<u32> {
  var c = counter;
  var k = key;
  for (var r = 0u; r < PHILOX_ROUNDS; r++) {
    let hi0 = mulHi32(PHILOX_M0, c.x);
    let lo0 = PHILOX_M0 * c.x;
    let hi1 = mulHi32(PHILOX_M1, c.z);
    let lo1 = PHILOX_M1 * c.z;
    c = vec4<u32>(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
    k = k + vec2<u32>(PHILOX_W0, PHILOX_W1);
  }
  return c;
}

// A word → uniform in (0, 1): its top 24 bits, centred in their bin (never 0, so log() is safe).
fn uniformOpen01(word : u32) -> f32 {
  return f32(word >> 8u) * 5.9604644775390625e-8 + 2.9802322387695312e-8;
}

// Box–Muller: two words → two independent N(0, 1), r·cos θ and r·sin θ, r = √(−2 ln u₁),
// θ = 2π·u₂ − π (inside [−π, π], where WGSL's sin and cos have their stated absolute error 2⁻¹¹).
fn boxMuller(word1 : u32, word2 : u32) -> vec2<f32> {
  let radius = sqrt(-2.0 * log(uniformOpen01(word1)));
  let angle = PHILOX_TWO_PI * uniformOpen01(word2) - PHILOX_PI;
  return radius * vec2<f32>(cos(angle), sin(angle));
}

// Four N(0, 1) from one counter: Box–Muller on words (0, 1) and (2, 3).
fn philoxNormals(counter : vec4<u32>, key : vec2<u32>) -> vec4<f32> {
  let w = philox4x32(counter, key);
  return vec4<f32>(boxMuller(w.x, w.y), boxMuller(w.z, w.w));
}
