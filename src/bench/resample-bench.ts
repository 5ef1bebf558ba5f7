/**
 * Benchmark of FFT resampling on the reference figure's workload: one raw NMED-T recording,
 * 128 channels × 292,000 samples of float64 at 1 kHz → 36,500 samples at 125 Hz, beside
 * `scipy.signal.resample` on the same data (0.75 s on a 2-core machine, from the issue). Also a
 * realistic odd length whose sample count is prime (277,999 → 34,749: Bluestein), and the
 * ingest's layout (time-major float32 hyperslabs).
 *
 * Floor: the memory traffic (input read once, output written once) at this machine's measured
 * copy bandwidth. Throughput also counts FFT work the way FFT benchmarks do (5·n·log2 n flops per
 * complex transform of length n: one forward of the recording's length and one inverse of the
 * output's length per channel pair).
 */
import { native } from '../native.js';
import { resample, describeResamplePlan, type ResampleOptions } from '../dsp/resample.js';
import { bestOf, type BenchOptions, type BenchRow } from './bench-row.js';

const channels = 128;
const scipySeconds = 0.75; // scipy.signal.resample, 128 × 292,000 → 36,500, 2-core machine (issue)
const scipySamples = 292_000;
// scipy 1.10.1 on the 2-core development machine, 128 × 277,999 → 34,749, best of 3: a prime
// length sends pocketfft down a much slower path. (The same run timed 292,000 at 0.705 s, in line
// with the 0.75 s.)
const scipyPrimeSeconds = 14.1;
const scipyPrimeSamples = 277_999;

interface Workload {
  samples: number;
  num: number;
  timeMajor: boolean;
  float32: boolean;
  channels: number;
  /** OpenMP threads; default: the addon's current setting. */
  threads?: number;
}

/** EEG-like data (offsets, a 10 Hz rhythm, 60 Hz line noise, noise) in the workload's layout and type. */
export function syntheticRecording(w: Pick<Workload, 'channels' | 'samples' | 'timeMajor' | 'float32'>): Float32Array | Float64Array {
  const x = w.float32 ? new Float32Array(w.channels * w.samples) : new Float64Array(w.channels * w.samples);
  let state = 0x9e3779b9;
  const uniform = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  for (let c = 0; c < w.channels; c++) {
    const offset = (uniform() - 0.5) * 600;
    for (let t = 0; t < w.samples; t++) {
      const v = offset + 20 * Math.sin(0.0628 * t + c) + 5 * Math.sin(0.377 * t) + (uniform() - 0.5) * 30;
      x[w.timeMajor ? t * w.channels + c : c * w.samples + t] = v;
    }
  }
  return x;
}

/** Copy bandwidth of this machine (bytes read + written per second, warm pages, one thread). */
export function copyBandwidth(): number {
  const src = new Float64Array(16 << 20).fill(1);
  const dst = new Float64Array(src.length);
  dst.set(src); // first touch: page faults are not bandwidth
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < 4; r++) dst.set(src);
  return (4 * 2 * src.byteLength) / (Number(process.hrtime.bigint() - t0) / 1e9);
}

/** FFT-equivalent flops of one call: per channel pair, a forward of length samples and an inverse of length num. */
function fftFlops(w: Workload): number {
  const fft = (n: number) => 5 * n * Math.log2(n);
  return Math.ceil(w.channels / 2) * (fft(w.samples) + fft(w.num));
}

/** The scipy figure for this workload: the issue's, the prime-length measurement, or one scaled by n·log n. */
function scipyFigure(w: Workload): [number, string] | undefined {
  const channelShare = w.channels / channels;
  if (w.samples === scipyPrimeSamples) {
    return [scipyPrimeSeconds * channelShare, 'scipy.signal.resample 1.10.1, 14.1 s measured on the 2-core development machine'];
  }
  if (isPrime(w.samples)) return undefined; // no figure for other prime lengths
  const scale = channelShare * ((w.samples * Math.log2(w.samples)) / (scipySamples * Math.log2(scipySamples)));
  return scale === 1
    ? [scipySeconds, 'scipy.signal.resample, 2 cores (issue)']
    : [scipySeconds * scale, 'scipy.signal.resample 0.75 s for 128×292,000 (issue), scaled by n·log n'];
}

function isPrime(n: number): boolean {
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return n > 1;
}

async function measure(w: Workload, engine: 'fast' | 'reference', repeats: number, bandwidth: number): Promise<BenchRow> {
  const x = syntheticRecording(w);
  const options: ResampleOptions = { engine, timeMajor: w.timeMajor };
  const shape = { channels: w.channels, samples: w.samples };
  const defaultThreads = native.buildInfo().openmpThreads;
  const threads = w.threads ?? defaultThreads;
  native.setNumThreads(threads);
  let seconds: number;
  try {
    seconds = await bestOf(repeats, () => resample(x, shape, w.num, options));
  } finally {
    native.setNumThreads(defaultThreads);
  }
  const bytes = x.byteLength + w.channels * w.num * 8;
  const team = `${threads} thread${threads === 1 ? '' : 's'}`;
  const layout = `${w.timeMajor ? 'time' : 'channel'}-major ${w.float32 ? 'float32' : 'float64'}`;
  const row: BenchRow = {
    name:
      `resample ${w.channels}×${w.samples.toLocaleString('en-US')} → ${w.num.toLocaleString('en-US')} ` +
      `(${engine}, ${team}, ${layout})`,
    seconds,
    throughput:
      `${((w.channels * w.samples) / seconds / 1e6).toFixed(0)} M samples/s, ` +
      `${(fftFlops(w) / seconds / 1e9).toFixed(1)} GFLOP/s FFT-equivalent`,
    floorSeconds: bytes / bandwidth,
    floorNote: `${(bytes / 1e6).toFixed(0)} MB read + written at ${(bandwidth / 1e9).toFixed(1)} GB/s (one-thread copy here)`,
  };
  // The reference engine is the oracle, slow by design: a ratio to scipy would say nothing.
  const reference = engine === 'fast' ? scipyFigure(w) : undefined;
  if (reference) [row.referenceSeconds, row.referenceLabel] = reference;
  return row;
}

/**
 * Times the fast engine on the reference workload (quick: a tenth of it) with all threads and
 * with one, in the layouts the pipeline uses, the prime-length case, and the reference engine
 * on a small slice.
 */
export async function run(opts: BenchOptions): Promise<BenchRow[]> {
  const samples = opts.quick ? 29_200 : 292_000;
  const prime = opts.quick ? 27_799 : 277_999; // both prime: the Bluestein path
  const repeats = opts.quick ? 2 : 5;
  const bandwidth = copyBandwidth();
  const base = { channels, timeMajor: false, float32: false };
  const rows = [
    await measure({ ...base, samples, num: samples / 8 }, 'fast', repeats, bandwidth),
    await measure({ ...base, samples, num: samples / 8, threads: 1 }, 'fast', repeats, bandwidth),
    await measure({ ...base, samples, num: samples / 8, timeMajor: true, float32: true }, 'fast', repeats, bandwidth),
    await measure({ ...base, samples: prime, num: Math.trunc(prime / 8) }, 'fast', repeats, bandwidth),
  ];
  rows[0].name += ` [${describeResamplePlan(samples, samples / 8)}]`;
  rows[3].name += ` [${describeResamplePlan(prime, Math.trunc(prime / 8))}]`;
  // The direct DFT costs samples·num/2 per channel: a few channels of the quick size only.
  rows.push(await measure({ ...base, channels: 4, samples: 29_200, num: 3_650 }, 'reference', 1, bandwidth));
  return rows;
}
