// McNemar's test and its special functions against references computed here with exact integer
// arithmetic (BigInt): the binomial tail as the rational Σ_{k≤m} C(n, k) / 2^(n−1), erfc from its
// Taylor series in fixed point with enough bits to absorb every cancellation. Also the edge
// cases, the symmetry of the test, large tables, and the bad calls.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { binomialHalfCdf, chiSquareSf1, erfc, mcnemar, type ContingencyTable } from '../src/eval/mcnemar.js';
import { assertClose, assertThrows } from './helpers.js';

// ---------------------------------------------------------------------------------------------
// Exact references

function bitLength(v: bigint): number {
  return v === 0n ? 0 : v.toString(2).length;
}

/** x · 2^e without overflow or underflow in the intermediate power. */
function ldexp(x: number, e: number): number {
  while (e > 1000) (x *= 2 ** 1000), (e -= 1000);
  while (e < -1000) (x *= 2 ** -1000), (e += 1000);
  return x * 2 ** e;
}

/** The double nearest num / 2^e (num ≥ 0), to within one rounding of a 64-bit truncation. */
function ratioToDouble(num: bigint, e: number): number {
  const shift = Math.max(0, bitLength(num) - 64);
  return ldexp(Number(num >> BigInt(shift)), shift - e);
}

/** A finite double as the exact rational X / 2^s. */
function dyadic(x: number): { X: bigint; s: number } {
  let s = 0;
  while (!Number.isInteger(ldexp(x, s))) s++;
  return { X: BigInt(ldexp(x, s)), s };
}

/**
 * Cumulative binomial sums: sums[m] = Σ_{k≤m} C(n, k), m = 0..upTo. The exact McNemar p of
 * min(b, c) = m is min(1, sums[m] / 2^(n−1)).
 */
function binomialPrefixSums(n: number, upTo: number): bigint[] {
  const sums: bigint[] = [];
  let term = 1n;
  let sum = 0n;
  for (let k = 0; k <= upTo; k++) {
    sum += term;
    sums.push(sum);
    term = (term * BigInt(n - k)) / BigInt(k + 1); // exact: C(n, k+1) is an integer
  }
  return sums;
}

function exactP(sums: bigint[], m: number, n: number): number {
  return Math.min(1, ratioToDouble(sums[m], n - 1));
}

/** π · 2^P from Machin's formula π = 16·atan(1/5) − 4·atan(1/239), with 32 guard bits. */
function piFixed(P: number): bigint {
  const one = 1n << BigInt(P + 32);
  const atanInv = (q: bigint) => {
    let power = one / q;
    let sum = power;
    for (let j = 1n; power !== 0n; j++) {
      power /= q * q;
      sum += (j % 2n ? -power : power) / (2n * j + 1n);
    }
    return sum;
  };
  return (16n * atanInv(5n) - 4n * atanInv(239n)) >> 32n;
}

