/**
 * Per-clip EEG preprocessing exactly as the official PredANN code does it (`normalize_EEG_4` then
 * `F.pad`): for every clip and channel separately, robust scaling by the median and the
 * interquartile range (sklearn's `RobustScaler` in float64), clamping to ±20 and zero padding
 * 375 → 729 samples. Bit-exact to the golden reference (case b); runs in the native addon on
 * the CPU (OpenMP) or the GPU.
 */
import { native, withCallerStack } from '../native.js';
import { expectFloat32Array, expectInteger, expectLength, expectNumber, expectObject, expectOneOf, received } from '../validate.js';

/**
 * Which implementation runs: `'fast'` (CPU, selection network + OpenMP), `'reference'` (CPU,
 * a plain float64 sort per channel; slow, the oracle), `'cuda'` (GPU; an error without one) or
 * `'auto'` (`'cuda'` when a GPU is usable, else `'fast'`). All give bit-identical results.
 */
export type ClipEngine = 'auto' | 'fast' | 'reference' | 'cuda';

export const clipEngines: readonly ClipEngine[] = ['auto', 'fast', 'reference', 'cuda'];

export interface ClipPreprocessOptions {
  /** Output values are clamped to ±clamp (in float32, as `torch.clamp`). Default 20; `Infinity` disables. */
  clamp?: number;
  /** Zeros before each channel's samples. Default 177 (375 + 2·177 = 729 = 3^6). */
  padLeft?: number;
  /** Zeros after each channel's samples. Default 177. */
  padRight?: number;
  /** Default `'auto'`. */
  engine?: ClipEngine;
  /** Also return each channel's median (`center`) and IQR (`scale`). Default false. */
  stats?: boolean;
  /**
   * Write into this array, of N·C·(padLeft + L + padRight) values, instead of a new one; it is
   * returned as `output`. Reusing one array across batches saves the page faults of touching
   * fresh memory, which can cost more than the preprocessing itself. It must not overlap the input,
   * nor be read or given to another call until the promise settles.
   */
  output?: Float32Array;
}

export interface ClipPreprocessResult {
  /** (N, C, padLeft + L + padRight), C-order. */
  output: Float32Array;
  /** (N, C) median of each channel (with `stats: true`). */
  center?: Float64Array;
  /** (N, C) interquartile range of each channel, 1 where it is below 10·eps(float64) (with `stats: true`). */
  scale?: Float64Array;
  /** The engine that ran (`'auto'` resolved). */
  engine: Exclude<ClipEngine, 'auto'>;
}

/** The shape of a (N, C, L) clip array. */
export interface ClipShape {
  count: number;
  channels: number;
  length: number;
}

/** One channel-major recording: `data` is (C, T). */
export interface ChannelMajorRecording {
  data: Float32Array;
  channels: number;
  samples: number;
}

/**
 * Robust-scales, clamps and pads a batch of clips. Every clip and channel is scaled by its own
 * median and interquartile range. Inputs must be finite (a NaN or infinity rejects the promise
 * naming the clip, channel and sample) and must not be modified until the promise settles.
 *
 * @example
 * // 8 clips of 3 s (128 channels × 375 samples at 125 Hz), as the PredANN model takes them
 * const { output } = await preprocessClips(clips, { count: 8, channels: 128, length: 375 });
 * output.length === 8 * 128 * 729; // 177 zeros, 375 scaled samples, 177 zeros per channel
 */
export async function preprocessClips(
  clips: Float32Array,
  shape: ClipShape,
  options: ClipPreprocessOptions = {},
): Promise<ClipPreprocessResult> {
  expectFloat32Array('clips', clips);
  expectObject('shape', shape);
  const count = expectInteger('shape.count', shape.count, 0);
  const channels = expectInteger('shape.channels', shape.channels, 1);
  const length = expectInteger('shape.length', shape.length, 1);
  expectLength('clips', clips, count * channels * length);
  const o = resolveOptions(options, count * channels, length, clips);
  return withCallerStack(new Error(), () =>
    native.preprocessClips(clips, count, channels, length, o.clamp, o.padLeft, o.padRight, o.engine, o.stats, o.output),
  );
}

