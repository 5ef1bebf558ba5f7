/**
 * The synthetic counterpart of NMED-T's cleaned release, `song<T>_Imputed.mat` (MATLAB v5):
 * `data<T>` (125 × samples × participants, double, 125 Hz), `fs` (125), `subs<T>` (1 × participants
 * cell of 'S02'-style names), in that order (the official reader takes the third-from-last variable
 * as data and the last as the subject list).
 *
 * It is derived from the same latent EEG as the raw files, as the NMED-T authors derived theirs
 * from the raw recordings, with a cleaning that is ideal where theirs was statistical:
 * - artifacts removed exactly: no DC offsets, drift, line noise or blinks, and bad channels
 *   "imputed" (they were never spoiled in the latent signal);
 * - rows E1–E124 plus the vertex Cz (zero before re-referencing), the face electrodes dropped,
 *   re-referenced to the average of these 125 rows (which gives Cz its signal back);
 * - low-passed and decimated ×8 by `FirDecimator` (zero-phase 49-tap FIR, −6 dB at 40 Hz),
 *   where NMED-T used a 0.3 Hz high-pass, a 60 Hz notch and a 50 Hz Chebyshev low-pass.
 * Every participant of the synthetic set is present for every song, as in the real release.
 */
import { writeMatV5, type MatV5Value } from '../../io/mat-v5.js';
import { downsampleFactor, eegChannels, eegSampleRate, rawSampleRate } from '../nmedt.js';
import type { AudioFeatures } from './audio-features.js';
import { BrainSignal } from './brain-signal.js';
import { FirDecimator } from './fir-decimator.js';
import type { SubjectModel } from './subject-model.js';

/** Rows of the cleaned release: E1–E124 and Cz. */
export const CLEAN_ROWS = 125;
const SCALP_ROWS = 124;
const CUTOFF_HZ = 40;
const BLOCK_FRAMES = 10_000;

/**
 * The NMED-T name of participant `id`.
 *
 * @example
 * subjectName(2); // 'S02'
 */
export function subjectName(id: number): string {
  return `S${String(id).padStart(2, '0')}`;
}

/** Rows E1–E124 and Cz of `latent` (time-major, 128 per frame), re-referenced to their average. */
function averageReferenced(latent: Float64Array, frames: number, out: Float64Array): void {
  for (let t = 0; t < frames; t++) {
    const from = t * eegChannels;
    const to = t * CLEAN_ROWS;
    let sum = 0; // Cz adds 0
    for (let c = 0; c < SCALP_ROWS; c++) sum += latent[from + c];
    const mean = sum / CLEAN_ROWS;
    for (let c = 0; c < SCALP_ROWS; c++) out[to + c] = latent[from + c] - mean;
    out[to + SCALP_ROWS] = -mean;
  }
}

/**
 * One song's cleaned data for `models` (in order): a column-major 125 × samples × participants
 * array, `samples = frames / 8`. `onParticipant` is called after each participant.
 *
 * @example
 * const data = cleanSongData(0, 21, features, [describeSubject(0, 2)], 20000, () => {});
 * data.length; // 125 × 2500 × 1
 */
export function cleanSongData(
  seed: number,
  song: number,
  features: AudioFeatures,
  models: readonly SubjectModel[],
  frames: number,
  onParticipant: () => void,
): Float64Array {
  const samples = Math.ceil(frames / downsampleFactor);
  const data = new Float64Array(CLEAN_ROWS * samples * models.length);
  const latent = new Float64Array(eegChannels * BLOCK_FRAMES);
  const referenced = new Float64Array(CLEAN_ROWS * BLOCK_FRAMES);
  models.forEach((model, s) => {
    const brain = BrainSignal.forSong(model, features, seed, song, rawSampleRate);
    const decimator = new FirDecimator(CLEAN_ROWS, downsampleFactor, CUTOFF_HZ, rawSampleRate);
    let written = s * CLEAN_ROWS * samples;
    for (let done = 0; done < frames; done += BLOCK_FRAMES) {
      const n = Math.min(BLOCK_FRAMES, frames - done);
      latent.fill(0, 0, n * eegChannels);
      brain.add(latent, n, eegChannels);
      averageReferenced(latent, n, referenced);
      const out = decimator.push(referenced, n);
      data.set(out, written);
      written += out.length;
    }
    data.set(decimator.finish(), written);
    onParticipant();
  });
  return data;
}

/**
 * Writes `song<T>_Imputed.mat` from `cleanSongData`'s array.
 *
 * @example
 * writeCleanSong('clean/song21_Imputed.mat', 21, [2, 3], data, 2500);
 */
export function writeCleanSong(path: string, song: number, subjects: readonly number[], data: Float64Array, samples: number): void {
  const names: MatV5Value[] = subjects.map((id) => {
    const text = subjectName(id);
    return { kind: 'char', dims: [1, text.length], text };
  });
  writeMatV5(path, [
    { name: `data${song}`, value: { kind: 'numeric', matlabClass: 'double', dims: [CLEAN_ROWS, samples, subjects.length], data } },
    { name: 'fs', value: { kind: 'numeric', matlabClass: 'double', dims: [1, 1], data: Float64Array.of(eegSampleRate) } },
    { name: `subs${song}`, value: { kind: 'cell', dims: [1, subjects.length], cells: names } },
  ]);
}
