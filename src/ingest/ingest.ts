/**
 * `predann ingest`: NMED-T sources (raw v7.3 EEG or the cleaned v5 release, plus the song WAVs)
 * → a dataset directory: `eeg.arrow` (one record batch per subject × song, sorted by subject then
 * song), `audio/<trigger>.wav` and `manifest.json`. The directory appears atomically and the same
 * inputs give byte-identical files (no timestamps, deterministic order).
 */
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { withAtomicOutput, writeFileAtomic } from '../io/atomic.js';
import { sha256File } from '../io/file-hash.js';
import { readWav, writeWav } from '../io/wav.js';
import { EegArrowWriter } from '../io/eeg-arrow.js';
import type { DatasetManifest, RecordingEntry, SkippedRecording, SongEntry, SourceFile } from '../data/dataset.js';
import { audioSampleRate, downsampleFactor, eegChannels, rawSampleRate, songByTrigger, songTriggers } from '../data/nmedt.js';
import { packageVersion } from '../version.js';
import type { ResampleEngine } from '../dsp/resample.js';
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
  engine?: ResampleEngine;
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
 * Reads each song's WAV once: finds its length and writes audio/<song>.wav into the data set,
 * the first length − 1 samples as float32, as the official `ExtractAUDIO`.
 */
function ingestSongAudio(input: string, songs: readonly number[], dir: string): Map<number, SongAudio> {
  const files = new Map(findAudioFiles(input).map((f) => [f.song, f]));
  const out = new Map<number, SongAudio>();
  for (const song of songs) {
    const file = files.get(song);
    if (!file) throw new InputError(join(input, 'audio'), undefined, `no WAV file for song ${song} (expected ${songByTrigger(song).audioFile} or ${song}.wav)`);
    const wav = readWav(file.path);
    if (wav.sampleRate !== audioSampleRate) throw new InputError(file.path, 'sample rate', `is ${wav.sampleRate} Hz, expected ${audioSampleRate}`);
    const length = audioLength(song, wav.channels[0].length);
    const channels = wav.channels.map((c) => c.subarray(0, length - 1));
    const rel = `audio/${song}.wav`;
    writeWav(join(dir, rel), { sampleRate: wav.sampleRate, channels, format: 'float32' });
    out.set(song, { file, length, entry: { song, audio: rel, sampleRate: wav.sampleRate, frames: length - 1, channels: channels.length } });
  }
  return out;
}

async function describeSources(paths: string[]): Promise<SourceFile[]> {
  const out: SourceFile[] = [];
  for (const p of paths) out.push({ name: p.split('/').pop()!, bytes: statSync(p).size, sha256: await sha256File(p) });
  return out;
}

