/**
 * The machine's measured fp32 FMA peak: the denominator of every "share of peak" the kernel
 * benchmarks print (issue 4 asks for it measured, not assumed).
 */
import { native } from '../native.js';
import type { BenchOptions, BenchRow } from './bench-row.js';

/** Measured peak in GFLOP/s (all kernel threads), cached for the process. */
let cached: Promise<number> | undefined;
export function measuredPeakGflops(quick = false): Promise<number> {
  cached ??= native.measureFmaPeak(quick ? 0.2 : 1).then((r) => r.gflops);
  return cached;
}

export async function run(opts: BenchOptions): Promise<BenchRow[]> {
  const r = await native.measureFmaPeak(opts.quick ? 0.2 : 1);
  return [
    {
      name: `fp32 FMA peak (${r.threads} threads × ${r.lanes} lanes, independent FMA chains)`,
      seconds: r.seconds,
      throughput: `${r.gflops.toFixed(0)} GFLOP/s`,
    },
  ];
}
