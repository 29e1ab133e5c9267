/**
 * Plain-loop float64 reference of the layer semantics (PyTorch's Conv2d, BatchNorm2d in eval mode,
 * MaxPool2d with implicit −∞ padding, AvgPool, Linear), written without tfjs, for the model tests.
 * Activations are NHWC; conv kernels HWIO; dense kernels [in, out].
 */
import type { GoogLeNetConfig } from '../googlenet';

export interface Act {
  readonly n: number;
  readonly h: number;
  readonly w: number;
  readonly c: number;
  readonly data: Float64Array;
}

export interface RefParam {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}
export type RefWeights = ReadonlyMap<string, RefParam>;

function param(weights: RefWeights, name: string): RefParam {
  const p = weights.get(name);
  if (p === undefined) throw new Error(`reference: no weight ${name}`);
  return p;
}

const at = (a: Act, n: number, y: number, x: number, c: number) => ((n * a.h + y) * a.w + x) * a.c + c;

/** out[n,y,x,o] = b[o] + Σ_{ky,kx,c} in[n, y·s+ky−p, x·s+kx−p, c] · K[ky,kx,c,o] (zero outside). */
export function refConv(a: Act, kernel: RefParam, bias: RefParam, stride: number, pad: number): Act {
  const [kh, kw, cin, cout] = kernel.shape as [number, number, number, number];
  if (cin !== a.c) throw new Error(`reference conv: input has ${a.c} channels, kernel ${cin}`);
  const oh = Math.floor((a.h + 2 * pad - kh) / stride) + 1;
  const ow = Math.floor((a.w + 2 * pad - kw) / stride) + 1;
  const out: Act = { n: a.n, h: oh, w: ow, c: cout, data: new Float64Array(a.n * oh * ow * cout) };
  for (let n = 0; n < a.n; n++)
    for (let y = 0; y < oh; y++)
      for (let x = 0; x < ow; x++)
        for (let o = 0; o < cout; o++) {
          let sum = bias.data[o]!;
          for (let ky = 0; ky < kh; ky++) {
            const iy = y * stride + ky - pad;
            if (iy < 0 || iy >= a.h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = x * stride + kx - pad;
              if (ix < 0 || ix >= a.w) continue;
              for (let c = 0; c < cin; c++) {
                sum += a.data[at(a, n, iy, ix, c)]! * kernel.data[((ky * kw + kx) * cin + c) * cout + o]!;
              }
            }
          }
          out.data[at(out, n, y, x, o)] = sum;
        }
  return out;
}

/** y = γ·(x − μ)/√(σ² + 1e−5) + β per channel. */
export function refBatchNorm(a: Act, weights: RefWeights, name: string): Act {
  const g = param(weights, `${name}/gamma`).data;
  const b = param(weights, `${name}/beta`).data;
  const m = param(weights, `${name}/movingMean`).data;
  const v = param(weights, `${name}/movingVariance`).data;
  const data = a.data.map((value, i) => {
    const c = i % a.c;
    return (g[c]! * (value - m[c]!)) / Math.sqrt(v[c]! + 1e-5) + b[c]!;
  });
  return { ...a, data };
}

export function refRelu(a: Act): Act {
  return { ...a, data: a.data.map((v) => Math.max(0, v)) };
}

/** MaxPool2d(k, stride, pad): max over the window's in-range pixels (PyTorch pads with −∞). */
export function refMaxPool(a: Act, k: number, stride: number, pad: number): Act {
  const oh = Math.floor((a.h + 2 * pad - k) / stride) + 1;
  const ow = Math.floor((a.w + 2 * pad - k) / stride) + 1;
  const out: Act = { n: a.n, h: oh, w: ow, c: a.c, data: new Float64Array(a.n * oh * ow * a.c) };
  for (let n = 0; n < a.n; n++)
    for (let y = 0; y < oh; y++)
      for (let x = 0; x < ow; x++)
        for (let c = 0; c < a.c; c++) {
          let best = -Infinity;
          for (let ky = 0; ky < k; ky++)
            for (let kx = 0; kx < k; kx++) {
              const iy = y * stride + ky - pad;
              const ix = x * stride + kx - pad;
              if (iy >= 0 && iy < a.h && ix >= 0 && ix < a.w)
                best = Math.max(best, a.data[at(a, n, iy, ix, c)]!);
            }
          out.data[at(out, n, y, x, c)] = best;
        }
  return out;
}

