/**
 * The options of `synthesizeNmedt`, checked at the public edge and resolved to their defaults.
 * Wrong types are TypeErrors and out-of-range values RangeErrors, each naming the option.
 */
import { isSongTrigger, isSubject, songByTrigger, songTriggers, subjects as nmedtSubjects } from '../nmedt.js';
import { expectInteger, expectOneOf } from '../../validate.js';

export interface SynthOptions {
  /** Output directory, created atomically (nothing partial is left on failure). */
  out: string;
  /** A count (the first N NMED-T ids) or explicit ids; default all 20. */
  subjects?: number | number[];
  /** Every song's length in whole seconds; default the NMED-T lengths (~4.8 min). */
  seconds?: number;
  /** Song triggers; default 21…30. */
  songs?: number[];
  /** Same seed → byte-identical files; default 0. */
  seed?: number;
  /** Recording files per participant (the songs are split across them); default 2. */
  parts?: number;
  /** MATLAB class of X; default 'single' (the real files are double; both ingest). */
  precision?: 'single' | 'double';
  /** Also write the cleaned release; default true. */
  clean?: boolean;
  /**
   * Multiplies every participant's evoked response to the music; default 1, the calibrated level
   * (a linear classifier names the song from 3 s with accuracy ≈ 0.34). Larger values make an
   * easier data set, e.g. for a demo whose small model must learn in minutes.
   */
  responseGain?: number;
  /** Participant × song pairs left out of the raw files (NMED-T has some); default none. */
  missing?: { subject: number; song: number }[];
  /** Called with (done, total) work steps; `done` grows by one per call. */
  onProgress?: (done: number, total: number) => void;
}

export interface ResolvedSynthOptions {
  out: string;
  subjects: number[];
  songs: number[];
  /** Length of each song in seconds, by trigger. */
  seconds: Map<number, number>;
  seed: number;
  parts: number;
  precision: 'single' | 'double';
  clean: boolean;
  responseGain: number;
  /** Songs each participant hears in the raw files, by participant. */
  presentSongs: Map<number, number[]>;
  onProgress: (done: number, total: number) => void;
}

/** Shortest song: one bar of the slowest NMED-T song (4 beats at 55.97 BPM = 4.3 s), rounded up. */
export const MIN_SONG_SECONDS = 5;
/** Largest response gain: 100× the calibrated evoked response already dwarfs the background. */
export const MAX_RESPONSE_GAIN = 100;
/** Longest song: ten minutes, twice the longest real one. */
export const MAX_SONG_SECONDS = 600;
export const MAX_PARTS = 10;

const SUBJECT_LIST = '2–17, 19, 20, 21, 23';

function describe(value: unknown): string {
  return `${typeof value === 'string' ? JSON.stringify(value) : String(value)} of type ${typeof value}`;
}

function expectUnique(name: string, values: readonly number[]): void {
  const seen = new Set<number>();
  for (const v of values) {
    if (seen.has(v)) throw new RangeError(`Expected distinct values for ${name} but received ${v} twice`);
    seen.add(v);
  }
}

function resolveSubjects(value: unknown): number[] {
  if (value === undefined) return [...nmedtSubjects];
  if (typeof value === 'number') return nmedtSubjects.slice(0, expectInteger('subjects', value, 1, nmedtSubjects.length));
  if (!Array.isArray(value)) throw new TypeError(`Expected a number or an array of subject ids for subjects but received ${describe(value)}`);
  if (value.length === 0) throw new RangeError('Expected at least one subject id for subjects but received an empty array');
  value.forEach((id, i) => {
    expectInteger(`subjects[${i}]`, id);
    if (!isSubject(id)) throw new RangeError(`Expected an NMED-T subject id (${SUBJECT_LIST}) for subjects[${i}] but received ${id}`);
  });
  expectUnique('subjects', value);
  return [...value];
}

