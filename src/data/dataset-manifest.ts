/**
 * `manifest.json` of a dataset directory: what the ingest wrote (sources with hashes, parameters,
 * one entry per recording in `eeg.arrow`, one per song WAV, what was skipped and why), and the
 * checks a reader runs before trusting it. Every problem becomes an InputError that names the file
 * and the field, e.g. `data/manifest.json: recordings[3].samples: expected a positive integer, got -1`.
 */
import { InputError } from '../errors.js';
import { isSongTrigger, isSubject } from './nmedt.js';

/** The manifest's `format` value. */
export const datasetFormat = 'predann-dataset';
/** The manifest layout this version reads and writes. */
export const datasetFormatVersion = 1;

/** One input file the dataset was made from. */
export interface SourceFile {
  name: string;
  bytes: number;
  sha256: string;
}

/** How the EEG was produced. */
export interface DatasetParameters {
  /** EEG sample rate in the dataset, Hz. */
  fs: number;
  /** Sample rate of the source EEG, Hz. */
  sourceFs: number;
  channels: number;
  /** Resampling method, e.g. 'scipy.signal.resample'; null when the source already had `fs`. */
  resample: string | null;
  /** Filtering applied, in words ('<spec> at <fs> Hz', '; '-joined), or null (PredANN filters nothing, digest §2.2 item 2). */
  filter: string | null;
  /** Each filter pipeline applied, in order: canonical spec, the sample rate it ran at, its stages. */
  filters?: { spec: string; fs: number; stages: unknown[]; contextSeconds?: number }[];
  /** How song onsets were found in the source, in words. */
  onsetRule?: string;
}

/** One recording: record batch `batch` of eeg.arrow. */
export interface RecordingEntry {
  subject: number;
  /** Song trigger, 21–30. */
  song: number;
  /** Index of its record batch in eeg.arrow. */
  batch: number;
  channels: number;
  samples: number;
  fs: number;
  /** Name of the source file it came from. */
  source: string;
  /** Raw sample where the song starts in the source file. */
  sourceOnset?: number;
  /** Raw samples taken from the source file. */
  sourceSamples?: number;
}

/** One song's audio, stored as a WAV file inside the dataset directory. */
export interface SongEntry {
  /** Song trigger, 21–30. */
  song: number;
  /** Path relative to the dataset directory, e.g. 'audio/21.wav'. */
  audio: string;
  sampleRate: number;
  frames: number;
  channels: number;
}

/** A subject × song the ingest could not take, and why. */
export interface SkippedRecording {
  subject: number;
  song: number;
  reason: string;
}

/** The whole manifest. */
export interface DatasetManifest {
  format: typeof datasetFormat;
  formatVersion: typeof datasetFormatVersion;
  predannVersion: string;
  source: { kind: 'raw' | 'clean'; files: SourceFile[] };
  parameters: DatasetParameters;
  recordings: RecordingEntry[];
  songs: SongEntry[];
  skipped: SkippedRecording[];
}

/**
 * Checks parsed manifest JSON and returns it typed. `file` names the manifest in error messages.
 *
 * @example
 * const manifest = checkManifest(JSON.parse(text), 'data/manifest.json');
 */
export function checkManifest(json: unknown, file: string): DatasetManifest {
  const check = new FieldChecker(file);
  const m = check.object('', json);
  if (m.format !== datasetFormat) check.fail('format', `is ${JSON.stringify(m.format)}; expected "${datasetFormat}"`);
  if (m.formatVersion !== datasetFormatVersion) {
    check.fail('formatVersion', `is ${JSON.stringify(m.formatVersion)}; this predann reads version ${datasetFormatVersion} (re-run predann ingest)`);
  }
  check.string('predannVersion', m.predannVersion);
  const source = check.object('source', m.source);
  if (source.kind !== 'raw' && source.kind !== 'clean') check.fail('source.kind', `is ${JSON.stringify(source.kind)}; expected "raw" or "clean"`);
  check.array('source.files', source.files).forEach((f, i) => checkSourceFile(check, `source.files[${i}]`, f));
  checkParameters(check, m.parameters);
  const recordings = check.array('recordings', m.recordings);
  recordings.forEach((r, i) => checkRecording(check, `recordings[${i}]`, r));
  check.array('songs', m.songs).forEach((s, i) => checkSong(check, `songs[${i}]`, s));
  check.array('skipped', m.skipped).forEach((s, i) => checkSkipped(check, `skipped[${i}]`, s));
  const manifest = m as unknown as DatasetManifest;
  checkConsistency(check, manifest);
  return manifest;
}

function checkSourceFile(check: FieldChecker, at: string, value: unknown): void {
  const f = check.object(at, value);
  check.string(`${at}.name`, f.name);
  check.integer(`${at}.bytes`, f.bytes, 0);
  check.string(`${at}.sha256`, f.sha256);
}

