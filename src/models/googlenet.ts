/**
 * The CIFAR GoogLeNet of the paper's comparison code (`Baseline/GoogLeNet.py`, the "pytorch-cifar"
 * variant): stem conv 3→192 (3×3, pad 1) + BN + ReLU at 32×32; Inception a3, b3; MaxPool 3×3/2 pad 1;
 * a4 … e4; the same pool; a5, b5; AvgPool 8×8 → Linear 1024→10. Every conv has a bias and is followed
 * by BN + ReLU. Inception branches, concatenated on channels in this order:
 *   b1: 1×1 conv;  b2: 1×1 reduce → 3×3;  b3: 1×1 reduce → 3×3 → 3×3 (the "5×5" branch);
 *   b4: MaxPool 3×3 stride 1 pad 1 → 1×1 conv.
 * Channel counts are configurable for reduced models in tests; the defaults are the paper's.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LinearLayerRunner, LinearLayerSpec, WeightMap } from './layers';
import { batchNormInference, convOutputSize, maxPoolTorch } from './layers';
import type { ModelDefinition, ParamSpec } from './model';
import { batchNormParams, defineModel, linearParams } from './model';

/** `Inception(in, n1x1, n3x3red, n3x3, n5x5red, n5x5, pool_proj)`; `in` follows from the previous block. */
export interface InceptionConfig {
  readonly name: string;
  readonly n1x1: number;
  readonly n3x3red: number;
  readonly n3x3: number;
  readonly n5x5red: number;
  readonly n5x5: number;
  readonly poolProj: number;
}

export interface GoogLeNetConfig {
  readonly stemChannels: number;
  readonly blocks: readonly InceptionConfig[];
  /** Blocks followed by the MaxPool 3×3 stride 2 pad 1. */
  readonly poolAfter: readonly string[];
  /** Square input size in pixels. */
  readonly inputSize: number;
  readonly numClasses: number;
}

const block = (name: string, ...n: [number, number, number, number, number, number]): InceptionConfig => ({
  name,
  n1x1: n[0],
  n3x3red: n[1],
  n3x3: n[2],
  n5x5red: n[3],
  n5x5: n[4],
  poolProj: n[5],
});

export const GOOGLENET_PAPER_CONFIG: GoogLeNetConfig = {
  stemChannels: 192,
  blocks: [
    block('a3', 64, 96, 128, 16, 32, 32),
    block('b3', 128, 128, 192, 32, 96, 64),
    block('a4', 192, 96, 208, 16, 48, 64),
    block('b4', 160, 112, 224, 24, 64, 64),
    block('c4', 128, 128, 256, 24, 64, 64),
    block('d4', 112, 144, 288, 32, 64, 64),
    block('e4', 256, 160, 320, 32, 128, 128),
    block('a5', 256, 160, 320, 32, 128, 128),
    block('b5', 384, 192, 384, 48, 128, 128),
  ],
  poolAfter: ['b3', 'e4'],
  inputSize: 32,
  numClasses: 10,
};

/** Output channels of an Inception block: the four branches concatenated. */
export function inceptionOutChannels(b: InceptionConfig): number {
  return b.n1x1 + b.n3x3 + b.n5x5 + b.poolProj;
}

/** One conv of a branch: name, kernel size, in → out channels, and the batch-norm that follows it. */
interface BranchConv {
  readonly conv: string;
  readonly bn: string;
  readonly kernelSize: 1 | 3;
  readonly inChannels: number;
  readonly outChannels: number;
}

/** The four branches of block `b` with input `inChannels`, convs in contract order. */
function inceptionBranches(b: InceptionConfig, inChannels: number): BranchConv[][] {
  const n = b.name;
  return [
    [{ conv: `${n}/b1/conv`, bn: `${n}/b1/bn`, kernelSize: 1, inChannels, outChannels: b.n1x1 }],
    [
      { conv: `${n}/b2/conv1`, bn: `${n}/b2/bn1`, kernelSize: 1, inChannels, outChannels: b.n3x3red },
      { conv: `${n}/b2/conv2`, bn: `${n}/b2/bn2`, kernelSize: 3, inChannels: b.n3x3red, outChannels: b.n3x3 },
    ],
    [
      { conv: `${n}/b3/conv1`, bn: `${n}/b3/bn1`, kernelSize: 1, inChannels, outChannels: b.n5x5red },
      { conv: `${n}/b3/conv2`, bn: `${n}/b3/bn2`, kernelSize: 3, inChannels: b.n5x5red, outChannels: b.n5x5 },
      { conv: `${n}/b3/conv3`, bn: `${n}/b3/bn3`, kernelSize: 3, inChannels: b.n5x5, outChannels: b.n5x5 },
    ],
    [{ conv: `${n}/b4/conv`, bn: `${n}/b4/bn`, kernelSize: 1, inChannels, outChannels: b.poolProj }],
  ];
}

