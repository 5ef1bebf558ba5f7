// Clip preprocessing: the fast engine (and CUDA where a GPU exists) must equal the reference to
// the bit, and both must follow the recipe of the golden README case (b), which an independent
// TypeScript model below restates (float64 sort, numpy 'linear' percentiles, one float32 rounding).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { seededUniform } from './helpers.js';
import { native } from '../src/native.js';
import { preprocessClips, preprocessCrops, type ClipPreprocessResult } from '../src/data/clip-preprocess.js';

const gpu = native.buildInfo().cudaDevices.length > 0;

// ---------------------------------------------------------------------------------------------
// Helpers

const rng = seededUniform;

type Kind = 'noise' | 'ties' | 'constant' | 'iqr-zero' | 'tiny' | 'spiky' | 'signed-zeros';
const kinds: Kind[] = ['noise', 'ties', 'constant', 'iqr-zero', 'tiny', 'spiky', 'signed-zeros'];

/** One channel of n samples of the given kind (microvolt-like scale). */
function channel(kind: Kind, n: number, r: () => number): number[] {
  const offset = (r() - 0.5) * 600;
  const noise = () => offset + (r() + r() + r() - 1.5) * 40;
  switch (kind) {
    case 'noise':
      return Array.from({ length: n }, noise);
    case 'ties': // quantised to 0.25: many equal order statistics
      return Array.from({ length: n }, () => Math.round(noise() * 4) / 4);
    case 'constant':
      return Array.from({ length: n }, () => 42.5);
    case 'iqr-zero': // 80% equal: IQR 0 but not constant, so scale 1 and y = clamp(x − median)
      return Array.from({ length: n }, () => (r() < 0.8 ? -7.25 : (r() - 0.5) * 600));
    case 'tiny':
      return Array.from({ length: n }, () => noise() * 1e-30);
    case 'spiky': // large excursions that the clamp cuts
      return Array.from({ length: n }, () => (r() < 0.08 ? (r() - 0.5) * 1e4 : noise()));
    case 'signed-zeros': // −0 and +0 tie numerically; every version orders −0 first
      return Array.from({ length: n }, () => (r() < 0.3 ? -0 : r() < 0.5 ? 0 : (r() - 0.5) * 1e-3));
  }
}

/** (N,C,L) clips whose channels cycle through every kind. */
function makeClips(seed: number, count: number, channels: number, length: number): Float32Array {
  const r = rng(seed);
  const clips = new Float32Array(count * channels * length);
  for (let row = 0; row < count * channels; row++) {
    clips.set(channel(kinds[(row + seed) % kinds.length], length, r), row * length);
  }
  return clips;
}

/** The recipe of golden case (b), restated independently for one channel (float64 = JS numbers). */
function recipe(x: ArrayLike<number>, clamp = 20): { y: Float32Array; center: number; scale: number } {
  const n = x.length;
  const s = Float64Array.from(x).sort(); // ascending; a typed-array sort puts −0 before +0
  const center = (s[Math.floor((n - 1) / 2)] + s[Math.floor(n / 2)]) / 2;
  const percentile = (p: number) => {
    const v = ((n - 1) * p) / 100;
    const lo = Math.floor(v);
    const g = v - lo;
    const a = s[lo];
    const b = s[Math.min(lo + 1, n - 1)];
    return g >= 0.5 ? b - (b - a) * (1 - g) : a + (b - a) * g;
  };
  const iqr = percentile(75) - percentile(25);
  const scale = iqr < 10 * Number.EPSILON ? 1 : iqr;
  const c32 = Math.fround(clamp);
  const y = Float32Array.from(x, (v) => Math.min(Math.max(Math.fround((v - center) / scale), -c32), c32));
  return { y, center, scale };
}