function checkParameters(check: FieldChecker, value: unknown): void {
  const p = check.object('parameters', value);
  check.positive('parameters.fs', p.fs);
  check.positive('parameters.sourceFs', p.sourceFs);
  check.integer('parameters.channels', p.channels, 1);
  if (p.resample !== null) check.string('parameters.resample', p.resample);
  if (p.filter !== null) check.string('parameters.filter', p.filter);
  if (p.filters !== undefined) {
    check.array('parameters.filters', p.filters).forEach((f, i) => {
      const o = check.object(`parameters.filters[${i}]`, f);
      check.string(`parameters.filters[${i}].spec`, o.spec);
      check.positive(`parameters.filters[${i}].fs`, o.fs);
      check.array(`parameters.filters[${i}].stages`, o.stages);
    });
  }
  if (p.onsetRule !== undefined) check.string('parameters.onsetRule', p.onsetRule);
}

function checkRecording(check: FieldChecker, at: string, value: unknown): void {
  const r = check.object(at, value);
  check.subject(`${at}.subject`, r.subject);
  check.song(`${at}.song`, r.song);
  check.integer(`${at}.batch`, r.batch, 0);
  check.integer(`${at}.channels`, r.channels, 1);
  check.integer(`${at}.samples`, r.samples, 1);
  check.positive(`${at}.fs`, r.fs);
  check.string(`${at}.source`, r.source);
  if (r.sourceOnset !== undefined) check.integer(`${at}.sourceOnset`, r.sourceOnset, 0);
  if (r.sourceSamples !== undefined) check.integer(`${at}.sourceSamples`, r.sourceSamples, 1);
}

function checkSong(check: FieldChecker, at: string, value: unknown): void {
  const s = check.object(at, value);
  check.song(`${at}.song`, s.song);
  check.string(`${at}.audio`, s.audio);
  check.positive(`${at}.sampleRate`, s.sampleRate);
  check.integer(`${at}.frames`, s.frames, 0);
  check.integer(`${at}.channels`, s.channels, 1);
}

function checkSkipped(check: FieldChecker, at: string, value: unknown): void {
  const s = check.object(at, value);
  check.integer(`${at}.subject`, s.subject);
  check.integer(`${at}.song`, s.song);
  check.string(`${at}.reason`, s.reason);
}

/** Cross-entry rules: one entry per recording, per batch and per song; every recording has its song. */
function checkConsistency(check: FieldChecker, m: DatasetManifest): void {
  const pairs = new Map<string, number>();
  const batches = new Map<number, number>();
  const songs = new Set<number>();
  m.songs.forEach((s, i) => {
    if (songs.has(s.song)) check.fail(`songs[${i}].song`, `song ${s.song} is listed twice`);
    songs.add(s.song);
  });
  m.recordings.forEach((r, i) => {
    const pair = `${r.subject}/${r.song}`;
    if (pairs.has(pair)) check.fail(`recordings[${i}]`, `subject ${r.subject} song ${r.song} is also recordings[${pairs.get(pair)}]`);
    if (batches.has(r.batch)) check.fail(`recordings[${i}].batch`, `batch ${r.batch} is also used by recordings[${batches.get(r.batch)}]`);
    if (!songs.has(r.song)) check.fail(`recordings[${i}].song`, `song ${r.song} has no entry in songs`);
    pairs.set(pair, i);
    batches.set(r.batch, i);
  });
}

/** Field checks that throw InputError(file, field, problem). */
class FieldChecker {
  constructor(private readonly file: string) {}

  fail(field: string, problem: string): never {
    throw new InputError(this.file, field || undefined, problem);
  }

  object(field: string, value: unknown): Record<string, unknown> {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) this.fail(field, `expected an object, got ${describe(value)}`);
    return value as Record<string, unknown>;
  }

  array(field: string, value: unknown): unknown[] {
    if (!Array.isArray(value)) this.fail(field, `expected an array, got ${describe(value)}`);
    return value;
  }

  string(field: string, value: unknown): void {
    if (typeof value !== 'string') this.fail(field, `expected a string, got ${describe(value)}`);
  }

  integer(field: string, value: unknown, min = -Infinity): void {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      const what = min === 0 ? 'a non-negative integer' : min === 1 ? 'a positive integer' : 'an integer';
      this.fail(field, `expected ${what}, got ${describe(value)}`);
    }
  }

  positive(field: string, value: unknown): void {
    if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) this.fail(field, `expected a positive number, got ${describe(value)}`);
  }

  subject(field: string, value: unknown): void {
    this.integer(field, value);
    if (!isSubject(value as number)) this.fail(field, `${value} is not an NMED-T subject`);
  }

  song(field: string, value: unknown): void {
    this.integer(field, value);
    if (!isSongTrigger(value as number)) this.fail(field, `${value} is not a song trigger (21–30)`);
  }
}

/** A short rendering of a bad value for a message. */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
