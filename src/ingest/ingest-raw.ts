/**
 * Raw NMED-T EEG → 125 Hz recordings, exactly as the official `mat_to_pkl.py --dataset H_raw
 * --downsample yes` (digest §1.2, §2.2):
 *   onset  = onset of the 128 event after the song trigger − 1 s
 *   length = int(audio_length / 44100 · fs); the slice onset : onset + length − 1 (one sample short,
 *            as the official code), row 129 (the all-zero reference) dropped
 *   EEG    = scipy.signal.resample(slice, int(samples / 8), axis=1), stored as float32
 * X is read in hyperslabs of a few channels over the song's time range, so a multi-GB file never
 * sits in memory: peak memory is about one channel group of float64 plus one output recording.
 */
import { InputError } from '../errors.js';
import { MatV73Reader } from '../io/mat-v73.js';
import { resample, type ResampleEngine } from '../dsp/resample.js';
import { downsampleFactor, eegChannels, onsetLeadRawSamples, rawRows, rawSampleRate } from '../data/nmedt.js';
import { findSongOnsets, parseTriggerEvents } from './triggers.js';
import type { RawFile } from './source-files.js';

/** One song of one subject, located in a raw file. */
export interface RawSongLocation {
  subject: number;
  song: number;
  file: RawFile;
  /** First source sample (at 1 kHz). */
  onset: number;
  /** Source samples in the slice (EEG_length − 1, as the official code). */
  sourceSamples: number;
  /** Samples after resampling to 125 Hz. */
  samples: number;
  /** Samples in the file's X. */
  recordingSamples: number;
}

/** Reads fs, X's shape and DIN_1 of one raw file and locates the requested songs in it. */
export async function locateSongs(
  file: RawFile,
  songs: readonly number[],
  eegLengthOf: (song: number) => number,
): Promise<RawSongLocation[]> {
  const reader = await MatV73Reader.open(file.path);
  try {
    const fs = reader.readScalar('fs');
    if (fs !== rawSampleRate) throw new InputError(file.path, 'fs', `is ${fs}, expected ${rawSampleRate} Hz for raw NMED-T EEG`);
    const x = reader.info('X');
    if (x.dims.length !== 2 || x.dims[0] !== rawRows) {
      throw new InputError(file.path, 'X', `has shape ${x.dims.join('×')}, expected ${rawRows} × samples`);
    }
    const din = reader.readCell('DIN_1');
    const events = parseTriggerEvents(file.path, din.dims, din.cells);
    return findSongOnsets(file.path, events, songs, onsetLeadRawSamples).map(({ song, onset }) => {
      const sourceSamples = eegLengthOf(song) - 1;
      const end = onset + sourceSamples;
      if (onset < 0 || end > x.dims[1]) {
        throw new InputError(
          file.path,
          'X',
          `song ${song} needs samples [${onset}, ${end}) but the recording has ${x.dims[1]}: the song is shorter than its length`,
        );
      }
      return {
        subject: file.subject,
        song,
        file,
        onset,
        sourceSamples,
        samples: Math.floor(sourceSamples / downsampleFactor),
        recordingSamples: x.dims[1],
      };
    });
  } finally {
    reader.close();
  }
}

/** Throws on the first NaN/Inf of a time-major (samples × channels) block, naming where it is. */
function checkFinite(block: Float32Array | Float64Array, channels: number, where: { file: string; firstChannel: number; firstSample: number }): void {
  for (let i = 0; i < block.length; i++) {
    if (!Number.isFinite(block[i])) {
      const t = Math.floor(i / channels);
      const c = i - t * channels;
      throw new InputError(
        where.file,
        'X',
        `non-finite value ${block[i]} at channel ${where.firstChannel + c + 1}, sample ${where.firstSample + t}`,
      );
    }
  }
}

/**
 * Reads one song's EEG, channel group by channel group, and resamples it to 125 Hz.
 * Returns (128, samples) channel-major float32.
 */
export async function readRawSong(
  loc: RawSongLocation,
  options: { channelGroup: number; engine: ResampleEngine },
): Promise<Float32Array> {
  const out = new Float32Array(eegChannels * loc.samples); // (128, samples)
  const reader = await MatV73Reader.open(loc.file.path);
  try {
    for (let c0 = 0; c0 < eegChannels; c0 += options.channelGroup) {
      const c1 = Math.min(eegChannels, c0 + options.channelGroup);
      // block is (sourceSamples, c1 − c0): MATLAB columns are time points
      const block = reader.readColumns('X', loc.onset, loc.onset + loc.sourceSamples, c0, c1);
      checkFinite(block, c1 - c0, { file: loc.file.path, firstChannel: c0, firstSample: loc.onset });
      const y = await resample(block, { channels: c1 - c0, samples: loc.sourceSamples }, loc.samples, {
        timeMajor: true,
        engine: options.engine,
      });
      out.set(y, c0 * loc.samples); // float64 → float32, as the official `EEG.astype(np.float32)`
    }
  } finally {
    reader.close();
  }
  return out;
}
