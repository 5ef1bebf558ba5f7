/**
 * Evaluation metrics on a hand-made evaluation with known answers: accuracy, top-k (ties counted
 * against the label), per-song and per-subject scores, and the confusion matrix.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Evaluation, SegmentPrediction } from '../src/eval/evaluate.js';
import { evaluationMetrics } from '../src/eval/metrics.js';

/** A 3-class prediction of `label` (song 21 + label) by `subject` with these scores. */
function prediction(subject: number, label: number, scores: number[]): SegmentPrediction {
  const predicted = scores.indexOf(Math.max(...scores));
  const item = { subject, song: 21 + label, label, chunk: 0, window: 0, seconds: 3, clipStarts: [0] };
  return { item, aggregation: 'mean', predicted, correct: predicted === label, scores: Float64Array.from(scores) };
}

// Four items:
//   S2, label 0, scores [0.6, 0.3, 0.1] → predicted 0, right; label rank 1
//   S2, label 1, scores [0.5, 0.3, 0.2] → predicted 0, wrong; label rank 2
//   S3, label 2, scores [0.4, 0.4, 0.2] → predicted 0, wrong; label rank 3 (two scores above it)
//   S3, label 2, scores [0.1, 0.2, 0.7] → predicted 2, right; label rank 1
const evaluation: Evaluation = {
  models: ['hand'],
  classes: 3,
  options: { lengths: [3], crop: 'center', seed: 0, protocol: 'all' },
  predictions: [prediction(2, 0, [0.6, 0.3, 0.1]), prediction(2, 1, [0.5, 0.3, 0.2]), prediction(3, 2, [0.4, 0.4, 0.2]), prediction(3, 2, [0.1, 0.2, 0.7])],
  clips: 4,
  wallSeconds: 0,
};

test('accuracy and top-k', () => {
  const [row] = evaluationMetrics(evaluation).byLength;
  assert.equal({ seconds: row.seconds, aggregation: row.aggregation, items: row.items, correct: row.correct, accuracy: row.accuracy }, { seconds: 3, aggregation: 'mean', items: 4, correct: 2, accuracy: 0.5 });
  assert.equal(row.topK, [0.5, 0.75, 1]);
});

test('per song and per subject, in ascending key order', () => {
  const m = evaluationMetrics(evaluation);
  assert.equal(m.bySong.map((r) => [r.key, r.items, r.correct]), [[21, 1, 1], [22, 1, 0], [23, 2, 1]]);
  assert.equal(m.bySubject.map((r) => [r.key, r.items, r.accuracy]), [[2, 2, 0.5], [3, 2, 0.5]]);
});

test('confusion matrix: rows true labels, columns predictions', () => {
  const [c] = evaluationMetrics(evaluation).confusion;
  assert.equal(c.counts, [
    [1, 0, 0],
    [1, 0, 0],
    [1, 0, 1],
  ]);
});

test.run();