/** Conv (pad keeps the size) → BN (inference) → ReLU; its own tidy keeps only the ReLU output. */
function convBnRelu(
  weights: WeightMap,
  runner: LinearLayerRunner,
  c: BranchConv,
  x: tf.Tensor4D,
): tf.Tensor4D {
  return tf.tidy(() => {
    const y = runner.conv2d(c.conv, x, 1, (c.kernelSize - 1) / 2);
    return tf.relu(batchNormInference(weights, c.bn, y));
  });
}

/**
 * One Inception block (`Inception.forward`): the four branches on the same input, concatenated on
 * channels b1, b2, b3, b4. Branch b4 pools first (MaxPool 3×3 stride 1 pad 1 keeps the size).
 * Frees its intermediates as it goes; returns only the concatenation.
 */
export function inceptionForward(
  weights: WeightMap,
  runner: LinearLayerRunner,
  block: InceptionConfig,
  x: tf.Tensor4D,
): tf.Tensor4D {
  const branches = inceptionBranches(block, x.shape[3]);
  const outputs = branches.map((branch, i) => {
    let y = i === branches.length - 1 ? maxPoolTorch(x, 3, 1, 1) : x;
    for (const c of branch) {
      const next = convBnRelu(weights, runner, c, y);
      if (y !== x) y.dispose();
      y = next;
    }
    return y;
  });
  const out = tf.concat4d(outputs, 3);
  tf.dispose(outputs);
  return out;
}

/** One stage of the network as the forward pass walks it. */
type Stage =
  | { readonly kind: 'stem'; readonly conv: BranchConv }
  | { readonly kind: 'inception'; readonly block: InceptionConfig }
  | { readonly kind: 'pool' };

export function createGoogLeNet(config: GoogLeNetConfig = GOOGLENET_PAPER_CONFIG): ModelDefinition {
  const stages: Stage[] = [];
  const layers: LinearLayerSpec[] = [];
  const params: ParamSpec[] = [];
  let size = config.inputSize;

  const addConv = (c: BranchConv) => {
    const spec: LinearLayerSpec = {
      name: c.conv,
      kind: 'conv',
      inChannels: c.inChannels,
      outChannels: c.outChannels,
      kernelSize: c.kernelSize,
      stride: 1,
      padding: (c.kernelSize - 1) / 2,
      inputHeight: size,
      inputWidth: size,
      outputHeight: size,
      outputWidth: size,
    };
    layers.push(spec);
    params.push(...linearParams(spec), ...batchNormParams(c.bn, c.outChannels));
  };

  const stem: BranchConv = {
    conv: 'pre/conv',
    bn: 'pre/bn',
    kernelSize: 3,
    inChannels: 3,
    outChannels: config.stemChannels,
  };
  stages.push({ kind: 'stem', conv: stem });
  addConv(stem);
  let channels = config.stemChannels;
  for (const b of config.blocks) {
    stages.push({ kind: 'inception', block: b });
    inceptionBranches(b, channels).flat().forEach(addConv);
    channels = inceptionOutChannels(b);
    if (config.poolAfter.includes(b.name)) {
      stages.push({ kind: 'pool' });
      size = convOutputSize(size, 3, 2, 1);
    }
  }
  const head: LinearLayerSpec = {
    name: 'linear',
    kind: 'dense',
    inChannels: channels,
    outChannels: config.numClasses,
    kernelSize: 1,
    stride: 1,
    padding: 0,
    inputHeight: 1,
    inputWidth: 1,
    outputHeight: 1,
    outputWidth: 1,
  };
  layers.push(head);
  params.push(...linearParams(head));

  return defineModel({
    name: 'googlenet',
    inputShape: [config.inputSize, config.inputSize, 3],
    numClasses: config.numClasses,
    linearLayers: layers,
    params,
    forward(weights: WeightMap, runner: LinearLayerRunner, x: tf.Tensor4D): tf.Tensor2D {
      return tf.tidy(() => {
        // Each stage frees its input once done, so peak memory is about one stage's activations, not
        // the whole network's (which ran the WASM heap out of memory at batch 100).
        let h = x;
        for (const stage of stages) {
          const next =
            stage.kind === 'stem'
              ? convBnRelu(weights, runner, stage.conv, h)
              : stage.kind === 'pool'
                ? maxPoolTorch(h, 3, 2, 1)
                : inceptionForward(weights, runner, stage.block, h);
          if (h !== x) h.dispose();
          h = next;
        }
        // AvgPool2d(8) on the final 8×8 map = global average; global for other input sizes.
        const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
        return runner.dense('linear', pooled);
      });
    },
  });
}
