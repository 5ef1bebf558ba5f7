/**
 * Paired statistics of two models scored on the same items (issue 5, digest §5): the 2×2 table of
 * per-item correctness, both accuracies, McNemar's exact and continuity-corrected χ² tests, the
 * disagreement rate, the union ("oracle") accuracy and the φ coefficient, for all items and per
 * subject, per song and per subject × song. The paper reports McNemar on all items; the finer
 * groups show where two models differ (a subject, a song).
 */
import { mcnemar, type ContingencyTable, type McNemarResult } from './mcnemar.js';
import { expectInteger, expectLength, expectObject, expectOneOf, received } from '../validate.js';

export type Granularity = 'all' | 'subject' | 'song' | 'subject×song';
export const granularities: readonly Granularity[] = ['all', 'subject', 'song', 'subject×song'];

/** Per-item correctness: 1/true where the model's prediction was right. */
export type Correctness = Uint8Array | readonly boolean[];

/** What each item is: its subject and song (trigger), one entry per item. */
export interface PairedKeys {
  subject: Int32Array | readonly number[];
  song: Int32Array | readonly number[];
}

export interface PairedOptions {
  /** Which groupings to report, in this order (default all four). */
  granularities?: readonly Granularity[];
}

export interface PairedRow {
  granularity: Granularity;
  /** Present for 'subject' and 'subject×song' rows. */
  subject?: number;
  /** Present for 'song' and 'subject×song' rows. */
  song?: number;
  /** Items in the group. */
  n: number;
  /** [[a, b], [c, d]]: a both right, b only A right, c only B right, d both wrong. */
  table: ContingencyTable;
  accuracyA: number;
  accuracyB: number;
  /** McNemar's exact (binomial) test. */
  mcnemarExact: McNemarResult;
  /** McNemar's χ² test with continuity correction (Infinity / 0 when b = c = 0, as statsmodels). */
  mcnemarChiSquare: McNemarResult;
  /** (b + c)/n: the share of items on which exactly one model is right. */
  disagreement: number;
  /** (a + b + c)/n: right by at least one model, the accuracy of an oracle choosing between them. */
  unionAccuracy: number;
  /**
   * (ad − bc)/√((a+b)(c+d)(a+c)(b+d)), the correlation of the two correctness vectors; null when a
   * margin is 0 (one model right on all items or on none, or the same for the other), where it is 0/0.
   */
  phi: number | null;
}

/**
 * One row per group and granularity, each granularity in ascending key order (subject, then song).
 *
 * @example
 * const rows = pairedStatistics(correctA, correctB, { subject: items.subject, song: items.song });
 * rows[0]; // { granularity: 'all', n: 5600, table: [[…]], mcnemarExact: { statistic, pvalue }, … }
 * pairedStatistics(correctA, correctB, keys, { granularities: ['song'] }); // one row per song
 */
export function pairedStatistics(correctA: Correctness, correctB: Correctness, keys: PairedKeys, options: PairedOptions = {}): PairedRow[] {
  const a = correctnessVector('correctA', correctA);
  const n = expectInteger('correctA.length', a.length, 1);
  const b = correctnessVector('correctB', correctB);
  expectLength('correctB', b, n);
  expectObject('keys', keys);
  const subject = keyVector('keys.subject', keys.subject, n);
  const song = keyVector('keys.song', keys.song, n);
  const wanted = options.granularities ?? granularities;
  if (!Array.isArray(wanted)) throw new TypeError(`Expected array for granularities but received ${received(wanted)}`);
  return wanted.flatMap((g) => {
    const granularity = expectOneOf('granularity', g, granularities);
    return groupRows(granularity, a, b, subject, song);
  });
}

/** The rows of one granularity: group the items, tally each group's table. */
function groupRows(granularity: Granularity, a: Uint8Array, b: Uint8Array, subject: Int32Array, song: Int32Array): PairedRow[] {
  const bySubject = granularity === 'subject' || granularity === 'subject×song';
  const bySong = granularity === 'song' || granularity === 'subject×song';
  const groups = new Map<string, { subject: number; song: number; counts: [number, number, number, number] }>();
  for (let i = 0; i < a.length; i++) {
    const id = `${bySubject ? subject[i] : ''}/${bySong ? song[i] : ''}`;
    let group = groups.get(id);
    if (!group) groups.set(id, (group = { subject: subject[i], song: song[i], counts: [0, 0, 0, 0] }));
    group.counts[(1 - a[i]) * 2 + (1 - b[i])]++; // a, b, c, d in reading order of the table
  }
  return [...groups.values()]
    .sort((x, y) => (bySubject ? x.subject - y.subject : 0) || (bySong ? x.song - y.song : 0))
    .map(({ subject: s, song: t, counts }) => ({
      granularity,
      ...(bySubject ? { subject: s } : {}),
      ...(bySong ? { song: t } : {}),
      ...summarize(counts),
    }));
}

/** Everything a row reports about one table. */
function summarize([a, b, c, d]: [number, number, number, number]): Omit<PairedRow, 'granularity' | 'subject' | 'song'> {
  const n = a + b + c + d;
  const table: ContingencyTable = [[a, b], [c, d]];
  const margins = (a + b) * (c + d) * (a + c) * (b + d);
  return {
    n,
    table,
    accuracyA: (a + b) / n,
    accuracyB: (a + c) / n,
    mcnemarExact: mcnemar(table, { exact: true }),
    mcnemarChiSquare: mcnemar(table, { exact: false, correction: true }),
    disagreement: (b + c) / n,
    unionAccuracy: (a + b + c) / n,
    phi: margins === 0 ? null : (a * d - b * c) / Math.sqrt(margins),
  };
}

/** Correctness as 0/1 bytes; anything but 0/1 or booleans is an error, not silently truthy. */
function correctnessVector(name: string, value: Correctness): Uint8Array {
  if (value instanceof Uint8Array) {
    const bad = value.findIndex((v) => v > 1);
    if (bad >= 0) throw new RangeError(`Expected 0 or 1 for ${name}[${bad}] but received ${received(value[bad])}`);
    return value;
  }
  if (!Array.isArray(value)) throw new TypeError(`Expected Uint8Array or boolean[] for ${name} but received ${received(value)}`);
  return Uint8Array.from(value, (v, i) => {
    if (typeof v !== 'boolean') throw new TypeError(`Expected boolean for ${name}[${i}] but received ${received(v)}`);
    return v ? 1 : 0;
  });
}

/** Integer keys, one per item. */
function keyVector(name: string, value: Int32Array | readonly number[], n: number): Int32Array {
  if (!(value instanceof Int32Array) && !Array.isArray(value)) {
    throw new TypeError(`Expected Int32Array or number[] for ${name} but received ${received(value)}`);
  }
  expectLength(name, value, n);
  if (value instanceof Int32Array) return value;
  return Int32Array.from(value, (v, i) => expectInteger(`${name}[${i}]`, v, -(2 ** 31), 2 ** 31 - 1));
}
