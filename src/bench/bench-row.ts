/**
 * One line of `predann bench`: a measured time beside the napkin-math floor and the reference
 * figure an issue gives, so every number is read as a ratio, not in isolation.
 */
export interface BenchRow {
  /** What was measured, e.g. "resample 128×292000 → 36500 (fast)". */
  name: string;
  /** Best (minimum) wall time over the repeats, seconds. */
  seconds: number;
  /** Human throughput, e.g. "1.2 GB/s" or "9500 clips/s". */
  throughput: string;
  /** The floor the hardware allows for this work (memory traffic or FLOPs), seconds, if estimated. */
  floorSeconds?: number;
  /** How the floor was estimated, e.g. "300 MB read at 10 GB/s". */
  floorNote?: string;
  /** The reference implementation's time for the same work, seconds (from the issue). */
  referenceSeconds?: number;
  /** Which reference, e.g. "scipy.signal.resample, 2 cores". */
  referenceLabel?: string;
}

export interface BenchOptions {
  /** Smaller sizes and fewer repeats (for a smoke run). */
  quick: boolean;
}

/** Minimum wall time of `repeats` runs after one warm-up. */
export async function bestOf(repeats: number, fn: () => Promise<unknown> | unknown): Promise<number> {
  await fn();
  let best = Infinity;
  for (let i = 0; i < repeats; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return best;
}
