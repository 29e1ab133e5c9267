/**
 * Uniform plumbing shared by the kernels. tfjs-webgpu appends a program's `uniforms` declaration
 * (`'name : type, …'`) to its generated `Uniforms` struct and packs the values passed to
 * `runWebGPUProgram` in the same order, each scalar 4-byte aligned. Every kernel writes its declaration
 * as a literal string beside one `uniformData(params)` returning named entries in the same order; the
 * kernel tests check the two against each other (`parseUniformDeclaration`), so the layout never lives
 * twice unchecked.
 */

export type WgslScalar = 'i32' | 'u32' | 'f32';
type TfjsUniformType = 'int32' | 'uint32' | 'float32';

/** One uniform value as tfjs's `runWebGPUProgram` takes it, plus its name (ignored by tfjs). */
export interface NamedUniform {
  name: string;
  type: TfjsUniformType;
  data: number[];
}

const TFJS_TYPE: Record<WgslScalar, TfjsUniformType> = { i32: 'int32', u32: 'uint32', f32: 'float32' };

export function int32(name: string, value: number): NamedUniform {
  if (!Number.isInteger(value)) throw new RangeError(`uniform ${name} must be an integer, got ${value}`);
  return { name, type: 'int32', data: [value] };
}

export function uint32(name: string, value: number): NamedUniform {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff)
    throw new RangeError(`uniform ${name} must be a u32, got ${value}`);
  return { name, type: 'uint32', data: [value] };
}

export function float32(name: string, value: number): NamedUniform {
  if (!Number.isFinite(value)) throw new RangeError(`uniform ${name} must be finite, got ${value}`);
  return { name, type: 'float32', data: [value] };
}

/** Fields of a `uniforms` declaration, in order (`'a : i32, b : f32,'` → [{a, i32}, {b, f32}]). */
export function parseUniformDeclaration(declaration: string): { name: string; type: WgslScalar }[] {
  return declaration
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map((part) => {
      const match = /^(\w+)\s*:\s*(i32|u32|f32)$/.exec(part);
      if (!match) throw new SyntaxError(`unsupported uniform field "${part}" (scalars only)`);
      return { name: match[1]!, type: match[2] as WgslScalar };
    });
}

/** The tfjs uniform type of a WGSL scalar. */
export function tfjsUniformType(type: WgslScalar): TfjsUniformType {
  return TFJS_TYPE[type];
}

/** Names used as `uniforms.<name>` in WGSL source (for checking that each one is declared). */
export function uniformsReferenced(wgsl: string): string[] {
  return [...new Set([...wgsl.matchAll(/\buniforms\.(\w+)/g)].map((m) => m[1]!))].sort();
}