function resolveSongs(value: unknown): number[] {
  if (value === undefined) return [...songTriggers];
  if (!Array.isArray(value)) throw new TypeError(`Expected an array of song triggers for songs but received ${describe(value)}`);
  if (value.length === 0) throw new RangeError('Expected at least one song trigger for songs but received an empty array');
  value.forEach((trigger, i) => {
    expectInteger(`songs[${i}]`, trigger);
    if (!isSongTrigger(trigger)) throw new RangeError(`Expected a song trigger between 21 and 30 for songs[${i}] but received ${trigger}`);
  });
  expectUnique('songs', value);
  return [...value];
}

function resolvePresentSongs(value: unknown, subjects: number[], songs: number[]): Map<number, number[]> {
  const missing = new Set<string>();
  if (value !== undefined) {
    if (!Array.isArray(value)) throw new TypeError(`Expected an array of { subject, song } for missing but received ${describe(value)}`);
    value.forEach((pair: unknown, i) => {
      if (typeof pair !== 'object' || pair === null) throw new TypeError(`Expected { subject, song } for missing[${i}] but received ${describe(pair)}`);
      const { subject, song } = pair as { subject: unknown; song: unknown };
      if (!subjects.includes(expectInteger(`missing[${i}].subject`, subject))) {
        throw new RangeError(`Expected one of the generated subjects (${subjects.join(', ')}) for missing[${i}].subject but received ${subject}`);
      }
      if (!songs.includes(expectInteger(`missing[${i}].song`, song))) {
        throw new RangeError(`Expected one of the generated songs (${songs.join(', ')}) for missing[${i}].song but received ${song}`);
      }
      missing.add(`${subject}:${song}`);
    });
  }
  return new Map(
    subjects.map((subject) => {
      const present = songs.filter((song) => !missing.has(`${subject}:${song}`));
      if (present.length === 0) throw new RangeError(`Expected at least one song left for subject ${subject} but missing removes all of them`);
      return [subject, present];
    }),
  );
}

/**
 * Checks `options` and fills in the defaults.
 *
 * @example
 * resolveSynthOptions({ out: 'synth', subjects: 2, seconds: 20 }).subjects; // [2, 3]
 */
export function resolveSynthOptions(options: SynthOptions): ResolvedSynthOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError(`Expected an options object but received ${describe(options)}`);
  const { out, seconds, seed = 0, parts = 2, precision = 'single', clean = true, responseGain = 1, onProgress } = options;
  if (typeof out !== 'string' || out === '') throw new TypeError(`Expected a non-empty string for out but received ${describe(out)}`);
  const subjects = resolveSubjects(options.subjects);
  const songs = resolveSongs(options.songs);
  if (seconds !== undefined) expectInteger('seconds', seconds, MIN_SONG_SECONDS, MAX_SONG_SECONDS);
  if (typeof responseGain !== 'number' || !(responseGain > 0 && responseGain <= MAX_RESPONSE_GAIN)) {
    throw new RangeError(`Expected a number in (0, ${MAX_RESPONSE_GAIN}] for responseGain but received ${describe(responseGain)}`);
  }
  if (typeof clean !== 'boolean') throw new TypeError(`Expected a boolean for clean but received ${describe(clean)}`);
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw new TypeError(`Expected a function for onProgress but received ${describe(onProgress)}`);
  }
  return {
    out,
    subjects,
    songs,
    seconds: new Map(songs.map((song) => [song, seconds ?? songByTrigger(song).lengthSeconds])),
    seed: expectInteger('seed', seed, 0, Number.MAX_SAFE_INTEGER),
    parts: expectInteger('parts', parts, 1, MAX_PARTS),
    precision: expectOneOf('precision', precision, ['single', 'double'] as const),
    clean,
    responseGain,
    presentSongs: resolvePresentSongs(options.missing, subjects, songs),
    onProgress: onProgress ?? (() => {}),
  };
}
