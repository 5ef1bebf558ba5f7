// FFT resampling (scipy.signal.resample semantics): the fast engine against the reference on fresh
// random inputs for every kind of length (primes, powers of two, both parities, up and down,
// Bluestein lengths), the layouts and input types, signals whose resampled form is known exactly,
// and the bad calls.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { native } from '../src/native.js';
import { describeResamplePlan, resample, type ResampleEngine } from '../src/dsp/resample.js';
import { assertClose, maxAbs, seededUniform } from './helpers.js';

// ---------------------------------------------------------------------------------------------
// Helpers

const rng = seededUniform;

/** (channels, samples) EEG-like data: an offset, a slow wave and noise per channel. */
function randomSignal(channels: number, samples: number, seed: number): Float64Array {
  const r = rng(seed);
  const x = new Float64Array(channels * samples);
  for (let c = 0; c < channels; c++) {
    const offset = (r() - 0.5) * 200;
    const f = r() * 0.05;
    for (let t = 0; t < samples; t++) x[c * samples + t] = offset + 30 * Math.sin(f * t) + (r() - 0.5) * 20;
  }
  return x;
}

/** (channels, samples) → (samples, channels). */
function transpose(x: Float64Array, channels: number, samples: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let c = 0; c < channels; c++) for (let t = 0; t < samples; t++) y[t * channels + c] = x[c * samples + t];
  return y;
}

// Both engines compute in float64: the FFT's rounding grows like log(n)·eps, the direct sums'
// like sqrt(n)·eps; measured differences stay below 1e-14 of the largest output.
const parityTolerance = 1e-12;

async function assertEnginesAgree(
  x: Float64Array | Float32Array,
  channels: number,
  samples: number,
  num: number,
  timeMajor: boolean,
): Promise<void> {
  const shape = { channels, samples };
  const fast = await resample(x, shape, num, { engine: 'fast', timeMajor });
  const reference = await resample(x, shape, num, { engine: 'reference', timeMajor });
  assert.is(fast.length, channels * num);
  const what = `${samples} → ${num}, ${channels} channels, ${timeMajor ? 'time' : 'channel'}-major, ${x.constructor.name}`;
  assertClose(fast, reference, { atol: parityTolerance * maxAbs(reference), what });
}

