/**
 * McNemar's test for two classifiers scored on the same items (digest §5, golden case i), with
 * the results of `statsmodels.stats.contingency_tables.mcnemar`. The table is [[a, b], [c, d]]
 * (a: both right, b: only the first right, c: only the second right, d: both wrong); only the
 * discordant counts b and c enter the test.
 *
 * - exact: statistic = min(b, c), p = min(1, 2·P(X ≤ min(b, c))) with X ~ Binomial(b + c, 1/2);
 * - χ²: statistic = (|b − c| − 1)² / (b + c) with continuity correction, (b − c)² / (b + c)
 *   without; p = chi2.sf(statistic, 1) = erfc(sqrt(statistic / 2)).
 *
 * b = c = 0 gives what statsmodels gives: exact p = 1, corrected statistic Infinity with p = 0,
 * uncorrected statistic and p NaN (a 0/0 that statsmodels does not guard).
 *
 * p-values keep their relative accuracy for tables with millions of pairs, where 2^−n underflows
 * and a plain sum of binomial terms loses digits: a few ulps of log p, i.e. ~1e-15 relative for
 * ordinary p and ~4e-13 at worst near the underflow limit (|log p| ≈ 700). The binomial tail
 * is summed relative to its largest term, whose logarithm comes from Loader's saddle-point form
 * (Stirling-series remainders and a cancellation-free `bd0`); erfc uses a series near 0 and a
 * continued fraction in the tail, with exp(−x²) split so x² adds no rounding.
 */
import { expectInteger, expectObject, received } from '../validate.js';

/** A 2×2 table [[a, b], [c, d]] of non-negative integer counts. */
export type ContingencyTable = readonly [readonly [number, number], readonly [number, number]];

export interface McNemarOptions {
  /** Binomial test (default, as statsmodels) or the χ² approximation. */
  exact?: boolean;
  /** Continuity correction of the χ² statistic (default true, as statsmodels); ignored when exact. */
  correction?: boolean;
}

export interface McNemarResult {
  /** min(b, c) for the exact test, the χ² statistic otherwise. */
  statistic: number;
  pvalue: number;
}

/**
 * McNemar's test on a 2×2 table, as `statsmodels.stats.contingency_tables.mcnemar`.
 *
 * @example
 * mcnemar([[120, 15], [32, 233]]);                  // { statistic: 15, pvalue: 0.01862383661500… }
 * mcnemar([[120, 15], [32, 233]], { exact: false }); // { statistic: 5.4468…, pvalue: 0.019604… }
 */
export function mcnemar(table: ContingencyTable, options: McNemarOptions = {}): McNemarResult {
  const { b, c } = discordantCounts(table);
  const { exact = true, correction = true } = options;
  if (typeof exact !== 'boolean') throw new TypeError(`Expected boolean for exact but received ${received(exact)}`);
  if (typeof correction !== 'boolean') throw new TypeError(`Expected boolean for correction but received ${received(correction)}`);
  if (exact) {
    const m = Math.min(b, c);
    return { statistic: m, pvalue: twoSidedHalfTail(m, b + c) };
  }
  // Left unguarded on purpose: b = c = 0 gives 1/0 = Infinity (corrected) or 0/0 = NaN, as statsmodels.
  const statistic = (Math.abs(b - c) - (correction ? 1 : 0)) ** 2 / (b + c);
  return { statistic, pvalue: chiSquareSf1(statistic) };
}

/** Checks the table's shape and counts and returns its discordant cells. */
function discordantCounts(table: ContingencyTable): { b: number; c: number } {
  const isPair = (row: unknown) => Array.isArray(row) && row.length === 2;
  if (!Array.isArray(table) || table.length !== 2 || !table.every(isPair)) {
    expectObject('table', table);
    throw new RangeError('Expected a 2×2 table [[a, b], [c, d]] for table');
  }
  table.forEach((row, i) => row.forEach((v, j) => expectInteger(`table[${i}][${j}]`, v, 0, Number.MAX_SAFE_INTEGER)));
  const [[, b], [c]] = table;
  expectInteger('b + c', b + c, 0, Number.MAX_SAFE_INTEGER);
  return { b, c };
}

