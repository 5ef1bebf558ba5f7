/**
 * Zero-phase IIR filtering as SciPy computes it, in the native addon (kernels/iir_design.h,
 * kernels/sosfilt.h): Butterworth and Chebyshev-I designs of any order and band as second-order
 * sections (`scipy.signal.butter/cheby1(..., output='sos')`) and as (b, a); `sosfiltfilt` and
 * `filtfilt` with SciPy's default odd padding, over (channels × samples) float64, channels in
 * parallel; `sosfilt_zi` / `lfilter_zi`. Arguments are checked here with friendly messages.
 */
import { native, withCallerStack } from '../native.js';
import { expectFloat64Array, expectInteger, expectLength, expectNumber, expectObject, expectOneOf } from '../validate.js';

export type FilterFamily = 'butter' | 'cheby1';
export type FilterBand = 'lowpass' | 'highpass' | 'bandpass' | 'bandstop';
export const filterFamilies: readonly FilterFamily[] = ['butter', 'cheby1'];
export const filterBands: readonly FilterBand[] = ['lowpass', 'highpass', 'bandpass', 'bandstop'];

export interface FilterSpec {
  family: FilterFamily;
  band: FilterBand;
  /** Prototype order N (band filters have order 2N, as SciPy). */
  order: number;
  /** Edge frequencies in Hz: one for low/high-pass, two ascending for band-pass/stop. */
  cutoffsHz: number[];
  /** Sample rate in Hz. */
  fs: number;
  /** Pass-band ripple in dB (cheby1 only). */
  rippleDb?: number;
}

export interface FilterDesign {
  /** (sections, 6): rows [b0, b1, b2, 1, a1, a2], applied in row order. */
  sos: Float64Array;
  sections: number;
  /** Transfer-function form (ill-conditioned for high orders: filter with sos). */
  b: Float64Array;
  a: Float64Array;
  /** The largest pole radius of the sections: stable below 1. */
  maxPoleRadius: number;
  /** Whether (b, a) as computed in float64 is stable (Schur–Cohn); false for e.g. order-16 Chebyshev-I low-passes. */
  baStable: boolean;
  /** SciPy's default padding (samples at each end) of sosfiltfilt on `sos` and of filtfilt on (b, a). */
  sosPadlen: number;
  baPadlen: number;
}

function checkSpec(spec: FilterSpec): void {
  expectObject('spec', spec);
  expectOneOf('family', spec.family, filterFamilies);
  const band = expectOneOf('band', spec.band, filterBands);
  expectInteger('order', spec.order, 1, 64);
  const fs = expectNumber('fs', spec.fs, Number.MIN_VALUE);
  const edges = band === 'lowpass' || band === 'highpass' ? 1 : 2;
  if (!Array.isArray(spec.cutoffsHz) || spec.cutoffsHz.length !== edges) throw new RangeError(`Expected ${edges} cutoff frequencies for a ${band} filter but received ${JSON.stringify(spec.cutoffsHz)}`);
  spec.cutoffsHz.forEach((f, i) => {
    expectNumber(`cutoffsHz[${i}]`, f);
    if (!(f > 0 && f < fs / 2)) throw new RangeError(`Expected cutoffsHz[${i}] strictly between 0 and the Nyquist frequency ${fs / 2} Hz but received ${f}`);
  });
  if (edges === 2 && !(spec.cutoffsHz[0] < spec.cutoffsHz[1])) throw new RangeError(`Expected ascending band edges but received ${spec.cutoffsHz.join(', ')}`);
  if (spec.family === 'cheby1') expectNumber('rippleDb', spec.rippleDb, Number.MIN_VALUE);
}

/**
 * @example
 * designIir({ family: 'butter', band: 'highpass', order: 8, cutoffsHz: [0.3], fs: 1000 }).sections; // 4
 */
export function designIir(spec: FilterSpec): FilterDesign {
  checkSpec(spec);
  const d = native.iirDesign(spec.family, spec.band, spec.order, spec.rippleDb ?? 0, spec.cutoffsHz, spec.fs);
  return { ...d, sections: d.sos.length / 6 };
}

/** |H(e^{2πi f/fs})| of a design at each frequency (Hz), as sections or as (b, a). */
export function designMagnitude(design: FilterDesign, form: 'sos' | 'ba', frequenciesHz: Float64Array, fs: number): Float64Array {
  expectFloat64Array('frequenciesHz', frequenciesHz);
  expectNumber('fs', fs, Number.MIN_VALUE);
  return form === 'sos' ? native.sosMagnitude(design.sos, frequenciesHz, fs) : native.baMagnitude(design.b, design.a, frequenciesHz, fs);
}

/** scipy.signal.sosfilt_zi: (sections, 2) initial states of the step response's steady state. */
export function sosfiltZi(sos: Float64Array): Float64Array {
  expectFloat64Array('sos', sos);
  return native.sosfiltZi(sos);
}

/** scipy.signal.lfilter_zi. */
export function lfilterZi(b: Float64Array, a: Float64Array): Float64Array {
  expectFloat64Array('b', b);
  expectFloat64Array('a', a);
  return native.lfilterZi(b, a);
}