/** Mean over all pixels per channel → [n, 1, 1, c]. */
export function refGlobalAvgPool(a: Act): Act {
  const data = new Float64Array(a.n * a.c);
  for (let n = 0; n < a.n; n++)
    for (let y = 0; y < a.h; y++)
      for (let x = 0; x < a.w; x++)
        for (let c = 0; c < a.c; c++) data[n * a.c + c]! += a.data[at(a, n, y, x, c)]! / (a.h * a.w);
  return { n: a.n, h: 1, w: 1, c: a.c, data };
}

/** Linear on the NHWC flatten of `a`: out[n,o] = b[o] + Σ_i flat[n,i]·K[i,o]. */
export function refDense(a: Act, kernel: RefParam, bias: RefParam): Act {
  const [fin, fout] = kernel.shape as [number, number];
  const perImage = a.h * a.w * a.c;
  if (perImage !== fin) throw new Error(`reference dense: ${perImage} inputs, kernel expects ${fin}`);
  const data = new Float64Array(a.n * fout);
  for (let n = 0; n < a.n; n++)
    for (let o = 0; o < fout; o++) {
      let sum = bias.data[o]!;
      for (let i = 0; i < fin; i++) sum += a.data[n * perImage + i]! * kernel.data[i * fout + o]!;
      data[n * fout + o] = sum;
    }
  return { n: a.n, h: 1, w: 1, c: fout, data };
}

export function refConcatChannels(parts: readonly Act[]): Act {
  const first = parts[0]!;
  const c = parts.reduce((sum, p) => sum + p.c, 0);
  const out: Act = {
    n: first.n,
    h: first.h,
    w: first.w,
    c,
    data: new Float64Array(first.n * first.h * first.w * c),
  };
  const pixels = first.n * first.h * first.w;
  let offset = 0;
  for (const p of parts) {
    for (let i = 0; i < pixels; i++)
      for (let k = 0; k < p.c; k++) out.data[i * c + offset + k] = p.data[i * p.c + k]!;
    offset += p.c;
  }
  return out;
}

const conv = (a: Act, w: RefWeights, name: string, stride: number, pad: number) =>
  refConv(a, param(w, `${name}/kernel`), param(w, `${name}/bias`), stride, pad);
const dense = (a: Act, w: RefWeights, name: string) =>
  refDense(a, param(w, `${name}/kernel`), param(w, `${name}/bias`));

/** VGG-8 as written in Baseline/VGG8.py: (conv→ReLU→conv→BN→ReLU→MaxPool 2)×3 → fc1 → ReLU → fc2. */
export function refVgg8(x: Act, w: RefWeights): Act {
  let a = x;
  for (const [first, second] of [
    [1, 2],
    [3, 4],
    [5, 6],
  ] as const) {
    a = refRelu(conv(a, w, `conv${first}`, 1, 1));
    a = refRelu(refBatchNorm(conv(a, w, `conv${second}`, 1, 1), w, `bn${second}`));
    a = refMaxPool(a, 2, 2, 0);
  }
  return dense(refRelu(dense(a, w, 'fc1')), w, 'fc2');
}

/** One Inception block as in Baseline/GoogLeNet.py (`Inception.forward`). */
export function refInception(x: Act, w: RefWeights, block: string): Act {
  const cbr = (a: Act, convName: string, bnName: string, pad: number) =>
    refRelu(refBatchNorm(conv(a, w, `${block}/${convName}`, 1, pad), w, `${block}/${bnName}`));
  const y1 = cbr(x, 'b1/conv', 'b1/bn', 0);
  const y2 = cbr(cbr(x, 'b2/conv1', 'b2/bn1', 0), 'b2/conv2', 'b2/bn2', 1);
  const y3 = cbr(cbr(cbr(x, 'b3/conv1', 'b3/bn1', 0), 'b3/conv2', 'b3/bn2', 1), 'b3/conv3', 'b3/bn3', 1);
  const y4 = cbr(refMaxPool(x, 3, 1, 1), 'b4/conv', 'b4/bn', 0);
  return refConcatChannels([y1, y2, y3, y4]);
}

/** GoogLeNet.forward: pre_layers, blocks with MaxPool(3, 2, 1) after the configured ones, avg-pool, linear. */
export function refGoogLeNet(x: Act, w: RefWeights, config: GoogLeNetConfig): Act {
  let a = refRelu(refBatchNorm(conv(x, w, 'pre/conv', 1, 1), w, 'pre/bn'));
  for (const block of config.blocks) {
    a = refInception(a, w, block.name);
    if (config.poolAfter.includes(block.name)) a = refMaxPool(a, 3, 2, 1);
  }
  return dense(refGlobalAvgPool(a), w, 'linear');
}
