/**
 * The bytes of a small WebAssembly SIMD module of kernels for the read on the wasm backend, run in place
 * in tfjs-wasm's heap (`heap.ts`, `adc.ts`). `adc1` … `adc4`: the ADC of row tiles' currents on a fixed
 * grid, summed over the row tiles,
 *
 *   acc[i] += Σ_s clip(rnd((I_s[i] − origin) / step), kMin, kMax)
 *
 * with the same IEEE float32 operations in the same order as the composite tfjs-op path (`layer/adc.ts`:
 * Sub, RealDiv, Round / Floor, ClipByValue, then AddN of integer codes, exact in float32), so both give
 * identical codes. `adcValues` (one source) adds the value origin + step·k instead of the code k, for a
 * grid that differs per row tile (a dynamic range: step and origin per call); `min` and `max` (src, n)
 * give such a range. `absMax` (src, n) → max_i |I[i]|, the calibration's full-scale statistic at the
 * 100th percentile, in one read; `copyRows` (src, srcStride, dst, dstStride, rows, bytes): a strided
 * copy, the im2col of a run of patch columns along an output row (`layer/tilePatches.ts`). Encoded here
 * in the WebAssembly binary format (core spec §5, SIMD opcodes from the fixed-width SIMD proposal), a
 * few hundred bytes: no toolchain, no extra file to serve.
 */

/** How the ADC rounds (config `adcRounding`). */
export type AdcRounding = 'halfEven' | 'halfUp' | 'floor';

/**
 * Sources (row tiles) per call: the module exports `adc1` … `adc4`, (src_1 … src_S, acc, n, origin,
 * step, lo, hi) → (), addresses in bytes, n values; the accumulator is read and written once per call.
 */
export const MAX_SOURCES = 4;

// Opcodes (WebAssembly core spec §5.4 and the SIMD proposal's binary encoding).
const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;
const op = {
  block: 0x02,
  loop: 0x03,
  br: 0x0c,
  brIf: 0x0d,
  end: 0x0b,
  localGet: 0x20,
  localSet: 0x21,
  i32Const: 0x41,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Shl: 0x74,
  i32Eqz: 0x45,
  i32GtU: 0x4b,
  i32Load: 0x28,
  i32Store: 0x36,
  i32And: 0x71,
  f32Load: 0x2a,
  f32Store: 0x38,
  f32Floor: 0x8e,
  f32Nearest: 0x90,
  f32Add: 0x92,
  f32Sub: 0x93,
  f32Div: 0x95,
  f32Mul: 0x94,
  f32Min: 0x96,
  f32Max: 0x97,
  f32Const: 0x43,
  f32Abs: 0x8b,
} as const;
/** SIMD instructions: prefix 0xfd, then the opcode as unsigned LEB128. */
const simd = (code: number) => [0xfd, ...uleb(code)];
const v128Load = simd(0);
const v128Store = simd(11);
const f32x4Splat = simd(19);
const f32x4Floor = simd(104);
const f32x4Nearest = simd(106);
const f32x4Add = simd(228);
const f32x4Sub = simd(229);
const f32x4Div = simd(231);
const f32x4Mul = simd(230);
const f32x4Min = simd(232);
const f32x4Max = simd(233);
const f32x4Abs = simd(224);
const f32x4ExtractLane = (lane: number) => [...simd(31), lane];

function uleb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

