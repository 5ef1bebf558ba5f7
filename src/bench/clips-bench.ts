/**
 * Benchmark of clip preprocessing (robust scaling, clamp, padding): the 5,600 validation clips of
 * 128×375 samples, per engine, beside the official code's speed. Reference figures (issue):
 * the official per-channel sklearn `RobustScaler` loop runs 20 clips/s (282 s for 5,600 clips);
 * a vectorised numpy version of the same recipe runs 900 clips/s.
 */
import { native } from '../native.js';
import { preprocessClips, type ClipEngine } from '../data/clip-preprocess.js';
import { bestOf, type BenchOptions, type BenchRow } from './bench-row.js';

const channels = 128;
const length = 375;
const padded = 729;
const sklearnClipsPerSecond = 20;
const numpyClipsPerSecond = 900;

/** Synthetic EEG-like clips: per-channel offsets, noise, and a few spikes (the clamp's work). */
function syntheticClips(count: number): Float32Array {
  const clips = new Float32Array(count * channels * length);
  let state = 0x2545f491;
  const uniform = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  for (let row = 0; row < count * channels; row++) {
    const offset = (uniform() - 0.5) * 600;
    for (let i = 0; i < length; i++) {
      const spike = uniform() < 0.005 ? (uniform() - 0.5) * 5000 : 0;
      clips[row * length + i] = offset + (uniform() + uniform() - 1) * 40 + spike;
    }
  }
  return clips;
}

/** Copy bandwidth of this machine (bytes read + written per second, warm pages), for the floor estimate. */
function copyBandwidth(): number {
  const src = new Float32Array(32 << 20).fill(1);
  const dst = new Float32Array(src.length);
  dst.set(src); // first touch: page faults are not bandwidth
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < 4; r++) dst.set(src);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return (4 * 2 * src.byteLength) / seconds;
}

interface Run {
  engine: Exclude<ClipEngine, 'auto'>;
  batch: Float32Array;
  batchClips: number;
  batches: number;
  repeats: number;
  /** Reuse one output array across batches (else each call allocates and first-touches a new one). */
  reuseOutput: boolean;
}

async function measure(
  { engine, batch, batchClips, batches, repeats, reuseOutput }: Run, bandwidth: number,
): Promise<BenchRow> {
  const shape = { count: batchClips, channels, length };
  const output = reuseOutput ? new Float32Array(batchClips * channels * padded) : undefined;
  const seconds = await bestOf(repeats, async () => {
    for (let b = 0; b < batches; b++) await preprocessClips(batch, shape, { engine, output });
  });
  const clips = batchClips * batches;
  const rate = clips / seconds;
  const bytes = clips * channels * (length + padded) * 4;
  const threads = engine === 'reference' ? '1 thread' : engine === 'cuda' ? 'GPU' : `${native.buildInfo().openmpThreads} threads`;
  return {
    name:
      `clip preprocess ${clips.toLocaleString('en-US')} × ${channels}×${length} → ${padded} ` +
      `(${engine}, ${threads}, ${reuseOutput ? 'output reused' : 'new output per batch'})`,
    seconds,
    throughput:
      `${Math.round(rate).toLocaleString('en-US')} clips/s ` +
      `(${(rate / numpyClipsPerSecond).toFixed(1)}× vectorised numpy at ${numpyClipsPerSecond} clips/s)`,
    floorSeconds: bytes / bandwidth,
    floorNote: `${(bytes / 1e9).toFixed(2)} GB read + written at ${(bandwidth / 1e9).toFixed(1)} GB/s, a warm copy here`,
    referenceSeconds: clips / sklearnClipsPerSecond,
    referenceLabel: `the official sklearn RobustScaler loop (${sklearnClipsPerSecond} clips/s)`,
  };
}

/** Times the fast and reference engines (and CUDA when a GPU is usable) on 128×375 clips. */
export async function run(opts: BenchOptions): Promise<BenchRow[]> {
  // 5,600 clips as 10 batches of 560 (quick: 280 as 1 batch); the slow reference gets fewer clips.
  const batchClips = opts.quick ? 280 : 560;
  const batches = opts.quick ? 1 : 10;
  const repeats = opts.quick ? 1 : 3;
  const batch = syntheticClips(batchClips);
  const bandwidth = copyBandwidth();
  const full = { batch, batchClips, batches, repeats };
  const rows = [
    await measure({ ...full, engine: 'fast', reuseOutput: true }, bandwidth),
    // Fresh output arrays cost first-touch page faults, which on some VMs exceed the kernel's own
    // time; fewer batches keep this row short.
    await measure({ ...full, batches: opts.quick ? 1 : 2, repeats: 1, engine: 'fast', reuseOutput: false }, bandwidth),
  ];
  if (native.buildInfo().cudaDevices.length > 0) rows.push(await measure({ ...full, engine: 'cuda', reuseOutput: true }, bandwidth));
  const refClips = opts.quick ? 8 : 56;
  const refBatch = batch.subarray(0, refClips * channels * length);
  rows.push(await measure({ engine: 'reference', batch: refBatch, batchClips: refClips, batches: 1, repeats: 1, reuseOutput: true }, bandwidth));
  return rows;
}
