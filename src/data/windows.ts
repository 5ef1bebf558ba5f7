/**
 * Validation windows (digest §2.2 item 5, §5): each validation chunk is cut into overlapping 8-s
 * windows (1000 samples, stride 200 → int((3750 − 1000)/200 + 1) = 14, starting at 0, 200, …, 2600),
 * and one 3-s clip is taken inside each window. The official code draws that clip at random,
 * `randint(0, 1000 − 375 − 1)`; 'center' takes the middle (offset 312) for a deterministic score.
 * The longer evaluations (4–7 s, `codes_7s`) place a longer segment the same way,
 * `randint(0, 1000 − evaluation_length − 1)`, and split it into 3-s sub-windows.
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
  /** Length of the segment placed in each window, in EEG samples: 375 (3 s, the default) to the window size. */
  segmentSamples?: number;
}

/** One validation item: a window of a chunk and the 3-s clip (or longer segment) taken inside it. */
export interface ValidationWindow {
  /** Window index within the chunk, 0-based. */
  window: number;
  /** First EEG sample of the window in the recording. */
  windowStart: number;
  /** First EEG sample of the 375-sample clip (or the segment) in the recording. */
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
  const { windowSize = validationWindowSamples, stride = validationStrideSamples, crop = 'official', rng, segmentSamples = clipSamples } = options;
  expectOneOf('crop', crop, ['official', 'center'] as const);
  expectInteger('windowSize', windowSize, crop === 'official' ? clipSamples + 1 : clipSamples, chunkSamples);
  expectInteger('stride', stride, 1);
  expectInteger('segmentSamples', segmentSamples, clipSamples, crop === 'official' ? windowSize - 1 : windowSize);
  if (crop === 'official' && !rng) throw new TypeError("Expected an rng for crop 'official' (or use crop 'center')");
  const chunkStart = chunkRange(ref.chunk, options).eegStart;
  const clipOffset = () => (crop === 'official' ? rng!.randint(0, windowSize - segmentSamples - 1) : centerOffset(windowSize, segmentSamples));
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

/** The offset that centres a segment in a window, rounded down (312 for a 375-sample clip in 1000). */
function centerOffset(windowSize: number, segmentSamples: number): number {
  return Math.floor((windowSize - segmentSamples) / 2);
}
