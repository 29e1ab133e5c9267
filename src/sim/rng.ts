/**
 * The seeded random source. Every random draw in Crossbar Lab goes through an `Rng`; nothing calls
 * `Math.random`. Streams are derived by label (`rng.fork('programming')`), so adding draws in one place
 * never shifts the numbers drawn in another, and each non-ideality can say when it is drawn:
 *  - 'programming': once per simulated chip instance (device-to-device variation, stuck-at faults, …)
 *  - 'batch':       once per mini-batch (data shuffling, augmentation, dynamic ranges)
 *  - 'read':        on every analog read (cycle-to-cycle read noise, ADC input noise)
 *
 * Generator: xoroshiro128+ from pure-rand (a well-kept, tested implementation); normals by Box–Muller.
 */
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';

/** When a random quantity is drawn. */
export type DrawMoment = 'programming' | 'batch' | 'read';

export interface Rng {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal N(0, 1). */
  normal(): number;
  /** Uniform integer in [0, maxExclusive). */
  int(maxExclusive: number): number;
  /** A 31-bit integer, e.g. the `seed` argument of `tf.randomNormal` for one draw. */
  seed31(): number;
  /** An independent stream named by `label`; the same parent seed and label give the same stream. */
  fork(label: string | number): Rng;
  /** Fisher–Yates shuffle in place. */
  shuffle<T>(items: T[] | Int32Array | Uint32Array): void;
  /** Fills `out` with N(mean, std²) draws. */
  fillNormal(out: Float32Array | Float64Array, mean?: number, std?: number): void;
}

/** The murmur3 finaliser (fmix32): a 32-bit integer → a well-mixed 32-bit integer (signed). */
export function mix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** FNV-1a over the label, mixed with the parent seed (murmur3 finaliser): a stable 32-bit stream id. */
function deriveSeed(parentSeed: number, label: string | number): number {
  let h = 0x811c9dc5 ^ parentSeed;
  const text = String(label);
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  const seed32 = Math.trunc(seed) | 0;
  const generator = xoroshiro128plus(seed32);
  let spareNormal: number | null = null;

  const uniform = () => uniformFloat64(generator);
  const normal = () => {
    if (spareNormal !== null) {
      const value = spareNormal;
      spareNormal = null;
      return value;
    }
    // Box–Muller: two uniforms give two independent standard normals.
    let u1 = uniform();
    while (u1 === 0) u1 = uniform();
    const radius = Math.sqrt(-2 * Math.log(u1));
    const angle = 2 * Math.PI * uniform();
    spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
  const int = (maxExclusive: number) => {
    if (!(maxExclusive >= 1)) throw new RangeError(`int() needs maxExclusive >= 1, got ${maxExclusive}`);
    return Math.floor(uniform() * maxExclusive);
  };

  return {
    uniform,
    normal,
    int,
    seed31: () => int(0x7fffffff),
    fork: (label) => createRng(deriveSeed(seed32, label)),
    shuffle(items) {
      for (let i = items.length - 1; i > 0; i--) {
        const j = int(i + 1);
        const tmp = items[i]!;
        items[i] = items[j]!;
        items[j] = tmp;
      }
    },
    fillNormal(out, mean = 0, std = 1) {
      for (let i = 0; i < out.length; i++) out[i] = mean + std * normal();
    },
  };
}