function sleb(value: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const f32Bytes = (value: number) => [...new Uint8Array(Float32Array.of(value).buffer)];
const name = (s: string) => [...uleb(s.length), ...new TextEncoder().encode(s)];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const vector = (items: number[][]) => [...uleb(items.length), ...items.flat()];

/** The function's body for S sources: a 4-lane loop, then a scalar loop for the last n mod 4 values. */
function body(rounding: AdcRounding, S: number, values = false): number[] {
  // Parameters: src_0 … src_{S−1}, acc, n, origin, step, lo, hi; then the locals.
  const ACC = S;
  const N = S + 1;
  const ORIGIN = S + 2;
  const STEP = S + 3;
  const LO = S + 4;
  const HI = S + 5;
  const END4 = S + 6; // i32: end of src_0's 4-lane part (bytes)
  const END = S + 7; // i32: end of src_0 (bytes)
  const V_ORIGIN = S + 8;
  const V_STEP = S + 9;
  const V_LO = S + 10;
  const V_HI = S + 11;
  const V_HALF = S + 12;
  const get = (i: number) => [op.localGet, ...uleb(i)];
  const set = (i: number) => [op.localSet, ...uleb(i)];
  const memarg = [2, 0]; // 4-byte alignment, offset 0
  const advance = (local: number, bytes: number) => [
    ...get(local),
    op.i32Const,
    ...sleb(bytes),
    op.i32Add,
    ...set(local),
  ];
  const roundV =
    rounding === 'halfEven'
      ? f32x4Nearest
      : rounding === 'floor'
        ? f32x4Floor
        : [...get(V_HALF), ...f32x4Add, ...f32x4Floor];
  const roundS =
    rounding === 'halfEven'
      ? [op.f32Nearest]
      : rounding === 'floor'
        ? [op.f32Floor]
        : [op.f32Const, ...f32Bytes(0.5), op.f32Add, op.f32Floor];
  /** Source s's codes, clip(rnd((I − origin)/step), lo, hi), 4 lanes or 1, left on the stack. */
  // prettier-ignore
  const code = (src: number, lanes: 4 | 1): number[] =>
    lanes === 4
      ? [
          ...get(src), ...v128Load, ...memarg,
          ...get(V_ORIGIN), ...f32x4Sub, ...get(V_STEP), ...f32x4Div, ...roundV,
          ...get(V_LO), ...f32x4Max, ...get(V_HI), ...f32x4Min,
        ]
      : [
          ...get(src), op.f32Load, ...memarg,
          ...get(ORIGIN), op.f32Sub, ...get(STEP), op.f32Div, ...roundS,
          ...get(LO), op.f32Max, ...get(HI), op.f32Min,
        ];
  /** while (src_0 < end) { acc[·] += Σ_s code(s); src_s += 4·lanes; acc += 4·lanes } */
  const loop = (end: number, lanes: 4 | 1): number[] => {
    const load = lanes === 4 ? [...v128Load, ...memarg] : [op.f32Load, ...memarg];
    const store = lanes === 4 ? [...v128Store, ...memarg] : [op.f32Store, ...memarg];
    const add = lanes === 4 ? f32x4Add : [op.f32Add];
    // `values`: the value origin + step·k (a dynamic grid's), else the code k.
    const value = !values
      ? []
      : lanes === 4
        ? [...get(V_STEP), ...f32x4Mul, ...get(V_ORIGIN), ...f32x4Add]
        : [...get(STEP), op.f32Mul, ...get(ORIGIN), op.f32Add];
    const sum = Array.from({ length: S }, (_, s) => [...code(s, lanes), ...value, ...add]).flat();
    const next = Array.from({ length: S + 1 }, (_, s) => advance(s, lanes * 4)).flat(); // sources, then acc
    // prettier-ignore
    return [
      op.block, 0x40, op.loop, 0x40,
      ...get(0), ...get(end), op.i32GeU, op.brIf, 1,
      ...get(ACC), ...get(ACC), ...load, ...sum, ...store,
      ...next,
      op.br, 0, op.end, op.end,
    ];
  };
  const splat = (from: number, to: number) => [...get(from), ...f32x4Splat, ...set(to)];
  // prettier-ignore
  const instructions = [
    ...splat(ORIGIN, V_ORIGIN), ...splat(STEP, V_STEP), ...splat(LO, V_LO), ...splat(HI, V_HI),
    op.f32Const, ...f32Bytes(0.5), ...f32x4Splat, ...set(V_HALF),
    // END = src_0 + 4n; END4 = src_0 + 4·(n & ~3)
    ...get(0), ...get(N), op.i32Const, 2, op.i32Shl, op.i32Add, ...set(END),
    ...get(0), ...get(N), op.i32Const, ...sleb(-4), op.i32And, op.i32Const, 2, op.i32Shl, op.i32Add, ...set(END4),
    ...loop(END4, 4),
    ...loop(END, 1),
    op.end,
  ];
  // Locals: END4 and END (i32), then V_ORIGIN … V_HALF (v128).
  const locals = vector([[2, I32], [5, V128]]); // prettier-ignore
  const fn = [...locals, ...instructions];
  return [...uleb(fn.length), ...fn];
}

/**
 * absMax / min / max (src, n) → f32: max |I[i]|, min I[i] or max I[i] over n values from byte address src
 * (for n = 0: 0, +∞, −∞).
 */
function reduceBody(kind: 'absMax' | 'min' | 'max'): number[] {
  const SRC = 0;
  const N = 1;
  const END4 = 2;
  const END = 3;
  const V_MAX = 4;
  const MAX = 5;
  const get = (i: number) => [op.localGet, i];
  const set = (i: number) => [op.localSet, i];
  const memarg = [2, 0];
  const advance = (bytes: number) => [...get(SRC), op.i32Const, ...sleb(bytes), op.i32Add, ...set(SRC)];
  const start = kind === 'absMax' ? 0 : kind === 'min' ? Infinity : -Infinity;
  const [vAbs, sAbs] = kind === 'absMax' ? [f32x4Abs, [op.f32Abs]] : [[], []];
  const [vPick, sPick] = kind === 'min' ? [f32x4Min, [op.f32Min]] : [f32x4Max, [op.f32Max]];
  // prettier-ignore
  const instructions = [
    op.f32Const, ...f32Bytes(start), ...f32x4Splat, ...set(V_MAX),
    ...get(SRC), ...get(N), op.i32Const, 2, op.i32Shl, op.i32Add, ...set(END),
    ...get(SRC), ...get(N), op.i32Const, ...sleb(-4), op.i32And, op.i32Const, 2, op.i32Shl, op.i32Add, ...set(END4),
    // 4 lanes: V_MAX = pick(V_MAX, |I| or I)
    op.block, 0x40, op.loop, 0x40,
    ...get(SRC), ...get(END4), op.i32GeU, op.brIf, 1,
    ...get(V_MAX), ...get(SRC), ...v128Load, ...memarg, ...vAbs, ...vPick, ...set(V_MAX),
    ...advance(16),
    op.br, 0, op.end, op.end,
    // MAX = the pick of the lanes
    ...get(V_MAX), ...f32x4ExtractLane(0), ...get(V_MAX), ...f32x4ExtractLane(1), ...sPick,
    ...get(V_MAX), ...f32x4ExtractLane(2), ...get(V_MAX), ...f32x4ExtractLane(3), ...sPick, ...sPick,
    ...set(MAX),
    // the last n mod 4 values
    op.block, 0x40, op.loop, 0x40,
    ...get(SRC), ...get(END), op.i32GeU, op.brIf, 1,
    ...get(MAX), ...get(SRC), op.f32Load, ...memarg, ...sAbs, ...sPick, ...set(MAX),
    ...advance(4),
    op.br, 0, op.end, op.end,
    ...get(MAX),
    op.end,
  ];
  // Locals: END4, END (i32), V_MAX (v128), MAX (f32).
  const locals = vector([[2, I32], [1, V128], [1, F32]]); // prettier-ignore
  const fn = [...locals, ...instructions];
  return [...uleb(fn.length), ...fn];
}

/**
 * copyRows(src, srcStride, dst, dstStride, rows, bytes): `rows` copies of `bytes` (a multiple of 4), the
 * addresses advancing by the strides (bytes); 16 bytes at a time, then 4. Bits are copied as they are.
 * One call per run and output row instead of a memmove per pixel (3.6× faster with 16-row tiles).
 */
function copyRowsBody(): number[] {
  const [SRC, SRC_STRIDE, DST, DST_STRIDE, ROWS, BYTES, K] = [0, 1, 2, 3, 4, 5, 6];
  const get = (i: number) => [op.localGet, i];
  const set = (i: number) => [op.localSet, i];
  const memarg = [2, 0];
  const at = (base: number) => [...get(base), ...get(K), op.i32Add];
  const addTo = (local: number, by: number[]) => [...get(local), ...by, op.i32Add, ...set(local)];
  // prettier-ignore
  const instructions = [
    op.block, 0x40, op.loop, 0x40,
    ...get(ROWS), op.i32Eqz, op.brIf, 1,
    op.i32Const, 0, ...set(K),
    // while (K + 16 <= BYTES) copy 16 bytes
    op.block, 0x40, op.loop, 0x40,
    ...get(K), op.i32Const, 16, op.i32Add, ...get(BYTES), op.i32GtU, op.brIf, 1,
    ...at(DST), ...at(SRC), ...v128Load, ...memarg, ...v128Store, ...memarg,
    ...addTo(K, [op.i32Const, 16]),
    op.br, 0, op.end, op.end,
    // while (K < BYTES) copy 4 bytes
    op.block, 0x40, op.loop, 0x40,
    ...get(K), ...get(BYTES), op.i32GeU, op.brIf, 1,
    ...at(DST), ...at(SRC), op.i32Load, ...memarg, op.i32Store, ...memarg,
    ...addTo(K, [op.i32Const, 4]),
    op.br, 0, op.end, op.end,
    ...addTo(SRC, get(SRC_STRIDE)), ...addTo(DST, get(DST_STRIDE)),
    ...addTo(ROWS, [op.i32Const, ...sleb(-1)]),
    op.br, 0, op.end, op.end,
    op.end,
  ];
  const fn = [...vector([[1, I32]]), ...instructions]; // local K
  return [...uleb(fn.length), ...fn];
}

/** "\0asm", binary format version 1. */
const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/** The module's bytes; `shared`: import a shared memory (tfjs-wasm's threaded build). */
export function kernelModuleBytes(rounding: AdcRounding, shared: boolean): Uint8Array<ArrayBuffer> {
  const counts = Array.from({ length: MAX_SOURCES }, (_, i) => i + 1);
  // Functions (and their types) 0 … MAX_SOURCES − 1: adc1 … adcS, (S + 2 × i32, 4 × f32) → ();
  // function MAX_SOURCES: absMax, (i32, i32) → f32; MAX_SOURCES + 1: copyRows, 6 × i32 → ();
  // MAX_SOURCES + 2: adcValues, adc1's type; MAX_SOURCES + 3, + 4: min, max, absMax's type.
  const adcTypes = counts.map((S) => [
    0x60,
    ...vector([...Array(S + 2).fill([I32]), [F32], [F32], [F32], [F32]]),
    0,
  ]);
  const absMaxType = [0x60, ...vector([[I32], [I32]]), ...vector([[F32]])];
  const copyRowsType = [0x60, ...vector(Array(6).fill([I32])), 0];
  const functions = [...counts.map((S) => S - 1), MAX_SOURCES, MAX_SOURCES + 1, 0, MAX_SOURCES, MAX_SOURCES];
  // Memory limits: min 1 page; a shared memory must declare a maximum (4 GiB = 65536 pages).
  const limits = shared ? [0x03, ...uleb(1), ...uleb(65536)] : [0x00, ...uleb(1)];
  const imports = vector([[...name('env'), ...name('memory'), 0x02, ...limits]]);
  return Uint8Array.from([
    ...HEADER,
    ...section(1, vector([...adcTypes, absMaxType, copyRowsType])),
    ...section(2, imports),
    ...section(3, vector(functions.map((type) => uleb(type)))),
    ...section(
      7,
      vector([
        ...counts.map((S) => [...name(`adc${S}`), 0x00, ...uleb(S - 1)]),
        [...name('adcValues'), 0x00, ...uleb(MAX_SOURCES + 2)],
        [...name('min'), 0x00, ...uleb(MAX_SOURCES + 3)],
        [...name('max'), 0x00, ...uleb(MAX_SOURCES + 4)],
        [...name('absMax'), 0x00, ...uleb(MAX_SOURCES)],
        [...name('copyRows'), 0x00, ...uleb(MAX_SOURCES + 1)],
      ]),
    ),
    ...section(
      10,
      vector([
        ...counts.map((S) => body(rounding, S)),
        reduceBody('absMax'),
        copyRowsBody(),
        body(rounding, 1, true),
        reduceBody('min'),
        reduceBody('max'),
      ]),
    ),
  ]);
}
