/**
 * `train` end to end on a tiny synthetic set (1 subject × 2 songs × 64 s = 4 chunks): the loop
 * runs, logs every step and validation, and writes weights that load back with the preset.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
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

test('killed between the two renames of a checkpoint: the resume takes the later leftover', async () => {
  const four = { ...base, epochs: 4, validateEvery: 1 };
  const straight = await train(dataset, { ...four, out: join(dir, 'straight-4') });
  await train(dataset, { ...four, epochs: 2, out: join(dir, 'two') });
  // the old checkpoint (epoch 2) moved aside, the new one (epoch 3) complete under its temporary
  // name, a third that never got its state.json, and no checkpoint/
  const out = join(dir, 'window');
  await train(dataset, { ...four, epochs: 3, out });
  renameSync(join(out, 'checkpoint'), join(out, '.checkpoint.1.aaaa.tmp'));
  cpSync(join(dir, 'two', 'checkpoint'), join(out, '.checkpoint.1.bbbb.tmp'), { recursive: true });
  mkdirSync(join(out, '.checkpoint.1.cccc.tmp'));
  const resumed = await train(dataset, { ...four, out, resume: true });
  assertSameWeights(resumed.weights, straight.weights);
  assert.equal(readdirSync(out).filter((n) => n.startsWith('.checkpoint')), [], 'leftovers removed');
  assert.ok(existsSync(join(out, 'checkpoint', 'state.json')));
  const log = readLog(out);
  assert.equal(log.filter((e) => e.event === 'resume').map((e) => e.epoch), [4], 'resumed from epoch 3, the later leftover');
});

test('resumed from an older checkpoint, the log lists every step once and the run keeps every validation', async () => {
  const four = { ...base, epochs: 4, validateEvery: 1 };
  const straight = await train(dataset, { ...four, out: join(dir, 'straight-4b') });
  await train(dataset, { ...four, epochs: 2, out: join(dir, 'two-b') });
  // killed during epoch 3's checkpoint: its steps, validation and checkpoint line are in the log,
  // but the checkpoint on disk is still epoch 2's
  const out = join(dir, 'rewind');
  await train(dataset, { ...four, epochs: 3, out });
  rmSync(join(out, 'checkpoint'), { recursive: true });
  cpSync(join(dir, 'two-b', 'checkpoint'), join(out, 'checkpoint'), { recursive: true });
  const resumed = await train(dataset, { ...four, out, resume: true });
  assertSameWeights(resumed.weights, straight.weights);
  const log = readLog(out);
  assert.equal(log.filter((e) => e.event === 'step').map((e) => e.step), Array.from({ length: straight.steps }, (_, i) => i + 1));
  assert.equal(log.filter((e) => e.event === 'validation').map((e) => e.epoch), [1, 2, 3, 4]);
  assert.equal(log.filter((e) => e.event === 'checkpoint').map((e) => e.epoch), [1, 2, 3, 4]);
  assert.equal(resumed.validation, straight.validation, 'validations before the checkpoint come back from the log');
});

function assertSameWeights(a: Map<string, { data: ArrayLike<number | bigint> }>, b: Map<string, { data: ArrayLike<number | bigint> }>): void {
  for (const [name, t] of b) assert.equal(Array.from(a.get(name)!.data), Array.from(t.data), name);
}

function readLog(run: string): { event: string; epoch: number; step: number }[] {
  return readFileSync(join(run, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}

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