/** Exact equality, naming the first differing element. */
function assertIdentical(actual: Float64Array, expected: Float64Array, what: string): void {
  assert.is(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i])) assert.unreachable(`${what}: first difference at [${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

const engines: ResampleEngine[] = ['fast', 'reference'];

// ---------------------------------------------------------------------------------------------
// Parity, fast vs reference

const lengths: [samples: number, num: number, why: string][] = [
  [1, 1, 'one sample to one'],
  [1, 7, 'one sample, upsampled'],
  [9, 1, 'to one sample (the mean)'],
  [2, 1, 'shortest even input to one'],
  [8, 4, 'powers of two, even num (Nyquist bin doubled)'],
  [9, 4, 'odd input, even num'],
  [10, 5, 'even input, odd num'],
  [17, 17, 'prime, num = samples (identity)'],
  [64, 128, 'even input upsampled (Nyquist bin halved)'],
  [63, 128, 'odd input upsampled'],
  [64, 127, 'even input, odd longer output'],
  [97, 13, 'prime input'],
  [250, 31, 'one 8th of the output, odd'],
  [1000, 125, 'the 1000 → 125 Hz ratio'],
  [1024, 128, 'power of two'],
  [4008, 501, 'golden size with a factor 167'],
  [6001, 750, 'golden size 17·353'],
  [2048, 3000, 'upsampling to a composite length'],
  [10007, 1250, 'prime input long enough for Bluestein'],
  [8192, 1031, 'prime output length'],
  [12000, 1500, 'smooth composite'],
];

for (const [samples, num, why] of lengths) {
  test(`fast = reference: ${samples} → ${num} (${why}), both layouts, float64 and float32`, async () => {
    for (const channels of [1, 3, 4]) {
      const x = randomSignal(channels, samples, samples * 31 + num + channels);
      await assertEnginesAgree(x, channels, samples, num, false);
      await assertEnginesAgree(Float32Array.from(x), channels, samples, num, false);
      await assertEnginesAgree(transpose(x, channels, samples), channels, samples, num, true);
    }
  });
}

test('the parity cases exercise every strategy: pruned four-step, full four-step and Bluestein', () => {
  assert.match(describeResamplePlan(292000, 36500), /^forward 292000: four-step \d+x\d+ \(pruned rows\); inverse 36500: four-step/);
  assert.match(describeResamplePlan(10007, 1250), /^forward 10007: bluestein \d+/);
  assert.match(describeResamplePlan(277999, 34749), /^forward 277999: bluestein \d+ \(four-step \d+x\d+\)/);
  assert.match(describeResamplePlan(8192, 1031), /inverse 1031: bluestein/);
});

test('a realistic raw recording length (Bluestein, 36 s at 1 kHz) matches on two channels', async () => {
  // The reference costs samples·num per channel; two channels of 36,007 (prime) stay fast.
  await assertEnginesAgree(randomSignal(2, 36007, 5), 2, 36007, 4500, false);
});

// ---------------------------------------------------------------------------------------------
// Signals whose resampled form is known exactly

for (const engine of engines) {
  test(`${engine}: a cosine on an exact bin resamples to the same cosine`, async () => {
    const samples = 600, num = 75, bin = 7, phase = 0.3;
    const x = Float64Array.from({ length: samples }, (_, n) => 2.5 * Math.cos((2 * Math.PI * bin * n) / samples + phase));
    const y = await resample(x, { channels: 1, samples }, num, { engine });
    const want = Float64Array.from({ length: num }, (_, m) => 2.5 * Math.cos((2 * Math.PI * bin * m) / num + phase));
    assertClose(y, want, { atol: 1e-12, what: `${engine} cosine` });
  });

  test(`${engine}: the DC level is preserved, up and down`, async () => {
    const x = new Float64Array(2 * 50).fill(-3.25);
    x.fill(1e3, 50);
    for (const num of [1, 7, 50, 51, 200]) {
      const y = await resample(x, { channels: 2, samples: 50 }, num, { engine });
      assertClose(y.subarray(0, num), new Float64Array(num).fill(-3.25), { atol: 1e-12, what: `${engine} DC → ${num}` });
      assertClose(y.subarray(num), new Float64Array(num).fill(1e3), { atol: 1e-9, what: `${engine} DC → ${num}` });
    }
  });

  test(`${engine}: a cosine at the output's Nyquist frequency survives (scipy doubles that bin)`, async () => {
    const samples = 48, num = 12, phase = 0.7; // frequency num/2 cycles per record
    const x = Float64Array.from({ length: samples }, (_, n) => Math.cos((Math.PI * num * n) / samples + phase));
    const y = await resample(x, { channels: 1, samples }, num, { engine });
    const want = Float64Array.from({ length: num }, (_, m) => Math.cos(Math.PI * m + phase));
    assertClose(y, want, { atol: 1e-13, what: `${engine} Nyquist` });
  });

  test(`${engine}: the input's Nyquist bin is split in half when upsampling (−1)^n`, async () => {
    const x = Float64Array.from({ length: 16 }, (_, n) => (n % 2 === 0 ? 1 : -1));
    const y = await resample(x, { channels: 1, samples: 16 }, 32, { engine });
    const want = Float64Array.from({ length: 32 }, (_, m) => Math.cos((Math.PI * m) / 2));
    assertClose(y, want, { atol: 1e-13, what: `${engine} Nyquist split` });
  });

  test(`${engine}: num = samples returns the input, num = 1 the mean`, async () => {
    const x = randomSignal(3, 101, 9);
    assertClose(await resample(x, { channels: 3, samples: 101 }, 101, { engine }), x, { atol: 1e-12, what: 'identity' });
    const means = await resample(x, { channels: 3, samples: 101 }, 1, { engine });
    for (let c = 0; c < 3; c++) {
      const mean = x.subarray(c * 101, (c + 1) * 101).reduce((a, b) => a + b, 0) / 101;
      assert.ok(Math.abs(means[c] - mean) < 1e-12, `channel ${c}: ${means[c]} vs mean ${mean}`);
    }
  });

  test(`${engine}: a single sample becomes a constant`, async () => {
    const y = await resample(new Float32Array([4, -2]), { channels: 2, samples: 1 }, 3, { engine });
    assertClose(y, [4, 4, 4, -2, -2, -2], { atol: 1e-15, what: 'single sample' });
  });
}

