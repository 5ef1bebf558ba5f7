/**
 * Raw NMED-T EEG → 125 Hz recordings, exactly as the official `mat_to_pkl.py --dataset H_raw
 * --downsample yes` (digest §1.2, §2.2):
 *   onset  = onset of the 128 event after the song trigger − 1 s
 *   length = int(audio_length / 44100 · fs); the slice onset : onset + length − 1 (one sample short,
 *            as the official code), row 129 (the all-zero reference) dropped
 *   EEG    = scipy.signal.resample(slice, int(samples / 8), axis=1), stored as float32
 * X is read in hyperslabs over the song's time range only, so a multi-GB file never sits in
 * memory: peak memory is one song's slice in the stored precision plus its resampled output.
 * With a filter (`ingest --filter`), the slice is filtered at 1 kHz before resampling, as
 * `sosfiltfilt(sos, EEG)` on the slice in float64 before `resample` would (filter-pipeline.ts).
 */
import { InputError } from '../errors.js';
import { MatV73Reader } from '../io/mat-v73.js';
import { resample, type ResampleEngine } from '../dsp/resample.js';
import { applyFilterPipeline, type FilterPipeline } from '../dsp/filter-pipeline.js';
import { FilterSpecError } from '../dsp/filter-spec.js';
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
function checkFinite(block: Float32Array | Float64Array, channels: number, where: { file: string; firstSample: number }): void {
  for (let i = 0; i < block.length; i++) {
    if (!Number.isFinite(block[i])) {
      const t = Math.floor(i / channels);
      const c = i - t * channels;
      throw new InputError(
        where.file,
        'X',
        `non-finite value ${block[i]} at channel ${c + 1}, sample ${where.firstSample + t}`,
      );
    }
  }
}

/** MATLAB columns (time points) per hyperslab read: whole rows, the fastest pattern for h5wasm. */
const READ_BLOCK_COLUMNS = 4096;

/**
 * Reads songs' EEG and resamples them to 125 Hz. Each slice is read as whole-row hyperslabs of a
 * few thousand time points (h5wasm reads full rows several times faster than a few channels over
 * the whole song) into one time-major buffer in the stored precision, which the resampling kernel
 * takes as it is (no transpose). The buffer is kept for the next song: first touches of fresh
 * 100-MB arrays cost more than the copies themselves on some machines.
 */
export class RawSongReader {
  private buffer: Float32Array | Float64Array | undefined;

  /**
   * `filter`: a pipeline designed for 1 kHz, applied to each slice before resampling, over the
   * slice widened by `contextSamples` of the recording on each side where it has them (then cut
   * back), so that the filters' edge transients fall outside the song.
   */
  constructor(
    private readonly engine: ResampleEngine,
    private readonly filter?: FilterPipeline,
    private readonly contextSamples = 0,
  ) {}

  /** One song as (128, samples) channel-major float32, as the official `EEG.astype(np.float32)`. */
  async read(loc: RawSongLocation): Promise<Float32Array> {
    if (this.filter) return this.readFiltered(loc, this.filter);
    let slice: Float32Array | Float64Array | undefined; // (sourceSamples, 129) time-major
    await this.readBlocks(loc.file.path, loc.onset, loc.sourceSamples, (block, t0) => {
      slice ??= this.scratch(block instanceof Float32Array, loc.sourceSamples * rawRows);
      slice.set(block, t0 * rawRows);
    });
    // The zero reference row is resampled along (1/129 of the work) and dropped here.
    const y = await resample(slice!, { channels: rawRows, samples: loc.sourceSamples }, loc.samples, { timeMajor: true, engine: this.engine });
    return new Float32Array(y.subarray(0, eegChannels * loc.samples));
  }

  /**
   * The filtered path: the 128 channels of the slice and its context, channel-major in float64,
   * filtered; then the slice alone, resampled.
   */
  private async readFiltered(loc: RawSongLocation, filter: FilterPipeline): Promise<Float32Array> {
    const before = Math.min(this.contextSamples, loc.onset);
    const after = Math.min(this.contextSamples, loc.recordingSamples - loc.onset - loc.sourceSamples);
    const n = before + loc.sourceSamples + after;
    const x = this.scratch(false, eegChannels * n) as Float64Array; // (128, n) channel-major
    await this.readBlocks(loc.file.path, loc.onset - before, n, (block, t0) => {
      const count = block.length / rawRows;
      for (let c = 0; c < eegChannels; c++) {
        const row = c * n + t0;
        for (let t = 0; t < count; t++) x[row + t] = block[t * rawRows + c];
      }
    });
    try {
      await applyFilterPipeline(filter, x, { channels: eegChannels, samples: n }, this.engine);
    } catch (err) {
      if (err instanceof FilterSpecError) throw new InputError(loc.file.path, 'X', `song ${loc.song}: ${err.message}`);
      throw err;
    }
    const slice = before === 0 && after === 0 ? x : cutColumns(x, eegChannels, n, before, loc.sourceSamples);
    const y = await resample(slice, { channels: eegChannels, samples: loc.sourceSamples }, loc.samples, { engine: this.engine });
    return new Float32Array(y);
  }

  /** Reads X's columns [first, first + count) in whole-row hyperslabs, checked for NaN/Inf, block by block. */
  private async readBlocks(path: string, first: number, count: number, take: (block: Float32Array | Float64Array, t0: number) => void): Promise<void> {
    const reader = await MatV73Reader.open(path);
    try {
      for (let t0 = 0; t0 < count; t0 += READ_BLOCK_COLUMNS) {
        const t1 = Math.min(count, t0 + READ_BLOCK_COLUMNS);
        const block = reader.readColumns('X', first + t0, first + t1, 0, rawRows);
        checkFinite(block, rawRows, { file: path, firstSample: first + t0 });
        take(block, t0);
      }
    } finally {
      reader.close();
    }
  }

  private scratch(single: boolean, length: number): Float32Array | Float64Array {
    const fits = this.buffer && this.buffer instanceof Float32Array === single && this.buffer.length >= length;
    if (!fits) this.buffer = single ? new Float32Array(length) : new Float64Array(length);
    return this.buffer!.subarray(0, length);
  }
}

/**
 * Columns [first, first + count) of a (rows, samples) channel-major array, compacted in place to
 * the front of it as (rows, count): row r moves from r·samples + first to r·count, never forward,
 * so rows taken in order never overwrite one still to move.
 */
function cutColumns(x: Float64Array, rows: number, samples: number, first: number, count: number): Float64Array {
  for (let r = 0; r < rows; r++) x.copyWithin(r * count, r * samples + first, r * samples + first + count);
  return x.subarray(0, rows * count);
}
