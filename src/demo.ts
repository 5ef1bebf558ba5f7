/**
 * The demo pipeline behind `predann demo`: synthesise NMED-T → ingest → filter a copy with the
 * official code's 1–50 Hz band-pass (`predann filter`, shown, not trained on) → summarise → split →
 * preprocess every validation window in the native addon → train the small preset with the PredANN
 * loss (λ = 0.05) and without it (λ = 0, the baseline) → evaluate both at 3–7 s → compare them
 * (McNemar) → export the λ = 0.05 model to ONNX and run `predict` on the validation windows with
 * onnxruntime-node, beside the native engine. Returns what happened; the CLI prints it.
 *
 * The demo's synthetic participants respond to the music `responseGain` times more strongly than
 * the calibrated default (10×): the small model then learns in a few minutes on two cores, where
 * the calibrated set needs the paper's budget.
 */
import { tableFromIPC } from 'apache-arrow';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { preprocessCrops } from './data/clip-preprocess.js';
import type { ChunkRef } from './data/chunks.js';
import { Dataset, type DatasetSummary } from './data/dataset.js';
import { clipSamples, paddedClipSamples, validationWindowsPerChunk } from './data/nmedt.js';
import { chooseSplit } from './data/split.js';
import { synthesizeNmedt, type SynthSummary } from './data/synth/synth-nmedt.js';
import { validationWindows } from './data/windows.js';
import { ingest } from './ingest/ingest.js';
import { filterDataset } from './ingest/filter-dataset.js';
import { presets } from './model/model-spec.js';
import { compareReports, type Comparison } from './eval/compare-reports.js';
import type { LengthScore } from './eval/metrics.js';
import { runEvaluation } from './eval/run-evaluation.js';
import type { WindowAccuracy } from './train/evaluate-windows.js';
import { train } from './train/train.js';
import { exportCheckpointToOnnx } from './onnx/export-eeg-model.js';
import { predict } from './serve/predict.js';

export interface DemoOptions {
  /** Working directory: holds nmedt-synth/ and dataset/. */
  dir: string;
  subjects: number;
  seconds: number;
  seed: number;
  /** Multiplier of the synthetic evoked response (1: calibrated; the demo uses 10). */
  responseGain: number;
  /** Training epochs of the small model (0: no training stage). */
  epochs: number;
  onStage?: (stage: string) => void;
  onProgress?: (stage: string, done: number, total: number) => void;
}

export interface DemoResult {
  synth: SynthSummary & { wallSeconds: number };
  ingest: { dir: string; recordings: number; wallSeconds: number };
  /** The data set through `predann filter` with the official band-pass (PredANN itself filters nothing). */
  filter: { dir: string; spec: string; fs: number; recordings: number; wallSeconds: number };
  summary: DatasetSummary;
  split: { kind: 'official' | 'stratified'; train: number; validation: number };
  validationWindows: { items: number; wallSeconds: number; clipsPerSecond: number };
  /** One per λ: the PredANN model and the baseline. */
  runs: DemoRun[];
  comparison?: { dir: string; wallSeconds: number; pairs: Comparison['pairs'] };
  onnx?: DemoOnnx;
}

/** The exported model served by onnxruntime-node, checked against the native engine. */
export interface DemoOnnx {
  model: string;
  bytes: number;
  predictions: string;
  windows: number;
  windowsPerSecond: number;
  nativeWindowsPerSecond: number;
  accuracy: number | null;
  /** Largest |logit difference| between onnxruntime and the native engine over every window. */
  maxLogitDifference: number;
}

export interface DemoRun {
  lambda: number;
  out: string;
  steps: number;
  wallSeconds: number;
  stepsPerSecond: number;
  validation: { epoch: number } & WindowAccuracy;
  report: { dir: string; items: number; clips: number; wallSeconds: number; accuracy: LengthScore[] };
}

/** The λ values the demo trains: the paper's and the baseline without the PredANN loss. */
export const demoLambdas = [0.05, 0] as const;
/** The evaluation lengths of the demo's reports. */
const demoLengths = [3, 4, 5, 6, 7];

