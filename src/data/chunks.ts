/**
 * The 30-s excerpts PredANN cuts every recording into (digest §1.3, §2.2 item 3): which EEG samples
 * and audio frames chunk c covers, and how many whole chunks a recording holds. Pure index
 * arithmetic; no data is touched here.
 */
import {
  audioSampleRate,
  chunkAudioFrames,
  chunkSamples,
  chunkSeconds,
  chunksPerRecording,
  delaySamples as officialDelaySamples,
  isSubject,
  labelOfTrigger,
  subjects,
} from './nmedt.js';
import { expectInteger } from '../validate.js';

/** One 30-s excerpt of one subject's recording of one song: the unit the split assigns. */
export interface ChunkRef {
  subject: number;
  /** Song trigger, 21–30. */
  song: number;
  /** Class label, trigger − 21. */
  label: number;
  /** Chunk index within the recording, 0–7. */
  chunk: number;
}

/** The sample and frame ranges of one chunk; `*End` is exclusive. */
export interface ChunkRange {
  eegStart: number;
  eegEnd: number;
  audioStart: number;
  audioEnd: number;
}

/** Options shared by everything that places a chunk in the EEG. */
export interface DelayOptions {
  /** EEG lag behind the audio in samples at 125 Hz; the official 200 ms is 25 (the default). */
  delaySamples?: number;
}

/**
 * A checked ChunkRef with its label derived from the trigger.
 *
 * @example
 * chunkRef(2, 21, 0); // { subject: 2, song: 21, label: 0, chunk: 0 }
 */
export function chunkRef(subject: number, song: number, chunk: number): ChunkRef {
  expectInteger('subject', subject);
  if (!isSubject(subject)) {
    throw new RangeError(`Expected an NMED-T subject (${subjects.join(', ')}) for subject but received ${subject}`);
  }
  expectInteger('song', song);
  const label = labelOfTrigger(song);
  expectInteger('chunk', chunk, 0, chunksPerRecording - 1);
  return { subject, song, label, chunk };
}

/**
 * A stable text key for a chunk, for maps and sets: `subject/song/chunk`.
 *
 * @example
 * chunkKey({ subject: 2, song: 21, label: 0, chunk: 3 }); // '2/21/3'
 */
export function chunkKey(ref: Pick<ChunkRef, 'subject' | 'song' | 'chunk'>): string {
  return `${ref.subject}/${ref.song}/${ref.chunk}`;
}

/**
 * Where chunk `chunk` lies: EEG [c·3750 + delay, (c+1)·3750 + delay) and audio
 * [c·30·44100, (c+1)·30·44100). Only the EEG is shifted: the official loader reads
 * `eeg[:, c*3750 + 0.125*shift : (c+1)*3750 + 0.125*shift]` against the unshifted audio chunk,
 * so EEG recorded 200 ms later is paired with the sound that evoked it (digest §2.2 item 3).
 *
 * @example
 * chunkRange(1); // { eegStart: 3775, eegEnd: 7525, audioStart: 1323000, audioEnd: 2646000 }
 */
export function chunkRange(chunk: number, { delaySamples = officialDelaySamples }: DelayOptions = {}): ChunkRange {
  expectInteger('chunk', chunk, 0, chunksPerRecording - 1);
  expectInteger('delaySamples', delaySamples, 0);
  const eegStart = chunk * chunkSamples + delaySamples;
  const audioStart = chunk * chunkSeconds * audioSampleRate;
  return { eegStart, eegEnd: eegStart + chunkSamples, audioStart, audioEnd: audioStart + chunkAudioFrames };
}

/**
 * How many whole chunks (at most 8) a recording of `samples` EEG samples holds once the first
 * `delaySamples` are skipped. Real NMED-T recordings (≥ 33,874 samples) always hold 8.
 *
 * @example
 * chunksAvailable(34749); // 8
 * chunksAvailable(3775);  // 1
 */
export function chunksAvailable(samples: number, delaySamples = officialDelaySamples): number {
  expectInteger('samples', samples, 0);
  expectInteger('delaySamples', delaySamples, 0);
  const whole = Math.floor(Math.max(0, samples - delaySamples) / chunkSamples);
  return Math.min(chunksPerRecording, whole);
}
