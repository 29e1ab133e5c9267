// Fused tiled crossbar read: one thread per output y[m, n] of an analog layer (dense, or conv as an
// implicit GEMM: input patches are read straight from the NHWC input, never materialised), in workgroups
// of 8 × 8 outputs that share staged DAC values and conductances. Semantics
// (src/sim/chip.ts, header): for every read group g, row tile t and input cycle z,
//   I = V_unit·Σ_{j ∈ t} u_z(x_mj/ν)·Σ_terms sign·G_j      (amperes; u = DAC code, its bit z, or x/ν)
//     + √(V_unit²·Σ_j u_z²·σ²(G_j) + σ_out²)·ξ₀           (read noise, exact variance; output noise)
//   Q = ADC(I + σ_lsb·Δ·ξ₁)                              (per row-tile conversion; ideal when adcBits = 0)
//   y[m, n] = ν·outputScale·Σ_g c_g·Σ_t Σ_z w_z·Q         (digital shift-add; outputScale = post·α)
// with w_z = 2^z (−2^(B−1) for the sign bit of a signed bit-serial input) or 1 (multilevel).
// ADC grids (chip.ts adcGrid): symmetric Δ = FS/q, q = 2^(B−1)−1 signed | 2^B−1 unsigned; powerOfTwo
// Δ = 2^(⌈log₂(FS + 1e−12 A)⌉ − B (+1 signed)); minMax Δ = (FS or 2·FS)/2^B from −FS (signed) or 0.
// σ²(G): proportional (σ·G)², constant (σ·G_max)², pcmRead σ²·|G|·G_max (devices.ts readNoiseVariance).
// Reference: tiledRead.reference.ts (the same loops in float64). Philox: philox.wgsl (prepended).
//
// Buffers (flat, tfjs binds each input as array<f32> or array<i32> under its variable name):
//   layerInput    f32  NHWC [batch, inHeight, inWidth, inChannels]; dense: [batch, numRows].
//   conductances  f32  siemens; every array used by a term, [numRows, numCols of its group] row-major,
//                      at the term's offset.
//   readPlan      i32  numGroups group records of GROUP_RECORD fields, then the term records
//                      (TERM_RECORD fields each). Field order: see the constants below and layout.ts.
//   groupWeights  f32  [numGroups] c_g, the digital factor from a digitised current to weight units.
//   adcFullScale  f32  amperes, element g·strideGroup + t·strideTile + col·strideCol (a stride of 0
//                      broadcasts); read only when adcRangeSource = 1.
//   inputScale    f32  [1] ν for every vector when inputScaleMode = 0.
//   driftNu       f32  drift exponent ν per device, laid out as `conductances`; read only when
//                      driftLogTimeRatio > 0, when the conductances are G(t0) and the kernel applies
//                      G(t) = G(t0)·exp(−ν·ln(t/t0)) (devices.ts driftFactor), so the read time is a uniform.
// Output: [numVectors·numOutputs, 1], row-major y[m, n]; m = (b·outHeight + oy)·outWidth + ox.
//
// Noise counters (Philox4x32-10, key = (seedLo, seedHi), one fresh key per read): the conversion of
// vector m, group column col, row tile t, group g and input cycle z uses counter
//   (m, col, t, g·numCycles + z)
// and the first two words (Box–Muller): ξ₀ analog noise, ξ₁ ADC noise. Words 2 and 3 are unused, and
// the counter's high bits are free for future streams. Every thread reading the same conversion (a
// reference column shared by a column tile) draws the same numbers; distinct conversions never share a
// counter, so the draws are independent.

const GROUP_RECORD : i32 = 5;
const GROUP_FIRST_TERM : i32 = 0;
const GROUP_NUM_TERMS : i32 = 1;
const GROUP_NUM_COLS : i32 = 2;
const GROUP_PER_COLUMN_TILE : i32 = 3;
const GROUP_SIGNED_CURRENTS : i32 = 4;
const TERM_RECORD : i32 = 2;
const TERM_OFFSET : i32 = 0;
const TERM_SIGN : i32 = 1;

