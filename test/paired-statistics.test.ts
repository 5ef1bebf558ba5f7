// Paired statistics of two models on the same items: a 12-item hand-made case worked out in the
// comments at all four granularities (including groups with a zero margin, φ null), the input
// forms, consistency on a random evaluation-sized case, and the bad calls.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chiSquareSf1, mcnemar } from '../src/eval/mcnemar.js';
import { pairedStatistics, type PairedRow } from '../src/eval/paired-statistics.js';
import { assertClose, assertThrows, seededUniform } from './helpers.js';

// ---------------------------------------------------------------------------------------------
// The hand-made case: items as [subject, song, A right, B right], out of key order on purpose.
//   group (3, 21): a b c d  → a=1 b=1 c=1 d=1
//   group (3, 22): a a b    → a=2 b=1 c=0 d=0
//   group (7, 21): b b b    → a=0 b=3 c=0 d=0
//   group (7, 22): d c      → a=0 b=0 c=1 d=1
const items: [number, number, number, number][] = [
  [7, 22, 0, 0], [3, 21, 1, 1], [7, 21, 1, 0], [3, 22, 1, 1], [7, 22, 0, 1], [3, 21, 1, 0],
  [7, 21, 1, 0], [3, 22, 1, 1], [3, 21, 0, 1], [7, 21, 1, 0], [3, 22, 1, 0], [3, 21, 0, 0],
];
const correctA = Uint8Array.from(items, (r) => r[2]);
const correctB = Uint8Array.from(items, (r) => r[3]);
const keys = { subject: items.map((r) => r[0]), song: items.map((r) => r[1]) };

/**
 * A row from its table: accuracies, rates and φ as fractions written out in the test below; the
 * exact p is given by hand (2·P(X ≤ min(b, c)) with X ~ Binomial(b + c, 1/2), capped at 1); the
 * χ² statistic by hand too, its p through chiSquareSf1 (checked on its own in mcnemar.test.ts).
 */
type Expected = Omit<PairedRow, 'mcnemarChiSquare' | 'mcnemarExact'> & { exactP: number; chi2: number };
const expected: Expected[] = [
  // all: a=3 b=5 c=2 d=2, n=12; exact 2·(1+7+21)/2^7 = 58/128; χ² (3−1)²/7; φ (6−10)/√(8·4·5·7)
  { granularity: 'all', n: 12, table: [[3, 5], [2, 2]], accuracyA: 8 / 12, accuracyB: 5 / 12, disagreement: 7 / 12, unionAccuracy: 10 / 12, phi: -4 / Math.sqrt(1120), exactP: 58 / 128, chi2: 4 / 7 },
  // subject 3: a=3 b=2 c=1 d=1; exact 2·(1+3)/8 → 1; χ² 0²/3; φ (3−2)/√(5·2·4·3)
  { granularity: 'subject', subject: 3, n: 7, table: [[3, 2], [1, 1]], accuracyA: 5 / 7, accuracyB: 4 / 7, disagreement: 3 / 7, unionAccuracy: 6 / 7, phi: 1 / Math.sqrt(120), exactP: 1, chi2: 0 },
  // subject 7: a=0 b=3 c=1 d=1; exact 2·(1+4)/16; χ² 1²/4; φ (0−3)/√(3·2·1·4)
  { granularity: 'subject', subject: 7, n: 5, table: [[0, 3], [1, 1]], accuracyA: 3 / 5, accuracyB: 1 / 5, disagreement: 4 / 5, unionAccuracy: 4 / 5, phi: -3 / Math.sqrt(24), exactP: 10 / 16, chi2: 1 / 4 },
  // song 21: a=1 b=4 c=1 d=1; exact 2·(1+5)/32; χ² 2²/5; φ (1−4)/√(5·2·2·5) = −0.3
  { granularity: 'song', song: 21, n: 7, table: [[1, 4], [1, 1]], accuracyA: 5 / 7, accuracyB: 2 / 7, disagreement: 5 / 7, unionAccuracy: 6 / 7, phi: -0.3, exactP: 12 / 32, chi2: 4 / 5 },
  // song 22: a=2 b=1 c=1 d=1; exact 2·(1+2)/4 → 1; χ² (0−1)²/2; φ (2−1)/√(3·2·3·2) = 1/6
  { granularity: 'song', song: 22, n: 5, table: [[2, 1], [1, 1]], accuracyA: 3 / 5, accuracyB: 3 / 5, disagreement: 2 / 5, unionAccuracy: 4 / 5, phi: 1 / 6, exactP: 1, chi2: 1 / 2 },
  // (3, 21): a=b=c=d=1; exact 2·3/4 → 1; χ² 1/2; φ 0/4 = 0
  { granularity: 'subject×song', subject: 3, song: 21, n: 4, table: [[1, 1], [1, 1]], accuracyA: 1 / 2, accuracyB: 1 / 2, disagreement: 1 / 2, unionAccuracy: 3 / 4, phi: 0, exactP: 1, chi2: 1 / 2 },
  // (3, 22): a=2 b=1; c + d = 0 → φ null; exact 2·1/2 = 1; χ² 0²/1
  { granularity: 'subject×song', subject: 3, song: 22, n: 3, table: [[2, 1], [0, 0]], accuracyA: 1, accuracyB: 2 / 3, disagreement: 1 / 3, unionAccuracy: 1, phi: null, exactP: 1, chi2: 0 },
  // (7, 21): b=3 only; c + d = 0 → φ null; exact 2·1/8; χ² 2²/3
  { granularity: 'subject×song', subject: 7, song: 21, n: 3, table: [[0, 3], [0, 0]], accuracyA: 1, accuracyB: 0, disagreement: 1, unionAccuracy: 1, phi: null, exactP: 2 / 8, chi2: 4 / 3 },
  // (7, 22): c=1 d=1; a + b = 0 → φ null; exact 2·1/2 = 1; χ² 0²/1
  { granularity: 'subject×song', subject: 7, song: 22, n: 2, table: [[0, 0], [1, 1]], accuracyA: 0, accuracyB: 1 / 2, disagreement: 1 / 2, unionAccuracy: 1 / 2, phi: null, exactP: 1, chi2: 0 },
];

