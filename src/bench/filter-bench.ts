/**
 * Benchmark of zero-phase IIR filtering on the reference figure's workload: one raw NMED-T
 * recording, 128 channels × 292,000 samples of float64 at 1 kHz, through the NMED-T 8th-order
 * 0.3 Hz Butterworth high-pass with `sosfiltfilt`, beside SciPy's 0.67 s on a 2-core machine
 * (issue 7); then the whole NMED-T cleaning chain plus the 1000 → 125 Hz resampling of that
 * recording (target: under 1 s on 2 cores), and the official band-pass on a 125-Hz recording.
 *
 * Floor: the larger of the arithmetic and the memory traffic. The recursion costs 5 multiplies
 * and 4 adds per section and sample in each direction (SciPy's order of operations, no fused
 * multiply-adds, which keeps our results bit-identical to the scalar reference); in float64 the
 * multiplies and adds run at half the lanes of the measured fp32 FMA peak's FMAs, so 9 flops take
 * as long as 4.5 fp32 FMA flops, i.e. the floor is flops / (peak / 2). Memory: x read once, y
 * written once, at this machine's copy bandwidth.
 */
import { native } from '../native.js';
import { applyFilterPipeline, designFilterPipeline, type FilterPipeline } from '../dsp/filter-pipeline.js';
import { resample } from '../dsp/resample.js';
import { bestOf, type BenchOptions, type BenchRow } from './bench-row.js';
import { measuredPeakGflops } from './peak-bench.js';
import { copyBandwidth, syntheticRecording } from './resample-bench.js';

const channels = 128;
const scipyHighpassSeconds = 0.67; // scipy.signal.sosfiltfilt, butter(8, 0.3, 'hp', fs=1000), 128 × 292,000 f64, 2 cores (issue 7)
const pipelineTargetSeconds = 1; // NMED-T chain + resampling of one recording, 2 cores (issue 7)

interface Floors {
  peakGflops: number;
  bandwidth: number;
}

/** Multiply and add flops of a pipeline's recursions over `samples` (both directions, padding included). */
function recursionFlops(pipeline: FilterPipeline, rows: number, samples: number): number {
  let flops = 0;
  for (const { stage, design, padlen } of pipeline.stages) {
    const perSample = stage.form === 'sos' ? 9 * design.sections : 4 * (design.a.length - 1) + 1;
    flops += 2 * rows * (samples + 2 * padlen) * perSample;
  }
  return flops;
}

function floorOf(flops: number, bytes: number, f: Floors): { floorSeconds: number; floorNote: string } {
  const compute = flops / ((f.peakGflops / 2) * 1e9);
  const memory = bytes / f.bandwidth;
  return compute >= memory
    ? { floorSeconds: compute, floorNote: `${(flops / 1e9).toFixed(1)} GFLOP of fp64 multiply/add at half the ${f.peakGflops.toFixed(0)} GFLOP/s fp32 FMA peak` }
    : { floorSeconds: memory, floorNote: `${(bytes / 1e6).toFixed(0)} MB read + written at ${(f.bandwidth / 1e9).toFixed(1)} GB/s` };
}

async function withThreads<T>(threads: number | undefined, fn: () => Promise<T>): Promise<T> {
  const all = native.buildInfo().openmpThreads;
  native.setNumThreads(threads ?? all);
  try {
    return await fn();
  } finally {
    native.setNumThreads(all);
  }
}

/** One filter spec over (channels × samples) float64 in place, from a fresh copy each run. */
async function filterRow(spec: string, fs: number, samples: number, repeats: number, floors: Floors, threads?: number): Promise<BenchRow> {
  const pipeline = designFilterPipeline(spec, fs);
  const x = syntheticRecording({ channels, samples, timeMajor: false, float32: false }) as Float64Array;
  const work = new Float64Array(x.length);
  const shape = { channels, samples };
  // Filtered in place run after run: the cost does not depend on the values (they stay finite).
  work.set(x);
  const seconds = await withThreads(threads, () => bestOf(repeats, () => applyFilterPipeline(pipeline, work, shape)));
  const team = threads === undefined ? `${native.buildInfo().openmpThreads} threads` : `${threads} thread${threads === 1 ? '' : 's'}`;
  return {
    name: `filter ${pipeline.spec} at ${fs} Hz, ${channels}×${samples.toLocaleString('en-US')} f64 (${team}, in place)`,
    seconds,
    throughput: `${((channels * samples) / seconds / 1e6).toFixed(0)} M samples/s, ${(recursionFlops(pipeline, channels, samples) / seconds / 1e9).toFixed(1)} GFLOP/s`,
    ...floorOf(recursionFlops(pipeline, channels, samples), 2 * x.byteLength, teamFloors(floors, threads)),
  };
}

/** The peak of `threads` of the machine's threads (the measured peak uses all of them). */
function teamFloors(floors: Floors, threads: number | undefined): Floors {
  const all = native.buildInfo().openmpThreads;
  return threads === undefined ? floors : { ...floors, peakGflops: (floors.peakGflops * Math.min(threads, all)) / all };
}

/** The NMED-T cleaning chain at 1 kHz, then FFT resampling to 125 Hz: what `ingest --filter nmedt` does to a recording. */
async function cleaningRow(samples: number, repeats: number, floors: Floors): Promise<BenchRow> {
  const pipeline = designFilterPipeline('nmedt', 1000);
  const x = syntheticRecording({ channels, samples, timeMajor: false, float32: false }) as Float64Array;
  const work = new Float64Array(x.length);
  const shape = { channels, samples };
  const seconds = await bestOf(repeats, async () => {
    work.set(x);
    await applyFilterPipeline(pipeline, work, shape);
    return resample(work, shape, Math.floor(samples / 8));
  });
  const flops = recursionFlops(pipeline, channels, samples);
  return {
    name: `NMED-T cleaning (nmedt: 16 sections in 3 zero-phase stages) + resample 1000 → 125 Hz, ${channels}×${samples.toLocaleString('en-US')} f64`,
    seconds,
    throughput: `${((channels * samples) / seconds / 1e6).toFixed(0)} M samples/s`,
    ...floorOf(flops, 2 * x.byteLength, floors),
    referenceSeconds: pipelineTargetSeconds * (samples / 292_000),
    referenceLabel: "issue 7's target for one recording on 2 cores (not a SciPy time)",
  };
}

/**
 * The high-pass at full size with all threads and with one, the whole cleaning pipeline,
 * and the official band-pass ((b, a), filtfilt) on a 125-Hz recording of the same length in time.
 */
export async function run(opts: BenchOptions): Promise<BenchRow[]> {
  const samples = opts.quick ? 29_200 : 292_000;
  const repeats = opts.quick ? 2 : 5;
  const floors = { peakGflops: await measuredPeakGflops(opts.quick), bandwidth: copyBandwidth() };
  const highpass = 'highpass:0.3:order=8';
  const rows = [
    await filterRow(highpass, 1000, samples, repeats, floors),
    await filterRow(highpass, 1000, samples, repeats, floors, 1),
  ];
  for (const row of rows) {
    row.referenceSeconds = scipyHighpassSeconds * (samples / 292_000);
    row.referenceLabel = 'scipy.signal.sosfiltfilt, 2 cores (issue 7)';
  }
  rows.push(await cleaningRow(samples, repeats, floors));
  rows.push(await filterRow('official-bandpass', 125, samples / 8, repeats, floors));
  return rows;
}