const MAX_CYCLES : i32 = 16;
const POW2_EPS_AMPERES : f32 = 1e-12;
const MIN_STEP_AMPERES : f32 = 1e-30;

const LEVELS_SYMMETRIC : i32 = 0;
const LEVELS_POWER_OF_TWO : i32 = 1;
const LEVELS_MIN_MAX : i32 = 2;
const ROUND_HALF_EVEN : i32 = 0;
const ROUND_HALF_UP : i32 = 1;
const ROUND_FLOOR : i32 = 2;
const NOISE_OFF : i32 = 0;
const NOISE_PROPORTIONAL : i32 = 1;
const NOISE_CONSTANT : i32 = 2;
const NOISE_PCM_READ : i32 = 3;

struct ReadGroup {
  firstTerm : i32,
  numTerms : i32,
  numCols : i32,
  perColumnTile : bool,
  signedCurrents : bool,
};

struct AdcGrid {
  step : f32,
  origin : f32,
  kMin : f32,
  kMax : f32,
};

// Top-left input pixel of an output pixel's receptive field (may lie in the padding).
struct Patch {
  batch : i32,
  y0 : i32,
  x0 : i32,
};

// Workgroup tiling: a workgroup of WORKGROUP_THREADS threads computes TILE_VECTORS × TILE_OUTPUTS
// outputs, one per thread, and stages each ROW_CHUNK rows of DAC values and conductances in workgroup
// memory, so each is computed once per workgroup rather than once per thread.
const TILE_VECTORS : i32 = 8;
const TILE_OUTPUTS : i32 = 8;
const WORKGROUP_THREADS : i32 = 64;
const ROW_CHUNK : i32 = 32;

var<workgroup> tilePatch : array<Patch, TILE_VECTORS>;
var<workgroup> tileScale : array<f32, TILE_VECTORS>;
var<workgroup> chunkCodes : array<f32, TILE_VECTORS * ROW_CHUNK>;
var<workgroup> chunkConductance : array<f32, ROW_CHUNK * TILE_OUTPUTS>;
var<workgroup> chunkVariance : array<f32, ROW_CHUNK * TILE_OUTPUTS>;

fn readGroup(g : i32) -> ReadGroup {
  let r = g * GROUP_RECORD;
  return ReadGroup(readPlan[r + GROUP_FIRST_TERM], readPlan[r + GROUP_NUM_TERMS],
                   readPlan[r + GROUP_NUM_COLS], readPlan[r + GROUP_PER_COLUMN_TILE] != 0,
                   readPlan[r + GROUP_SIGNED_CURRENTS] != 0);
}

fn termRecord(term : i32) -> i32 {
  return uniforms.numGroups * GROUP_RECORD + term * TERM_RECORD;
}

fn patchOf(m : i32) -> Patch {
  let ox = m % uniforms.outWidth;
  let rest = m / uniforms.outWidth;
  let oy = rest % uniforms.outHeight;
  let b = rest / uniforms.outHeight;
  return Patch(b, oy * uniforms.stride - uniforms.padTop, ox * uniforms.stride - uniforms.padLeft);
}

// Input j of a patch, j = (ky·kernelSize + kx)·inChannels + c (im2col order); 0 in the padding.
fn patchInput(p : Patch, j : i32) -> f32 {
  let c = j % uniforms.inChannels;
  let k = j / uniforms.inChannels;
  let y = p.y0 + k / uniforms.kernelSize;
  let x = p.x0 + k % uniforms.kernelSize;
  if (y < 0 || y >= uniforms.inHeight || x < 0 || x >= uniforms.inWidth) {
    return 0.0;
  }
  return layerInput[((p.batch * uniforms.inHeight + y) * uniforms.inWidth + x) * uniforms.inChannels + c];
}

