/**
 * Train/validation splits of 30-s chunks:
 * - `officialSplit()`: PredANN's own 1200/400 split (sklearn `train_test_split(test_size=0.25,
 *   random_state=42, stratify=song)`, digest §1.3), shipped as data because sklearn's stream cannot
 *   be re-derived without sklearn (digest §8: "store the validation IDs exported from Python").
 * - `stratifiedSplit()`: our own seeded split with exact per-song counts, for other data or seeds.
 * - `leaveSubjectsOutSplit()`: whole subjects held out, for cross-subject evaluation (the official
 *   split shares subjects between train and validation).
 */
import officialSplitFile from './split-seed42.json' with { type: 'json' };
import { chunkKey, chunkRef, type ChunkRef } from './chunks.js';
import { songTriggers, subjects } from './nmedt.js';
import { PyRandom } from './py-random.js';
import { expectInteger, expectNumber } from '../validate.js';

export type { ChunkRef } from './chunks.js';

/** Two disjoint lists of chunks. */
export interface Split {
  train: ChunkRef[];
  validation: ChunkRef[];
}

/** One row of the shipped `split-seed42.json` (a copy of shared/golden/split_seed42.json). */
interface OfficialSplitRow {
  row: number;
  subject: number;
  trigger: number;
  label: number;
  chunk: number;
  eeg_file: string;
}

const officialRows: { train: OfficialSplitRow[]; validation: OfficialSplitRow[] } = officialSplitFile;

/**
 * PredANN's official split: 1200 training and 400 validation chunks, in the order sklearn returned
 * them. The order matters: the validation loader does not shuffle and drops the last partial batch
 * of 48, so it decides which 32 of the 5600 window items are never scored (digest §5).
 *
 * @example
 * const { train, validation } = officialSplit();
 * validation[0]; // { subject: 4, song: 28, label: 7, chunk: 2 }
 */
export function officialSplit(): Split {
  const toRef = (r: OfficialSplitRow): ChunkRef => ({ subject: r.subject, song: r.trigger, label: r.label, chunk: r.chunk });
  return { train: officialRows.train.map(toRef), validation: officialRows.validation.map(toRef) };
}

/** Options of `stratifiedSplit`. */
export interface StratifiedSplitOptions {
  /** Share of each song's chunks that goes to validation, strictly between 0 and 1 (default 0.25). */
  testFraction?: number;
  /** Seed of the CPython-compatible generator that picks the validation chunks. */
  seed: number;
}

/**
 * A seeded split stratified by song with exact per-song counts. Rounding rule: a song with n chunks
 * puts round-half-up(n · testFraction) of them in validation, but at least 1 and at most n − 1, so
 * every song is present on both sides (160 chunks at 0.25 → exactly 40). The result depends only on
 * the set of refs and the seed, not on their order: refs are sorted by (subject, song, chunk), each
 * song's chunks are shuffled with one `PyRandom(seed)` stream (songs in trigger order) and the
 * first ones go to validation. Both lists come back sorted by (subject, song, chunk).
 *
 * @example
 * const { train, validation } = stratifiedSplit(dataset.chunkRefs(), { seed: 0 });
 */
export function stratifiedSplit(refs: readonly ChunkRef[], { testFraction = 0.25, seed }: StratifiedSplitOptions): Split {
  expectNumber('testFraction', testFraction, 0, 1);
  if (testFraction === 0 || testFraction === 1) {
    throw new RangeError(`Expected number strictly between 0 and 1 for testFraction but received ${testFraction} of type number`);
  }
  expectInteger('seed', seed);
  const sorted = checkedRefs(refs).sort(compareRefs);
  const rng = new PyRandom(seed);
  const validationKeys = new Set<string>();
  for (const [song, ofSong] of groupBySong(sorted)) {
    if (ofSong.length < 2) {
      throw new RangeError(`Song ${song} has ${ofSong.length} chunk; a stratified split needs at least 2 per song`);
    }
    const nValidation = Math.min(ofSong.length - 1, Math.max(1, Math.floor(ofSong.length * testFraction + 0.5)));
    for (const ref of rng.shuffle([...ofSong]).slice(0, nValidation)) validationKeys.add(chunkKey(ref));
  }
  return {
    train: sorted.filter((r) => !validationKeys.has(chunkKey(r))),
    validation: sorted.filter((r) => validationKeys.has(chunkKey(r))),
  };
}

