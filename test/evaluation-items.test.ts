/**
 * Evaluation items on the official split: 5,600 items at every length (5,568 under the official
 * protocol's drop_last), L − 2 sub-windows 125 samples apart inside each 8-s window, the official
 * random placement `randint(0, 1000 − 125·L − 1)` drawn in window order, and the centre.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { officialSplit, PyRandom, validationWindows } from '../src/index.js';
import { evaluationItems } from '../src/eval/evaluation-items.js';

const { validation } = officialSplit();

test('5,600 items on the official split, 5,568 with the official protocol (batches of 48, drop_last)', () => {
  for (const seconds of [3, 5, 7]) {
    assert.is(evaluationItems(validation, { seconds, crop: 'center', seed: 0, protocol: 'all' }).length, 5600);
    assert.is(evaluationItems(validation, { seconds, crop: 'official', seed: 0, protocol: 'official' }).length, 5568);
  }
});

test('sub-windows: L − 2 of them, 1 s apart, inside the 8-s window', () => {
  const windowStarts = validationWindows(validation[0], { crop: 'center' }).map((w) => w.windowStart);
  for (const seconds of [3, 4, 5, 6, 7]) {
    for (const item of evaluationItems(validation.slice(0, 1), { seconds, crop: 'official', seed: 1, protocol: 'all' })) {
      assert.is(item.clipStarts.length, seconds - 2);
      item.clipStarts.forEach((s, i) => assert.is(s - item.clipStarts[0], 125 * i));
      const start = windowStarts[item.window];
      assert.ok(item.clipStarts[0] >= start && item.clipStarts.at(-1)! + 375 <= start + 1000, `window ${item.window}`);
    }
  }
});

test('official placement: one randint(0, 1000 − 125·L − 1) per window, in order, from the seed', () => {
  const rng = new PyRandom(7);
  const expected = validation.slice(0, 2).flatMap((ref) => validationWindows(ref, { crop: 'official', rng, segmentSamples: 625 }));
  const items = evaluationItems(validation.slice(0, 2), { seconds: 5, crop: 'official', seed: 7, protocol: 'all' });
  assert.equal(items.map((it) => it.clipStarts[0]), expected.map((w) => w.eegStart));
  for (const [i, it] of items.entries()) {
    const offset = it.clipStarts[0] - expected[i].windowStart;
    assert.ok(offset >= 0 && offset <= 1000 - 625 - 1, `offset ${offset}`);
  }
});

test('centre placement: the segment in the middle of the window', () => {
  const [item] = evaluationItems(validation.slice(0, 1), { seconds: 7, crop: 'center', seed: 0, protocol: 'all' });
  const window = validationWindows(validation[0], { crop: 'center' })[0];
  assert.is(item.clipStarts[0] - window.windowStart, Math.floor((1000 - 875) / 2));
  assert.is(item.label, validation[0].song - 21);
});

test('bad lengths and protocols are errors', () => {
  assert.throws(() => evaluationItems(validation, { seconds: 8, crop: 'center', seed: 0, protocol: 'all' }), /Expected integer between 3 and 7 for seconds/);
  assert.throws(() => evaluationItems(validation, { seconds: 3, crop: 'center', seed: 0, protocol: 'paper' as never }), /Expected one of all, official for protocol/);
});

test.run();