/** Subjects lacking any requested song are skipped whole (with a warning), as the split needs every song. */
function dropIncompleteSubjects(
  locations: RawSongLocation[],
  subjects: number[],
  songs: readonly number[],
  files: RawFile[],
  warn: (m: string) => void,
): { kept: RawSongLocation[]; skipped: SkippedRecording[] } {
  const skipped: SkippedRecording[] = [];
  const incomplete = new Set<number>();
  for (const subject of subjects) {
    const have = new Set(locations.filter((l) => l.subject === subject).map((l) => l.song));
    for (const song of songs.filter((s) => !have.has(s))) {
      incomplete.add(subject);
      const names = files.filter((f) => f.subject === subject).map((f) => f.name);
      skipped.push({ subject, song, reason: `no trigger ${song} in ${names.join(', ')}; subject skipped` });
    }
  }
  for (const subject of incomplete) {
    const missing = skipped.filter((s) => s.subject === subject).map((s) => s.song);
    warn(`subject ${subject} lacks song(s) ${missing.join(', ')}: skipped`);
  }
  return { kept: locations.filter((l) => !incomplete.has(l.subject)), skipped };
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

async function ingestRawSources(options: Required<Pick<IngestOptions, 'input' | 'engine'>> & IngestOptions, dir: string, songs: readonly number[]) {
  const warn = options.onWarning ?? (() => {});
  let files = findRawFiles(options.input);
  if (options.subjects) files = files.filter((f) => options.subjects!.includes(f.subject));
  if (files.length === 0) throw new InputError(options.input, undefined, 'no raw EEG files (*.mat) found in raw/ or the directory itself');
  const audio = ingestSongAudio(options.input, songs, dir);
  const eegLengthOf = (song: number) => Math.floor((audio.get(song)!.length / audioSampleRate) * rawSampleRate);

  const located: RawSongLocation[] = [];
  for (const f of files) located.push(...(await locateSongs(f, songs, eegLengthOf)));
  checkNoDuplicates(located);
  const subjects = [...new Set(files.map((f) => f.subject))].sort((a, b) => a - b);
  const { kept, skipped } = dropIncompleteSubjects(located, subjects, songs, files, warn);
  kept.sort((a, b) => a.subject - b.subject || a.song - b.song);

  const recordings: RecordingEntry[] = [];
  const songReader = new RawSongReader(options.engine);
  const writer = await EegArrowWriter.create(join(dir, 'eeg.arrow'));
  try {
    for (const [i, loc] of kept.entries()) {
      const data = await songReader.read(loc);
      const fs = rawSampleRate / downsampleFactor;
      await writer.append({ subject: loc.subject, song: loc.song, fs, channels: eegChannels, samples: loc.samples, data });
      recordings.push({ subject: loc.subject, song: loc.song, batch: i, channels: eegChannels, samples: loc.samples, fs, source: loc.file.name, sourceOnset: loc.onset, sourceSamples: loc.sourceSamples });
      options.onProgress?.(i + 1, kept.length, `S${loc.subject} song ${loc.song}`);
    }
    await writer.close();
  } catch (err) {
    await writer.abort();
    throw err;
  }
  const songEntries = songs.map((s) => audio.get(s)!.entry);
  const sources = [...files.map((f) => f.path), ...songs.map((s) => audio.get(s)!.file.path)];
  return { recordings, skipped, songEntries, sources, sourceFs: rawSampleRate, channels: eegChannels };
}

async function ingestCleanSources(options: IngestOptions, dir: string, songs: readonly number[]) {
  const files = findCleanFiles(options.input).filter((f) => songs.includes(f.song));
  if (files.length === 0) throw new InputError(options.input, undefined, 'no cleaned files (song<T>_Imputed.mat) found in clean/ or the directory itself');
  const audio = ingestSongAudio(options.input, songs, dir);
  const all = files.flatMap((f) => readCleanSong(f).map((r) => ({ ...r, source: f.name })));
  const bySubject = new Map<number, number[]>();
  for (const r of all) bySubject.set(r.subject, [...(bySubject.get(r.subject) ?? []), r.song]);
  const skipped: SkippedRecording[] = [];
  for (const [subject, have] of bySubject) {
    for (const song of songs.filter((s) => !have.includes(s))) skipped.push({ subject, song, reason: `not in any cleaned file; subject skipped` });
  }
  const dropped = new Set(skipped.map((s) => s.subject));
  for (const s of dropped) options.onWarning?.(`subject ${s} lacks song(s) ${skipped.filter((k) => k.subject === s).map((k) => k.song).join(', ')}: skipped`);
  const kept = all
    .filter((r) => !dropped.has(r.subject) && (!options.subjects || options.subjects.includes(r.subject)))
    .sort((a, b) => a.subject - b.subject || a.song - b.song);
  const recordings: RecordingEntry[] = [];
  const writer = await EegArrowWriter.create(join(dir, 'eeg.arrow'));
  try {
    for (const [i, r] of kept.entries()) {
      await writer.append({ subject: r.subject, song: r.song, fs: CLEAN_FS, channels: r.channels, samples: r.samples, data: r.data });
      recordings.push({ subject: r.subject, song: r.song, batch: i, channels: r.channels, samples: r.samples, fs: CLEAN_FS, source: r.source });
      options.onProgress?.(i + 1, kept.length, `S${r.subject} song ${r.song}`);
    }
    await writer.close();
  } catch (err) {
    await writer.abort();
    throw err;
  }
  const songEntries = songs.map((s) => audio.get(s)!.entry);
  const sources = [...files.map((f) => f.path), ...songs.map((s) => audio.get(s)!.file.path)];
  return { recordings, skipped, songEntries, sources, sourceFs: CLEAN_FS, channels: kept[0]?.channels ?? 0 };
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
  const opts = { engine: 'fast' as ResampleEngine, ...options };
  const manifest = await withAtomicOutput(options.out, async (dir) => {
    mkdirSync(join(dir, 'audio'), { recursive: true });
    const r = source === 'raw' ? await ingestRawSources(opts, dir, songs) : await ingestCleanSources(opts, dir, songs);
    if (r.recordings.length === 0) throw new InputError(options.input, undefined, 'no complete subject left to ingest');
    const manifest: DatasetManifest = {
      format: 'predann-dataset',
      formatVersion: 1,
      predannVersion: packageVersion,
      source: { kind: source, files: await describeSources(r.sources) },
      parameters: {
        fs: source === 'raw' ? rawSampleRate / downsampleFactor : CLEAN_FS,
        sourceFs: r.sourceFs,
        channels: r.channels,
        resample: source === 'raw' ? 'scipy.signal.resample' : null,
        filter: null,
        onsetRule: 'onset(128 after song trigger) - 1 s; slice length int(audio_length/44100*fs) - 1',
      },
      recordings: r.recordings,
      songs: r.songEntries,
      skipped: r.skipped,
    };
    writeFileAtomic(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    return manifest;
  });
  return { out: options.out, manifest, seconds: (performance.now() - t0) / 1000 };
}