// p-values pass through exp and log (a few ulps); every other field is the same few float
// operations as in the comments above, so it must be equal exactly.
const pRtol = 1e-14;

function checkRow(got: PairedRow, want: Expected, what: string): void {
  const { mcnemarExact, mcnemarChiSquare, ...rest } = got;
  const { exactP, chi2, ...plain } = want;
  assert.equal(rest, plain, what);
  assert.is(mcnemarExact.statistic, Math.min(want.table[0][1], want.table[1][0]), `${what} exact statistic`);
  assert.is(mcnemarChiSquare.statistic, chi2, `${what} χ² statistic`);
  assertClose([mcnemarExact.pvalue, mcnemarChiSquare.pvalue], [exactP, chiSquareSf1(chi2)], { rtol: pRtol, what: `${what} p-values` });
}

test('the hand-made case at all four granularities, in ascending key order', () => {
  const rows = pairedStatistics(correctA, correctB, keys);
  assert.is(rows.length, expected.length);
  rows.forEach((row, i) => checkRow(row, expected[i], `row ${i} (${row.granularity} ${row.subject ?? ''}/${row.song ?? ''})`));
});

test('rows name only their own keys', () => {
  const rows = pairedStatistics(correctA, correctB, keys);
  assert.equal(rows.map((r) => Object.keys(r).filter((k) => k === 'subject' || k === 'song')), [[], ['subject'], ['subject'], ['song'], ['song'], ['subject', 'song'], ['subject', 'song'], ['subject', 'song'], ['subject', 'song']]);
});

test('boolean[] correctness and Int32Array keys give the same rows', () => {
  const rows = pairedStatistics(Array.from(correctA, Boolean), Array.from(correctB, Boolean), { subject: Int32Array.from(keys.subject), song: Int32Array.from(keys.song) });
  assert.equal(rows, pairedStatistics(correctA, correctB, keys));
});

test('granularities option selects and orders the groupings', () => {
  const rows = pairedStatistics(correctA, correctB, keys, { granularities: ['song', 'all'] });
  assert.equal(rows.map((r) => [r.granularity, r.song]), [['song', 21], ['song', 22], ['all', undefined]]);
  checkRow(rows[2], expected[0], 'all');
});