/**
 * Cross-subject split: every chunk of `heldOutSubjects` goes to validation, all others to training;
 * each list keeps the input order.
 *
 * @example
 * const { train, validation } = leaveSubjectsOutSplit(dataset.chunkRefs(), [2, 3]);
 */
export function leaveSubjectsOutSplit(refs: readonly ChunkRef[], heldOutSubjects: readonly number[]): Split {
  const checked = checkedRefs(refs);
  const heldOut = checkedHeldOut(heldOutSubjects, new Set(checked.map((r) => r.subject)));
  const split: Split = {
    train: checked.filter((r) => !heldOut.has(r.subject)),
    validation: checked.filter((r) => heldOut.has(r.subject)),
  };
  if (split.train.length === 0) throw new RangeError('Holding out every subject leaves no training chunks');
  return split;
}

/** Copies of `refs` after checking each one (known subject and song, consistent label) and uniqueness. */
function checkedRefs(refs: readonly ChunkRef[]): ChunkRef[] {
  if (!Array.isArray(refs) || refs.length === 0) throw new RangeError('Expected a non-empty array of chunk refs');
  const seen = new Set<string>();
  return refs.map((ref, i) => {
    let checked: ChunkRef;
    try {
      checked = chunkRef(ref.subject, ref.song, ref.chunk);
    } catch (err) {
      throw new RangeError(`refs[${i}]: ${(err as Error).message}`);
    }
    if (ref.label !== checked.label) {
      throw new RangeError(`refs[${i}]: label ${ref.label} does not match song ${ref.song} (label ${checked.label})`);
    }
    const key = chunkKey(checked);
    if (seen.has(key)) throw new RangeError(`refs[${i}]: chunk ${key} (subject/song/chunk) appears twice`);
    seen.add(key);
    return checked;
  });
}

function checkedHeldOut(heldOutSubjects: readonly number[], present: Set<number>): Set<number> {
  if (!Array.isArray(heldOutSubjects) || heldOutSubjects.length === 0) {
    throw new RangeError('Expected at least one subject to hold out');
  }
  const heldOut = new Set<number>();
  heldOutSubjects.forEach((subject, i) => {
    expectInteger(`heldOutSubjects[${i}]`, subject);
    if (!subjects.includes(subject)) {
      throw new RangeError(`Expected an NMED-T subject (${subjects.join(', ')}) for heldOutSubjects[${i}] but received ${subject}`);
    }
    if (!present.has(subject)) throw new RangeError(`Subject ${subject} has no chunks to hold out`);
    if (heldOut.has(subject)) throw new RangeError(`Subject ${subject} is listed twice in heldOutSubjects`);
    heldOut.add(subject);
  });
  return heldOut;
}

function compareRefs(a: ChunkRef, b: ChunkRef): number {
  return a.subject - b.subject || a.song - b.song || a.chunk - b.chunk;
}

/** Refs grouped by song, in trigger order, each group in the refs' order; absent songs are skipped. */
function groupBySong(refs: readonly ChunkRef[]): [number, ChunkRef[]][] {
  return songTriggers
    .map((song): [number, ChunkRef[]] => [song, refs.filter((r) => r.song === song)])
    .filter(([, ofSong]) => ofSong.length > 0);
}

/**
 * The official seed-42 split when the data hold every chunk it names (the real NMED-T at full
 * length), else our seeded stratified split of the chunks present.
 */
export function chooseSplit(refs: readonly ChunkRef[], seed: number): Split & { kind: 'official' | 'stratified' } {
  const present = new Set(refs.map(chunkKey));
  const official = officialSplit();
  if ([...official.train, ...official.validation].every((r) => present.has(chunkKey(r)))) return { kind: 'official', ...official };
  return { kind: 'stratified', ...stratifiedSplit(refs, { testFraction: 0.25, seed }) };
}