/**
 * P(X ≤ k) for X ~ Binomial(n, 1/2), to a few ulps of its logarithm, also where 2^−n and the
 * binomial coefficients are far outside the range of float64.
 *
 * @example
 * binomialHalfCdf(0, 60);  // 2^−60
 * binomialHalfCdf(15, 47); // 0.009311918307503…
 */
export function binomialHalfCdf(k: number, n: number): number {
  expectInteger('n', n, 0, Number.MAX_SAFE_INTEGER);
  expectInteger('k', k);
  if (k < 0) return 0;
  if (k >= n) return 1;
  // Sum the short side and use symmetry, P(X ≤ k) = 1 − P(X ≤ n − k − 1), for the long one.
  return 2 * k < n ? lowerTail(k, n) : 1 - lowerTail(n - k - 1, n);
}

/** min(1, 2·P(X ≤ m)), X ~ Binomial(n, 1/2), m ≤ n/2: the exact McNemar p-value. */
function twoSidedHalfTail(m: number, n: number): number {
  if (2 * m >= n) return 1; // P(X ≤ n/2) ≥ 1/2 by symmetry
  return Math.min(1, 2 * lowerTail(m, n));
}

/** P(X ≤ m), X ~ Binomial(n, 1/2), 0 ≤ m < n/2, as P(X = m) times the sum of ratios. */
function lowerTail(m: number, n: number): number {
  if (m === 0) return 2 ** -n; // exact, down to the subnormal limit
  const { logTop, sum } = lowerTailTerms(m, n);
  // Scale in logs only where P(X = m) itself would underflow: each rounding of a log of
  // magnitude L costs L·1.1e-16 relative, so the product form is kept where it can be.
  return logTop > -700 ? Math.exp(logTop) * sum : Math.exp(logTop + Math.log(sum));
}

/** Steps between fresh computations of a term's ratio to the largest (bounds rounding drift). */
const reanchorEvery = 64;

/**
 * log P(X = m) and Σ_{k≤m} P(X = k)/P(X = m) for X ~ Binomial(n, 1/2), 0 < m < n/2. The terms
 * grow with k up to m, so the sum runs downwards from the largest, as ratios r_k = P(X = k)/P(X = m)
 * (recurrence r_{k−1} = r_k · k/(n − k + 1), recomputed from logs every 64 steps so rounding
 * cannot drift), and stops once the geometric bound on the rest is below 2^−56 of the sum. At most
 * ~√(20·n) steps (terms fall as exp(−2j²/n)): 0.2 ms for b + c = 10^7 near b = c.
 */
function lowerTailTerms(m: number, n: number): { logTop: number; sum: number } {
  const logTop = logBinomialHalfPmf(m, n);
  let ratio = 1;
  let sum = 1;
  let compensation = 0; // Neumaier summation: the sum has up to O(√n) terms of similar size
  for (let k = m; k >= 1; k--) {
    const q = k / (n - k + 1);
    ratio = (m - k + 1) % reanchorEvery === 0 ? Math.exp(logBinomialHalfPmf(k - 1, n) - logTop) : ratio * q;
    const t = sum + ratio;
    compensation += sum >= ratio ? sum - t + ratio : ratio - t + sum;
    sum = t;
    if (ratio * q < 2 ** -56 * sum * (1 - q)) break; // the rest is below ratio·q/(1 − q)
  }
  return { logTop, sum: sum + compensation };
}

/** log P(X = k), X ~ Binomial(n, 1/2), 0 < k < n, in Loader's saddle-point form. */
function logBinomialHalfPmf(k: number, n: number): number {
  if (k === 0) return -n * Math.LN2;
  const half = n / 2;
  const remainder = stirlingRemainder(n) - stirlingRemainder(k) - stirlingRemainder(n - k);
  return remainder - bd0(k, half) - bd0(n - k, half) + 0.5 * Math.log(n / (2 * Math.PI * k * (n - k)));
}

/**
 * x·log(x/M) + M − x ≥ 0 without cancellation. Near x = M it is the series
 * (x − M)·v + 2x·Σ_{j≥1} v^{2j+1}/(2j + 1) with v = (x − M)/(x + M), from
 * log(x/M) = log((1 + v)/(1 − v)) = 2·(v + v³/3 + v⁵/5 + …).
 */
