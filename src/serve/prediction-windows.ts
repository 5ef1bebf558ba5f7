/**
 * Which 3-s windows of a recording `predann predict` and `predann embed` classify:
 *
 *   validation  the validation windows of the data set's split (14 per validation chunk, the
 *               centre clip of each 8-s window): the items the paper scores
 *   sliding     every `hop` seconds from the start of the recording to its end: a recognizer's
 *               view of a whole recording, chunk unknown
 */
import type { ChunkRef } from '../data/chunks.js';
import { clipSamples, eegSampleRate } from '../data/nmedt.js';
import { validationWindows } from '../data/windows.js';
import { expectNumber } from '../validate.js';

export type WindowSelection = 'validation' | 'sliding';
export const windowSelections: readonly WindowSelection[] = ['validation', 'sliding'];

export interface PredictionWindow {
  /** The 30-s chunk of a validation window; null for sliding windows. */
  chunk: number | null;
  /** Window index: within its chunk (validation) or within the recording (sliding). */
  window: number;
  /** First EEG sample of the 3-s clip in the recording (125 Hz). */
  start: number;
}

/**
 * @example
 * slidingWindows(37_500, 1); // starts 0, 125, …, 37,125: every second of a 5-min recording
 */
export function slidingWindows(samples: number, hopSeconds: number): PredictionWindow[] {
  const hop = Math.round(expectNumber('hop', hopSeconds, 1 / eegSampleRate, 3600) * eegSampleRate);
  const count = samples < clipSamples ? 0 : Math.floor((samples - clipSamples) / hop) + 1;
  return Array.from({ length: count }, (_, window) => ({ chunk: null, window, start: window * hop }));
}

/** The centre-crop validation windows of a recording's validation chunks, in chunk order. */
export function validationPredictionWindows(refs: readonly ChunkRef[]): PredictionWindow[] {
  return refs.flatMap((ref) => validationWindows(ref, { crop: 'center' }).map((w) => ({ chunk: ref.chunk, window: w.window, start: w.eegStart })));
}
