/**
 * The demo pipeline behind `predann demo`: synthesise NMED-T → ingest → summarise → split →
 * preprocess every validation window in the native addon. Later stages (training, evaluation,
 * export) extend it. Returns what happened; the CLI prints it.
 */
import { join } from 'node:path';
import { preprocessCrops } from './data/clip-preprocess.js';
import type { ChunkRef } from './data/chunks.js';
import { Dataset, type DatasetSummary } from './data/dataset.js';
import { clipSamples, paddedClipSamples, validationWindowsPerChunk } from './data/nmedt.js';
import { chooseSplit } from './data/split.js';
import { synthesizeNmedt, type SynthSummary } from './data/synth/synth-nmedt.js';
import { validationWindows } from './data/windows.js';
import { ingest } from './ingest/ingest.js';

export interface DemoOptions {
  /** Working directory: holds nmedt-synth/ and dataset/. */
  dir: string;
  subjects: number;
  seconds: number;
  seed: number;
  onStage?: (stage: string) => void;
  onProgress?: (stage: string, done: number, total: number) => void;
}

export interface DemoResult {
  synth: SynthSummary & { wallSeconds: number };
  ingest: { dir: string; recordings: number; wallSeconds: number };
  summary: DatasetSummary;
  split: { kind: 'official' | 'stratified'; train: number; validation: number };
  validationWindows: { items: number; wallSeconds: number; clipsPerSecond: number };
}

/** Preprocesses the centre 3-s clip of every validation window (14 per chunk), recording by recording. */
async function preprocessValidation(dataset: Dataset, validation: readonly ChunkRef[], onProgress?: (done: number, total: number) => void) {
  const byRecording = new Map<string, ChunkRef[]>();
  for (const ref of validation) {
    const key = `${ref.subject}/${ref.song}`;
    byRecording.set(key, [...(byRecording.get(key) ?? []), ref]);
  }
  const t0 = performance.now();
  let items = 0;
  let done = 0;
  let output: Float32Array | undefined; // reused: fresh 100-MB arrays cost more than the work
  for (const refs of byRecording.values()) {
    const recording = await dataset.recording(refs[0].subject, refs[0].song);
    const starts = refs.flatMap((ref) => validationWindows(ref, { crop: 'center' }).map((w) => w.eegStart));
    const size = starts.length * recording.channels * paddedClipSamples;
    if (!output || output.length < size) output = new Float32Array(size);
    await preprocessCrops(recording, starts, clipSamples, { output: output.subarray(0, size) });
    items += starts.length;
    onProgress?.(++done, byRecording.size);
  }
  const wallSeconds = (performance.now() - t0) / 1000;
  return { items, wallSeconds, clipsPerSecond: items / wallSeconds };
}

/**
 * @example
 * const result = await runDemo({ dir: 'predann-demo', subjects: 6, seconds: 64, seed: 0 });
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const synthDir = join(options.dir, 'nmedt-synth');
  const dataDir = join(options.dir, 'dataset');

  options.onStage?.(`synthesising NMED-T: ${options.subjects} subjects × 10 songs × ${options.seconds} s → ${synthDir}`);
  let t0 = performance.now();
  const synth = await synthesizeNmedt({
    out: synthDir,
    subjects: options.subjects,
    seconds: options.seconds,
    seed: options.seed,
    clean: false, // the demo ingests the raw recordings, as PredANN does
    onProgress: (d, t) => options.onProgress?.('synth', d, t),
  });
  const synthSeconds = (performance.now() - t0) / 1000;

  options.onStage?.(`ingesting raw EEG (v7.3 hyperslabs, FFT resample 1000 → 125 Hz) → ${dataDir}`);
  t0 = performance.now();
  const ingested = await ingest({ input: synthDir, out: dataDir, onProgress: (d, t) => options.onProgress?.('ingest', d, t) });
  const ingestSeconds = (performance.now() - t0) / 1000;

  const dataset = await Dataset.open(dataDir);
  try {
    const summary = dataset.summary();
    const split = chooseSplit(dataset.chunkRefs(), options.seed);
    options.onStage?.(`preprocessing ${split.validation.length * validationWindowsPerChunk} validation windows (robust scale, clamp ±20, pad to 729)`);
    const windows = await preprocessValidation(dataset, split.validation, (d, t) => options.onProgress?.('windows', d, t));
    return {
      synth: { ...synth, wallSeconds: synthSeconds },
      ingest: { dir: dataDir, recordings: ingested.manifest.recordings.length, wallSeconds: ingestSeconds },
      summary,
      split: { kind: split.kind, train: split.train.length, validation: split.validation.length },
      validationWindows: windows,
    };
  } finally {
    await dataset.close();
  }
}
