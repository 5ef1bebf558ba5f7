/**
 * `runEvaluation` (what `predann eval` runs) on a tiny synthetic set with a briefly trained run:
 * the report directory with every file, the tables and training curves in report.md, and clear
 * errors for a checkpoint of another model shape, a data set without chunks, and reports that did
 * not score the same items (`compareReports`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Dataset, ingest, initialWeights, presets, synthesizeNmedt, writeSafetensors } from '../src/index.js';
import { InputError } from '../src/errors.js';
import { compareReports } from '../src/eval/compare-reports.js';
import { runEvaluation } from '../src/eval/run-evaluation.js';
import { train } from '../src/train/train.js';
import { assertRejects, tempDir, tinyDataset } from './helpers.js';

const { dir, cleanup } = tempDir();
let data: string;
const run = () => join(dir, 'run');
const evaluation = (out: string, extra: object = {}) => ({ data, checkpoints: [run()], out: join(dir, out), lengths: [3, 4], protocol: 'all' as const, crop: 'center' as const, seed: 0, ...extra });

test.before(async () => {
  data = await tinyDataset(dir);
  const dataset = await Dataset.open(data);
  try {
    await train(dataset, { out: run(), preset: presets.small, epochs: 2, batchSize: 2, lr: 0.003, lambda: 0.05, temperature: 0.5, detach: true, dropout: 0.5, seed: 1, validateEvery: 1, checkpointEvery: 2, resume: false, bnRecalibration: 0 });
  } finally {
    await dataset.close();
  }
});

test.after(() => cleanup());

test('writes the whole report: JSON, Markdown, Arrow predictions, plots and training curves', async () => {
  const result = await runEvaluation(evaluation('report'));
  for (const file of ['report.json', 'report.md', 'predictions.arrow', 'accuracy-vs-length.svg', 'confusion-3s.svg', 'confusion-4s.svg', 'per-song.svg', 'per-subject.svg', 'training-loss-run.svg', 'training-validation-run.svg']) {
    assert.ok(existsSync(join(dir, 'report', file)), `${file} missing`);
  }
  assert.is(result.items, 2 * 14 * 2); // 2 validation chunks × 14 windows × 2 lengths
  const report = JSON.parse(readFileSync(join(dir, 'report', 'report.json'), 'utf8'));
  assert.equal(report.options, { lengths: [3, 4], crop: 'center', seed: 0, protocol: 'all' });
  assert.is(report.metrics.byLength.length, 2 * 3);
  assert.is(report.models[0].preset, 'small');
  const markdown = readFileSync(join(dir, 'report', 'report.md'), 'utf8');
  assert.match(markdown, /\| length \| items \| mean \| max \| majority \|/);
  assert.match(markdown, /!\[training-loss-run.svg\]\(training-loss-run.svg\)/);
});

test('a checkpoint of another model shape is refused, naming the file and the tensor', async () => {
  const weights = initialWeights(presets.small, 0);
  weights.set('eeg.projector1.3.weight', { dtype: 'F32', shape: [5, 32], data: new Float32Array(5 * 32) });
  const path = join(dir, 'five-classes.safetensors');
  writeSafetensors(path, weights);
  await assertRejects(runEvaluation({ ...evaluation('bad'), checkpoints: [path] }), InputError, /five-classes.safetensors: eeg.projector1.3.weight: has shape \[5, 32\], expected \[10, 32\]/);
  assert.not.ok(existsSync(join(dir, 'bad')));
});

test('a data set without 30-s chunks is refused', async () => {
  await synthesizeNmedt({ out: join(dir, 'short-src'), subjects: 1, songs: [21, 22], seconds: 20, clean: false });
  await ingest({ input: join(dir, 'short-src'), out: join(dir, 'short'), songs: [21, 22] });
  await assertRejects(runEvaluation({ ...evaluation('short-report'), data: join(dir, 'short') }), InputError, /short: chunks: no 30-s chunk/);
});

test('compare refuses reports of different items, and a single report', async () => {
  await runEvaluation(evaluation('report-a'));
  await runEvaluation(evaluation('report-b', { lengths: [3] }));
  await assertRejects(compareReports({ reports: [join(dir, 'report-a'), join(dir, 'report-b')], out: join(dir, 'cmp') }), InputError, /report-b\/predictions.arrow: predann.options: evaluated with .* paired tests need the same items/);
  await assertRejects(compareReports({ reports: [join(dir, 'report-a')], out: join(dir, 'cmp') }), RangeError, /Expected at least 2 report directories/);
  const same = await compareReports({ reports: [join(dir, 'report-a'), join(dir, 'report')], out: join(dir, 'cmp') });
  const all = same.pairs[0].rows[0];
  assert.is(all.granularity, 'all');
  assert.is(all.mcnemarExact.pvalue, 1); // the same model on the same items: no discordant pair
  assert.ok(existsSync(join(dir, 'cmp', 'compare.md')));
});

test.run();
