/**
 * The filter API in TypeScript: the fast engine bit-identical to the reference through the
 * binding, argument checks with friendly messages, and native failures arriving as JS Errors (the
 * process survives them). The kernels' own tests (native/tests/test_sosfilt.cpp,
 * test_iir_design.cpp) hold the finite-precision and SciPy-structure checks.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { designIir, filtfilt, lfilter, lfilterZi, sosfilt, sosfiltfilt, sosfiltZi } from '../src/dsp/iir-filter.js';
import { assertRejects, assertThrows, seededUniform } from './helpers.js';

function noise(length: number, seed: number): Float64Array {
  const u = seededUniform(seed);
  return Float64Array.from({ length }, () => 100 * (u() - 0.5) + 40);
}

test('fast and reference engines give the same bits (odd channel counts, short and long signals)', async () => {
  const nmedtLowpass = designIir({ family: 'cheby1', band: 'lowpass', order: 16, rippleDb: 0.5, cutoffsHz: [50], fs: 1000 });
  const bandpass = designIir({ family: 'butter', band: 'bandpass', order: 5, cutoffsHz: [1, 50], fs: 125 });
  for (const [channels, samples] of [[1, 60], [7, 5000], [13, 9001]]) {
    const x = noise(channels * samples, channels);
    const shape = { channels, samples };
    const fast = await sosfiltfilt(nmedtLowpass.sos, x, shape);
    const reference = await sosfiltfilt(nmedtLowpass.sos, x, { ...shape, engine: 'reference' });
    assert.equal(Array.from(fast), Array.from(reference), `sosfiltfilt ${channels}×${samples}`);
    const fastBa = await filtfilt(bandpass.b, bandpass.a, x, shape);
    const referenceBa = await filtfilt(bandpass.b, bandpass.a, x, { ...shape, engine: 'reference' });
    assert.equal(Array.from(fastBa), Array.from(referenceBa), `filtfilt ${channels}×${samples}`);
  }
});

test('in place with a padding longer than the kernel\'s 4,096-sample chunks: the same bits as into a new array', async () => {
  const channels = 9;
  const samples = 20_000;
  const d = designIir({ family: 'butter', band: 'bandpass', order: 2, cutoffsHz: [2, 30], fs: 250 });
  for (const padlen of [4_095, 4_097, 9_000, 19_999]) {
    const x = noise(channels * samples, padlen);
    const shape = { channels, samples, padlen };
    const fresh = await sosfiltfilt(d.sos, x, { ...shape, engine: 'reference' });
    const inPlace = await sosfiltfilt(d.sos, Float64Array.from(x), { ...shape, output: undefined });
    const aliased = Float64Array.from(x);
    await sosfiltfilt(d.sos, aliased, { ...shape, output: aliased });
    assert.equal(Array.from(inPlace), Array.from(fresh), `padlen ${padlen}, new array`);
    assert.equal(Array.from(aliased), Array.from(fresh), `padlen ${padlen}, in place`);
    const ba = Float64Array.from(x);
    await filtfilt(d.b, d.a, ba, { ...shape, output: ba });
    assert.equal(Array.from(ba), Array.from(await filtfilt(d.b, d.a, x, { ...shape, engine: 'reference' })), `padlen ${padlen}, filtfilt in place`);
  }
});

test('sosfilt and lfilter stream: two blocks with the final states carried over equal one pass, bit for bit', async () => {
  const channels = 3;
  const samples = 4000;
  const x = noise(channels * samples, 11);
  const d = designIir({ family: 'butter', band: 'bandstop', order: 3, cutoffsHz: [45, 55], fs: 250 });
  const block = (from: number, to: number) => {
    const out = new Float64Array(channels * (to - from));
    for (let c = 0; c < channels; c++) out.set(x.subarray(c * samples + from, c * samples + to), c * (to - from));
    return out;
  };
  for (const [name, run] of [
    ['sosfilt', (xs: Float64Array, n: number, zi?: Float64Array) => sosfilt(d.sos, xs, { channels, samples: n, zi })],
    ['lfilter', (xs: Float64Array, n: number, zi?: Float64Array) => lfilter(d.b, d.a, xs, { channels, samples: n, zi })],
  ] as const) {
    const whole = await run(x, samples);
    const first = await run(block(0, 1500), 1500);
    const second = await run(block(1500, samples), samples - 1500, first.zf);
    for (let c = 0; c < channels; c++) {
      assert.equal(Array.from(first.y.subarray(c * 1500, (c + 1) * 1500)), Array.from(whole.y.subarray(c * samples, c * samples + 1500)), `${name} block 1`);
      assert.equal(Array.from(second.y.subarray(c * 2500, (c + 1) * 2500)), Array.from(whole.y.subarray(c * samples + 1500, (c + 1) * samples)), `${name} block 2`);
    }
    assert.equal(Array.from(second.zf), Array.from(whole.zf), `${name} final states`);
  }
});

test('sosfilt_zi / lfilter_zi start a step response in its steady state', async () => {
  const d = designIir({ family: 'cheby1', band: 'lowpass', order: 6, rippleDb: 1, cutoffsHz: [20], fs: 250 });
  const step = new Float64Array(500).fill(3);
  const sosStart = sosfiltZi(d.sos).map((v) => v * 3);
  const { y } = await sosfilt(d.sos, step, { channels: 1, samples: 500, zi: sosStart });
  const dc = (d.b.reduce((s, v) => s + v, 0) / d.a.reduce((s, v) => s + v, 0)) * 3; // the DC gain times the step
  for (const v of y) assert.ok(Math.abs(v - dc) < 1e-10 * dc, `sosfilt ${v} vs ${dc}`); // zi solves a linear system: ~κ·ε
  const baStart = lfilterZi(d.b, d.a).map((v) => v * 3);
  const ba = await lfilter(d.b, d.a, step, { channels: 1, samples: 500, zi: baStart });
  for (const v of ba.y) assert.ok(Math.abs(v - dc) < 1e-10 * dc, `lfilter ${v} vs ${dc}`);
  await assertRejects(sosfilt(d.sos, step, { channels: 1, samples: 500, zi: new Float64Array(5) }), RangeError, /Expected 6 elements for zi but received 5/);
});

test('design arguments are checked with messages that say what was expected', () => {
  const base = { family: 'butter', band: 'lowpass', order: 4, cutoffsHz: [40], fs: 1000 } as const;
  assertThrows(() => designIir({ ...base, cutoffsHz: [500] }), RangeError, 'Expected cutoffsHz[0] strictly between 0 and the Nyquist frequency 500 Hz but received 500');
  assertThrows(() => designIir({ ...base, order: 0 }), RangeError, /order/);
  assertThrows(() => designIir({ ...base, band: 'bandpass' }), RangeError, 'Expected 2 cutoff frequencies for a bandpass filter but received [40]');
  assertThrows(() => designIir({ ...base, band: 'bandstop', cutoffsHz: [61, 59] }), RangeError, 'Expected ascending band edges but received 61, 59');
  assertThrows(() => designIir({ ...base, family: 'cheby1' }), TypeError, 'Expected number for rippleDb but received undefined of type undefined');
});

test('signal arguments are checked before the native call', async () => {
  const sos = designIir({ family: 'butter', band: 'highpass', order: 2, cutoffsHz: [1], fs: 125 }).sos;
  await assertRejects(sosfiltfilt(sos, new Float64Array(10), { channels: 2, samples: 6 }), RangeError, /Expected 12 elements for x but received 10/);
  await assertRejects(sosfiltfilt(sos.subarray(0, 5), new Float64Array(100), { channels: 1, samples: 100 }), RangeError, /Expected sections × 6 values for sos but received 5/);
  await assertRejects(sosfiltfilt(sos, new Float64Array(100), { channels: 1, samples: 100, engine: 'gpu' as never }), RangeError, /engine/);
  await assertRejects(sosfiltfilt(sos, new Float64Array(100), { channels: 1, samples: 100, output: new Float64Array(99) }), RangeError, /Expected 100 elements for output/);
});

test('native failures reject with a JS Error naming the problem', async () => {
  const bad = Float64Array.of(1, 0, 0, 0, 0.5, 0.1); // a0 = 0
  await assertRejects(sosfiltfilt(bad, new Float64Array(100), { channels: 1, samples: 100 }), Error, /section 0 has a0 = 0/);
  const sos = designIir({ family: 'butter', band: 'highpass', order: 2, cutoffsHz: [1], fs: 125 }).sos; // one section: padlen 9
  await assertRejects(sosfiltfilt(sos, new Float64Array(9), { channels: 1, samples: 9 }), Error, /the length of the input vector x must be greater than padlen, which is 9 \(samples: 9\)/);
  const { b, a } = designIir({ family: 'butter', band: 'lowpass', order: 2, cutoffsHz: [10], fs: 125 });
  await assertRejects(filtfilt(b, Float64Array.of(0, 1, 1), new Float64Array(100), { channels: 1, samples: 100 }), Error, /a\[0\] must not be 0/);
  const x = new Float64Array(2 * 100);
  x[100 + 50] = Infinity;
  await assertRejects(filtfilt(b, a, x, { channels: 2, samples: 100, engine: 'reference' }), RangeError, /non-finite input value \(Infinity\) at channel 1, sample 50/);
  // and the process carries on
  assert.is((await filtfilt(b, a, new Float64Array(100), { channels: 1, samples: 100 })).length, 100);
});

test.run();
