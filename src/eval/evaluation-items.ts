/**
 * The items of the paper's evaluation (digest §5): for every validation chunk, 14 overlapping 8-s
 * windows; inside each window a segment of L seconds (3 ≤ L ≤ 7) placed at random (the official
 * `randint(0, 1000 − 125·L − 1)`, seeded) or in the centre, split into 3-s sub-windows at a 1-s
 * stride (L − 2 of them), each preprocessed and classified on its own, then aggregated.
 *
 * Protocols: 'all' scores every window (5,600 items on the official split); 'official' also drops
 * the last partial batch of 48 as the official validation loop does (5,568 items).
 */
import type { ChunkRef } from '../data/chunks.js';
import { eegSampleRate, labelOfTrigger } from '../data/nmedt.js';
import { PyRandom } from '../data/py-random.js';
import { validationWindows, type WindowCrop } from '../data/windows.js';
import { expectInteger, expectOneOf } from '../validate.js';

export type EvaluationProtocol = 'all' | 'official';
export const evaluationProtocols: readonly EvaluationProtocol[] = ['all', 'official'];

/** The official validation batch; `official` drops the remainder. */
export const officialEvaluationBatch = 48;
/** Evaluation lengths in seconds: 3 s is the model's clip, 7 s the longest segment of the paper. */
export const minEvaluationSeconds = 3;
export const maxEvaluationSeconds = 7;

export interface EvaluationItemOptions {
  /** Segment length L in whole seconds, 3–7. */
  seconds: number;
  /** 'official': a random segment per window drawn from `seed`; 'center': the middle. */
  crop: WindowCrop;
  seed: number;
  protocol: EvaluationProtocol;
}

export interface EvaluationItem {
  subject: number;
  song: number;
  label: number;
  chunk: number;
  window: number;
  seconds: number;
  /** First EEG sample of each 3-s sub-window in the recording, 1 s apart. */
  clipStarts: number[];
}

/**
 * @example
 * evaluationItems(split.validation, { seconds: 5, crop: 'center', seed: 0, protocol: 'all' })[0].clipStarts; // 3 starts, 125 apart
 */
export function evaluationItems(refs: readonly ChunkRef[], options: EvaluationItemOptions): EvaluationItem[] {
  const seconds = expectInteger('seconds', options.seconds, minEvaluationSeconds, maxEvaluationSeconds);
  const protocol = expectOneOf('protocol', options.protocol, evaluationProtocols);
  const crop = expectOneOf('crop', options.crop, ['official', 'center'] as const);
  const rng = new PyRandom(expectInteger('seed', options.seed, 0));
  const segmentSamples = seconds * eegSampleRate;
  const subWindows = seconds - minEvaluationSeconds + 1;
  const items = refs.flatMap((ref) =>
    validationWindows(ref, { crop, rng, segmentSamples }).map((w) => ({
      subject: ref.subject,
      song: ref.song,
      label: labelOfTrigger(ref.song),
      chunk: ref.chunk,
      window: w.window,
      seconds,
      clipStarts: Array.from({ length: subWindows }, (_, i) => w.eegStart + i * eegSampleRate),
    })),
  );
  if (protocol === 'all') return items;
  return items.slice(0, items.length - (items.length % officialEvaluationBatch)); // drop_last
}
