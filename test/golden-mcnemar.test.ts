/**
 * Golden case (i): McNemar's test as statsmodels computes it, for every table of the manifest —
 * exact, χ² with and without continuity correction, statistics and p-values, the b = c = 0 edge
 * case included — directly and through pairedStatistics on correctness vectors that make up each
 * table. Every expected value comes from manifest.json → cases.i_mcnemar.results.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mcnemar, type ContingencyTable, type McNemarOptions } from '../src/eval/mcnemar.js';
import { pairedStatistics } from '../src/eval/paired-statistics.js';
import { assertClose, readGoldenJson } from './helpers.js';

type GoldenNumber = number | 'inf' | '-inf' | 'nan';
type GoldenTest = { statistic: GoldenNumber; pvalue: GoldenNumber };
type GoldenResult = {
  table: ContingencyTable;
  exact: GoldenTest & { pvalue_exact_rational_as_float: GoldenNumber };
  chi2_continuity_corrected: GoldenTest;
  chi2_uncorrected: GoldenTest;
};

const results: GoldenResult[] = readGoldenJson('manifest.json').cases.i_mcnemar.results;

// The golden README's tolerance for case (i): relative, because the smallest p is ~1e-18.
const rtol = 1e-12;

/** The manifest writes non-finite numbers as strings (golden README, file format). */
function value(v: GoldenNumber): number {
  return v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v === 'nan' ? NaN : v;
}

/** Finite values within rtol; Infinity and NaN exactly as the manifest has them. */
function check(actual: number, expected: GoldenNumber, what: string): void {
  const want = value(expected);
  if (Number.isFinite(want)) assertClose([actual], [want], { rtol, what });
  else assert.ok(Object.is(actual, want), `${what}: got ${actual}, expected ${want}`);
}

const variants: [keyof Omit<GoldenResult, 'table'>, McNemarOptions][] = [
  ['exact', { exact: true }],
  ['chi2_continuity_corrected', { exact: false, correction: true }],
  ['chi2_uncorrected', { exact: false, correction: false }],
];

test('the manifest holds the tables of case (i), the b = c = 0 edge case among them', () => {
  assert.ok(results.length > 0);
  assert.ok(results.some((r) => r.table[0][1] === 0 && r.table[1][0] === 0));
});

for (const [name, options] of variants) {
  test(`${name}: statistic and p-value of every table`, () => {
    for (const r of results) {
      const got = mcnemar(r.table, options);
      const what = `${name} ${JSON.stringify(r.table)}`;
      check(got.statistic, r[name].statistic, `${what} statistic`);
      check(got.pvalue, r[name].pvalue, `${what} p-value`);
    }
  });
}

test('exact p-values also match the exact rational value of the manifest', () => {
  for (const r of results) check(mcnemar(r.table).pvalue, r.exact.pvalue_exact_rational_as_float, `rational ${JSON.stringify(r.table)}`);
});

test('pairedStatistics on vectors that make up each table reproduces its table and p-values', () => {
  for (const r of results) {
    const [[a, b], [c, d]] = r.table;
    // a items both right, b only A right, c only B right, d both wrong
    const pairs = [...Array(a).fill([1, 1]), ...Array(b).fill([1, 0]), ...Array(c).fill([0, 1]), ...Array(d).fill([0, 0])];
    const n = pairs.length;
    const [row] = pairedStatistics(Uint8Array.from(pairs, (p) => p[0]), Uint8Array.from(pairs, (p) => p[1]), { subject: new Int32Array(n), song: new Int32Array(n) }, { granularities: ['all'] });
    const what = `paired ${JSON.stringify(r.table)}`;
    assert.equal(row.table, r.table, what);
    check(row.mcnemarExact.pvalue, r.exact.pvalue, `${what} exact p`);
    check(row.mcnemarChiSquare.statistic, r.chi2_continuity_corrected.statistic, `${what} χ² statistic`);
    check(row.mcnemarChiSquare.pvalue, r.chi2_continuity_corrected.pvalue, `${what} χ² p`);
  }
});

test.run();