function isqrt(v: bigint): bigint {
  let x = 1n << BigInt(Math.ceil(bitLength(v) / 2) + 1);
  for (;;) {
    const y = (x + v / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/**
 * erfc(x) for a double x ≥ 0 as 1 − 2/√π · Σ (−1)^j x^{2j+1} / (j!·(2j + 1)), in fixed point.
 * The largest term is ~e^{x²}, so 2·x²·log2(e) + 200 bits leave > 100 correct bits in the result
 * even where erfc(x) ~ e^{−x²}.
 */
function erfcReference(x: number): number {
  if (x === 0) return 1;
  const { X, s } = dyadic(x);
  const P = Math.ceil(2 * x * x * Math.LOG2E) + 200;
  const one = 1n << BigInt(P);
  const X2 = X * X;
  const den = 1n << BigInt(2 * s);
  let power = (X << BigInt(P)) >> BigInt(s); // x^{2j+1}/j! · 2^P, truncated
  let sum = power;
  for (let j = 1n; power !== 0n; j++) {
    power = (power * X2) / (den * j);
    sum += (j % 2n ? -power : power) / (2n * j + 1n);
  }
  const sqrtPi = isqrt(piFixed(P) << BigInt(P)); // √π · 2^P
  const erfFixed = (2n * sum << BigInt(P)) / sqrtPi;
  return ratioToDouble(one - erfFixed, P);
}

// ---------------------------------------------------------------------------------------------
// Tolerances. erfc: a handful of roundings of O(1) quantities plus exp/log within 1 ulp, so a few
// 1e-16; measured worst 1.6e-15 over these points, 1e-14 leaves room for other libm builds.
// Binomial tail: its relative error is a few ulps of log p (the exponent is rounded), which is
// ~1e-15 for ordinary p but ~745·1.1e-16·(a few) near the underflow limit; measured worst 3.4e-13
// (n = 3000, m = 601, p ≈ 1.5e-252). 1e-12 is the golden tolerance of case (i) and holds there.

const erfcRtol = 1e-14;
const binomialRtol = 1e-12;

// ---------------------------------------------------------------------------------------------
// erfc

const erfcPoints = [2 ** -30, 0.1, 0.25, 0.4999999999999999, 0.5, 0.5000000000000001, 0.75, 1, 1.5, 2, 2.5, 3, 4.25, 5, 7, 10, 15, 20, 26.5];

test('erfc: edge values and symmetry erfc(−x) = 2 − erfc(x)', () => {
  assert.is(erfc(0), 1);
  assert.is(erfc(Infinity), 0);
  assert.is(erfc(-Infinity), 2);
  assert.ok(Number.isNaN(erfc(NaN)));
  assert.is(erfc(-1), 2 - erfc(1));
  assert.is(erfc(30), 0, 'erfc(30) ~ 2e-393 underflows');
});

test('erfc matches the fixed-point series at points across both methods and deep into the tail', () => {
  const expected = erfcPoints.map(erfcReference);
  assertClose(erfcPoints.map(erfc), expected, { rtol: erfcRtol, what: 'erfc' });
  // the tail value is far below 1e-300: relative accuracy must hold there too
  assert.ok(expected[expected.length - 1] < 1e-300 && expected[expected.length - 1] > 0);
});

test('chiSquareSf1(2x²) = erfc(x), checked where 2x² is exact', () => {
  const xs = [0.125, 0.5, 1, 2.75, 5.5, 12, 26];
  assertClose(xs.map((x) => chiSquareSf1(2 * x * x)), xs.map(erfcReference), { rtol: erfcRtol, what: 'chi2.sf(·, 1)' });
  assert.is(chiSquareSf1(0), 1);
  assert.is(chiSquareSf1(Infinity), 0);
  assert.ok(Number.isNaN(chiSquareSf1(NaN)));
});

// ---------------------------------------------------------------------------------------------
// Binomial tail

test('exact p equals the BigInt rational for every table with b + c ≤ 80', () => {
  for (let n = 0; n <= 80; n++) {
    const sums = binomialPrefixSums(n, n);
    for (let b = 0; b <= n; b++) {
      const c = n - b;
      const { statistic, pvalue } = mcnemar([[7, b], [c, 3]]);
      assert.is(statistic, Math.min(b, c));
      assertClose([pvalue], [exactP(sums, Math.min(b, c), n)], { rtol: binomialRtol, what: `b=${b} c=${c}` });
    }
  }
});

test('exact p equals the BigInt rational for every min(b, c) at n up to 5210', () => {
  for (const n of [97, 100, 257, 931, 1000, 2001, 3000, 4096, 5210]) {
    const half = Math.floor(n / 2);
    const sums = binomialPrefixSums(n, half);
    const got: number[] = [];
    const want: number[] = [];
    for (let m = 0; m <= half; m++) {
      const p = exactP(sums, m, n);
      if (p < 2 ** -1022) continue; // subnormal: no relative accuracy to speak of
      want.push(p);
      got.push(mcnemar([[0, m], [n - m, 0]]).pvalue);
    }
    assert.ok(want.length > 0);
    assertClose(got, want, { rtol: binomialRtol, what: `n=${n}` });
  }
});

test('large tables: b + c = 50,600 and 50,000 against the BigInt rational', () => {
  const cases = [
    { b: 25000, c: 25600 }, // p ≈ 0.008, the sum spans hundreds of terms near the mode
    { b: 24000, c: 26000 }, // p ≈ 1e-18
    { b: 20850, c: 29150 }, // p ≈ 1e-300: the exponent is near the underflow limit
  ];
  const sums = new Map<number, bigint[]>();
  for (const { b, c } of cases) {
    const n = b + c;
    if (!sums.has(n)) sums.set(n, binomialPrefixSums(n, Math.floor(n / 2)));
    const want = exactP(sums.get(n)!, Math.min(b, c), n);
    assert.ok(want > 0 && want < 1);
    assertClose([mcnemar([[1, b], [c, 1]]).pvalue, mcnemar([[1, c], [b, 1]]).pvalue], [want, want], { rtol: binomialRtol, what: `b=${b} c=${c}` });
  }
});

test('exact p for b = 0 is 2^(1−n) exactly, and 1 whenever b = c', () => {
  for (const n of [1, 2, 10, 60, 1000, 1074]) assert.is(mcnemar([[0, 0], [n, 0]]).pvalue, 2 ** (1 - n));
  for (const m of [0, 1, 5, 1e6]) assert.is(mcnemar([[0, m], [m, 0]]).pvalue, 1);
});

test('exact p falls as the tables grow apart at fixed b + c (monotone), and is symmetric in b and c', () => {
  const n = 20001;
  let previous = 1;
  for (let b = Math.floor(n / 2); b >= 9000; b -= 7) {
    const p = mcnemar([[0, b], [n - b, 0]]).pvalue;
    assert.ok(p <= previous, `p(b=${b}) = ${p} > ${previous}`);
    assert.is(mcnemar([[0, n - b], [b, 0]]).pvalue, p);
    previous = p;
  }
});

test('binomialHalfCdf: both sides of the median against the rational', () => {
  const n = 301;
  const sums = binomialPrefixSums(n, n);
  const ks = [-1, 0, 1, 40, 150, 151, 200, 300, 301, 400];
  const want = ks.map((k) => (k < 0 ? 0 : k >= n ? 1 : ratioToDouble(sums[k], n)));
  assertClose(ks.map((k) => binomialHalfCdf(k, n)), want, { rtol: binomialRtol, what: 'binomialHalfCdf' });
  assert.is(binomialHalfCdf(0, 0), 1);
});

// ---------------------------------------------------------------------------------------------
// χ² versions

test('χ² statistics: continuity-corrected and not, by hand', () => {
  // b = 15, c = 32: (|15 − 32| − 1)² / 47 = 256/47; (15 − 32)² / 47 = 289/47
  assert.is(mcnemar([[120, 15], [32, 233]], { exact: false }).statistic, 256 / 47);
  assert.is(mcnemar([[120, 15], [32, 233]], { exact: false, correction: false }).statistic, 289 / 47);
  // b = c = 1: (0 − 1)²/2 = 0.5, not clamped at 0 (statsmodels does not clamp)
  assert.is(mcnemar([[30, 1], [1, 30]], { exact: false }).statistic, 0.5);
  const { statistic, pvalue } = mcnemar([[120, 15], [32, 233]], { exact: false });
  assert.is(pvalue, chiSquareSf1(statistic));
});

test('b = c = 0 behaves as statsmodels: exact 1, corrected Infinity/0, uncorrected NaN/NaN', () => {
  const table: ContingencyTable = [[50, 0], [0, 50]];
  assert.equal(mcnemar(table), { statistic: 0, pvalue: 1 });
  assert.equal(mcnemar(table, { exact: false }), { statistic: Infinity, pvalue: 0 });
  const uncorrected = mcnemar(table, { exact: false, correction: false });
  assert.ok(Number.isNaN(uncorrected.statistic) && Number.isNaN(uncorrected.pvalue));
});

test('the corrected χ² p is chi2.sf of its statistic (b = 0, c = 60: 59²/60)', () => {
  // the tail accuracy of chiSquareSf1 itself is checked against the series above (s up to 1352)
  const { statistic, pvalue } = mcnemar([[70, 0], [60, 70]], { exact: false });
  assert.is(statistic, 3481 / 60);
  assert.is(pvalue, chiSquareSf1(3481 / 60));
});

// ---------------------------------------------------------------------------------------------
// Bad calls

test('bad tables and options are rejected with clear errors', () => {
  assertThrows(() => mcnemar(null as any), TypeError, 'Expected object for table but received null of type null');
  assertThrows(() => mcnemar([[1, 2, 3], [4, 5]] as any), RangeError, 'Expected a 2×2 table [[a, b], [c, d]] for table');
  assertThrows(() => mcnemar([[1, 2]] as any), RangeError, 'Expected a 2×2 table [[a, b], [c, d]] for table');
  assertThrows(() => mcnemar([[1, -2], [3, 4]]), RangeError, 'Expected integer between 0 and 9007199254740991 for table[0][1] but received -2 of type number');
  assertThrows(() => mcnemar([[1, 2], [3.5, 4]]), RangeError, 'Expected integer between 0 and 9007199254740991 for table[1][0] but received 3.5 of type number');
  assertThrows(() => mcnemar([[1, 2], [3, '4']] as any), TypeError, 'Expected integer for table[1][1] but received "4" of type string');
  assertThrows(() => mcnemar([[1, 2], [3, 4]], { exact: 1 as any }), TypeError, 'Expected boolean for exact but received 1 of type number');
  assertThrows(() => binomialHalfCdf(1, -1), RangeError, 'Expected integer between 0 and 9007199254740991 for n but received -1 of type number');
});

test.run();