// ν of a vector: the given scale, or max|x| over the patch (1 for an all-zero vector).
fn inputScaleOf(p : Patch) -> f32 {
  if (uniforms.inputScaleMode == 0) {
    return inputScale[0];
  }
  var largest = 0.0;
  for (var j = 0; j < uniforms.numRows; j++) {
    largest = max(largest, abs(patchInput(p, j)));
  }
  return select(1.0, largest, largest > 0.0);
}

// DAC: the integer code q = rnd(clip(x̃)·q_max) as f32, or x̃ itself with an ideal DAC (dacBits = 0).
fn dacCode(scaled : f32) -> f32 {
  if (uniforms.dacBits == 0) {
    return scaled;
  }
  let u = clamp(scaled, select(0.0, -1.0, uniforms.dacSigned != 0), 1.0) * uniforms.dacQMaxCode;
  return select(round(u), floor(u + 0.5), uniforms.dacHalfUp != 0);
}

fn numCycles() -> i32 {
  return select(1, uniforms.dacBits, uniforms.dacBitSerial != 0);
}

// Shift-add weight of input cycle z: 2^z, −2^(B−1) for the sign bit of signed inputs; 1 if multilevel.
fn cycleWeight(z : i32) -> f32 {
  if (uniforms.dacBitSerial == 0) {
    return 1.0;
  }
  let w = ldexp(1.0, z);
  return select(w, -w, uniforms.dacSigned != 0 && z == uniforms.dacBits - 1);
}

// σ²(G) in S² per unit σ² of the read-noise model, summed over the terms by the caller.
fn readVariance(g : f32) -> f32 {
  let sigma = uniforms.readNoiseSigma;
  switch (uniforms.readNoiseModel) {
    case NOISE_PROPORTIONAL: {
      return sigma * sigma * g * g;
    }
    case NOISE_CONSTANT: {
      return sigma * sigma * uniforms.gMaxSiemens * uniforms.gMaxSiemens;
    }
    case NOISE_PCM_READ: {
      return sigma * sigma * abs(g) * uniforms.gMaxSiemens;
    }
    default: {
      return 0.0;
    }
  }
}

// ⌈log₂ v⌉ for v > 0, exactly: v = f·2^e with f in [0.5, 1).
fn ceilLog2(v : f32) -> i32 {
  let parts = frexp(v);
  return select(parts.exp, parts.exp - 1, parts.fract == 0.5);
}

fn adcFullScaleOf(g : i32, t : i32, col : i32) -> f32 {
  if (uniforms.adcRangeSource == 0) {
    return uniforms.adcFullScaleAmperes;
  }
  return adcFullScale[g * uniforms.adcFullScaleStrideGroup + t * uniforms.adcFullScaleStrideTile +
                      col * uniforms.adcFullScaleStrideCol];
}

// chip.ts adcGrid for the range [−FS, FS] (signed) or [0, FS].
fn adcGrid(fullScale : f32, signedAdc : bool) -> AdcGrid {
  let bits = uniforms.adcBits;
  var grid : AdcGrid;
  switch (uniforms.adcLevels) {
    case LEVELS_MIN_MAX: {
      grid = AdcGrid(ldexp(select(fullScale, 2.0 * fullScale, signedAdc), -bits), select(0.0, -fullScale, signedAdc),
                     0.0, ldexp(1.0, bits) - 1.0);
    }
    case LEVELS_POWER_OF_TWO: {
      let e = ceilLog2(fullScale + POW2_EPS_AMPERES);
      if (signedAdc) {
        grid = AdcGrid(ldexp(1.0, e - bits + 1), 0.0, -ldexp(1.0, bits - 1), ldexp(1.0, bits - 1) - 1.0);
      } else {
        grid = AdcGrid(ldexp(1.0, e - bits), 0.0, 0.0, ldexp(1.0, bits) - 1.0);
      }
    }
    default: { // LEVELS_SYMMETRIC
      let q = select(ldexp(1.0, bits) - 1.0, max(1.0, ldexp(1.0, bits - 1) - 1.0), signedAdc);
      grid = AdcGrid(fullScale / q, 0.0, select(0.0, -q, signedAdc), q);
    }
  }
  grid.step = max(grid.step, MIN_STEP_AMPERES);
  return grid;
}