test('a b = c = 0 group: exact p 1, corrected χ² Infinity with p 0 (statsmodels)', () => {
  const [row] = pairedStatistics([true, false, true], [true, false, true], { subject: [1, 1, 1], song: [2, 2, 2] }, { granularities: ['all'] });
  assert.equal(row.table, [[2, 0], [0, 1]]);
  assert.equal(row.mcnemarExact, { statistic: 0, pvalue: 1 });
  assert.equal(row.mcnemarChiSquare, { statistic: Infinity, pvalue: 0 });
  assert.is(row.phi, 1); // (2·1 − 0)/√(2·1·2·1)
  assert.is(row.disagreement, 0);
});

test('an evaluation-sized random case: groups partition the items, and each row matches mcnemar of its table', () => {
  const r = seededUniform(5);
  const n = 5600;
  const subject = Int32Array.from({ length: n }, () => 1 + Math.floor(r() * 20));
  const song = Int32Array.from({ length: n }, () => 21 + Math.floor(r() * 10));
  const a = Uint8Array.from({ length: n }, () => (r() < 0.3 ? 1 : 0));
  const b = Uint8Array.from({ length: n }, (_, i) => (r() < (a[i] ? 0.6 : 0.2) ? 1 : 0));
  const rows = pairedStatistics(a, b, { subject, song });
  const byGranularity = (g: string) => rows.filter((row) => row.granularity === g);
  assert.is(byGranularity('subject').length, 20);
  assert.is(byGranularity('song').length, 10);
  assert.is(byGranularity('subject×song').length, 200);
  const all = rows[0];
  for (const g of ['subject', 'song', 'subject×song']) {
    const cells = [0, 0, 0, 0];
    for (const row of byGranularity(g)) row.table.flat().forEach((v, i) => (cells[i] += v));
    assert.equal(cells, all.table.flat(), `${g} tables sum to the whole table`);
  }
  const sorted = byGranularity('subject×song').map((row) => row.subject! * 100 + row.song!);
  assert.equal(sorted, [...sorted].sort((x, y) => x - y));
  for (const row of rows) {
    assert.equal(row.mcnemarExact, mcnemar(row.table));
    assert.equal(row.mcnemarChiSquare, mcnemar(row.table, { exact: false }));
  }
});

test('bad calls name the field at fault', () => {
  const short = { subject: keys.subject.slice(1), song: keys.song };
  assertThrows(() => pairedStatistics(correctA, correctB.subarray(1), keys), RangeError, 'Expected 12 elements for correctB but received 11');
  assertThrows(() => pairedStatistics(correctA, correctB, short), RangeError, 'Expected 12 elements for keys.subject but received 11');
  assertThrows(() => pairedStatistics(correctA, correctB, { ...keys, song: keys.song.slice(2) }), RangeError, 'Expected 12 elements for keys.song but received 10');
  assertThrows(() => pairedStatistics(new Uint8Array([0, 2]), new Uint8Array(2), { subject: [1, 1], song: [1, 1] }), RangeError, 'Expected 0 or 1 for correctA[1] but received 2 of type number');
  assertThrows(() => pairedStatistics([true, 1] as any, [true, true], { subject: [1, 1], song: [1, 1] }), TypeError, 'Expected boolean for correctA[1] but received 1 of type number');
  assertThrows(() => pairedStatistics(new Float32Array(2) as any, new Uint8Array(2), { subject: [1, 1], song: [1, 1] }), TypeError, 'Expected Uint8Array or boolean[] for correctA but received a value of type Float32Array');
  assertThrows(() => pairedStatistics(new Uint8Array(0), new Uint8Array(0), { subject: [], song: [] }), RangeError, 'Expected integer at least 1 for correctA.length but received 0 of type number');
  assertThrows(() => pairedStatistics(correctA, correctB, null as any), TypeError, 'Expected object for keys but received null of type null');
  assertThrows(() => pairedStatistics(new Uint8Array(2), new Uint8Array(2), { subject: [1, 1.5], song: [1, 1] }), RangeError, 'Expected integer between -2147483648 and 2147483647 for keys.subject[1] but received 1.5 of type number');
  assertThrows(() => pairedStatistics(correctA, correctB, keys, { granularities: ['chunk' as any] }), RangeError, 'Expected one of all, subject, song, subject×song for granularity but received "chunk" of type string');
});

test.run();