function bd0(x: number, M: number): number {
  const v = (x - M) / (x + M);
  if (Math.abs(v) >= 0.5) return x * Math.log(x / M) + M - x;
  let sum = (x - M) * v;
  let power = 2 * x * v;
  const v2 = v * v;
  for (let j = 1; j < 200; j++) {
    power *= v2;
    const next = sum + power / (2 * j + 1);
    if (next === sum) break;
    sum = next;
  }
  return sum;
}

/** Stirling-series coefficients of log k! − log(√(2πk)·(k/e)^k): 1/12, −1/360, 1/1260, −1/1680, 1/1188. */
const stirlingSeries = [1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188];
const logSqrt2Pi = 0.5 * Math.log(2 * Math.PI);

/**
 * log k! − (k + ½)·log k + k − log √(2π) for an integer k ≥ 1: directly from the exact factorial
 * up to 16 (absolute error ~1e-14), the asymptotic series beyond (next term < 1.1e-16 at k = 17).
 */
function stirlingRemainder(k: number): number {
  if (k <= 16) {
    let factorial = 1;
    for (let i = 2; i <= k; i++) factorial *= i; // exact in float64 up to 22!
    return Math.log(factorial) - (k + 0.5) * Math.log(k) + k - logSqrt2Pi;
  }
  const inv2 = 1 / (k * k);
  let sum = 0;
  for (let i = stirlingSeries.length - 1; i >= 0; i--) sum = sum * inv2 + stirlingSeries[i];
  return sum / k;
}

/**
 * The survival function of χ² with one degree of freedom, scipy's `chi2.sf(s, 1)` =
 * erfc(√(s/2)). s/2 is used as x² directly, so the exponent carries no rounding from the square root.
 *
 * @example
 * chiSquareSf1(3.841458820694124); // ≈ 0.05
 * chiSquareSf1(Infinity);          // 0
 */
export function chiSquareSf1(s: number): number {
  if (Number.isNaN(s)) return NaN;
  if (s <= 0) return 1;
  if (s === Infinity) return 0;
  const x = Math.sqrt(s / 2);
  return x < seriesLimit ? 1 - erfSeries(x) : Math.exp(-s / 2) * erfcxContinuedFraction(x);
}

/**
 * The complementary error function, to ~1e-15 relative over the whole line (also in the far
 * tail, where 1 − erf(x) would be all rounding).
 *
 * @example
 * erfc(0);  // 1
 * erfc(10); // 2.088487583762545e-45
 */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x === Infinity) return 0;
  return x < seriesLimit ? 1 - erfSeries(x) : expMinusSquare(x) * erfcxContinuedFraction(x);
}

/** Below this the Taylor series of erf is used (erfc ≥ 0.48 there, so 1 − erf loses nothing). */
const seriesLimit = 0.5;
const twoOverSqrtPi = 2 / Math.sqrt(Math.PI);

/** erf(x) = 2/√π · Σ (−1)^j x^{2j+1} / (j!·(2j + 1)) for small x. */
function erfSeries(x: number): number {
  const x2 = x * x;
  let power = x; // (−1)^j x^{2j+1} / j!
  let sum = x;
  for (let j = 1; j < 100; j++) {
    power *= -x2 / j;
    const next = sum + power / (2 * j + 1);
    if (next === sum) break;
    sum = next;
  }
  return twoOverSqrtPi * sum;
}

/**
 * exp(x²)·erfc(x) for x ≥ 0.5 from Laplace's continued fraction
 * √π·exp(x²)·erfc(x) = 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated by the modified
 * Lentz method.
 */
function erfcxContinuedFraction(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let C = x;
  let D = 0;
  for (let k = 1; k < 5000; k++) {
    const a = k / 2;
    D = x + a * D;
    D = D === 0 ? 1 / tiny : 1 / D;
    C = x + a / C;
    if (C === 0) C = tiny;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 2 ** -54) break;
  }
  return 1 / (Math.sqrt(Math.PI) * f);
}

/** exp(−x²) with x² split exactly into hi + lo (Veltkamp), so the rounding of x·x is not amplified by x². */
function expMinusSquare(x: number): number {
  const split = 134217729 * x; // 2^27 + 1
  const xh = split - (split - x);
  const xl = x - xh;
  const hi = x * x;
  const lo = xh * xh - hi + 2 * xh * xl + xl * xl;
  return Math.exp(-hi) * (1 - lo);
}