/** Bitwise equality of two float arrays (so −0 ≠ +0), naming the first difference. */
function assertSameBits(actual: Float32Array | Float64Array, expected: Float32Array | Float64Array, what: string): void {
  assert.is(actual.length, expected.length, `${what}: length`);
  const a = actual instanceof Float32Array ? new Uint32Array(actual.buffer, actual.byteOffset, actual.length)
    : new BigUint64Array(actual.buffer, actual.byteOffset, actual.length);
  const b = expected instanceof Float32Array ? new Uint32Array(expected.buffer, expected.byteOffset, expected.length)
    : new BigUint64Array(expected.buffer, expected.byteOffset, expected.length);
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) assert.unreachable(`${what}: first difference at [${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

function assertSameResult(actual: ClipPreprocessResult, expected: ClipPreprocessResult, what: string): void {
  assertSameBits(actual.output, expected.output, `${what} output`);
  assertSameBits(actual.center!, expected.center!, `${what} center`);
  assertSameBits(actual.scale!, expected.scale!, `${what} scale`);
}

/** Checks a whole result against the TypeScript recipe. */
function assertFollowsRecipe(
  clips: Float32Array, count: number, channels: number, length: number, result: ClipPreprocessResult,
  { clamp = 20, padLeft = 177, padRight = 177 } = {},
): void {
  const padded = padLeft + length + padRight;
  const expected = new Float32Array(count * channels * padded);
  const center = new Float64Array(count * channels);
  const scale = new Float64Array(count * channels);
  for (let row = 0; row < count * channels; row++) {
    const r = recipe(clips.subarray(row * length, (row + 1) * length), clamp);
    expected.set(r.y, row * padded + padLeft);
    center[row] = r.center;
    scale[row] = r.scale;
  }
  assertSameBits(result.output, expected, 'output vs recipe');
  if (result.center) assertSameBits(result.center, center, 'center vs recipe');
  if (result.scale) assertSameBits(result.scale, scale, 'scale vs recipe');
}

async function rejects(promise: Promise<unknown>, type: ErrorConstructor, pattern: RegExp): Promise<void> {
  try {
    await promise;
  } catch (e) {
    assert.instance(e, type);
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable(`expected a ${type.name} matching ${pattern}`);
}

// ---------------------------------------------------------------------------------------------
// Defaults and the recipe

test('defaults: 375 → 729 with 177 zeros each side, clamp 20, no stats, CPU fast engine without a GPU', async () => {
  const clips = makeClips(1, 3, 5, 375);
  const result = await preprocessClips(clips, { count: 3, channels: 5, length: 375 });
  assert.is(result.output.length, 3 * 5 * 729);
  assert.is(result.center, undefined);
  assert.is(result.scale, undefined);
  assert.is(result.engine, gpu ? 'cuda' : 'fast');
  for (let row = 0; row < 15; row++) {
    const r = result.output.subarray(row * 729, (row + 1) * 729);
    assert.ok(r.subarray(0, 177).every((v) => Object.is(v, 0)), `row ${row}: left pad`);
    assert.ok(r.subarray(177 + 375).every((v) => Object.is(v, 0)), `row ${row}: right pad`);
  }
  assert.ok(result.output.every((v) => Math.abs(v) <= 20));
  assertFollowsRecipe(clips, 3, 5, 375, result);
});

test('a hand-worked channel: [4, 1, 3, 2] has median 2.5 and IQR 3.25 − 1.75 = 1.5', async () => {
  const result = await preprocessClips(Float32Array.of(4, 1, 3, 2), { count: 1, channels: 1, length: 4 },
    { padLeft: 0, padRight: 0, stats: true, engine: 'reference' });
  assert.equal(Array.from(result.center!), [2.5]);
  assert.equal(Array.from(result.scale!), [1.5]);
  assert.equal(Array.from(result.output), [4, 1, 3, 2].map((x) => Math.fround((x - 2.5) / 1.5)));
});

test('the golden edge cases in miniature: constant and all-zero channels give scale 1 and zeros', async () => {
  const clips = new Float32Array(2 * 375);
  clips.fill(42.5, 0, 375);
  const result = await preprocessClips(clips, { count: 1, channels: 2, length: 375 }, { stats: true });
  assert.equal(Array.from(result.scale!), [1, 1]);
  assert.equal(Array.from(result.center!), [42.5, 0]);
  assert.ok(result.output.every((v) => Object.is(v, 0)));
});

// ---------------------------------------------------------------------------------------------
// Fast = reference, bit for bit

const lengths = [1, 2, 3, 4, 5, 6, 7, 8, 16, 17, 100, 374, 375, 376, 875, 1000];
for (const length of lengths) {
  test(`fast = reference = recipe, bit for bit, on L = ${length} (every channel kind, a partial lane group)`, async () => {
    const count = length >= 374 ? 3 : 4;
    const channels = 19; // 57 or 76 channels: not a multiple of the 16 lanes the fast path sorts at once
    const clips = makeClips(length, count, channels, length);
    const shape = { count, channels, length };
    const fast = await preprocessClips(clips, shape, { engine: 'fast', stats: true });
    const ref = await preprocessClips(clips, shape, { engine: 'reference', stats: true });
    assert.is(fast.engine, 'fast');
    assert.is(ref.engine, 'reference');
    assertSameResult(fast, ref, `L=${length}`);
    assertFollowsRecipe(clips, count, channels, length, ref);
  });
}

test('fast = reference beyond the sorting-network limit (L = 4097 and 5000 use selection by nth_element)', async () => {
  for (const length of [4096, 4097, 5000]) {
    const clips = makeClips(length, 1, 9, length);
    const shape = { count: 1, channels: 9, length };
    const fast = await preprocessClips(clips, shape, { engine: 'fast', stats: true, padLeft: 3, padRight: 0 });
    const ref = await preprocessClips(clips, shape, { engine: 'reference', stats: true, padLeft: 3, padRight: 0 });
    assertSameResult(fast, ref, `L=${length}`);
    assertFollowsRecipe(clips, 1, 9, length, ref, { padLeft: 3, padRight: 0 });
  }
});

test('many random batches of 128×375 clips: fast = reference', async () => {
  for (let seed = 100; seed < 104; seed++) {
    const clips = makeClips(seed, 4, 128, 375);
    const shape = { count: 4, channels: 128, length: 375 };
    const fast = await preprocessClips(clips, shape, { engine: 'fast', stats: true });
    const ref = await preprocessClips(clips, shape, { engine: 'reference', stats: true });
    assertSameResult(fast, ref, `seed ${seed}`);
  }
});

test('other pads and clamps follow the recipe in both engines', async () => {
  const clips = makeClips(7, 2, 16, 375);
  const shape = { count: 2, channels: 16, length: 375 };
  for (const opts of [
    { clamp: 1.5, padLeft: 0, padRight: 0 },
    { clamp: 0.1, padLeft: 10, padRight: 0 }, // 0.1 is not a float32: the clamp is float32(0.1), like torch
    { clamp: Infinity, padLeft: 0, padRight: 354 },
    { clamp: 3, padLeft: 1, padRight: 2 },
  ]) {
    const fast = await preprocessClips(clips, shape, { ...opts, engine: 'fast', stats: true });
    const ref = await preprocessClips(clips, shape, { ...opts, engine: 'reference', stats: true });
    assertSameResult(fast, ref, JSON.stringify(opts));
    assertFollowsRecipe(clips, 2, 16, 375, fast, opts);
    assert.ok(fast.output.every((v) => Math.abs(v) <= Math.fround(opts.clamp)), `${JSON.stringify(opts)}: clamped`);
  }
});

test('no clamp: values far beyond ±20 pass, and a float32 overflow becomes Infinity', async () => {
  // IQR 0 → scale 1 and median m = −1e38, so 3e38 − m = 4e38 overflows float32.
  const m = Math.fround(-1e38);
  const clips = Float32Array.of(m, m, m, m, 1, m, m, m, m, 3e38);
  const shape = { count: 1, channels: 1, length: 10 };
  for (const engine of ['fast', 'reference'] as const) {
    const open = await preprocessClips(clips, shape, { engine, clamp: Infinity, padLeft: 0, padRight: 0 });
    assert.equal(Array.from(open.output), [0, 0, 0, 0, Math.fround(1 - m), 0, 0, 0, 0, Infinity]);
    const clamped = await preprocessClips(clips, shape, { engine, clamp: 5, padLeft: 0, padRight: 0 });
    assert.equal(Array.from(clamped.output), [0, 0, 0, 0, 5, 0, 0, 0, 0, 5]);
  }
});

test('options.output: the given array is filled (pads included) and returned, for clips and crops', async () => {
  const clips = makeClips(8, 2, 16, 375);
  const shape = { count: 2, channels: 16, length: 375 };
  const fresh = await preprocessClips(clips, shape, { stats: true });
  for (const engine of ['fast', 'reference'] as const) {
    const output = new Float32Array(2 * 16 * 729).fill(NaN); // stale contents, pads included, must be overwritten
    const reused = await preprocessClips(clips, shape, { engine, output });
    assert.ok(reused.output === output, `${engine}: the same array comes back`);
    assertSameBits(output, fresh.output, `${engine} reused output`);
  }
  const recording = { data: clips, channels: 1, samples: clips.length };
  const cropOutput = new Float32Array(3 * 20);
  const crops = await preprocessCrops(recording, [0, 5, 100], 10, { output: cropOutput, padLeft: 5, padRight: 5 });
  assert.ok(crops.output === cropOutput);
});

test('options.output: wrong type, wrong size or memory shared with the input are rejected', async () => {
  const clips = new Float32Array(2 * 10);
  const shape = { count: 1, channels: 2, length: 10 };
  await rejects(preprocessClips(clips, shape, { output: new Float64Array(2 * 364) as unknown as Float32Array }), TypeError,
    /^Expected Float32Array for options\.output/);
  await rejects(preprocessClips(clips, shape, { output: new Float32Array(2 * 363) }), RangeError,
    /^Expected 728 elements for options\.output but received 726$/);
  const shared = new Float32Array(20 + 20);
  await rejects(preprocessClips(shared.subarray(0, 20), shape, { padLeft: 0, padRight: 0, output: shared.subarray(10, 30) }),
    RangeError, /^Expected options\.output not to share memory with the input$/);
  // Neighbouring views of one buffer do not overlap: allowed.
  await preprocessClips(shared.subarray(0, 20), shape, { padLeft: 0, padRight: 0, output: shared.subarray(20, 40) });
  // The binding's own check, for callers that bypass the wrapper.
  assert.throws(() => native.preprocessClips(shared.subarray(0, 20), 1, 2, 10, 20, 0, 0, 'fast', false, shared.subarray(5, 25)),
    (e: Error) => e instanceof RangeError && /share memory/.test(e.message));
});

test('an empty batch gives empty arrays', async () => {
  const result = await preprocessClips(new Float32Array(0), { count: 0, channels: 128, length: 375 }, { stats: true });
  assert.is(result.output.length, 0);
  assert.is(result.center!.length, 0);
  const crops = await preprocessCrops({ data: new Float32Array(10), channels: 2, samples: 5 }, [], 5);
  assert.is(crops.output.length, 0);
});

test('the CUDA engine: bit-identical to fast on a GPU, otherwise a clear error', async () => {
  const clips = makeClips(11, 3, 21, 375);
  const shape = { count: 3, channels: 21, length: 375 };
  if (!gpu) {
    await rejects(preprocessClips(clips, shape, { engine: 'cuda' }), Error, /^no CUDA device: \S/);
    return;
  }
  const cuda = await preprocessClips(clips, shape, { engine: 'cuda', stats: true });
  const fast = await preprocessClips(clips, shape, { engine: 'fast', stats: true });
  assert.is(cuda.engine, 'cuda');
  assertSameResult(cuda, fast, 'cuda');
  const starts = [0, 17, 4000 - 375];
  const recording = { data: makeClips(12, 1, 21, 4000), channels: 21, samples: 4000 };
  assertSameResult(
    await preprocessCrops(recording, starts, 375, { engine: 'cuda', stats: true }),
    await preprocessCrops(recording, starts, 375, { engine: 'fast', stats: true }),
    'cuda crops',
  );
});

// ---------------------------------------------------------------------------------------------
// Crops

test('preprocessCrops equals preprocessClips on the copied crops (fast and reference)', async () => {
  const channels = 20, samples = 3750, length = 375;
  const data = makeClips(21, 1, channels, samples);
  const r = rng(5);
  const starts = [0, samples - length, ...Array.from({ length: 12 }, () => Math.floor(r() * (samples - length + 1)))];
  const copied = new Float32Array(starts.length * channels * length);
  starts.forEach((s, k) => {
    for (let c = 0; c < channels; c++) copied.set(data.subarray(c * samples + s, c * samples + s + length), (k * channels + c) * length);
  });
  for (const engine of ['fast', 'reference'] as const) {
    const crops = await preprocessCrops({ data, channels, samples }, starts, length, { engine, stats: true });
    const clips = await preprocessClips(copied, { count: starts.length, channels, length }, { engine, stats: true });
    assertSameResult(crops, clips, engine);
  }
  // A typed array of starts works too.
  const typed = await preprocessCrops({ data, channels, samples }, Int32Array.from(starts), length, { stats: true });
  assertSameBits(typed.output, (await preprocessClips(copied, { count: starts.length, channels, length })).output, 'Int32Array starts');
});

// ---------------------------------------------------------------------------------------------
// Bad calls

test('bad clips and shapes are rejected before any work, with the argument named', async () => {
  const shape = { count: 1, channels: 2, length: 3 };
  await rejects(preprocessClips(new Float64Array(6) as unknown as Float32Array, shape), TypeError,
    /^Expected Float32Array for clips but received a value of type Float64Array$/);
  await rejects(preprocessClips([1, 2] as unknown as Float32Array, shape), TypeError, /Float32Array for clips/);
  await rejects(preprocessClips(new Float32Array(5), shape), RangeError, /^Expected 6 elements for clips but received 5$/);
  await rejects(preprocessClips(new Float32Array(6), { ...shape, length: 0 }), RangeError, /shape\.length/);
  await rejects(preprocessClips(new Float32Array(6), { ...shape, channels: 1.5 }), RangeError, /shape\.channels/);
  await rejects(preprocessClips(new Float32Array(6), { ...shape, count: -1 }), RangeError, /shape\.count/);
  await rejects(preprocessClips(new Float32Array(6), undefined as unknown as typeof shape), TypeError, /object for shape/);
});

test('bad options are rejected with the option named', async () => {
  const clips = new Float32Array(6);
  const shape = { count: 1, channels: 2, length: 3 };
  const bad: [object, ErrorConstructor, RegExp][] = [
    [{ clamp: 0 }, RangeError, /^Expected positive number for options\.clamp but received 0 of type number$/],
    [{ clamp: -20 }, RangeError, /options\.clamp/],
    [{ clamp: 1e-60 }, RangeError, /options\.clamp/], // rounds to 0 in float32
    [{ clamp: NaN }, TypeError, /options\.clamp/],
    [{ clamp: '20' }, TypeError, /^Expected number for options\.clamp/],
    [{ padLeft: -1 }, RangeError, /options\.padLeft/],
    [{ padRight: 2.5 }, RangeError, /options\.padRight/],
    [{ engine: 'gpu' }, RangeError, /^Expected one of auto, fast, reference, cuda for options\.engine but received "gpu"/],
    [{ stats: 'yes' }, TypeError, /^Expected boolean for options\.stats/],
  ];
  for (const [options, type, pattern] of bad) await rejects(preprocessClips(clips, shape, options), type, pattern);
  await rejects(preprocessClips(clips, shape, null as unknown as object), TypeError, /object for options/);
});

test('a NaN or infinity rejects the promise naming the clip, channel and sample (both engines)', async () => {
  const clips = makeClips(3, 3, 20, 50);
  clips[(2 * 20 + 17) * 50 + 42] = NaN; // clip 2, channel 17, sample 42
  clips[(2 * 20 + 18) * 50 + 1] = Infinity; // a later one: the first is reported
  for (const engine of ['fast', 'reference', 'auto'] as const) {
    await rejects(preprocessClips(clips, { count: 3, channels: 20, length: 50 }, { engine }), Error,
      /^clip 2, channel 17, sample 42: value is NaN; EEG clips must be finite$/);
  }
  const long = new Float32Array(2 * 5000);
  long[5000 + 4999] = -Infinity;
  await rejects(preprocessClips(long, { count: 1, channels: 2, length: 5000 }, { engine: 'fast' }), Error,
    /^clip 0, channel 1, sample 4999: value is -Infinity/);
});

test('a non-finite value inside a crop names the crop and its start', async () => {
  const data = makeClips(4, 1, 3, 100);
  data[2 * 100 + 60] = Infinity; // channel 2, recording sample 60
  const recording = { data, channels: 3, samples: 100 };
  await rejects(preprocessCrops(recording, [0, 50], 20), Error,
    /^clip 1 \(crop start 50\), channel 2, sample 10: value is Infinity/);
  // Crops that do not cover sample 60 are fine.
  await preprocessCrops(recording, [0, 61], 20);
});

test('bad crops: starts past the end, negative or fractional, and bad recordings', async () => {
  const recording = { data: new Float32Array(2 * 100), channels: 2, samples: 100 };
  await rejects(preprocessCrops(recording, [0, 80], 21), RangeError,
    /^Crop starts\[1\] = 80 runs past the end of the recording: 80 \+ length 21 > 100 samples$/);
  await rejects(preprocessCrops(recording, [-1], 10), RangeError, /starts\[0\]/);
  await rejects(preprocessCrops(recording, [0, 1.5], 10), RangeError, /starts\[1\]/);
  await rejects(preprocessCrops(recording, 3 as unknown as number[], 10), TypeError, /array of numbers for starts/);
  await rejects(preprocessCrops(recording, [0], 101), RangeError, /for length/);
  await rejects(preprocessCrops({ ...recording, samples: 99 }, [0], 10), RangeError, /recording\.data/);
  await rejects(preprocessCrops({ ...recording, data: new Float64Array(200) as unknown as Float32Array }, [0], 10),
    TypeError, /recording\.data/);
});

test('the raw binding defends itself against calls that bypass the wrapper', () => {
  assert.throws(() => native.preprocessClips(new Float32Array(4), 1, 1, 5, 20, 0, 0, 'fast', false),
    (e: Error) => e instanceof RangeError && /elements for clips/.test(e.message));
  assert.throws(() => native.preprocessClips(new Float32Array(4), 1, 1, 4, 20, 0, 0, 'gpu', false),
    (e: Error) => e instanceof RangeError && /engine/.test(e.message));
  assert.throws(() => native.preprocessCrops(new Float32Array(10), 1, 10, Float64Array.of(6), 5, 20, 0, 0, 'fast', false),
    (e: Error) => e instanceof RangeError && /crop 0 \(start 6, length 5\)/.test(e.message));
  assert.throws(() => native.preprocessClips(new Float32Array(4), 1, 1, 4, 0, 0, 0, 'fast', false),
    (e: Error) => e instanceof RangeError && /clamp/.test(e.message));
});

test.run();