// Code index of u = (I − origin)/Δ before clipping.
fn adcRound(u : f32) -> f32 {
  switch (uniforms.adcRounding) {
    case ROUND_HALF_UP: {
      return floor(u + 0.5);
    }
    case ROUND_FLOOR: {
      return floor(u);
    }
    default: { // ROUND_HALF_EVEN
      return round(u);
    }
  }
}

// The conductances of row chunk [row0, row0 + rows) for the tile's outputs, staged in workgroup memory:
// Σ_terms sign·G·V_unit (amperes per DAC unit) and Σ_terms σ²(G). Zero outside the layer.
fn stageConductances(group : ReadGroup, row0 : i32, rows : i32, n0 : i32) {
  let noiseVariance = uniforms.readNoiseModel != NOISE_OFF;
  for (var e = i32(localIndex); e < ROW_CHUNK * TILE_OUTPUTS; e += WORKGROUP_THREADS) {
    let jj = e / TILE_OUTPUTS;
    let n = n0 + e % TILE_OUTPUTS;
    var conductance = 0.0;
    var sigma2 = 0.0;
    if (jj < rows && n < uniforms.numOutputs) {
      let col = columnOf(group, n);
      for (var term = 0; term < group.numTerms; term++) {
        let r = termRecord(group.firstTerm + term);
        let cell = readPlan[r + TERM_OFFSET] + (row0 + jj) * group.numCols + col;
        var gj = conductances[cell];
        if (uniforms.driftLogTimeRatio > 0.0) {
          gj *= exp(-driftNu[cell] * uniforms.driftLogTimeRatio);
        }
        conductance += f32(readPlan[r + TERM_SIGN]) * gj;
        if (noiseVariance) {
          sigma2 += readVariance(gj);
        }
      }
    }
    chunkConductance[e] = conductance * uniforms.voltsPerUnit;
    chunkVariance[e] = sigma2;
  }
}

// DAC values of row chunk [row0, row0 + rows) for the tile's vectors, staged in workgroup memory.
fn stageCodes(row0 : i32, rows : i32, m0 : i32) {
  for (var e = i32(localIndex); e < TILE_VECTORS * ROW_CHUNK; e += WORKGROUP_THREADS) {
    let v = e / ROW_CHUNK;
    let jj = e % ROW_CHUNK;
    var code = 0.0;
    if (jj < rows && m0 + v < uniforms.numVectors) {
      code = dacCode(patchInput(tilePatch[v], row0 + jj) / tileScale[v]);
    }
    chunkCodes[e] = code;
  }
}

fn columnOf(group : ReadGroup, n : i32) -> i32 {
  return select(n, n / uniforms.dataColsPerTile, group.perColumnTile);
}

