/**
 * Filter pipelines: designs checked against the data's Nyquist frequency and for stability, the
 * chain equal to the stages applied one after another, in place or not, and the errors for short
 * or non-finite signals. `filter-dataset` covers `predann filter` and `ingest --filter` end to end.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyFilterPipeline, designFilterPipeline, filterFloat32, pipelinePadlen } from '../src/dsp/filter-pipeline.js';
import { FilterSpecError } from '../src/dsp/filter-spec.js';
import { designIir, filtfilt, sosfiltfilt } from '../src/dsp/iir-filter.js';
import { assertRejects, assertThrows, seededUniform } from './helpers.js';

function noise(channels: number, samples: number, seed = 1): Float64Array {
  const u = seededUniform(seed);
  return Float64Array.from({ length: channels * samples }, () => 200 * (u() - 0.5));
}

test('nmedt at 1 kHz: 4 + 4 + 8 sections, all stable, the canonical spec kept', () => {
  const p = designFilterPipeline('nmedt', 1000);
  assert.equal(p.stages.map((s) => s.design.sections), [4, 4, 8]);
  assert.ok(p.stages.every((s) => s.design.maxPoleRadius < 1));
  assert.is(p.spec, 'highpass:0.3:butter:order=8:sos,bandstop:59-61:butter:order=4:sos,lowpass:50:cheby1:order=16:rp=0.5:sos');
  assert.is(p.fs, 1000);
});

test('the chain equals its stages applied one after another, each with its own padding, bit for bit', async () => {
  const shape = { channels: 9, samples: 5000 };
  const x = noise(shape.channels, shape.samples);
  const p = designFilterPipeline('hp:0.5:order=4,bs:59-61:order=2:ba,lp:40:cheby1:order=6', 1000);
  const y = await applyFilterPipeline(p, Float64Array.from(x), shape);
  const [hp, bs, lp] = p.stages.map((s) => s.design);
  let z = await sosfiltfilt(hp.sos, x, shape);
  z = await filtfilt(bs.b, bs.a, z, shape);
  z = await sosfiltfilt(lp.sos, z, shape);
  assert.equal(Array.from(y), Array.from(z));
});

test('the reference engine gives the fast chain\'s bits', async () => {
  const shape = { channels: 5, samples: 3000 };
  const x = noise(shape.channels, shape.samples, 5);
  const p = designFilterPipeline('nmedt,hp:2:order=2:ba', 1000);
  const fast = await applyFilterPipeline(p, Float64Array.from(x), shape);
  const reference = await applyFilterPipeline(p, Float64Array.from(x), shape, 'reference');
  assert.equal(Array.from(reference), Array.from(fast));
});

test('in place and into a new array give the same bits; the input is untouched without output', async () => {
  const shape = { channels: 3, samples: 2000 };
  const x = noise(shape.channels, shape.samples, 7);
  const copy = Float64Array.from(x);
  const sos = designIir({ family: 'butter', band: 'highpass', order: 4, cutoffsHz: [1], fs: 125 }).sos;
  const fresh = await sosfiltfilt(sos, x, shape);
  assert.equal(Array.from(x), Array.from(copy));
  const inPlace = await sosfiltfilt(sos, x, { ...shape, output: x });
  assert.is(inPlace, x);
  assert.equal(Array.from(inPlace), Array.from(fresh));
  const shared = new Float64Array(x.length + 1);
  await assertRejects(sosfiltfilt(sos, shared.subarray(0, x.length), { ...shape, output: shared.subarray(1) }), RangeError, /Expected output to be x itself or not to overlap it/);
});

test('float32 recordings are filtered in float64 and rounded once', async () => {
  const shape = { channels: 2, samples: 3000 };
  const x = Float32Array.from(noise(shape.channels, shape.samples, 3));
  const p = designFilterPipeline('bandpass:1-50', 125);
  const y = await filterFloat32(p, x, shape);
  const y64 = await applyFilterPipeline(p, Float64Array.from(x), shape);
  assert.equal(Array.from(y), Array.from(Float32Array.from(y64)));
});

test('an edge at or above Nyquist is refused, naming the stage and the sample rate', () => {
  assertThrows(() => designFilterPipeline('nmedt,lowpass:70', 125), FilterSpecError,
    'filter stage 4 "lowpass:70:butter:order=5:sos": the edge 70 Hz is at or above the Nyquist frequency 62.5 Hz of 125-Hz data');
  assertThrows(() => designFilterPipeline('bandpass:1-62.5', 125), FilterSpecError, /the edge 62.5 Hz is at or above the Nyquist frequency 62.5 Hz/);
  assertThrows(() => designFilterPipeline('lowpass:10', 0), FilterSpecError, 'the sample rate must be a positive number of Hz, got 0');
});

test('unstable designs are refused: poles on the unit circle, and (b, a) forms that cannot hold the poles', () => {
  assertThrows(() => designFilterPipeline('highpass:1e-14:order=4', 1000), FilterSpecError,
    /filter stage 1 "highpass:1e-14:butter:order=4:sos": unstable design at 1000 Hz \(a pole at radius 1\.00000000000 ≥ 1\)/);
  assertThrows(() => designFilterPipeline('lowpass:50:cheby1:order=16:ba', 1000), FilterSpecError,
    /unstable in \(b, a\) form at 1000 Hz .*use second-order sections \(drop ":ba"\)/);
  // the same designs as sections, and the official band-pass as (b, a), are fine
  designFilterPipeline('lowpass:50:cheby1:order=16', 1000);
  designFilterPipeline('official-bandpass', 125);
});

test('a signal no longer than the padding, and a NaN, are refused with their place named', async () => {
  const p = designFilterPipeline('nmedt', 1000);
  const padlen = pipelinePadlen(p);
  assert.is(padlen, Math.max(...p.stages.map((s) => s.padlen)));
  await assertRejects(applyFilterPipeline(p, noise(2, padlen), { channels: 2, samples: padlen }), FilterSpecError,
    new RegExp(`a signal of ${padlen} samples is too short for the filter .*: it must be longer than its padding of ${padlen} samples`));
  await applyFilterPipeline(p, noise(2, padlen + 1), { channels: 2, samples: padlen + 1 });
  const x = noise(3, 1000);
  x[2 * 1000 + 417] = NaN;
  await assertRejects(applyFilterPipeline(designFilterPipeline('hp:1', 125), x, { channels: 3, samples: 1000 }), RangeError, /non-finite input value \(NaN\) at channel 2, sample 417/);
  const y = noise(3, 1000);
  y[5] = -Infinity;
  await assertRejects(applyFilterPipeline(designFilterPipeline('official-bandpass', 125), y, { channels: 3, samples: 1000 }), RangeError, /non-finite input value \(Infinity\) at channel 0, sample 5/);
});

test.run();
