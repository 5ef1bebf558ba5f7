import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chunkKey, chunkRange, chunkRef, chunksAvailable, type ChunkRef } from '../src/data/chunks.js';
import { audioOffsetOf, maxTrainingOffset, trainingCrop, type IntegerSource } from '../src/data/crops.js';
import { PyRandom } from '../src/data/py-random.js';
import { validationWindows, windowCount } from '../src/data/windows.js';

const ref: ChunkRef = { subject: 2, song: 21, label: 0, chunk: 1 };

/** An IntegerSource that records its calls and returns a fixed value. */
function fixed(value: number): IntegerSource & { calls: [number, number][] } {
  const calls: [number, number][] = [];
  return { calls, randint: (a: number, b: number) => (calls.push([a, b]), value) };
}

// --- chunks ---

test('chunkRange delays the EEG by 25 samples by default and never the audio', () => {
  assert.equal(chunkRange(0), { eegStart: 25, eegEnd: 3775, audioStart: 0, audioEnd: 1323000 });
  assert.equal(chunkRange(7), { eegStart: 26275, eegEnd: 30025, audioStart: 9261000, audioEnd: 10584000 });
  assert.equal(chunkRange(1, { delaySamples: 0 }), { eegStart: 3750, eegEnd: 7500, audioStart: 1323000, audioEnd: 2646000 });
  assert.equal(chunkRange(1, { delaySamples: 80 }).eegStart, 3830, '640 ms');
});

test('chunksAvailable counts whole delayed chunks, at most 8', () => {
  assert.is(chunksAvailable(34749), 8);
  assert.is(chunksAvailable(30025), 8, 'exactly enough for chunk 7 with the delay');
  assert.is(chunksAvailable(30024), 7);
  assert.is(chunksAvailable(30000, 0), 8);
  assert.is(chunksAvailable(3775), 1);
  assert.is(chunksAvailable(10), 0, 'shorter than the delay');
  assert.is(chunksAvailable(0), 0);
});

test('chunkRef derives the label and checks every field; chunkKey is stable', () => {
  assert.equal(chunkRef(23, 30, 7), { subject: 23, song: 30, label: 9, chunk: 7 });
  assert.is(chunkKey(ref), '2/21/1');
  assert.throws(() => chunkRef(18, 21, 0), (e: Error) => e instanceof RangeError && /NMED-T subject .* for subject but received 18/.test(e.message));
  assert.throws(() => chunkRef(2, 31, 0), (e: Error) => e instanceof RangeError && /song trigger between 21 and 30 but received 31/.test(e.message));
  assert.throws(() => chunkRef(2, 21, 8), (e: Error) => e instanceof RangeError && /between 0 and 7 for chunk but received 8/.test(e.message));
});

test('chunk functions reject bad arguments', () => {
  assert.throws(() => chunkRange(8), (e: Error) => e instanceof RangeError && /for chunk but received 8/.test(e.message));
  assert.throws(() => chunkRange(0, { delaySamples: -1 }), (e: Error) => e instanceof RangeError && /for delaySamples/.test(e.message));
  assert.throws(() => chunksAvailable(1.5), (e: Error) => e instanceof RangeError && /for samples/.test(e.message));
  assert.throws(() => chunksAvailable('9' as unknown as number), (e: Error) => e instanceof TypeError && /for samples/.test(e.message));
});

// --- crops ---

test('trainingCrop draws randint(0, 3374) once and places EEG and audio as the official loader', () => {
  const rng = fixed(1000);
  const crop = trainingCrop(ref, rng);
  assert.equal(rng.calls, [[0, 3374]]);
  assert.equal(crop, { offset: 1000, eegStart: 3775 + 1000, eegLength: 375, audioStart: 1323000 + 352800, audioLength: 132300 });
});

test('the audio offset truncates offset / 125 * 44100 like Python int()', () => {
  assert.is(audioOffsetOf(0), 0);
  assert.is(audioOffsetOf(1), 352, '352.8 truncates');
  assert.is(audioOffsetOf(3374), 1190347, '26.992 * 44100 = 1190347.2');
  // 175 / 125 * 44100 is 61739.99999999999 in float64 (exactly 61740 in integers): Python keeps
  // 61739, and so must we, for 46 of the 3375 offsets.
  assert.is(audioOffsetOf(175), 61739);
  assert.is(audioOffsetOf(700), 246959);
  assert.is(trainingCrop(ref, fixed(maxTrainingOffset)).eegStart + 375, 3775 + 3749, 'the last crop stays one sample inside the chunk');
});

test('trainingCrop honours delaySamples and follows a PyRandom stream', () => {
  assert.is(trainingCrop(ref, fixed(0), { delaySamples: 0 }).eegStart, 3750);
  const a = new PyRandom(42);
  const b = new PyRandom(42);
  const crops = Array.from({ length: 5 }, () => trainingCrop(ref, a).offset);
  assert.equal(crops, Array.from({ length: 5 }, () => b.randint(0, 3374)));
});

// --- windows ---

test('validation windows: 14 per chunk at stride 200, clip centred at +312', () => {
  const items = validationWindows(ref, { crop: 'center' });
  assert.is(items.length, 14);
  assert.equal(items.map((w) => w.window), [...Array(14).keys()]);
  assert.equal(items.map((w) => w.windowStart - 3775), [...Array(14).keys()].map((w) => 200 * w));
  assert.ok(items.every((w) => w.eegStart === w.windowStart + 312));
});

test("'official' windows draw randint(0, 624) once per window, in window order", () => {
  const rng = fixed(624);
  const items = validationWindows(ref, { rng });
  assert.is(rng.calls.length, 14);
  assert.ok(rng.calls.every(([a, b]) => a === 0 && b === 624));
  assert.is(items[13].eegStart, 3775 + 2600 + 624);
  const py = new PyRandom(0);
  const expected = Array.from({ length: 14 }, () => py.randint(0, 624));
  assert.equal(validationWindows(ref, { rng: new PyRandom(0) }).map((w) => w.eegStart - w.windowStart), expected);
});

test('window size, stride and delay are configurable', () => {
  assert.is(validationWindows(ref, { crop: 'center', stride: 250 }).length, 12, 'the historical checkpoint');
  assert.is(windowCount(1000, 250), 12);
  assert.is(windowCount(), 14);
  assert.is(windowCount(3750, 1), 1);
  const small = validationWindows(ref, { crop: 'center', windowSize: 375, stride: 375 });
  assert.is(small.length, 10);
  assert.ok(small.every((w) => w.eegStart === w.windowStart));
  assert.is(validationWindows(ref, { crop: 'center', delaySamples: 0 })[0].windowStart, 3750);
});

test('bad window options throw with the option name', () => {
  assert.throws(() => validationWindows(ref), (e: Error) => e instanceof TypeError && /rng for crop 'official'/.test(e.message));
  assert.throws(() => validationWindows(ref, { crop: 'middle' as 'center' }), (e: Error) => e instanceof RangeError && /official, center for crop/.test(e.message));
  assert.throws(() => validationWindows(ref, { crop: 'center', windowSize: 374 }), (e: Error) => e instanceof RangeError && /between 375 and 3750 for windowSize/.test(e.message));
  assert.throws(() => validationWindows(ref, { rng: fixed(0), windowSize: 375 }), (e: Error) => e instanceof RangeError && /between 376 and 3750 for windowSize/.test(e.message));
  assert.throws(() => validationWindows(ref, { crop: 'center', stride: 0 }), (e: Error) => e instanceof RangeError && /for stride but received 0/.test(e.message));
});

test.run();