// ---------------------------------------------------------------------------------------------
// Layouts, input types, defaults

test('time-major input gives exactly the channel-major result, for both engines', async () => {
  const x = randomSignal(5, 777, 3);
  for (const engine of engines) {
    const a = await resample(x, { channels: 5, samples: 777 }, 97, { engine });
    const b = await resample(transpose(x, 5, 777), { channels: 5, samples: 777 }, 97, { engine, timeMajor: true });
    assertIdentical(b, a, `${engine} time-major`);
  }
});

test('time-major input with more channels than one transposed group (the ingest shape)', async () => {
  const x = randomSignal(37, 2000, 4);
  const a = await resample(x, { channels: 37, samples: 2000 }, 250);
  const b = await resample(transpose(x, 37, 2000), { channels: 37, samples: 2000 }, 250, { timeMajor: true });
  assertIdentical(b, a, 'time-major, 37 channels');
});

test('float32 input is upcast exactly: the same result as its float64 copy', async () => {
  const x32 = Float32Array.from(randomSignal(3, 500, 8));
  for (const engine of engines) {
    const a = await resample(x32, { channels: 3, samples: 500 }, 64, { engine });
    const b = await resample(Float64Array.from(x32), { channels: 3, samples: 500 }, 64, { engine });
    assertIdentical(a, b, `${engine} float32`);
  }
});

test('defaults: the fast engine, channel-major', async () => {
  const x = randomSignal(2, 300, 6);
  const shape = { channels: 2, samples: 300 };
  assertIdentical(await resample(x, shape, 40), await resample(x, shape, 40, { engine: 'fast', timeMajor: false }), 'defaults');
});

test('the result of a channel does not depend on its neighbour in the pair', async () => {
  // Two channels share one complex FFT: channel 0 alone and beside a large channel must agree.
  const x = randomSignal(2, 640, 12);
  x.fill(1e6, 640);
  const alone = await resample(x.subarray(0, 640), { channels: 1, samples: 640 }, 80);
  const paired = await resample(x, { channels: 2, samples: 640 }, 80);
  assertClose(paired.subarray(0, 80), alone, { atol: 1e-9, what: 'paired channel' });
});

test('concurrent calls do not interfere', async () => {
  const inputs = [1, 2, 3, 4].map((seed) => randomSignal(3, 1500 + seed, seed));
  const together = await Promise.all(inputs.map((x, i) => resample(x, { channels: 3, samples: 1500 + i + 1 }, 190)));
  for (let i = 0; i < inputs.length; i++) {
    assertIdentical(together[i], await resample(inputs[i], { channels: 3, samples: 1500 + i + 1 }, 190), `call ${i}`);
  }
});

// ---------------------------------------------------------------------------------------------
// Bad calls

const x6 = new Float64Array(6);
const shape23 = { channels: 2, samples: 3 };

async function rejects(call: () => Promise<unknown>, kind: ErrorConstructor, message: RegExp): Promise<void> {
  try {
    await call();
  } catch (error) {
    assert.instance(error, kind, `expected ${kind.name}, got ${String(error)}`);
    assert.match((error as Error).message, message);
    return;
  }
  assert.unreachable(`expected ${kind.name} matching ${message}`);
}

test('bad x: not a float typed array', async () => {
  await rejects(() => resample([1, 2, 3] as unknown as Float64Array, { channels: 1, samples: 3 }, 2), TypeError,
    /^Expected Float32Array or Float64Array for x but received a value of type object$/);
  await rejects(() => resample(new Int16Array(6) as unknown as Float64Array, shape23, 2), TypeError,
    /^Expected Float32Array or Float64Array for x but received a value of type Int16Array$/);
});

