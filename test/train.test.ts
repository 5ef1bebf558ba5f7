/**
 * `train` end to end on a tiny synthetic set (1 subject × 2 songs × 64 s = 4 chunks): the loop
 * runs, logs every step and validation, and writes weights that load back with the preset.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Dataset, loadWeights, presets } from '../src/index.js';
import { train } from '../src/train/train.js';
import { tempDir, tinyDataset } from './helpers.js';

const { dir, cleanup } = tempDir();
let dataset: Dataset;
const base = { preset: presets.small, epochs: 2, batchSize: 2, lr: 0.003, lambda: 0.05, temperature: 0.5, detach: true, dropout: 0.5, seed: 1, validateEvery: 1, checkpointEvery: 1, resume: false, bnRecalibration: 0 };

test.before(async () => {
  await tinyDataset(dir);
  dataset = await Dataset.open(join(dir, 'data'));
});

test.after(async () => {
  await dataset.close();
  cleanup();
});

test('trains, logs each step and validation, writes loadable weights and a run record', async () => {
  const out = join(dir, 'run');
  const result = await train(dataset, { ...base, out });
  assert.is(result.steps, 2); // 2 training chunks, batch 2, 2 epochs
  const log = readFileSync(join(out, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(log.map((e) => e.event), ['start', 'step', 'validation', 'checkpoint', 'step', 'validation', 'checkpoint']);
  for (const e of log.filter((x) => x.event === 'step')) assert.ok(Number.isFinite(e.total) && e.total > 0);
  assert.is(log[2].items, 28); // two validation chunks (one per song) × 14 windows
  const weights = loadWeights(join(out, 'weights.safetensors'), presets.small);
  assert.is((weights.get('eeg.sequential.1.num_batches_tracked')!.data as BigInt64Array)[0], 2n);
  assert.ok(existsSync(join(out, 'run.json')));
});

test('the same seed trains to the same weights', async () => {
  const a = await train(dataset, { ...base, out: join(dir, 'a') });
  const b = await train(dataset, { ...base, out: join(dir, 'b') });
  for (const [name, t] of a.weights) assert.equal(Array.from(t.data as Float32Array), Array.from(b.weights.get(name)!.data as Float32Array), name);
});

test('a run stopped after epoch 2 and resumed ends with the weights of an uninterrupted run', async () => {
  const four = { ...base, epochs: 4, validateEvery: 4 };
  const straight = await train(dataset, { ...four, out: join(dir, 'straight') });
  await train(dataset, { ...four, epochs: 2, out: join(dir, 'stopped') });
  const resumed = await train(dataset, { ...four, out: join(dir, 'stopped'), resume: true });
  assert.is(resumed.steps, straight.steps);
  for (const [name, t] of straight.weights) {
    assert.equal(Array.from(resumed.weights.get(name)!.data as ArrayLike<number | bigint>), Array.from(t.data as ArrayLike<number | bigint>), name);
  }
});

test('a batch larger than the training split is a clear error', async () => {
  try {
    await train(dataset, { ...base, out: join(dir, 'c'), batchSize: 48 });
    assert.unreachable('expected a RangeError');
  } catch (e) {
    assert.instance(e, RangeError);
    assert.match((e as Error).message, /Expected at least 48 training chunks for one batch but the split has 2/);
  }
});

test.run();
