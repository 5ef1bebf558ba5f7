/**
 * MT19937 (Matsumoto & Nishimura, mt19937ar.c): the generator behind both CPython's `random`
 * (seeded with `init_by_array`, src/data/py-random.ts) and PyTorch's CPU generator (seeded with
 * `init_genrand`, src/model/torch-init.ts).
 */
export const MT_STATE_WORDS = 624;
const N = MT_STATE_WORDS;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/**
 * @example
 * const gen = new Mt19937();
 * gen.seedGenrand(5489);
 * gen.next(); // 3499211612
 */
export class Mt19937 {
  /** The 624 state words. */
  readonly state = new Uint32Array(N);
  /** Next word to temper, 0–624 (624: regenerate first). */
  pos = N;

  /** mt19937ar.c `init_genrand`. */
  seedGenrand(s: number): void {
    const mt = this.state;
    mt[0] = s;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = Math.imul(1812433253, prev) + i;
    }
    this.pos = N;
  }

  /** mt19937ar.c `init_by_array`; Uint32Array stores wrap every sum modulo 2^32 as C does. */
  seedByArray(key: Uint32Array): void {
    const mt = this.state;
    this.seedGenrand(19650218);
    let i = 1;
    let j = 0;
    for (let k = Math.max(N, key.length); k > 0; k--) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = (mt[i] ^ Math.imul(prev, 1664525)) + key[j] + j;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = (mt[i] ^ Math.imul(prev, 1566083941)) - i;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
    }
    mt[0] = 0x80000000; // MSB set: the state is never all zero
  }

  /** mt19937ar.c `genrand_int32`: regenerate the block when used up, then temper one word. */
  next(): number {
    if (this.pos >= N) this.twist();
    let y = this.state[this.pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  private twist(): void {
    const mt = this.state;
    for (let kk = 0; kk < N; kk++) {
      const y = (mt[kk] & UPPER_MASK) | (mt[(kk + 1) % N] & LOWER_MASK);
      mt[kk] = mt[(kk + M) % N] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    this.pos = 0;
  }
}
