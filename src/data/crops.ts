/**
 * The random 3-s training crop PredANN takes from a 30-s chunk each epoch (digest §2.2 item 4):
 * `eeg_start = random.randint(0, 3750 − 375 − 1)` within the chunk, and the audio crop at
 * `int(eeg_start / 125 * 44100)` within the (unshifted) audio chunk. The EEG delay lives in the
 * chunk range (chunks.ts), so the pair stays 200 ms apart. Pure index arithmetic.
 */
import { chunkRange, type ChunkRef, type DelayOptions } from './chunks.js';
import { audioSampleRate, chunkSamples, clipAudioFrames, clipSamples, eegSampleRate } from './nmedt.js';
import type { PyRandom } from './py-random.js';

/** Anything that draws inclusive random integers like Python's `random.randint`. */
export type IntegerSource = Pick<PyRandom, 'randint'>;

/** Where one 3-s training example lies in its recording (EEG samples) and song (audio frames). */
export interface TrainingCrop {
  /** Crop offset within the chunk in EEG samples, 0–3374. */
  offset: number;
  /** First EEG sample in the recording (the chunk's delayed start plus `offset`). */
  eegStart: number;
  eegLength: number;
  /** First audio frame in the song. */
  audioStart: number;
  audioLength: number;
}

/**
 * The largest training crop offset the official code draws: 3750 − 375 − 1 = 3374. The "− 1"
 * leaves the last valid offset (3375) out; we keep it, to draw the same crops.
 */
export const maxTrainingOffset = chunkSamples - clipSamples - 1;

/**
 * Draws one training crop for `ref` with one `randint` call, exactly as the official loader.
 *
 * @example
 * const rng = new PyRandom(42);
 * trainingCrop({ subject: 2, song: 21, label: 0, chunk: 1 }, rng);
 * // { offset, eegStart: 3775 + offset, eegLength: 375, audioStart: 1323000 + int(offset/125*44100), audioLength: 132300 }
 */
export function trainingCrop(ref: ChunkRef, rng: IntegerSource, options: DelayOptions = {}): TrainingCrop {
  const range = chunkRange(ref.chunk, options);
  const offset = rng.randint(0, maxTrainingOffset);
  return {
    offset,
    eegStart: range.eegStart + offset,
    eegLength: clipSamples,
    audioStart: range.audioStart + audioOffsetOf(offset),
    audioLength: clipAudioFrames,
  };
}

/**
 * The audio frame offset that matches an EEG sample offset: Python's `int(offset / 125 * 44100)`,
 * evaluated in the same float64 order (divide first) so truncation agrees exactly.
 *
 * @example
 * audioOffsetOf(1); // 352
 */
export function audioOffsetOf(eegOffset: number): number {
  return Math.trunc((eegOffset / eegSampleRate) * audioSampleRate);
}
