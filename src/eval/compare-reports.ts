/**
 * `predann compare`: paired statistics between evaluated models (issue 5, digest §5), read from
 * their report directories' `predictions.arrow`. Every pair of reports, at every evaluated length,
 * under one aggregation (mean, the paper's): McNemar exact and χ², disagreement, union accuracy
 * and φ for all items and per subject, per song and per subject × song (paired-statistics.ts).
 *
 * Paired tests need the same items: the reports must have been evaluated with the same lengths,
 * crop, seed and protocol on the same windows, or the comparison is refused with the difference.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Table } from 'apache-arrow';
import { songByTrigger } from '../data/nmedt.js';
import { InputError } from '../errors.js';
import { withAtomicOutput } from '../io/atomic.js';
import { barChart } from '../report/bar-chart.js';
import { lineChart } from '../report/line-chart.js';
import { markdownTable } from '../report/markdown-table.js';
import { packageVersion } from '../version.js';
import type { Aggregation } from './aggregate.js';
import { pairedStatistics, type PairedRow } from './paired-statistics.js';
import { readPredictionsArrow } from './predictions-arrow.js';

export interface CompareOptions {
  /** Report directories of `predann eval`, two or more. */
  reports: string[];
  out: string;
  /** The aggregation compared at lengths over 3 s (default mean). */
  aggregation?: Aggregation;
}

/** One report's predictions under the compared aggregation, by length. */
interface ReportPredictions {
  name: string;
  path: string;
  options: string;
  /** Per length: the item keys (subject, song, chunk, window) and correctness, in file order. */
  byLength: Map<number, { subject: number[]; song: number[]; keys: string[]; correct: boolean[] }>;
}

export interface PairComparison {
  a: string;
  b: string;
  seconds: number;
  rows: PairedRow[];
}

export interface Comparison {
  reports: { name: string; path: string }[];
  aggregation: Aggregation;
  accuracy: { name: string; seconds: number; accuracy: number }[];
  pairs: PairComparison[];
}

const column = (table: Table, name: string) => [...table.getChild(name)!] as unknown[];

function readReport(dir: string, aggregation: Aggregation): ReportPredictions {
  const path = join(dir, 'predictions.arrow');
  const table = readPredictionsArrow(path);
  const [subject, song, chunk, window, seconds, how, correct] = ['subject', 'song', 'chunk', 'window', 'length', 'aggregation', 'correct'].map((n) => column(table, n));
  const byLength: ReportPredictions['byLength'] = new Map();
  for (let i = 0; i < table.numRows; i++) {
    if (how[i] !== aggregation) continue;
    const s = seconds[i] as number;
    if (!byLength.has(s)) byLength.set(s, { subject: [], song: [], keys: [], correct: [] });
    const rows = byLength.get(s)!;
    rows.subject.push(subject[i] as number);
    rows.song.push(song[i] as number);
    rows.keys.push(`${subject[i]}/${song[i]}/${chunk[i]}/${window[i]}`);
    rows.correct.push(correct[i] as boolean);
  }
  return { name: basename(dir.replace(/\/+$/, '')), path, options: table.schema.metadata.get('predann.options') ?? '', byLength };
}

/** Refuses reports that did not score the same items. */
function checkPaired(first: ReportPredictions, other: ReportPredictions): void {
  if (other.options !== first.options) {
    throw new InputError(other.path, 'predann.options', `evaluated with ${other.options}, but ${first.path} with ${first.options}: paired tests need the same items`);
  }
  for (const [seconds, rows] of first.byLength) {
    const theirs = other.byLength.get(seconds);
    if (!theirs || theirs.keys.join() !== rows.keys.join()) {
      throw new InputError(other.path, `${seconds} s`, `scores other items than ${first.path} (a different data set or split): paired tests need the same items`);
    }
  }
}

const accuracyOf = (correct: readonly boolean[]) => correct.filter(Boolean).length / correct.length;

/**
 * @example
 * const comparison = await compareReports({ reports: ['report-a', 'report-b'], out: 'comparison' });
 * comparison.pairs[0].rows[0].mcnemarExact.pvalue;
 */
export async function compareReports(options: CompareOptions): Promise<Comparison> {
  if (options.reports.length < 2) throw new RangeError(`Expected at least 2 report directories to compare but received ${options.reports.length}`);
  const aggregation = options.aggregation ?? 'mean';
  const reports = options.reports.map((dir) => readReport(dir, aggregation));
  reports.slice(1).forEach((r) => checkPaired(reports[0], r));
  const lengths = [...reports[0].byLength.keys()];
  const pairs: PairComparison[] = [];
  for (let i = 0; i < reports.length; i++) {
    for (let j = i + 1; j < reports.length; j++) {
      for (const seconds of lengths) {
        const a = reports[i].byLength.get(seconds)!;
        const b = reports[j].byLength.get(seconds)!;
        pairs.push({ a: reports[i].name, b: reports[j].name, seconds, rows: pairedStatistics(a.correct, b.correct, { subject: a.subject, song: a.song }) });
      }
    }
  }
  const accuracy = reports.flatMap((r) => lengths.map((seconds) => ({ name: r.name, seconds, accuracy: accuracyOf(r.byLength.get(seconds)!.correct) })));
  const comparison: Comparison = { reports: reports.map((r) => ({ name: r.name, path: r.path })), aggregation, accuracy, pairs };
  await writeComparison(options.out, comparison);
  return comparison;
}