test('bad shape: missing, non-integer, zero, or not matching x', async () => {
  await rejects(() => resample(x6, undefined as never, 2), TypeError, /^Expected object for shape but received undefined/);
  await rejects(() => resample(x6, { channels: 0, samples: 3 }, 2), RangeError,
    /^Expected integer between 1 and \d+ for shape.channels but received 0 of type number$/);
  await rejects(() => resample(x6, { channels: 2, samples: 1.5 }, 2), RangeError, /for shape.samples but received 1.5/);
  await rejects(() => resample(x6, { channels: 2, samples: '3' } as never, 2), TypeError,
    /^Expected integer for shape.samples but received "3" of type string$/);
  await rejects(() => resample(x6, { channels: 3, samples: 3 }, 2), RangeError, /^Expected 9 elements for x but received 6$/);
});

test('bad num: zero, fractional, not a number', async () => {
  await rejects(() => resample(x6, shape23, 0), RangeError, /^Expected integer between 1 and \d+ for num but received 0/);
  await rejects(() => resample(x6, shape23, 2.5), RangeError, /for num but received 2.5/);
  await rejects(() => resample(x6, shape23, NaN), TypeError, /^Expected integer for num but received NaN/);
});

test('bad options: unknown engine, non-boolean timeMajor, not an object', async () => {
  await rejects(() => resample(x6, shape23, 2, { engine: 'gpu' as never }), RangeError,
    /^Expected one of fast, reference for options.engine but received "gpu" of type string$/);
  await rejects(() => resample(x6, shape23, 2, { timeMajor: 'yes' as never }), TypeError,
    /^Expected boolean for options.timeMajor but received "yes" of type string$/);
  await rejects(() => resample(x6, shape23, 2, null as never), TypeError, /^Expected object for options/);
});

for (const engine of engines) {
  for (const timeMajor of [false, true]) {
    test(`${engine}, ${timeMajor ? 'time' : 'channel'}-major: a non-finite input names its channel and sample`, async () => {
      const x = randomSignal(5, 40, 2); // (5, 40) channel-major
      x[3 * 40 + 17] = NaN;
      x[4 * 40 + 2] = Infinity;
      const input = timeMajor ? transpose(x, 5, 40) : x;
      await rejects(() => resample(input, { channels: 5, samples: 40 }, 10, { engine, timeMajor }), RangeError,
        /^resample: non-finite input value \(NaN\) at channel 3, sample 17$/);
      x[3 * 40 + 17] = 0;
      await rejects(
        () => resample(timeMajor ? transpose(x, 5, 40) : x, { channels: 5, samples: 40 }, 10, { engine, timeMajor }),
        RangeError, /^resample: non-finite input value \(Infinity\) at channel 4, sample 2$/);
    });
  }
}

test('a rejection carries the caller\'s stack', async () => {
  try {
    await resample(new Float64Array([1, NaN]), { channels: 1, samples: 2 }, 1);
    assert.unreachable('expected a rejection');
  } catch (error) {
    assert.match((error as Error).stack ?? '', /resample\.test\.ts/);
  }
});

test('the binding checks its arguments too (the last line of defence)', () => {
  assert.throws(() => native.resample(new Float64Array(6), 2, 4, 2, false, 'fast'), (e: Error) =>
    e instanceof RangeError && /channels × samples/.test(e.message));
  assert.throws(() => native.resample(new Float64Array(6), 2, 3, 2, false, 'slow' as never), (e: Error) =>
    e instanceof RangeError && /engine/.test(e.message));
  assert.throws(() => native.resample(new Uint8Array(6) as never, 2, 3, 2, false, 'fast'), (e: Error) =>
    e instanceof TypeError && /Float32Array or Float64Array/.test(e.message));
  assert.throws(() => native.resample(new Float64Array(6), 2, 3, 0, false, 'fast'), (e: Error) =>
    e instanceof RangeError && /num/.test(e.message));
});

test('describeResamplePlan validates its arguments', () => {
  assert.throws(() => describeResamplePlan(0, 5), (e: Error) => e instanceof RangeError && /samples/.test(e.message));
  assert.throws(() => describeResamplePlan(10, 0.5), (e: Error) => e instanceof RangeError && /num/.test(e.message));
});

test.run();
