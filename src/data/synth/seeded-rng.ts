/**
 * A small, fast, seeded random number generator with named independent streams.
 *
 * The generator is xoshiro128** (Blackman & Vigna, 2018): 128 bits of state, 32-bit outputs,
 * period 2^128 − 1, and only 32-bit integer operations, which V8 compiles to plain machine
 * instructions (no BigInt). Streams are derived by hashing the user seed together with a path of
 * labels (`'subject', 7, 'background'`), so every subject, song and noise component draws from its
 * own stream: generating fewer subjects, or one more component, never shifts anyone else's numbers.
 */

/** A label in a stream path: a component name or an id. */
export type StreamLabel = string | number;

const GOLDEN_GAMMA = 0x9e3779b9;

/** murmur3's 32-bit finaliser: a bijective avalanche mix. */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

function absorb(hash: number, word: number): number {
  return mix32((hash + GOLDEN_GAMMA) ^ word);
}

/** Hashes a label into the running hash; strings code unit by code unit, numbers as two 32-bit words. */
function absorbLabel(hash: number, label: StreamLabel): number {
  if (typeof label === 'string') {
    hash = absorb(hash, 0x5354 ^ label.length); // tag so 'a' and 97 never collide
    for (let i = 0; i < label.length; i++) hash = absorb(hash, label.charCodeAt(i));
    return hash;
  }
  hash = absorb(hash, 0x4e55);
  hash = absorb(hash, label >>> 0);
  return absorb(hash, Math.floor(label / 2 ** 32) >>> 0);
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

export class SeededRng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  /** Second normal deviate of the last Box–Muller pair, or NaN when none is cached. */
  private spareNormal = NaN;

  private constructor(hash: number) {
    // Four well-mixed, distinct words; the all-zero state (the one forbidden state) cannot occur
    // because consecutive mix32 outputs of distinct inputs are distinct.
    this.s0 = mix32(hash + GOLDEN_GAMMA);
    this.s1 = mix32(hash + 2 * GOLDEN_GAMMA);
    this.s2 = mix32(hash + 3 * GOLDEN_GAMMA);
    this.s3 = mix32(hash + 4 * GOLDEN_GAMMA);
  }

  /**
   * The stream named `path` under `seed`: the same seed and path always give the same numbers,
   * and different paths give statistically independent ones.
   *
   * @example
   * const rng = SeededRng.stream(0, 'subject', 2, 'blinks');
   * rng.uniform(); // a number in [0, 1), the same on every run
   */
  static stream(seed: number, ...path: StreamLabel[]): SeededRng {
    let hash = absorbLabel(mix32(0x70726564), seed); // 'pred'
    for (const label of path) hash = absorbLabel(hash, label);
    return new SeededRng(hash);
  }

  /** A child stream of this one, drawn from its current state (advances this stream by one word). */
  fork(...path: StreamLabel[]): SeededRng {
    let hash = this.nextUint32();
    for (const label of path) hash = absorbLabel(hash, label);
    return new SeededRng(hash);
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    const s1 = this.s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 bits of resolution (plenty for signal synthesis). */
  uniform(): number {
    return this.nextUint32() * 2.3283064365386963e-10;
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.uniform() < p;
  }

  /** One element of a non-empty array, uniformly. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** Standard normal deviate (Box–Muller; the pair's second value is kept for the next call). */
  normal(): number {
    if (!Number.isNaN(this.spareNormal)) {
      const spare = this.spareNormal;
      this.spareNormal = NaN;
      return spare;
    }
    const u = 1 - this.uniform(); // (0, 1]: log stays finite
    const radius = Math.sqrt(-2 * Math.log(u));
    const angle = 2 * Math.PI * this.uniform();
    this.spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  /** Exponentially distributed waiting time with the given mean. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.uniform());
  }

  /** A uniformly shuffled copy (Fisher–Yates). */
  shuffled<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }

  /**
   * Fills `out` with zero-mean, unit-variance uniform noise (in ±√3). Used as the excitation of
   * coloured noise: after IIR filtering, the sum of many such draws is Gaussian to the eye, at a
   * fraction of the cost of a normal deviate per sample.
   */
  fillUniformNoise(out: Float64Array, count = out.length): void {
    const scale = 2 * Math.sqrt(3) * 2.3283064365386963e-10;
    const offset = Math.sqrt(3);
    // The same steps as nextUint32, with the state in locals: this loop draws most of the
    // numbers of a synthetic data set, and keeping the state in registers doubles its speed.
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    for (let i = 0; i < count; i++) {
      const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = rotl(s3, 11);
      out[i] = result * scale - offset;
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
  }
}
