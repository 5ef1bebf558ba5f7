/**
 * `predann embed`: a checkpoint's projector-II embeddings as an Arrow table (DESIGN.md, "Formats"):
 *
 *   eeg    one row per EEG window (the split's validation windows, or sliding windows over every
 *          recording), from the EEG encoder
 *   music  one row per 3-s audio clip of each song on a regular grid (`hop` seconds), from the
 *          music encoder: the table `predann train --teacher` reads back
 *
 *   subject Int32? · song Int32 · chunk Int32? · window Int32 · start Int32 (125-Hz sample index
 *   of the clip start) · time Float64 (the start in seconds) · z FixedSizeList<Float32>[D]
 *
 * Music rows have no subject or chunk; `window` is the grid index, time = window · hop exactly
 * (a 0.5-s grid is not whole 125-Hz samples: `start` is rounded, `time` is not).
 */
import { Float64, tableToIPC } from 'apache-arrow';
import { Dataset } from '../data/dataset.js';
import { audioSampleRate, clipAudioFrames, clipSeconds, eegSampleRate } from '../data/nmedt.js';
import { loadTrainedModel, type TrainedModel } from '../eval/trained-model.js';
import { fixedSizeListColumn, int32Column, nullableInt32Column, tableOf, valuesColumn } from '../io/arrow-columns.js';
import { writeFileAtomic } from '../io/atomic.js';
import { encoderForwardEval, type Branch } from '../model/encoder.js';
import { writeAudioClip } from '../train/audio-clip.js';
import { expectNumber } from '../validate.js';
import { classifyJobs, datasetJobs } from './predict.js';
import type { WindowSelection } from './prediction-windows.js';
import { nativeClassifier } from './window-classifier.js';

export interface EmbedOptions {
  checkpoint: string;
  branch: Branch;
  data: string;
  /** EEG: the split's validation windows or sliding windows. */
  windows: WindowSelection;
  /** Seconds between windows (EEG sliding) or between music clips. */
  hop: number;
  out: string;
  splitSeed?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface EmbedResult {
  out: string;
  rows: number;
  dimension: number;
  wallSeconds: number;
}

/** Columns of an embeddings table. */
interface EmbeddingRows {
  subject: (number | null)[];
  song: number[];
  chunk: (number | null)[];
  window: number[];
  start: number[];
  /** Seconds: start / 125 for EEG windows, the exact grid time for music clips. */
  time: number[];
  z: Float32Array;
}

/** Music clips per forward call. */
const MUSIC_BATCH = 16;

async function eegEmbeddings(dataset: Dataset, model: TrainedModel, options: EmbedOptions): Promise<EmbeddingRows> {
  const rows = await classifyJobs(await datasetJobs(dataset, options), nativeClassifier(model), options.hop, options.onProgress);
  return { subject: rows.subject, song: rows.song.map((s) => s ?? 0), chunk: rows.chunk, window: rows.window, start: rows.start, time: rows.start.map((s) => s / eegSampleRate), z: rows.flat('embedding') };
}

/** The music encoder's embedding of every 3-s clip of one song starting on the grid. */
async function songEmbeddings(dataset: Dataset, model: TrainedModel, song: number, hop: number): Promise<{ times: number[]; z: Float32Array }> {
  const audio = await dataset.audio(song);
  const seconds = audio.frames / audioSampleRate;
  const count = seconds < clipSeconds ? 0 : Math.floor((seconds - clipSeconds) / hop + 1e-9) + 1;
  const { music, encoder } = model.preset;
  const size = music.height * music.width;
  const z = new Float32Array(count * encoder.embedding);
  const clips = new Float32Array(MUSIC_BATCH * size);
  for (let first = 0; first < count; first += MUSIC_BATCH) {
    const batch = Math.min(MUSIC_BATCH, count - first);
    for (let i = 0; i < batch; i++) writeAudioClip(audio.channels, Math.round((first + i) * hop * audioSampleRate), clipAudioFrames, music, clips.subarray(i * size, (i + 1) * size));
    const out = await encoderForwardEval(model.weights, 'music', model.preset, clips.subarray(0, batch * size), { batch, height: music.height, width: music.width });
    z.set(out.z, first * encoder.embedding);
  }
  return { times: Array.from({ length: count }, (_, i) => i * hop), z };
}

async function musicEmbeddings(dataset: Dataset, model: TrainedModel, options: EmbedOptions): Promise<EmbeddingRows> {
  const songs = [...new Set(dataset.recordings().map((r) => r.song))].sort((a, b) => a - b);
  const rows: EmbeddingRows = { subject: [], song: [], chunk: [], window: [], start: [], time: [], z: new Float32Array(0) };
  const parts: Float32Array[] = [];
  for (const [i, song] of songs.entries()) {
    const { times, z } = await songEmbeddings(dataset, model, song, options.hop);
    times.forEach((time, window) => {
      rows.subject.push(null);
      rows.song.push(song);
      rows.chunk.push(null);
      rows.window.push(window);
      rows.start.push(Math.round(time * eegSampleRate));
      rows.time.push(time);
    });
    parts.push(z);
    options.onProgress?.(i + 1, songs.length);
  }
  rows.z = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((offset, p) => (rows.z.set(p, offset), offset + p.length), 0);
  return rows;
}

/**
 * @example
 * await embed({ checkpoint: 'runs/small', branch: 'music', data: 'predann-demo/dataset', windows: 'sliding', hop: 0.5, out: 'music.arrow' });
 */
export async function embed(options: EmbedOptions): Promise<EmbedResult> {
  expectNumber('hop', options.hop, 1 / eegSampleRate, 3600);
  const model = loadTrainedModel(options.checkpoint);
  const dataset = await Dataset.open(options.data);
  try {
    const t0 = performance.now();
    const rows = options.branch === 'eeg' ? await eegEmbeddings(dataset, model, options) : await musicEmbeddings(dataset, model, options);
    const dimension = model.preset.encoder.embedding;
    const columns = [
      nullableInt32Column('subject', rows.subject),
      int32Column('song', Int32Array.from(rows.song)),
      nullableInt32Column('chunk', rows.chunk),
      int32Column('window', Int32Array.from(rows.window)),
      int32Column('start', Int32Array.from(rows.start)),
      valuesColumn('time', new Float64(), rows.time),
      fixedSizeListColumn('z', rows.z, dimension),
    ];
    const metadata = new Map([['predann.embed', JSON.stringify({ checkpoint: options.checkpoint, branch: options.branch, preset: model.preset.name, hop: options.hop, windows: options.branch === 'eeg' ? options.windows : 'grid', sampleRate: eegSampleRate, dimension })]]);
    writeFileAtomic(options.out, tableToIPC(tableOf(columns, metadata), 'file'));
    return { out: options.out, rows: rows.window.length, dimension, wallSeconds: (performance.now() - t0) / 1000 };
  } finally {
    await dataset.close();
  }
}