/**
 * Preprocesses the crops `recording[:, s : s + length]` for each start `s`, reading them straight
 * from the recording (no copies). The same result as {@link preprocessClips} on the copied crops.
 *
 * @example
 * // data is a (128, T) recording at 125 Hz: one 3-s crop 100 samples into each of the 14
 * // validation windows (8 s, stride 1.6 s) of the 30-s chunk that starts at sample 0
 * const starts = Array.from({ length: 14 }, (_, w) => 200 * w + 100);
 * const { output } = await preprocessCrops({ data, channels: 128, samples: data.length / 128 }, starts, 375);
 * output.length === 14 * 128 * 729;
 */
export async function preprocessCrops(
  recording: ChannelMajorRecording,
  starts: ArrayLike<number>,
  length: number,
  options: ClipPreprocessOptions = {},
): Promise<ClipPreprocessResult> {
  expectObject('recording', recording);
  expectFloat32Array('recording.data', recording.data);
  const channels = expectInteger('recording.channels', recording.channels, 1);
  const samples = expectInteger('recording.samples', recording.samples, 1);
  expectLength('recording.data', recording.data, channels * samples);
  expectInteger('length', length, 1, samples);
  const startSamples = cropStarts(starts, length, samples);
  const o = resolveOptions(options, startSamples.length * channels, length, recording.data);
  return withCallerStack(new Error(), () =>
    native.preprocessCrops(
      recording.data, channels, samples, startSamples, length, o.clamp, o.padLeft, o.padRight, o.engine, o.stats, o.output,
    ),
  );
}

/** Checks every start (an integer with the crop inside the recording) and copies them for the addon. */
function cropStarts(starts: ArrayLike<number>, length: number, samples: number): Float64Array {
  if (starts === null || typeof starts !== 'object' || typeof starts.length !== 'number') {
    throw new TypeError(`Expected an array of numbers for starts but received ${received(starts)}`);
  }
  const out = new Float64Array(starts.length);
  for (let k = 0; k < starts.length; k++) {
    const s = expectInteger(`starts[${k}]`, starts[k], 0);
    if (s + length > samples) {
      throw new RangeError(
        `Crop starts[${k}] = ${s} runs past the end of the recording: ${s} + length ${length} > ${samples} samples`,
      );
    }
    out[k] = s;
  }
  return out;
}

type ResolvedOptions = Required<Omit<ClipPreprocessOptions, 'output'>> & { output: Float32Array | undefined };

/** Checks the options against a batch of `rows` channels of `length` samples read from `input`. */
function resolveOptions(options: ClipPreprocessOptions, rows: number, length: number, input: Float32Array): ResolvedOptions {
  expectObject('options', options);
  const clamp = expectNumber('options.clamp', options.clamp ?? 20);
  // The clamp is applied in float32: a value that rounds to 0 would zero every output.
  if (!(Math.fround(clamp) > 0)) {
    throw new RangeError(`Expected positive number for options.clamp but received ${received(clamp)}`);
  }
  const stats = options.stats ?? false;
  if (typeof stats !== 'boolean') throw new TypeError(`Expected boolean for options.stats but received ${received(stats)}`);
  const padLeft = expectInteger('options.padLeft', options.padLeft ?? 177, 0, 2 ** 30);
  const padRight = expectInteger('options.padRight', options.padRight ?? 177, 0, 2 ** 30);
  const output = options.output;
  if (output !== undefined) {
    expectFloat32Array('options.output', output);
    expectLength('options.output', output, rows * (padLeft + length + padRight));
    if (overlaps(output, input)) throw new RangeError('Expected options.output not to share memory with the input');
  }
  return { clamp, padLeft, padRight, engine: expectOneOf('options.engine', options.engine ?? 'auto', clipEngines), stats, output };
}

function overlaps(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}