export interface SignalShape {
  channels: number;
  samples: number;
  /** Samples of odd extension at each end; default SciPy's. */
  padlen?: number;
  /** Where to write the result: a (channels × samples) array, or x itself to filter in place. Default a new array. */
  output?: Float64Array;
  /** 'fast' (default): 8 channels per vector, OpenMP; 'reference': the plain scalar loops (bit-identical, slower). */
  engine?: FilterEngine;
}

export type FilterEngine = 'fast' | 'reference';

function checkSignal(x: Float64Array, shape: SignalShape): { padlen: number; output: Float64Array; engine: FilterEngine } {
  expectFloat64Array('x', x);
  expectInteger('channels', shape.channels, 1);
  expectInteger('samples', shape.samples, 1);
  expectLength('x', x, shape.channels * shape.samples);
  const padlen = shape.padlen === undefined ? -1 : expectInteger('padlen', shape.padlen, 0, shape.samples - 1);
  const engine = shape.engine === undefined ? 'fast' : expectOneOf('engine', shape.engine, ['fast', 'reference'] as const);
  if (shape.output === undefined) return { padlen, output: new Float64Array(x.length), engine };
  expectFloat64Array('output', shape.output);
  expectLength('output', shape.output, x.length);
  const overlaps = shape.output.buffer === x.buffer && shape.output !== x && shape.output.byteOffset < x.byteOffset + x.byteLength && x.byteOffset < shape.output.byteOffset + shape.output.byteLength;
  if (overlaps) throw new RangeError('Expected output to be x itself or not to overlap it');
  return { padlen, output: shape.output, engine };
}

export interface OnePassOptions extends Omit<SignalShape, 'padlen'> {
  /** Initial states, (channels × states): per channel, sosfiltZi(sos) (or lfilterZi) times its first sample gives SciPy's steady start. Default zeros. */
  zi?: Float64Array;
}

/**
 * scipy.signal.sosfilt(sos, x, zi=zi) along the last axis of (channels, samples): one causal pass.
 * Returns the output and the final states (channels × 2·sections), to continue a stream.
 *
 * @example
 * const { y, zf } = await sosfilt(sos, block, { channels: 128, samples: 1000, zi: previousZf });
 */
export async function sosfilt(sos: Float64Array, x: Float64Array, options: OnePassOptions): Promise<{ y: Float64Array; zf: Float64Array }> {
  expectFloat64Array('sos', sos);
  if (sos.length === 0 || sos.length % 6 !== 0) throw new RangeError(`Expected sections × 6 values for sos but received ${sos.length}`);
  const { output, engine } = checkSignal(x, options);
  const zi = checkStates(options.zi, options.channels * (sos.length / 3));
  const zf = await withCallerStack(new Error(), () => native.sosfilt(sos, x, options.channels, options.samples, zi, output, engine));
  return { y: output, zf };
}

/** scipy.signal.lfilter(b, a, x, zi=zi) along the last axis: one causal pass on (b, a); zi is (channels × (max(len(a), len(b)) − 1)). */
export async function lfilter(b: Float64Array, a: Float64Array, x: Float64Array, options: OnePassOptions): Promise<{ y: Float64Array; zf: Float64Array }> {
  expectFloat64Array('b', b);
  expectFloat64Array('a', a);
  const { output, engine } = checkSignal(x, options);
  const zi = checkStates(options.zi, options.channels * (Math.max(a.length, b.length) - 1));
  const zf = await withCallerStack(new Error(), () => native.lfilter(b, a, x, options.channels, options.samples, zi, output, engine));
  return { y: output, zf };
}

function checkStates(zi: Float64Array | undefined, expected: number): Float64Array | null {
  if (zi === undefined) return null;
  expectFloat64Array('zi', zi);
  expectLength('zi', zi, expected);
  return zi;
}

/**
 * scipy.signal.sosfiltfilt(sos, x) along the last axis of (channels, samples), channel-major.
 *
 * @example
 * const y = await sosfiltfilt(designIir({ family: 'butter', band: 'highpass', order: 8, cutoffsHz: [0.3], fs: 1000 }).sos, x, { channels: 128, samples: 292000 });
 */
export async function sosfiltfilt(sos: Float64Array, x: Float64Array, shape: SignalShape): Promise<Float64Array> {
  expectFloat64Array('sos', sos);
  if (sos.length === 0 || sos.length % 6 !== 0) throw new RangeError(`Expected sections × 6 values for sos but received ${sos.length}`);
  const { padlen, output, engine } = checkSignal(x, shape);
  return withCallerStack(new Error(), () => native.sosfiltfilt(sos, x, shape.channels, shape.samples, padlen, output, engine));
}

/** scipy.signal.filtfilt(b, a, x) (padtype 'odd', method 'pad') along the last axis. */
export async function filtfilt(b: Float64Array, a: Float64Array, x: Float64Array, shape: SignalShape): Promise<Float64Array> {
  expectFloat64Array('b', b);
  expectFloat64Array('a', a);
  const { padlen, output, engine } = checkSignal(x, shape);
  return withCallerStack(new Error(), () => native.filtfilt(b, a, x, shape.channels, shape.samples, padlen, output, engine));
}
