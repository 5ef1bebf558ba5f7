/**
 * Validation windows (digest §2.2 item 5, §5): each validation chunk is cut into overlapping 8-s
 * windows (1000 samples, stride 200 → int((3750 − 1000)/200 + 1) = 14, starting at 0, 200, …, 2600),
 * and one 3-s clip is taken inside each window. The official code draws that clip at random,
 * `randint(0, 1000 − 375 − 1)`; 'center' takes the middle (offset 312) for a deterministic score.
 */
import { chunkRange, type ChunkRef, type DelayOptions } from './chunks.js';
import type { IntegerSource } from './crops.js';
import { chunkSamples, clipSamples, validationStrideSamples, validationWindowSamples } from './nmedt.js';
import { expectInteger, expectOneOf } from '../validate.js';

/** How the 3-s clip is placed inside a window. */
export type WindowCrop = 'official' | 'center';

export interface ValidationWindowOptions extends DelayOptions {
  /** Window length in EEG samples (default 1000 = 8 s); at least 376 for 'official', 375 for 'center'. */
  windowSize?: number;
  /** Distance between window starts in EEG samples (default 200; the historical checkpoint used 250). */
  stride?: number;
  /** 'official' (random, the default, needs `rng`) or 'center'. */
  crop?: WindowCrop;
  /** Draws the 'official' offsets; one `randint` per window, in window order. */
  rng?: IntegerSource;
}

/** One validation item: a window of a chunk and the 3-s clip taken inside it. */
export interface ValidationWindow {
  /** Window index within the chunk, 0-based. */
  window: number;
  /** First EEG sample of the window in the recording. */
  windowStart: number;
  /** First EEG sample of the 375-sample clip in the recording. */
  eegStart: number;
}

/**
 * The validation items of one chunk, in the official order (window 0 first). With the defaults
 * that is 14 items per chunk, 5600 for the 400 official validation chunks.
 *
 * @example
 * validationWindows(ref, { crop: 'center' }).map((w) => w.eegStart - w.windowStart); // 14 × 312
 * validationWindows(ref, { rng: new PyRandom(0) });                                   // official random clips
 */
export function validationWindows(ref: ChunkRef, options: ValidationWindowOptions = {}): ValidationWindow[] {
  const { windowSize = validationWindowSamples, stride = validationStrideSamples, crop = 'official', rng } = options;
  expectOneOf('crop', crop, ['official', 'center'] as const);
  expectInteger('windowSize', windowSize, crop === 'official' ? clipSamples + 1 : clipSamples, chunkSamples);
  expectInteger('stride', stride, 1);
  if (crop === 'official' && !rng) throw new TypeError("Expected an rng for crop 'official' (or use crop 'center')");
  const chunkStart = chunkRange(ref.chunk, options).eegStart;
  const clipOffset = () => (crop === 'official' ? rng!.randint(0, windowSize - clipSamples - 1) : centerOffset(windowSize));
  return Array.from({ length: windowCount(windowSize, stride) }, (_, window) => {
    const windowStart = chunkStart + window * stride;
    return { window, windowStart, eegStart: windowStart + clipOffset() };
  });
}

/**
 * Windows per chunk, as the official `int((3750 − windowSize) / stride + 1)`.
 *
 * @example
 * windowCount(1000, 200); // 14
 * windowCount(1000, 250); // 12
 */
export function windowCount(windowSize = validationWindowSamples, stride = validationStrideSamples): number {
  expectInteger('windowSize', windowSize, clipSamples, chunkSamples);
  expectInteger('stride', stride, 1);
  return Math.trunc((chunkSamples - windowSize) / stride + 1);
}

/** The clip offset that centres a 375-sample clip in a window, rounded down (312 for 1000). */
function centerOffset(windowSize: number): number {
  return Math.floor((windowSize - clipSamples) / 2);
}
