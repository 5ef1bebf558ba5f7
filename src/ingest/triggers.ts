/**
 * Song onsets from the NMED-T trigger channel `DIN_1` (digest §1.2, official `mat_to_pkl.py`).
 *
 * `DIN_1` is a cell array whose first row holds event labels ('D21', 'D128', …; digits are what
 * count, as the official `re.sub(r"\D", "", label)` keeps) and whose second row holds the event
 * onsets in samples. A song starts with its trigger (21–30); the next event must be a 128, and
 * the true stimulus onset is that 128 event's onset minus one second of samples.
 */
import { InputError } from '../errors.js';
import { onsetAnchorTrigger } from '../data/nmedt.js';

export interface TriggerEvent {
  /** The label's digits as a number (NaN when the label has none). */
  code: number;
  /** Onset in samples, as stored (the official code uses it directly as an index). */
  onset: number;
  /** Position in DIN_1, for messages. */
  index: number;
}

export interface SongOnset {
  song: number;
  /** First EEG sample of the song: onset(128) − lead. */
  onset: number;
}

type CellValue = string | number | Float64Array;

/** Reads the (label, onset) pairs of a DIN_1 cell array given column-major with `rows` rows. */
export function parseTriggerEvents(file: string, dims: number[], cells: CellValue[]): TriggerEvent[] {
  const [rows, cols] = dims;
  if (dims.length !== 2 || rows < 2) {
    throw new InputError(file, 'DIN_1', `expected a cell array with at least 2 rows (labels, onsets), got ${dims.join('×')}`);
  }
  const events: TriggerEvent[] = [];
  for (let e = 0; e < cols; e++) {
    const label = cells[e * rows];
    const onsetCell = cells[e * rows + 1];
    const digits = String(typeof label === 'string' ? label : label instanceof Float64Array ? label[0] : label).replace(/\D/g, '');
    const onset = typeof onsetCell === 'number' ? onsetCell : onsetCell instanceof Float64Array ? onsetCell[0] : Number(onsetCell);
    if (!Number.isFinite(onset) || !Number.isInteger(onset)) {
      throw new InputError(file, 'DIN_1', `event ${e + 1} (${String(label)}) has onset ${String(onsetCell)}, expected an integer sample index`);
    }
    events.push({ code: digits === '' ? NaN : Number(digits), onset, index: e });
  }
  return events;
}

/**
 * Finds the onset of every song trigger in `songs` that occurs in `events`. A song trigger that
 * is not followed by a 128 event, or that occurs twice, is an error (the data are ambiguous).
 */
export function findSongOnsets(file: string, events: TriggerEvent[], songs: readonly number[], leadSamples: number): SongOnset[] {
  const found: SongOnset[] = [];
  for (const song of songs) {
    const hits = events.filter((e) => e.code === song);
    if (hits.length === 0) continue;
    if (hits.length > 1) {
      throw new InputError(file, 'DIN_1', `song trigger ${song} occurs ${hits.length} times (events ${hits.map((h) => h.index + 1).join(', ')}); expected once`);
    }
    const next = events[hits[0].index + 1];
    if (!next || next.code !== onsetAnchorTrigger) {
      const what = next ? `event ${next.index + 1} with code ${next.code}` : 'the end of the events';
      throw new InputError(file, 'DIN_1', `song trigger ${song} (event ${hits[0].index + 1}) is followed by ${what}, expected a 128 event`);
    }
    found.push({ song, onset: next.onset - leadSamples });
  }
  return found;
}
