/**
 * Aggregation of sub-windows: mean, max and majority on hand-made cases, the first-seen tie rule,
 * and the paper's worked example (Tables 8–10: a 5-s segment, three windows voting 8, 0 and 7 for a
 * segment of song 7; majority takes the first of the tied votes and is wrong, max is right through
 * window 3's 0.993 for song 7).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { aggregate, argmax, softmaxRows } from '../src/eval/aggregate.js';
import { assertClose } from './helpers.js';

/** A 10-class probability vector with `peak` at `label` and the rest shared equally. */
function peaked(label: number, peak: number): Float64Array {
  const p = new Float64Array(10).fill((1 - peak) / 9);
  p[label] = peak;
  return p;
}

test("the paper's worked example: majority picks the first tied vote (8), max the confident window (7)", () => {
  const windows = [peaked(8, 0.4), peaked(0, 0.35), peaked(7, 0.993)];
  assert.is(aggregate(windows, 'majority').predicted, 8);
  assert.is(aggregate(windows, 'max').predicted, 7);
  // The mean: 7 has (0.993 + 2·0.065/9 + …)/3, well above 8's and 0's.
  assert.is(aggregate(windows, 'mean').predicted, 7);
});

test('majority: the most votes wins; among equal counts the class voted for first', () => {
  assert.is(aggregate([peaked(2, 0.9), peaked(5, 0.9), peaked(5, 0.9)], 'majority').predicted, 5);
  assert.is(aggregate([peaked(5, 0.9), peaked(2, 0.9), peaked(2, 0.9), peaked(5, 0.9)], 'majority').predicted, 5);
  assert.is(aggregate([peaked(3, 0.9), peaked(1, 0.9), peaked(1, 0.9), peaked(3, 0.9)], 'majority').predicted, 3);
  assertClose(aggregate([peaked(3, 0.9), peaked(1, 0.9), peaked(3, 0.9), peaked(1, 0.9)], 'majority').scores, [0, 0.5, 0, 0.5, 0, 0, 0, 0, 0, 0], { what: 'vote shares' });
});

test('mean and max: element-wise over the windows, argmax taking the first of equal maxima', () => {
  const a = Float64Array.from([0.5, 0.3, 0.2]);
  const b = Float64Array.from([0.1, 0.3, 0.6]);
  assertClose(aggregate([a, b], 'mean').scores, [0.3, 0.3, 0.4], { atol: 1e-15, what: 'mean' });
  assertClose(aggregate([a, b], 'max').scores, [0.5, 0.3, 0.6], { what: 'max' });
  assert.is(aggregate([a, b], 'max').predicted, 2);
  assert.is(argmax([0.2, 0.4, 0.4]), 1);
  assert.is(aggregate([a], 'mean').predicted, 0); // one window: its own argmax
});

test('softmax rows: sum to one, invariant to a shift, stable for large logits', () => {
  const [p, q] = softmaxRows(new Float32Array([1, 2, 3, 1001, 1002, 1003]), 3);
  assertClose(p, q, { atol: 1e-15, what: 'shifted rows' });
  assertClose([p.reduce((s, v) => s + v, 0)], [1], { atol: 1e-15, what: 'sum' });
  assertClose(p, [Math.exp(-2), Math.exp(-1), 1].map((v) => v / (1 + Math.exp(-1) + Math.exp(-2))), { atol: 1e-15, what: 'values' });
});

test('no windows is an error', () => {
  assert.throws(() => aggregate([], 'mean'), /Expected at least one sub-window/);
});

test.run();
