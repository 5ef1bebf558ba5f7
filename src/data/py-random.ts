/**
 * CPython's `random.Random`, bit for bit: the MT19937 generator seeded as `random.seed(int)` does,
 * and the integer methods built on it (`getrandbits`, `_randbelow`, `randint`, `shuffle`, `choice`).
 * The official PredANN code draws its training and validation crops with Python's `random`
 * (digest §2.2 items 4–5); this class lets a run with a given seed draw the very same crops.
 *
 * Sources of the algorithms: Matsumoto & Nishimura's mt19937ar.c (init_genrand, init_by_array,
 * genrand_int32) and CPython's Modules/_randommodule.c and Lib/random.py (seeding from the absolute
 * value's 32-bit words, `random()` from 53 bits, rejection sampling in `_randbelow`).
 */
import { expectInteger } from '../validate.js';

import { Mt19937, MT_STATE_WORDS as N } from './mt19937.js';

/**
 * A generator state in the shape of CPython's `random.getstate()`: `(3, (*key, pos), None)`.
 * Plain JSON, so it can live in a checkpoint; Python accepts it back as
 * `random.setstate((3, tuple(key + [pos]), None))`.
 */
export interface PyRandomState {
  version: 3;
  /** The 624 words of the MT19937 state. */
  key: number[];
  /** Position of the next word to temper, 0–624 (624: regenerate first). */
  pos: number;
  /** CPython's cached second Gaussian; this port has no `gauss()`, so always null. */
  gaussNext: null;
}

/**
 * CPython-compatible random numbers.
 *
 * @example
 * const rng = new PyRandom(42);
 * rng.randint(0, 3374); // the same value as Python's random.seed(42); random.randint(0, 3374)
 */
export class PyRandom {
  private readonly gen = new Mt19937();

  /** Seeds like `random.seed(seed)` for an int seed (number or bigint, sign ignored). */
  constructor(seed: number | bigint) {
    this.seed(seed);
  }

  /**
   * Reseeds like CPython: `init_by_array` on the little-endian 32-bit words of |seed| (one word 0
   * for seed 0).
   *
   * @example
   * rng.seed(0);
   */
  seed(seed: number | bigint): void {
    if (typeof seed === 'number') expectInteger('seed', seed, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    else if (typeof seed !== 'bigint') throw new TypeError(`Expected integer for seed but received ${String(seed)} of type ${typeof seed}`);
    this.gen.seedByArray(seedWords(BigInt(seed)));
  }

  /**
   * A float in [0, 1) with 53 random bits, as `random.random()`.
   *
   * @example
   * new PyRandom(0).random(); // 0.8444218515250481
   */
  random(): number {
    const a = this.gen.next() >>> 5;
    const b = this.gen.next() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /**
   * A non-negative integer with `k` random bits (0 ≤ k ≤ 53 so the result is an exact number), as
   * `random.getrandbits(k)`: words are drawn least significant first, the last one shifted down.
   *
   * @example
   * new PyRandom(1).getrandbits(8);
   */
  getrandbits(k: number): number {
    expectInteger('k', k, 0, 53);
    if (k <= 32) return k === 0 ? 0 : this.gen.next() >>> (32 - k);
    const low = this.gen.next();
    const high = this.gen.next() >>> (64 - k);
    return high * 4294967296 + low;
  }

  /**
   * A uniform integer in [0, n), as CPython's `_randbelow(n)`: draw bit_length(n) bits and reject
   * values ≥ n (so the number of words consumed matches Python exactly).
   *
   * @example
   * new PyRandom(3).randbelow(10);
   */
  randbelow(n: number): number {
    expectInteger('n', n, 1, Number.MAX_SAFE_INTEGER);
    const k = bitLength(n);
    let r = this.getrandbits(k);
    while (r >= n) r = this.getrandbits(k);
    return r;
  }

  /**
   * A uniform integer in [a, b], both ends included, as `random.randint(a, b)`.
   *
   * @example
   * new PyRandom(42).randint(0, 3750 - 375 - 1); // a training crop offset
   */
  randint(a: number, b: number): number {
    expectInteger('a', a, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    expectInteger('b', b, a, Number.MAX_SAFE_INTEGER);
    return a + this.randbelow(b - a + 1);
  }

  /**
   * Shuffles `items` in place like `random.shuffle` (Fisher–Yates from the end) and returns it.
   *
   * @example
   * new PyRandom(7).shuffle([1, 2, 3, 4]);
   */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.randbelow(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }

  /**
   * One element of a non-empty sequence, as `random.choice`.
   *
   * @example
   * new PyRandom(5).choice(['a', 'b', 'c']);
   */
  choice<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Cannot choose from an empty sequence');
    return items[this.randbelow(items.length)];
  }

  /**
   * A JSON snapshot of the generator (CPython's `getstate()` layout).
   *
   * @example
   * const saved = rng.getState(); rng.random(); rng.setState(saved);
   */
  getState(): PyRandomState {
    return { version: 3, key: Array.from(this.gen.state), pos: this.gen.pos, gaussNext: null };
  }

  /**
   * Restores a snapshot from `getState()` (or from Python's `getstate()`), after checking it.
   *
   * @example
   * rng.setState(JSON.parse(checkpointJson).rng);
   */
  setState(state: PyRandomState): void {
    if (state === null || typeof state !== 'object' || state.version !== 3) {
      throw new TypeError('Expected a PyRandom state with version 3');
    }
    if (!Array.isArray(state.key) || state.key.length !== N) {
      throw new RangeError(`Expected ${N} words for state.key but received ${Array.isArray(state.key) ? state.key.length : typeof state.key}`);
    }
    state.key.forEach((word, i) => expectInteger(`state.key[${i}]`, word, 0, 0xffffffff));
    expectInteger('state.pos', state.pos, 0, N);
    this.gen.state.set(state.key);
    this.gen.pos = state.pos;
  }
}

/** CPython's seed key: |seed| as little-endian 32-bit words, at least one word. */
function seedWords(seed: bigint): Uint32Array {
  let rest = seed < 0n ? -seed : seed;
  const words: number[] = [];
  do {
    words.push(Number(rest & 0xffffffffn));
    rest >>= 32n;
  } while (rest > 0n);
  return Uint32Array.from(words);
}

/** Python's `int.bit_length()` for a positive safe integer. */
function bitLength(n: number): number {
  return n < 2 ** 32 ? 32 - Math.clz32(n) : 32 + (32 - Math.clz32(Math.floor(n / 2 ** 32)));
}