const percent = (x: number) => `${(100 * x).toFixed(1)} %`;
const pValue = (p: number) => (p === 0 ? '0' : p < 1e-3 ? p.toExponential(2) : p.toFixed(4));

function overallTable(c: Comparison): string {
  const rows = c.pairs.map((p) => {
    const r = p.rows.find((x) => x.granularity === 'all')!;
    const [[, b], [cc]] = r.table;
    // With b = c = 0 statsmodels' χ² statistic is infinite (p = 0): nothing to test, shown as '–'.
    const chiSquare = b + cc === 0 ? '–' : pValue(r.mcnemarChiSquare.pvalue);
    return [`${p.seconds} s`, p.a, p.b, percent(r.accuracyA), percent(r.accuracyB), b, cc, pValue(r.mcnemarExact.pvalue), chiSquare, percent(r.disagreement), percent(r.unionAccuracy), r.phi === null ? '–' : r.phi.toFixed(3)];
  });
  return markdownTable(['length', 'A', 'B', 'acc A', 'acc B', 'only A right', 'only B right', 'McNemar exact p', 'χ² (corrected) p', 'disagreement', 'union accuracy', 'φ'], rows);
}

function perSongTable(pair: PairComparison): string {
  const rows = pair.rows.filter((r) => r.granularity === 'song').map((r) => [songByTrigger(r.song!).title, r.n, percent(r.accuracyA), percent(r.accuracyB), pValue(r.mcnemarExact.pvalue)]);
  return markdownTable(['song', 'items', pair.a, pair.b, 'McNemar exact p'], rows);
}

async function writeComparison(dir: string, c: Comparison): Promise<void> {
  const lengths = [...new Set(c.accuracy.map((a) => a.seconds))];
  const names = c.reports.map((r) => r.name);
  const first = lengths[0];
  const plots = new Map<string, string>([
    ['accuracy-vs-length.svg', lineChart({ title: `Accuracy vs evaluation length (${c.aggregation})`, xLabel: 'Evaluation length (s)', yLabel: 'Accuracy (%)', yRange: [0, 100], xTicks: lengths, referenceLine: { y: 10, label: 'chance 10 %' }, series: names.map((name) => ({ name, points: c.accuracy.filter((a) => a.name === name).map((a) => [a.seconds, 100 * a.accuracy] as [number, number]) })) })],
  ]);
  const firstPair = c.pairs.find((p) => p.seconds === first)!;
  const songRows = firstPair.rows.filter((r) => r.granularity === 'song');
  plots.set(`per-song-${first}s.svg`, barChart({ title: `Per-song accuracy, ${first} s: ${firstPair.a} vs ${firstPair.b}`, yLabel: 'Accuracy (%)', yRange: [0, 100], referenceLine: { y: 10, label: 'chance 10 %' }, grouped: { groups: songRows.map((r) => songByTrigger(r.song!).title), series: [{ name: firstPair.a, values: songRows.map((r) => 100 * r.accuracyA) }, { name: firstPair.b, values: songRows.map((r) => 100 * r.accuracyB) }] } }));
  const markdown = [
    `# Comparison: ${names.join(' vs ')}`,
    '',
    `Paired on the same items; aggregation \`${c.aggregation}\` at lengths over 3 s. McNemar's exact test is two-sided (statsmodels' \`mcnemar(exact=True)\`).`,
    '',
    '## All items',
    '',
    overallTable(c),
    '',
    '![accuracy-vs-length.svg](accuracy-vs-length.svg)',
    '',
    `## Per song, ${first} s: ${firstPair.a} vs ${firstPair.b}`,
    '',
    perSongTable(firstPair),
    '',
    `![per-song-${first}s.svg](per-song-${first}s.svg)`,
    '',
    'Per subject and per subject × song: `compare.json`.',
    '',
  ].join('\n');
  await withAtomicOutput(dir, async (tmp) => {
    await mkdir(tmp, { recursive: true });
    await writeFile(join(tmp, 'compare.json'), JSON.stringify({ predann: packageVersion, ...c }, null, 2) + '\n');
    await writeFile(join(tmp, 'compare.md'), markdown);
    for (const [file, svg] of plots) await writeFile(join(tmp, file), svg);
  });
}
