/**
 * FFT resampling along time with exactly the semantics of `scipy.signal.resample(x, num, axis=-1)`
 * (scipy 1.10) for real input: keep the lowest `min(num, samples)/2 + 1` bins of the spectrum
 * (scipy's doubling or halving of the boundary bin included), inverse FFT to `num` samples, scale
 * by `num / samples`. The signal is treated as periodic; there is no window and no other filter.
 * PredANN downsamples its 1 kHz raw EEG to 125 Hz this way (`mat_to_pkl.py`).
 *
 * Runs in the native addon, off the event loop, in float64 whatever the input type.
 */
import { native, withCallerStack } from '../native.js';
import { expectInteger, expectLength, expectObject, expectOneOf, received } from '../validate.js';

/**
 * `'fast'`: windowed mixed-radix / Bluestein FFTs, two channels per complex transform, OpenMP over
 * channel pairs. `'reference'`: direct O(samples · num) DFT sums, slow, kept as the oracle.
 * Both agree to about 1e-14 relative to the largest output value.
 */
export type ResampleEngine = 'fast' | 'reference';

export const resampleEngines: readonly ResampleEngine[] = ['fast', 'reference'];

export interface ResampleOptions {
  /** `x` is (samples, channels) rather than (channels, samples), as HDF5 hyperslabs of MATLAB data are. Default false. */
  timeMajor?: boolean;
  /** Default `'fast'`. */
  engine?: ResampleEngine;
}

/** Typed arrays and their element counts stay below 2^53, so channel × sample products are exact. */
const maxElements = 2 ** 53;

/**
 * Resamples every channel of `x` from `shape.samples` to `num` samples. Returns the (channels, num)
 * result, channel-major, in float64. A non-finite input value rejects the promise with a
 * RangeError naming its channel and sample. Do not modify `x` until the promise settles.
 *
 * @example
 * // 3 s of 128-channel EEG at 1000 Hz, channel-major (128, 3000), to 125 Hz
 * const y = await resample(x, { channels: 128, samples: 3000 }, 375);
 * y.length === 128 * 375;
 * // the same data read as an HDF5 hyperslab, time-major (3000, 128)
 * const z = await resample(xt, { channels: 128, samples: 3000 }, 375, { timeMajor: true });
 */
export async function resample(
  x: Float32Array | Float64Array,
  shape: { channels: number; samples: number },
  num: number,
  options: ResampleOptions = {},
): Promise<Float64Array> {
  if (!(x instanceof Float32Array || x instanceof Float64Array)) {
    throw new TypeError(`Expected Float32Array or Float64Array for x but received ${received(x)}`);
  }
  expectObject('shape', shape);
  const channels = expectInteger('shape.channels', shape.channels, 1, maxElements);
  const samples = expectInteger('shape.samples', shape.samples, 1, maxElements);
  expectLength('x', x, channels * samples);
  expectInteger('num', num, 1, maxElements);
  if (channels * num > maxElements) {
    throw new RangeError(`Expected channels × num below 2^53 but received ${channels} × ${num}`);
  }
  expectObject('options', options);
  const timeMajor = options.timeMajor ?? false;
  if (typeof timeMajor !== 'boolean') {
    throw new TypeError(`Expected boolean for options.timeMajor but received ${received(timeMajor)}`);
  }
  const engine = expectOneOf('options.engine', options.engine ?? 'fast', resampleEngines);
  return withCallerStack(new Error(), () => native.resample(x, channels, samples, num, timeMajor, engine));
}

/**
 * The FFT plans the fast engine uses for `samples → num`, e.g.
 * `"forward 292000: four-step 146x2000 (pruned rows); inverse 36500: four-step 125x292"`.
 * A length with a large prime factor shows `bluestein`.
 *
 * @example
 * describeResamplePlan(277999, 34749); // "forward 277999: bluestein 313600 (…); inverse 34749: …"
 */
export function describeResamplePlan(samples: number, num: number): string {
  expectInteger('samples', samples, 1, maxElements);
  expectInteger('num', num, 1, maxElements);
  return native.resampleDescribe(samples, num);
}
