/**
 * `predann ingest`: NMED-T sources (raw v7.3 EEG or the cleaned v5 release, plus the song WAVs)
 * → a dataset directory: `eeg.arrow` (one record batch per subject × song, sorted by subject then
 * song), `audio/<trigger>.wav` and `manifest.json`. The directory appears atomically and the same
 * inputs give byte-identical files (no timestamps, deterministic order).
 */
import { mkdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { InputError, UsageError } from '../errors.js';
import { expectNumber } from '../validate.js';
import { withAtomicOutput, writeFileAtomic } from '../io/atomic.js';
import { sha256File } from '../io/file-hash.js';
import { copyWavPrefix, readWavInfo } from '../io/wav.js';
import { EegArrowWriter } from '../io/eeg-arrow.js';
import type { DatasetManifest, RecordingEntry, SkippedRecording, SongEntry, SourceFile } from '../data/dataset.js';
import { audioSampleRate, downsampleFactor, eegChannels, rawSampleRate, songByTrigger, songTriggers } from '../data/nmedt.js';
import { packageVersion } from '../version.js';
import type { ResampleEngine } from '../dsp/resample.js';
import { appliedFilter, describeFilter, designFilterPipeline, filterFloat32, type FilterPipeline } from '../dsp/filter-pipeline.js';
import { FilterSpecError, type FilterStage } from '../dsp/filter-spec.js';
import { findAudioFiles, findCleanFiles, findRawFiles, type AudioFile, type RawFile } from './source-files.js';
import { locateSongs, RawSongReader, type RawSongLocation } from './ingest-raw.js';
import { CLEAN_FS, readCleanSong } from './ingest-clean.js';

export interface IngestOptions {
  /** Directory with raw/, audio/ and (for the cleaned release) clean/. */
  input: string;
  /** Dataset directory to write (replaced atomically if it exists). */
  out: string;
  /** Which EEG to read: the raw 1 kHz recordings (PredANN's choice) or the cleaned 125 Hz release. */
  source?: 'raw' | 'clean';
  /** Songs (triggers) to keep; default all ten. */
  songs?: number[];
  /** Subjects to keep; default every subject found. */
  subjects?: number[];
  /** The native kernels (resampling, filtering): 'fast', or the plain 'reference' loops (slow; for checking). */
  engine?: ResampleEngine;
  /**
   * Zero-phase filtering (filter-spec.ts), e.g. 'nmedt' or 'bandpass:1-50': applied to raw EEG at
   * 1 kHz before resampling, to the cleaned release at 125 Hz. Default none (as PredANN).
   */
  filter?: string | FilterStage[];
  /**
   * Seconds of the raw recording on each side of a song that the filter also runs over (where the
   * recording has them), so that its edge transients fall outside the song. Default 0: the filter
   * sees exactly the official slice, as `sosfiltfilt` on it in Python would.
   */
  filterContextSeconds?: number;
  onProgress?: (done: number, total: number, label: string) => void;
  onWarning?: (message: string) => void;
}

export interface IngestResult {
  out: string;
  manifest: DatasetManifest;
  seconds: number;
}

/** Audio samples the official code keeps for a song: the NMED-T length, or the file's if shorter. */
function audioLength(song: number, frames: number): number {
  const table = songByTrigger(song).lengthSeconds * audioSampleRate;
  return Math.min(table, frames);
}

interface SongAudio {
  file: AudioFile;
  /** Samples the official code calls audio_length (the slice keeps one fewer). */
  length: number;
  /** The song as written to the data set. */
  entry: SongEntry;
}

/**
 * Finds each song's length and writes audio/<song>.wav into the data set: the first length − 1
 * samples, as the official `ExtractAUDIO`, copied in the source's own encoding (no decoding).
 */
function ingestSongAudio(input: string, songs: readonly number[], dir: string): Map<number, SongAudio> {
  const files = new Map(findAudioFiles(input).map((f) => [f.song, f]));
  const out = new Map<number, SongAudio>();
  for (const song of songs) {
    const file = files.get(song);
    if (!file) throw new InputError(join(input, 'audio'), undefined, `no WAV file for song ${song} (expected ${songByTrigger(song).audioFile} or ${song}.wav)`);
    const info = readWavInfo(file.path);
    if (info.sampleRate !== audioSampleRate) throw new InputError(file.path, 'sample rate', `is ${info.sampleRate} Hz, expected ${audioSampleRate}`);
    const length = audioLength(song, info.frames);
    const rel = `audio/${song}.wav`;
    const copied = copyWavPrefix(file.path, join(dir, rel), length - 1);
    out.set(song, { file, length, entry: { song, audio: rel, sampleRate: copied.sampleRate, frames: copied.frames, channels: copied.channels } });
  }
  return out;
}

async function describeSources(paths: string[]): Promise<SourceFile[]> {
  const out: SourceFile[] = [];
  for (const p of paths) out.push({ name: basename(p), bytes: statSync(p).size, sha256: await sha256File(p) });
  return out;
}

/** One subject × song found in the sources, not yet read. */
interface PlannedRecording {
  subject: number;
  song: number;
  /** Manifest fields of this recording (all but `batch`). */
  entry: Omit<RecordingEntry, 'batch'>;
  /** Reads the EEG: (channels, samples) channel-major float32. */
  load(): Promise<Float32Array>;
}

/**
 * Subjects lacking any requested song are skipped whole, with a warning, since the splits need
 * every song of a subject; the rest come back sorted by subject, then song (the batch order).
 */
function completeSubjects(planned: PlannedRecording[], subjects: number[], songs: readonly number[], whereMissing: (subject: number) => string, warn: (m: string) => void) {
  const skipped: SkippedRecording[] = [];
  for (const subject of subjects) {
    const have = new Set(planned.filter((p) => p.subject === subject).map((p) => p.song));
    const missing = songs.filter((s) => !have.has(s));
    if (missing.length === 0) continue;
    for (const song of missing) skipped.push({ subject, song, reason: `no song ${song} in ${whereMissing(subject)}; subject skipped` });
    warn(`subject ${subject} lacks song(s) ${missing.join(', ')}: skipped`);
  }
  const dropped = new Set(skipped.map((s) => s.subject));
  const kept = planned.filter((p) => !dropped.has(p.subject)).sort((a, b) => a.subject - b.subject || a.song - b.song);
  return { kept, skipped };
}

/** Reads and appends every kept recording to eeg.arrow; nothing is left behind on failure. */
async function writeEeg(dir: string, kept: PlannedRecording[], onProgress: IngestOptions['onProgress']): Promise<RecordingEntry[]> {
  const recordings: RecordingEntry[] = [];
  const writer = await EegArrowWriter.create(join(dir, 'eeg.arrow'));
  try {
    for (const [batch, p] of kept.entries()) {
      const { subject, song, fs, channels, samples } = p.entry;
      await writer.append({ subject, song, fs, channels, samples, data: await p.load() });
      recordings.push({ ...p.entry, batch });
      onProgress?.(batch + 1, kept.length, `S${subject} song ${song}`);
    }
    await writer.close();
  } catch (err) {
    await writer.abort();
    throw err;
  }
  return recordings;
}

function checkNoDuplicates(locations: RawSongLocation[]): void {
  const seen = new Map<string, RawSongLocation>();
  for (const l of locations) {
    const key = `${l.subject}/${l.song}`;
    const other = seen.get(key);
    if (other) throw new InputError(l.file.path, 'DIN_1', `song ${l.song} of subject ${l.subject} also occurs in ${other.file.name}`);
    seen.set(key, l);
  }
}

interface SourcePlan {
  planned: PlannedRecording[];
  audio: Map<number, SongAudio>;
  subjects: number[];
  whereMissing: (subject: number) => string;
  sources: string[];
  sourceFs: number;
}

/** Raw v7.3 files: locate every song by its triggers (reading only fs, X's shape and DIN_1). */
async function planRaw(input: string, dir: string, songs: readonly number[], engine: ResampleEngine, filter: FilterPipeline | undefined, contextSamples: number, subjects?: number[]): Promise<SourcePlan> {
  const files = findRawFiles(input).filter((f) => !subjects || subjects.includes(f.subject));
  if (files.length === 0) throw new InputError(input, undefined, 'no raw EEG files (*.mat) found in raw/ or the directory itself');
  const audio = ingestSongAudio(input, songs, dir);
  const eegLengthOf = (song: number) => Math.floor((audio.get(song)!.length / audioSampleRate) * rawSampleRate);
  const located: RawSongLocation[] = [];
  for (const f of files) located.push(...(await locateSongs(f, songs, eegLengthOf)));
  checkNoDuplicates(located);
  const reader = new RawSongReader(engine, filter, contextSamples);
  const fs = rawSampleRate / downsampleFactor;
  return {
    audio,
    planned: located.map((loc) => ({
      subject: loc.subject,
      song: loc.song,
      entry: { subject: loc.subject, song: loc.song, channels: eegChannels, samples: loc.samples, fs, source: loc.file.name, sourceOnset: loc.onset, sourceSamples: loc.sourceSamples },
      load: () => reader.read(loc),
    })),
    subjects: [...new Set(files.map((f) => f.subject))].sort((a, b) => a - b),
    whereMissing: (subject) => files.filter((f) => f.subject === subject).map((f) => f.name).join(', '),
    sources: files.map((f) => f.path),
    sourceFs: rawSampleRate,
  };
}

/** The cleaned release: one v5 file per song holds every subject (read whole, 125 Hz already). */
function planClean(input: string, dir: string, songs: readonly number[], engine: ResampleEngine, filter: FilterPipeline | undefined, subjects?: number[]): SourcePlan {
  const files = findCleanFiles(input).filter((f) => songs.includes(f.song));
  if (files.length === 0) throw new InputError(input, undefined, 'no cleaned files (song<T>_Imputed.mat) found in clean/ or the directory itself');
  const audio = ingestSongAudio(input, songs, dir);
  const all = files.flatMap((f) => readCleanSong(f).map((r) => ({ ...r, source: f.name, path: f.path })));
  const wanted = all.filter((r) => !subjects || subjects.includes(r.subject));
  return {
    audio,
    planned: wanted.map((r) => ({
      subject: r.subject,
      song: r.song,
      entry: { subject: r.subject, song: r.song, channels: r.channels, samples: r.samples, fs: CLEAN_FS, source: r.source },
      load: async () => {
        if (!filter) return r.data;
        try {
          return await filterFloat32(filter, r.data, r, engine);
        } catch (err) {
          if (err instanceof FilterSpecError) throw new InputError(r.path, `subject ${r.subject}`, err.message);
          throw err;
        }
      },
    })),
    subjects: [...new Set(wanted.map((r) => r.subject))].sort((a, b) => a - b),
    whereMissing: () => 'any cleaned file',
    sources: files.map((f) => f.path),
    sourceFs: CLEAN_FS,
  };
}

/**
 * Ingests NMED-T (or the synthetic stand-in) into a dataset directory.
 *
 * @example
 * const { manifest } = await ingest({ input: 'nmedt-synth', out: 'data/nmedt' });
 * console.log(manifest.recordings.length);
 */
export async function ingest(options: IngestOptions): Promise<IngestResult> {
  const t0 = performance.now();
  const songs = options.songs ?? [...songTriggers];
  const source = options.source ?? 'raw';
  const engine = options.engine ?? 'fast';
  // Designed (and checked) before any file is read: a bad spec fails at once.
  const filter = options.filter === undefined ? undefined : designFilterPipeline(options.filter, source === 'raw' ? rawSampleRate : CLEAN_FS);
  const context = expectNumber('filterContextSeconds', options.filterContextSeconds ?? 0, 0);
  if (context > 0 && (!filter || source !== 'raw')) throw new UsageError('a filter context applies to raw EEG with a filter only (--filter, --source raw)');
  const contextSamples = Math.round(context * rawSampleRate);
  const manifest = await withAtomicOutput(options.out, async (dir) => {
    mkdirSync(join(dir, 'audio'), { recursive: true });
    const plan = source === 'raw' ? await planRaw(options.input, dir, songs, engine, filter, contextSamples, options.subjects) : planClean(options.input, dir, songs, engine, filter, options.subjects);
    const { audio } = plan;
    const { kept, skipped } = completeSubjects(plan.planned, plan.subjects, songs, plan.whereMissing, options.onWarning ?? (() => {}));
    if (kept.length === 0) throw new InputError(options.input, undefined, 'no complete subject left to ingest');
    const recordings = await writeEeg(dir, kept, options.onProgress);
    const manifest: DatasetManifest = {
      format: 'predann-dataset',
      formatVersion: 1,
      predannVersion: packageVersion,
      source: { kind: source, files: await describeSources([...plan.sources, ...songs.map((s) => audio.get(s)!.file.path)]) },
      parameters: {
        fs: recordings[0].fs,
        sourceFs: plan.sourceFs,
        channels: recordings[0].channels,
        resample: source === 'raw' ? 'scipy.signal.resample' : null,
        filter: filter ? describeFilter(filter) + (contextSamples > 0 ? ` over each song with ${context} s of context` : '') : null,
        ...(filter ? { filters: [{ ...appliedFilter(filter), ...(contextSamples > 0 ? { contextSeconds: context } : {}) }] } : {}),
        onsetRule: 'onset(128 after song trigger) - 1 s; slice length int(audio_length/44100*fs) - 1',
      },
      recordings,
      songs: songs.map((s) => audio.get(s)!.entry),
      skipped,
    };
    writeFileAtomic(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    return manifest;
  });
  return { out: options.out, manifest, seconds: (performance.now() - t0) / 1000 };
}
