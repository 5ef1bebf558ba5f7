/** Formats benchmark rows as an aligned text table (people) or JSON (machines). */
import type { BenchRow } from './bench-row.js';

function formatSeconds(s: number): string {
  if (s >= 1) return `${s.toFixed(2)} s`;
  if (s >= 1e-3) return `${(s * 1e3).toFixed(1)} ms`;
  return `${(s * 1e6).toFixed(0)} µs`;
}

/** Speed-up over the reference (reference time / our time), e.g. "12.3× faster". */
export function ratio(row: BenchRow): string {
  if (row.referenceSeconds === undefined) return '';
  const r = row.referenceSeconds / row.seconds;
  return r >= 1 ? `${r.toFixed(1)}× faster than ${row.referenceLabel}` : `${(1 / r).toFixed(1)}× slower than ${row.referenceLabel}`;
}

/** Share of the napkin-math floor reached: floor / measured (1.0 = at the floor). */
export function floorShare(row: BenchRow): string {
  if (row.floorSeconds === undefined) return '';
  return `floor ${formatSeconds(row.floorSeconds)} (${((100 * row.floorSeconds) / row.seconds).toFixed(0)}% of it reached; ${row.floorNote ?? ''})`;
}

export function formatBenchTable(rows: BenchRow[]): string {
  const cells = rows.map((r) => [r.name, formatSeconds(r.seconds), r.throughput, floorShare(r), ratio(r)]);
  const header = ['benchmark', 'time', 'throughput', 'napkin floor', 'vs reference'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n') + '\n';
}
