/**
 * A tfjs-webgpu program that samples Philox4x32-10 (`philox.wgsl`) for a run of counters: raw words and
 * normals, for testing the WGSL against `philox.reference.ts` and for diagnostics. The kernels that draw
 * noise (e.g. `tiledRead`) prepend `philox.wgsl` to their own code.
 */
// `?raw` WGSL imports (Vite); declared here too for code that reaches this module from scripts/ (tsc).
/// <reference types="vite/client" />
import * as tf from '@tensorflow/tfjs-core';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { uint32, int32, type NamedUniform } from '../uniforms';
import philoxWgsl from './philox.wgsl?raw';
import sampleWgsl from './philoxSample.wgsl?raw';

export { philoxWgsl };

export interface PhiloxSampleParams {
  /** Key (k0, k1), u32 each. */
  key: readonly [number, number];
  /** Counters (firstCounter + i, y, z, w) for i in [0, numCounters). */
  firstCounter: number;
  counterY: number;
  counterZ: number;
  counterW: number;
  numCounters: number;
}

const WORKGROUP_SIZE = 64;

export class PhiloxSampleProgram implements WebGPUProgram {
  readonly variableNames: string[] = [];
  readonly uniforms =
    'numCounters : i32, firstCounter : u32, counterY : u32, counterZ : u32, counterW : u32, keyLo : u32, keyHi : u32,';
  readonly workgroupSize: [number, number, number] = [WORKGROUP_SIZE, 1, 1];
  readonly dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  shaderKey = 'crossbarPhiloxSample';
  readonly outputShape: number[];

  constructor(numCounters: number) {
    this.outputShape = [numCounters * 8];
    this.dispatch = [Math.ceil(numCounters / WORKGROUP_SIZE), 1, 1];
  }

  getUserCode(): string {
    return `${philoxWgsl}\n${sampleWgsl}`;
  }
}

/** Uniform values in the order of `PhiloxSampleProgram.uniforms`. */
export function philoxSampleUniformData(p: PhiloxSampleParams): NamedUniform[] {
  return [
    int32('numCounters', p.numCounters),
    uint32('firstCounter', p.firstCounter),
    uint32('counterY', p.counterY),
    uint32('counterZ', p.counterZ),
    uint32('counterW', p.counterW),
    uint32('keyLo', p.key[0]),
    uint32('keyHi', p.key[1]),
  ];
}

/**
 * Samples `numCounters` counters on the WebGPU backend. Returns the raw words (u32) and the normals
 * (f32), four of each per counter, counter-major.
 */
export async function samplePhilox(
  backend: WebGPUBackend,
  params: PhiloxSampleParams,
): Promise<{ words: Uint32Array; normals: Float32Array }> {
  const program = new PhiloxSampleProgram(params.numCounters);
  const info = backend.runWebGPUProgram(program, [], 'int32', philoxSampleUniformData(params));
  const out = tf.engine().makeTensorFromTensorInfo(info);
  const bits = new Int32Array(await out.data<'int32'>());
  out.dispose();
  const words = new Uint32Array(params.numCounters * 4);
  const normals = new Float32Array(params.numCounters * 4);
  const asFloat = new Float32Array(bits.buffer);
  for (let i = 0; i < params.numCounters; i++)
    for (let k = 0; k < 4; k++) {
      words[i * 4 + k] = bits[i * 8 + k]! >>> 0;
      normals[i * 4 + k] = asFloat[i * 8 + 4 + k]!;
    }
  return { words, normals };
}