// One workgroup computes a TILE_VECTORS × TILE_OUTPUTS tile of y; `index` (tfjs's global index) is not
// used: the tile comes from the workgroup's linear id, whatever shape tfjs gives the dispatch.
fn main(index : i32) {
  let tile = i32((workgroupId.z * numWorkgroups.y + workgroupId.y) * numWorkgroups.x + workgroupId.x);
  let tilesAcross = (uniforms.numOutputs + TILE_OUTPUTS - 1) / TILE_OUTPUTS;
  let m0 = (tile / tilesAcross) * TILE_VECTORS;
  let n0 = (tile % tilesAcross) * TILE_OUTPUTS;
  let v = i32(localIndex) / TILE_OUTPUTS;
  let m = m0 + v;
  let n = n0 + i32(localIndex) % TILE_OUTPUTS;
  let inside = m < uniforms.numVectors && n < uniforms.numOutputs;
  if (i32(localIndex) % TILE_OUTPUTS == 0) {
    let receptive = patchOf(min(m, uniforms.numVectors - 1));
    tilePatch[v] = receptive;
    tileScale[v] = inputScaleOf(receptive);
  }
  workgroupBarrier();

  let cycles = numCycles();
  let bitSerial = uniforms.dacBitSerial != 0;
  let adcOn = uniforms.adcBits > 0;
  let drawNoise = inside && (uniforms.readNoiseModel != NOISE_OFF || uniforms.outputNoiseAmperes > 0.0 ||
                             (adcOn && uniforms.adcNoiseSigmaLsb > 0.0));
  let vUnit = uniforms.voltsPerUnit;
  let key = vec2<u32>(uniforms.seedLo, uniforms.seedHi);

  var y = 0.0;
  var current : array<f32, MAX_CYCLES>;
  var variance : array<f32, MAX_CYCLES>;
  for (var g = 0; g < uniforms.numGroups; g++) {
    let group = readGroup(g);
    let col = columnOf(group, n);
    let signedAdc = group.signedCurrents || (uniforms.dacSigned != 0 && !bitSerial);
    var groupSum = 0.0;
    for (var t = 0; t < uniforms.numRowTiles; t++) {
      for (var z = 0; z < cycles; z++) {
        current[z] = 0.0;
        variance[z] = 0.0;
      }
      let tileEnd = min((t + 1) * uniforms.tileRows, uniforms.numRows);
      for (var row0 = t * uniforms.tileRows; row0 < tileEnd; row0 += ROW_CHUNK) {
        let rows = min(ROW_CHUNK, tileEnd - row0);
        workgroupBarrier(); // the previous chunk has been used
        stageCodes(row0, rows, m0);
        stageConductances(group, row0, rows, n0);
        workgroupBarrier();
        for (var jj = 0; jj < rows; jj++) {
          let code = chunkCodes[v * ROW_CHUNK + jj];
          let perUnit = chunkConductance[jj * TILE_OUTPUTS + i32(localIndex) % TILE_OUTPUTS];
          let sigma2 = chunkVariance[jj * TILE_OUTPUTS + i32(localIndex) % TILE_OUTPUTS];
          if (bitSerial) {
            // Two's complement of the signed code; bit z drives cycle z with V_unit (bit² = bit).
            let twos = u32(i32(code) + select(0, 1 << u32(uniforms.dacBits), code < 0.0));
            for (var z = 0; z < cycles; z++) {
              let bit = f32((twos >> u32(z)) & 1u);
              current[z] += bit * perUnit;
              variance[z] += bit * sigma2;
            }
          } else {
            current[0] += code * perUnit;
            variance[0] += code * code * sigma2;
          }
        }
      }
      for (var z = 0; z < cycles; z++) {
        var amperes = current[z];
        var xi = vec2<f32>(0.0);
        if (drawNoise) {
          let words = philox4x32(vec4<u32>(u32(m), u32(col), u32(t), u32(g * cycles + z)), key);
          xi = boxMuller(words.x, words.y);
          let outSigma = uniforms.outputNoiseAmperes;
          amperes += sqrt(variance[z] * vUnit * vUnit + outSigma * outSigma) * xi.x;
        }
        var digitised = amperes;
        if (adcOn) {
          let grid = adcGrid(adcFullScaleOf(g, t, col), signedAdc);
          let noisy = amperes + uniforms.adcNoiseSigmaLsb * grid.step * xi.y;
          let k = clamp(adcRound((noisy - grid.origin) / grid.step), grid.kMin, grid.kMax);
          digitised = grid.origin + grid.step * k;
        }
        groupSum += cycleWeight(z) * digitised;
      }
    }
    y += groupWeights[g] * groupSum;
  }
  if (inside) {
    setOutputAtIndex(m * uniforms.numOutputs + n, y * tileScale[v] * uniforms.outputScale);
  }
}
