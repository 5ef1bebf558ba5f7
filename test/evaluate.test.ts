/**
 * `evaluate` end to end on a tiny synthetic set (1 subject × 2 songs × 64 s: 2 validation chunks):
 * every item at every length under every aggregation, 3-s aggregations identical, an ensemble of a
 * model with itself equal to the model, metrics that add up, and the Arrow predictions read back.
 */
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Dataset, initialWeights, presets, saveWeights } from '../src/index.js';
import { chooseSplit } from '../src/data/split.js';
import { evaluate } from '../src/eval/evaluate.js';
import { evaluationMetrics } from '../src/eval/metrics.js';
import { readPredictionsArrow, writePredictionsArrow } from '../src/eval/predictions-arrow.js';
import { loadTrainedModel, type TrainedModel } from '../src/eval/trained-model.js';
import { assertClose, assertRejects, tempDir, tinyDataset } from './helpers.js';

const { dir, cleanup } = tempDir();
let dataset: Dataset;
let model: TrainedModel;
const options = { lengths: [3, 5], crop: 'center' as const, seed: 0, protocol: 'all' as const };

test.before(async () => {
  dataset = await Dataset.open(await tinyDataset(dir));
  saveWeights(join(dir, 'small.safetensors'), initialWeights(presets.small, 3), presets.small);
  model = loadTrainedModel(join(dir, 'small.safetensors'));
});

test.after(async () => {
  await dataset.close();
  cleanup();
});

const validation = () => chooseSplit(dataset.chunkRefs(), 0).validation;

test('every item at every length under every aggregation; at 3 s the aggregations agree', async () => {
  const refs = validation();
  const evaluation = await evaluate(dataset, refs, [model], options);
  assert.is(evaluation.predictions.length, refs.length * 14 * 2 * 3);
  assert.is(model.preset.name, 'small');
  const threeSecond = evaluation.predictions.filter((p) => p.item.seconds === 3);
  for (let i = 0; i < threeSecond.length; i += 3) {
    assert.equal([...threeSecond[i].scores], [...threeSecond[i + 1].scores]);
    assert.is(threeSecond[i].predicted, threeSecond[i + 2].predicted);
  }
  // Centre crops of 3 s and 5 s share the middle sub-window: 14 + 2·14 clips per chunk, not 14 + 3·14.
  assert.is(evaluation.clips, refs.length * 14 * 3);
});

test('an ensemble of a model with itself scores like the model', async () => {
  const refs = validation();
  const single = await evaluate(dataset, refs, [model], options);
  const doubled = await evaluate(dataset, refs, [model, model], options);
  assert.equal(doubled.models, [model.name, model.name]);
  single.predictions.forEach((p, i) => {
    assert.is(doubled.predictions[i].predicted, p.predicted);
    assertClose(doubled.predictions[i].scores, p.scores, { atol: 1e-15, what: 'ensemble scores' });
  });
});

test('metrics: counts add up across lengths, songs and subjects; confusion rows sum to the items', async () => {
  const evaluation = await evaluate(dataset, validation(), [model], options);
  const m = evaluationMetrics(evaluation);
  assert.is(m.byLength.length, 2 * 3);
  for (const row of m.byLength) {
    const songs = m.bySong.filter((s) => s.seconds === row.seconds && s.aggregation === row.aggregation);
    assert.is(songs.reduce((n, s) => n + s.items, 0), row.items);
    assert.is(songs.reduce((n, s) => n + s.correct, 0), row.correct);
    assert.ok(row.topK[0] === row.accuracy || row.aggregation === 'majority', 'top-1 is the accuracy');
    assert.ok(row.topK[0] <= row.topK[1] && row.topK[1] <= row.topK[2]);
    const c = m.confusion.find((x) => x.seconds === row.seconds && x.aggregation === row.aggregation)!;
    assert.is(c.counts.flat().reduce((a, b) => a + b, 0), row.items);
    assert.is(c.counts.reduce((n, r, i) => n + r[i], 0), row.correct);
  }
});

test('predictions round-trip through Arrow', async () => {
  const evaluation = await evaluate(dataset, validation(), [model], options);
  const path = join(dir, 'predictions.arrow');
  writePredictionsArrow(path, evaluation);
  const table = readPredictionsArrow(path);
  assert.is(table.numRows, evaluation.predictions.length);
  const k = 17;
  const p = evaluation.predictions[k];
  const row = table.get(k)!.toJSON();
  assert.is(row.subject, p.item.subject);
  assert.is(row.aggregation, p.aggregation);
  assert.is(row.correct, p.correct);
  assertClose([...row.probabilities], [...p.scores], { rtol: 1e-7, what: 'probabilities (float32)' });
  assert.is(row.length, p.item.seconds);
  assert.equal(JSON.parse(table.schema.metadata.get('predann.models')!), [model.name]);
});

test('ensembles of models with different inputs are refused; different architectures on the same input are not', async () => {
  const otherInput: TrainedModel = { ...model, name: 'other', preset: { ...presets.small, eeg: { height: 64, width: 729 } } };
  await assertRejects(evaluate(dataset, validation(), [model, otherInput], options), RangeError, /same EEG input and classes for an ensemble but other \(small\) differs/);
  const paper = { ...model, name: 'paper', preset: presets.paper, weights: initialWeights(presets.paper, 0) };
  const mixed = await evaluate(dataset, validation().slice(0, 1), [model, paper], { ...options, lengths: [3] });
  assert.is(mixed.predictions.length, 14 * 3);
});

test.run();
