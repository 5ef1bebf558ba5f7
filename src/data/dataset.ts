/**
 * A dataset directory as `predann ingest` writes it:
 *
 *   manifest.json        what is inside and where it came from (dataset-manifest.ts)
 *   eeg.arrow            one record batch per subject × song (io/eeg-arrow.ts)
 *   audio/<trigger>.wav  the songs at 44.1 kHz
 *
 * `Dataset` reads the manifest eagerly and the EEG and audio on demand, one recording at a time,
 * so opening a 3.5 GB dataset costs a few milliseconds.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { EegArrowReader, type EegRecording } from '../io/eeg-arrow.js';
import { readWav } from '../io/wav.js';
import { chunkRef, chunksAvailable, type ChunkRef, type DelayOptions } from './chunks.js';
import { checkManifest, type DatasetManifest, type RecordingEntry, type SongEntry } from './dataset-manifest.js';
import { chunkAudioFrames, chunksPerRecording, delaySamples as officialDelaySamples, songByTrigger } from './nmedt.js';
import { expectInteger } from '../validate.js';

export {
  datasetFormat,
  datasetFormatVersion,
  type DatasetManifest,
  type DatasetParameters,
  type RecordingEntry,
  type SkippedRecording,
  type SongEntry,
  type SourceFile,
} from './dataset-manifest.js';

/** A song's audio as stored in the dataset. */
export interface SongAudio {
  song: number;
  sampleRate: number;
  frames: number;
  /** One array of `frames` samples per audio channel. */
  channels: Float32Array[];
}

/** Counts for one subject or one song. */
export interface SummaryRow {
  recordings: number;
  /** Hours of EEG. */
  hours: number;
  /** 30-s chunks available for training and validation. */
  chunks: number;
}

/** What `predann demo` and `predann info` print about a dataset. */
export interface DatasetSummary {
  recordings: number;
  subjects: number;
  songs: number;
  chunks: number;
  skipped: number;
  channels: number;
  fs: number;
  totalHours: number;
  perSubject: ({ subject: number } & SummaryRow)[];
  perSong: ({ song: number; title: string } & SummaryRow)[];
}

/**
 * An opened dataset directory.
 *
 * @example
 * const dataset = await Dataset.open('data/nmedt');
 * const rec = await dataset.recording(2, 21);   // 128 × ~34,750 samples at 125 Hz
 * const refs = dataset.chunkRefs();             // 8 chunks per full recording
 * await dataset.close();
 */
export class Dataset {
  private readonly byPair: Map<string, RecordingEntry>;

  private constructor(
    readonly dir: string,
    readonly manifest: DatasetManifest,
    private readonly eeg: EegArrowReader,
  ) {
    this.byPair = new Map(manifest.recordings.map((r) => [pairKey(r.subject, r.song), r]));
  }

  /**
   * Reads and checks `dir/manifest.json`, opens `dir/eeg.arrow` and checks that both list the same
   * number of recordings. Throws InputError naming the file and field for anything amiss.
   */
  static async open(dir: string): Promise<Dataset> {
    const manifest = readManifest(join(dir, 'manifest.json'));
    const eeg = await EegArrowReader.open(join(dir, 'eeg.arrow'));
    try {
      checkBatches(manifest, eeg);
    } catch (err) {
      await eeg.close();
      throw err;
    }
    return new Dataset(dir, manifest, eeg);
  }

  /** The manifest's recording entries, in file order (subject, then song, as ingested). */
  recordings(): RecordingEntry[] {
    return this.manifest.recordings.map((r) => ({ ...r }));
  }

  /**
   * The EEG of one subject and song, read from its record batch. The batch must agree with the
   * manifest entry (subject, song, channels, samples, fs), or an InputError says how it differs.
   *
   * @example
   * const { data, channels, samples } = await dataset.recording(2, 21);
   */
  async recording(subject: number, song: number): Promise<EegRecording> {
    const entry = this.entry(subject, song);
    const rec = await this.eeg.read(entry.batch);
    for (const field of ['subject', 'song', 'channels', 'samples', 'fs'] as const) {
      if (rec[field] !== entry[field]) {
        throw new InputError(this.eeg.path, `record batch ${entry.batch}`, `has ${field} ${rec[field]} but manifest.json says ${entry[field]}`);
      }
    }
    return rec;
  }