/** The demo's training recipe: the paper's loss and optimiser on the small preset, sized for two cores. */
export const demoTraining = {
  batchSize: 16,
  lr: 0.003,
  temperature: 0.5,
  detach: true,
  dropout: 0.5,
  /** Precise BatchNorm statistics before validation: the running averages lag the fast-moving weights (recalibrate-batchnorm.ts). */
  bnRecalibration: 20,
} as const;

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
    responseGain: options.responseGain,
    clean: false, // the demo ingests the raw recordings, as PredANN does
    onProgress: (d, t) => options.onProgress?.('synth', d, t),
  });
  const synthSeconds = (performance.now() - t0) / 1000;

  options.onStage?.(`ingesting raw EEG (v7.3 hyperslabs, FFT resample 1000 → 125 Hz) → ${dataDir}`);
  t0 = performance.now();
  const ingested = await ingest({ input: synthDir, out: dataDir, onProgress: (d, t) => options.onProgress?.('ingest', d, t) });
  const ingestSeconds = (performance.now() - t0) / 1000;

  const filteredDir = join(options.dir, 'dataset-bandpass');
  options.onStage?.(`filtering a copy with the official 1-50 Hz band-pass (zero-phase, as SciPy's filtfilt) → ${filteredDir}`);
  const filtered = await filterDataset({ data: dataDir, out: filteredDir, filter: 'official-bandpass', onProgress: (d, t) => options.onProgress?.('filter', d, t) });

  const dataset = await Dataset.open(dataDir);
  try {
    const summary = dataset.summary();
    const split = chooseSplit(dataset.chunkRefs(), options.seed);
    options.onStage?.(`preprocessing ${split.validation.length * validationWindowsPerChunk} validation windows (robust scale, clamp ±20, pad to 729)`);
    const windows = await preprocessValidation(dataset, split.validation, (d, t) => options.onProgress?.('windows', d, t));
    const runs: DemoRun[] = [];
    if (options.epochs > 0) for (const lambda of demoLambdas) runs.push(await trainAndEvaluate(dataset, dataDir, lambda, options));
    const comparison = runs.length > 1 ? await compareRuns(runs, options) : undefined;
    const onnx = runs.length > 0 ? await exportAndServe(runs[0], dataDir, options) : undefined;
    return {
      synth: { ...synth, wallSeconds: synthSeconds },
      ingest: { dir: dataDir, recordings: ingested.manifest.recordings.length, wallSeconds: ingestSeconds },
      filter: { dir: filteredDir, spec: filtered.pipeline.spec, fs: filtered.pipeline.fs, recordings: filtered.manifest.recordings.length, wallSeconds: filtered.seconds },
      summary,
      split: { kind: split.kind, train: split.train.length, validation: split.validation.length },
      validationWindows: windows,
      runs,
      comparison,
      onnx,
    };
  } finally {
    await dataset.close();
  }
}

const runName = (lambda: number) => `small-lambda${lambda}`;

async function trainAndEvaluate(dataset: Dataset, dataDir: string, lambda: number, options: DemoOptions): Promise<DemoRun> {
  const out = join(options.dir, 'runs', runName(lambda));
  options.onStage?.(`training the small preset (λ = ${lambda}${lambda === 0 ? ', the baseline' : ''}, batch ${demoTraining.batchSize}, ${options.epochs} epochs) → ${out}`);
  const t0 = performance.now();
  const result = await train(dataset, {
    ...demoTraining,
    lambda,
    out,
    preset: presets.small,
    epochs: options.epochs,
    seed: options.seed,
    validateEvery: options.epochs,
    checkpointEvery: options.epochs,
    resume: false,
    onStep: ({ step, stepsPerEpoch }) => options.onProgress?.(`train λ=${lambda}`, step, stepsPerEpoch * options.epochs),
  });
  const wallSeconds = (performance.now() - t0) / 1000;
  const reportDir = join(options.dir, 'reports', runName(lambda));
  options.onStage?.(`evaluating at ${demoLengths.join(', ')} s (centre crops, mean / max / majority) → ${reportDir}`);
  const report = await runEvaluation({
    data: dataDir,
    checkpoints: [out],
    out: reportDir,
    lengths: demoLengths,
    protocol: 'all',
    crop: 'center',
    seed: options.seed,
    onProgress: (d, t) => options.onProgress?.(`eval λ=${lambda}`, d, t),
  });
  return {
    lambda,
    out,
    steps: result.steps,
    wallSeconds,
    stepsPerSecond: result.steps / wallSeconds,
    validation: result.validation.at(-1)!,
    report: { dir: reportDir, items: report.items, clips: report.clips, wallSeconds: report.wallSeconds, accuracy: report.metrics.byLength },
  };
}

async function compareRuns(runs: readonly DemoRun[], options: DemoOptions): Promise<DemoResult['comparison']> {
  const dir = join(options.dir, 'reports', 'comparison');
  options.onStage?.(`comparing ${runs.map((r) => `λ = ${r.lambda}`).join(' and ')} (McNemar, paired on the same windows) → ${dir}`);
  const t0 = performance.now();
  const comparison = await compareReports({ reports: runs.map((r) => r.report.dir), out: dir });
  return { dir, wallSeconds: (performance.now() - t0) / 1000, pairs: comparison.pairs };
}

/** The logits column of a predictions table, row-major. */
function logitsOf(path: string): Float32Array {
  const column = tableFromIPC(readFileSync(path)).getChild('logits')!;
  return Float32Array.from(column.data.flatMap((d) => Array.from((d.children[0].values as Float32Array).subarray(d.offset * 10, (d.offset + d.length) * 10))));
}

async function exportAndServe(run: DemoRun, dataDir: string, options: DemoOptions): Promise<DemoOnnx> {
  const model = join(options.dir, 'model.onnx');
  options.onStage?.(`exporting λ = ${run.lambda} to ONNX (opset 17, BatchNorm folded) and predicting the validation windows with onnxruntime-node → ${model}`);
  const exported = await exportCheckpointToOnnx(run.out, model);
  const predictions = join(options.dir, 'predictions.arrow');
  const common = { data: dataDir, windows: 'validation' as const, hop: 1, splitSeed: options.seed };
  const served = await predict({ ...common, model, engine: 'onnxruntime', out: predictions, onProgress: (d, t) => options.onProgress?.('predict', d, t) });
  const native = await predict({ ...common, model: run.out, engine: 'native', out: join(options.dir, 'predictions-native.arrow') });
  const a = logitsOf(predictions);
  const b = logitsOf(native.out);
  const maxLogitDifference = a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
  return { model, bytes: exported.bytes, predictions, windows: served.windows, windowsPerSecond: served.windowsPerSecond, nativeWindowsPerSecond: native.windowsPerSecond, accuracy: served.accuracy, maxLogitDifference };
}
