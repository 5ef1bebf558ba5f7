/**
 * `predann predict`: batch inference over the 3-s windows of a data set (its validation windows,
 * or sliding windows over every recording) or of an EEG Arrow file, with onnxruntime-node on an
 * exported model (the default) or the native engine on a checkpoint. Clips are preprocessed in the
 * native addon 48 at a time into one reused buffer, so memory stays flat whatever the input.
 *
 * Output, one row per window (Arrow IPC file, written atomically):
 *   subject Int32 · song Int32? · chunk Int32? · window Int32 · start Int32 (EEG sample, 125 Hz) ·
 *   logits FixedSizeList<Float32>[classes] · probabilities FixedSizeList<Float32>[classes] ·
 *   embedding FixedSizeList<Float32>[D]
 */
import { tableToIPC } from 'apache-arrow';
import { existsSync, statSync } from 'node:fs';
import { preprocessCrops } from '../data/clip-preprocess.js';
import { Dataset } from '../data/dataset.js';
import { clipSamples, isSongTrigger, labelOfTrigger } from '../data/nmedt.js';
import { chooseSplit } from '../data/split.js';
import { InputError } from '../errors.js';
import { groupBy } from '../eval/group-by.js';
import { loadTrainedModel } from '../eval/trained-model.js';
import { fixedSizeListColumn, int32Column, nullableInt32Column, tableOf } from '../io/arrow-columns.js';
import { writeFileAtomic } from '../io/atomic.js';
import { exportEegModel } from '../onnx/export-eeg-model.js';
import { EegArrowReader, type EegRecording } from '../io/eeg-arrow.js';
import { onnxClassifier } from './onnx-classifier.js';
import { slidingWindows, validationPredictionWindows, type PredictionWindow, type WindowSelection } from './prediction-windows.js';
import { nativeClassifier, type InferenceEngine, type WindowClassifier, type WindowOutputs } from './window-classifier.js';

export interface PredictOptions {
  /** An exported model (.onnx) or a checkpoint (run directory or weights file). */
  model: string;
  engine: InferenceEngine;
  /** A data set directory, or … */
  data?: string;
  /** … an EEG Arrow file (eeg.arrow of a data set, or one written by EegArrowWriter). */
  eeg?: string;
  /** Data sets only: the split's validation windows (default) or sliding windows. */
  windows: WindowSelection;
  /** Sliding windows: seconds between window starts. */
  hop: number;
  out: string;
  /** Seed of a stratified split (validation windows of data sets that are not the full NMED-T). */
  splitSeed?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface PredictResult {
  out: string;
  engine: InferenceEngine;
  windows: number;
  recordings: number;
  wallSeconds: number;
  windowsPerSecond: number;
  /** Share of windows whose argmax is their recording's song, when every song is known. */
  accuracy: number | null;
}

/** Clips per inference call and per preprocessing pass. */
const BATCH = 48;

/** A recording and the windows of it to classify (absent: sliding windows over all of it). */
export interface Job {
  load(): Promise<EegRecording>;
  windows?: PredictionWindow[];
}

/**
 * @example
 * const classifier = await openClassifier('model.onnx', 'onnxruntime');
 */
export async function openClassifier(model: string, engine: InferenceEngine): Promise<WindowClassifier> {
  if (!existsSync(model)) throw new InputError(model, undefined, 'no such model, run directory or weights file');
  const isOnnx = statSync(model).isFile() && model.endsWith('.onnx');
  if (engine === 'onnxruntime') {
    if (isOnnx) return onnxClassifier(model);
    // A checkpoint: exported in memory, exactly as `predann export` would write it.
    return onnxClassifier(exportEegModel(loadTrainedModel(model)).bytes, { source: `${model} (exported in memory)` });
  }
  if (isOnnx) throw new InputError(model, undefined, 'the native engine needs a checkpoint (run directory or weights.safetensors), not an ONNX model');
  return nativeClassifier(loadTrainedModel(model));
}

/** The recordings of a data set and their windows (options.data names the set in messages). */
export async function datasetJobs(dataset: Dataset, options: Pick<PredictOptions, 'data' | 'windows' | 'splitSeed'>): Promise<Job[]> {
  if (options.windows === 'sliding') {
    return dataset.recordings().map((r) => ({ load: () => dataset.recording(r.subject, r.song) }));
  }
  const { validation } = chooseSplit(dataset.chunkRefs(), options.splitSeed ?? 0);
  if (validation.length === 0) throw new InputError(options.data!, 'validation', 'the split has no validation chunks; use --windows sliding');
  const byRecording = groupBy(validation, (ref) => `${ref.subject}/${ref.song}`);
  return [...byRecording.values()].map((refs) => ({ load: () => dataset.recording(refs[0].subject, refs[0].song), windows: validationPredictionWindows(refs) }));
}

/** Collected rows, appended batch by batch. */
export class Rows {
  subject: number[] = [];
  song: (number | null)[] = [];
  chunk: (number | null)[] = [];
  window: number[] = [];
  start: number[] = [];
  private outputs: WindowOutputs[] = [];