  /**
   * The audio of one song, checked against the manifest's sample rate, frames and channels.
   *
   * @example
   * const { sampleRate, channels } = await dataset.audio(21); // 44100, [Float32Array(12259799)]
   */
  async audio(song: number): Promise<SongAudio> {
    const entry = this.songEntry(song);
    const path = join(this.dir, entry.audio);
    const wav = readWav(path);
    const frames = wav.channels[0]?.length ?? 0;
    const expect = (field: string, actual: number, expected: number) => {
      if (actual !== expected) throw new InputError(path, field, `is ${actual} but manifest.json says ${expected}`);
    };
    expect('sample rate', wav.sampleRate, entry.sampleRate);
    expect('channels', wav.channels.length, entry.channels);
    expect('frames', frames, entry.frames);
    return { song, sampleRate: wav.sampleRate, frames, channels: wav.channels };
  }

  /**
   * Every 30-s chunk the data holds, recording by recording in manifest order, chunks 0, 1, ….
   * A recording gives as many chunks as both its EEG (after the delay) and its song's audio cover
   * whole, at most 8: 8 for every real NMED-T recording.
   *
   * @example
   * stratifiedSplit(dataset.chunkRefs(), { seed: 0 });
   */
  chunkRefs({ delaySamples = officialDelaySamples }: DelayOptions = {}): ChunkRef[] {
    expectInteger('delaySamples', delaySamples, 0);
    return this.manifest.recordings.flatMap((r) =>
      Array.from({ length: this.chunkCount(r, delaySamples) }, (_, chunk) => chunkRef(r.subject, r.song, chunk)),
    );
  }

  /**
   * Counts per subject and per song, hours of EEG, channels and sample rate.
   *
   * @example
   * const s = dataset.summary();
   * console.log(`${s.recordings} recordings, ${s.totalHours.toFixed(1)} h, ${s.chunks} chunks`);
   */
  summary(): DatasetSummary {
    const { recordings, parameters, skipped } = this.manifest;
    const row = (rs: RecordingEntry[]): SummaryRow => ({
      recordings: rs.length,
      hours: rs.reduce((h, r) => h + r.samples / r.fs / 3600, 0),
      chunks: rs.reduce((n, r) => n + this.chunkCount(r, officialDelaySamples), 0),
    });
    const subjects = unique(recordings.map((r) => r.subject));
    const songs = unique(recordings.map((r) => r.song));
    const all = row(recordings);
    return {
      recordings: recordings.length,
      subjects: subjects.length,
      songs: songs.length,
      chunks: all.chunks,
      skipped: skipped.length,
      channels: parameters.channels,
      fs: parameters.fs,
      totalHours: all.hours,
      perSubject: subjects.map((subject) => ({ subject, ...row(recordings.filter((r) => r.subject === subject)) })),
      perSong: songs.map((song) => ({ song, title: songByTrigger(song).title, ...row(recordings.filter((r) => r.song === song)) })),
    };
  }

  /** Closes eeg.arrow. */
  async close(): Promise<void> {
    await this.eeg.close();
  }

  private chunkCount(r: RecordingEntry, delaySamples: number): number {
    const byAudio = Math.floor(this.songEntry(r.song).frames / chunkAudioFrames);
    return Math.min(chunksAvailable(r.samples, delaySamples), byAudio, chunksPerRecording);
  }

  private entry(subject: number, song: number): RecordingEntry {
    const entry = this.byPair.get(pairKey(subject, song));
    if (!entry) throw new RangeError(`No recording of subject ${subject} song ${song} in ${this.dir}`);
    return entry;
  }

  private songEntry(song: number): SongEntry {
    const entry = this.manifest.songs.find((s) => s.song === song);
    if (!entry) throw new RangeError(`No audio for song ${song} in ${this.dir}`);
    return entry;
  }
}

function readManifest(path: string): DatasetManifest {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new InputError(path, undefined, missing ? 'missing: not a predann dataset directory (make one with predann ingest)' : `cannot read (${(err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InputError(path, undefined, `not valid JSON (${(err as Error).message})`);
  }
  return checkManifest(json, path);
}

/** The manifest must list exactly the batches eeg.arrow holds: one entry per batch 0 … n − 1. */
function checkBatches(manifest: DatasetManifest, eeg: EegArrowReader): void {
  if (eeg.count !== manifest.recordings.length) {
    throw new InputError(eeg.path, undefined, `holds ${eeg.count} recordings but manifest.json lists ${manifest.recordings.length}`);
  }
  manifest.recordings.forEach((r, i) => {
    if (r.batch >= eeg.count) {
      throw new InputError(eeg.path, undefined, `has no record batch ${r.batch} (manifest.json recordings[${i}].batch); it holds ${eeg.count}`);
    }
  });
}

function pairKey(subject: number, song: number): string {
  return `${subject}/${song}`;
}

function unique(values: number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}
