/**
 * When each song plays in a participant's raw recording files, and the trigger events (`DIN_1`)
 * that mark it, following the NMED-T conventions the official ingest relies on (digest §1.2):
 *
 * - the participant hears their songs in their own random order, split over `parts` files;
 * - every file starts with 3–6 s of silence and ends with 2–4 s; songs are 2–5 s apart;
 * - a song's trigger ('D21'…'D30') comes 100–600 ms before the music starts, and the next event
 *   is always 'D128', exactly 1 s (1000 samples) after the true onset: onset = onset(D128) − 1000;
 * - unrelated 'D1' events (a start marker and tap markers during the music) appear elsewhere,
 *   never between a song trigger and its 'D128', and must be ignored by an ingest.
 *
 * Onsets are 0-based sample indices into X's columns (how the official Python code uses them).
 */
import { onsetAnchorTrigger, onsetLeadRawSamples } from '../nmedt.js';
import { SeededRng } from './seeded-rng.js';

/** Code of the unrelated marker events. */
const MARKER_CODE = 1;

export interface DinEvent {
  label: string;
  /** 0-based sample index. */
  onset: number;
  /** Pulse length in samples (row 3 of DIN_1). */
  duration: number;
  /** The label's number (row 4 of DIN_1). */
  code: number;
}

export interface SongSegment {
  song: number;
  /** First sample of the music (0-based column of X). */
  onset: number;
  frames: number;
}

export interface RecordingPart {
  subject: number;
  /** 1-based part number, as in the file name S02_1.mat. */
  part: number;
  /** Columns of X. */
  frames: number;
  songs: SongSegment[];
  /** Sorted by onset. */
  events: DinEvent[];
}

function event(code: number, onset: number): DinEvent {
  return { label: `D${code}`, onset, duration: 1, code };
}

/** Splits `items` into `groups` consecutive runs whose lengths differ by at most one. */
function splitEvenly<T>(items: readonly T[], groups: number): T[][] {
  return Array.from({ length: groups }, (_, g) =>
    items.slice(Math.floor((g * items.length) / groups), Math.floor(((g + 1) * items.length) / groups)),
  );
}

/**
 * Lays out the recording files of one participant: `songs` (triggers) in a random order over
 * min(parts, songs) files; `framesOf(song)` is a song's length in samples at `sampleRate`.
 *
 * @example
 * const parts = layoutRecordings(0, 2, [21, 22, 23], () => 20000, 2, 1000);
 * parts[0].events.map((e) => e.label); // e.g. ['D1', 'D23', 'D128', 'D1', 'D21', 'D128']
 */
export function layoutRecordings(
  seed: number,
  subject: number,
  songs: readonly number[],
  framesOf: (song: number) => number,
  parts: number,
  sampleRate: number,
): RecordingPart[] {
  const rng = SeededRng.stream(seed, 'subject', subject, 'layout');
  const seconds = (lo: number, hi: number) => Math.round(rng.range(lo, hi) * sampleRate);
  const order = rng.shuffled(songs);
  return splitEvenly(order, Math.min(parts, order.length)).map((group, p) => {
    const events: DinEvent[] = [event(MARKER_CODE, seconds(0.5, 2))];
    const segments: SongSegment[] = [];
    let cursor = seconds(3, 6);
    let end = cursor;
    for (const song of group) {
      const frames = framesOf(song);
      const onset = cursor;
      events.push(event(song, onset - seconds(0.1, 0.6)), event(onsetAnchorTrigger, onset + onsetLeadRawSamples));
      const taps = rng.int(4);
      const firstTap = onset + onsetLeadRawSamples + 1; // after D128: never between a trigger and its anchor
      for (let i = 0; i < taps; i++) events.push(event(MARKER_CODE, firstTap + rng.int(onset + frames - firstTap)));
      segments.push({ song, onset, frames });
      end = onset + frames;
      cursor = end + seconds(2, 5);
    }
    events.sort((a, b) => a.onset - b.onset);
    return { subject, part: p + 1, frames: end + seconds(2, 4), songs: segments, events };
  });
}