  add(recording: EegRecording, windows: readonly PredictionWindow[], outputs: WindowOutputs): void {
    const song = isSongTrigger(recording.song) ? recording.song : null;
    for (const w of windows) {
      this.subject.push(recording.subject);
      this.song.push(song);
      this.chunk.push(w.chunk);
      this.window.push(w.window);
      this.start.push(w.start);
    }
    this.outputs.push(outputs);
  }

  flat(key: keyof WindowOutputs): Float32Array {
    const parts = this.outputs.map((o) => o[key]);
    const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((offset, p) => (out.set(p, offset), offset + p.length), 0);
    return out;
  }
}

function accuracyOf(rows: Rows, classes: number): number | null {
  if (rows.song.length === 0 || rows.song.some((s) => s === null)) return null;
  const probabilities = rows.flat('probabilities');
  let correct = 0;
  rows.song.forEach((song, i) => {
    const p = probabilities.subarray(i * classes, (i + 1) * classes);
    if (p.indexOf(Math.max(...p)) === labelOfTrigger(song!)) correct++;
  });
  return correct / rows.song.length;
}

async function classifyRecording(job: Job, classifier: WindowClassifier, rows: Rows, buffer: Float32Array, hop: number): Promise<number> {
  const recording = await job.load();
  const windows = job.windows ?? slidingWindows(recording.samples, hop);
  const pad = (classifier.input.width - clipSamples) / 2;
  const size = classifier.input.height * classifier.input.width;
  for (let first = 0; first < windows.length; first += BATCH) {
    const batch = windows.slice(first, first + BATCH);
    const output = buffer.subarray(0, batch.length * size);
    await preprocessCrops(recording, batch.map((w) => w.start), clipSamples, { padLeft: Math.floor(pad), padRight: Math.ceil(pad), output });
    rows.add(recording, batch, await classifier.classify(output, batch.length));
  }
  return windows.length;
}

/** Runs every job's windows through the classifier, 48 clips at a time into one reused buffer. */
export async function classifyJobs(jobs: readonly Job[], classifier: WindowClassifier, hop: number, onProgress?: (done: number, total: number) => void): Promise<Rows> {
  const rows = new Rows();
  const buffer = new Float32Array(BATCH * classifier.input.height * classifier.input.width); // reused: memory stays flat
  let done = 0;
  for (const job of jobs) {
    await classifyRecording(job, classifier, rows, buffer, hop);
    onProgress?.(++done, jobs.length);
  }
  return rows;
}

/**
 * @example
 * const { windowsPerSecond, accuracy } = await predict({ model: 'model.onnx', engine: 'onnxruntime', data: 'predann-demo/dataset', windows: 'validation', hop: 1, out: 'predictions.arrow' });
 */
export async function predict(options: PredictOptions): Promise<PredictResult> {
  if ((options.data === undefined) === (options.eeg === undefined)) throw new TypeError('Expected exactly one of data (a data set directory) or eeg (an EEG Arrow file)');
  const classifier = await openClassifier(options.model, options.engine);
  const dataset = options.data !== undefined ? await Dataset.open(options.data) : undefined;
  const reader = options.eeg !== undefined ? await EegArrowReader.open(options.eeg) : undefined;
  try {
    const jobs = dataset ? await datasetJobs(dataset, options) : Array.from({ length: reader!.count }, (_, i) => ({ load: () => reader!.read(i) }));
    const t0 = performance.now();
    const rows = await classifyJobs(jobs, classifier, options.hop, options.onProgress);
    const wallSeconds = (performance.now() - t0) / 1000;
    const columns = [
      int32Column('subject', Int32Array.from(rows.subject)),
      nullableInt32Column('song', rows.song),
      nullableInt32Column('chunk', rows.chunk),
      int32Column('window', Int32Array.from(rows.window)),
      int32Column('start', Int32Array.from(rows.start)),
      fixedSizeListColumn('logits', rows.flat('logits'), classifier.classes, 'logit'),
      fixedSizeListColumn('probabilities', rows.flat('probabilities'), classifier.classes, 'probability'),
      fixedSizeListColumn('embedding', rows.flat('embedding'), classifier.embedding),
    ];
    const metadata = new Map([['predann.predict', JSON.stringify({ model: options.model, engine: classifier.engine, windows: options.eeg ? 'sliding' : options.windows, hop: options.hop, sampleRate: 125 })]]);
    writeFileAtomic(options.out, tableToIPC(tableOf(columns, metadata), 'file'));
    const windows = rows.window.length;
    return { out: options.out, engine: classifier.engine, windows, recordings: jobs.length, wallSeconds, windowsPerSecond: windows / wallSeconds, accuracy: accuracyOf(rows, classifier.classes) };
  } finally {
    await classifier.close();
    await dataset?.close();
    await reader?.close();
  }
}
