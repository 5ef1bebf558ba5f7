/**
 * Golden case (g): officialSplit() is the official seed-42 split, entry for entry and in order.
 * Every expected value comes from the golden split_seed42.json.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { officialSplit } from '../src/data/split.js';
import { windowCount } from '../src/data/windows.js';
import { readGoldenJson } from './helpers.js';

const golden = readGoldenJson('split_seed42.json');
const split = officialSplit();

type GoldenRow = { subject: number; trigger: number; label: number; chunk: number; row: number; eeg_file: string };
const asRef = (r: GoldenRow) => ({ subject: r.subject, song: r.trigger, label: r.label, chunk: r.chunk });

test('sizes match n_train and n_valid', () => {
  assert.is(split.train.length, golden.n_train);
  assert.is(split.validation.length, golden.n_valid);
});

test('train and validation match the golden lists entry for entry, in order', () => {
  assert.equal(split.train, golden.train.map(asRef));
  assert.equal(split.validation, golden.validation.map(asRef));
});

test('each entry agrees with the row table (row = 8 · file index + chunk) and label_of_trigger', () => {
  for (const r of [...golden.train, ...golden.validation] as GoldenRow[]) {
    assert.is(golden.eeg_file_order[Math.floor(r.row / 8)], r.eeg_file);
    assert.is(r.row % 8, r.chunk);
    assert.is(golden.label_of_trigger[String(r.trigger)], r.label);
  }
});

test('per-song counts equal those of the golden lists (stratified by song)', () => {
  const perSong = (refs: { song: number }[]) => {
    const counts: Record<number, number> = {};
    for (const r of refs) counts[r.song] = (counts[r.song] ?? 0) + 1;
    return counts;
  };
  assert.equal(perSong(split.train), perSong(golden.train.map(asRef)));
  assert.equal(perSong(split.validation), perSong(golden.validation.map(asRef)));
  const trainCounts = Object.values(perSong(split.train));
  const validCounts = Object.values(perSong(split.validation));
  assert.is(new Set(trainCounts).size, 1, 'every song has the same number of training chunks');
  assert.is(new Set(validCounts).size, 1, 'every song has the same number of validation chunks');
  assert.is(trainCounts[0] * trainCounts.length, golden.n_train);
});

test('train and validation are disjoint and cover every file × chunk once', () => {
  const rows = [...golden.train, ...golden.validation].map((r: GoldenRow) => r.row);
  assert.is(new Set(rows).size, golden.eeg_file_order.length * 8);
  const key = (r: { subject: number; song: number; chunk: number }) => `${r.subject}/${r.song}/${r.chunk}`;
  const train = new Set(split.train.map(key));
  assert.ok(split.validation.every((r) => !train.has(key(r))));
});

test('sw_valid_expansion: window items and the unscored tail of drop_last batches', () => {
  const ex = golden.sw_valid_expansion;
  const perChunk = windowCount(ex.window_size, ex.stride);
  assert.is(perChunk, ex.windows_per_chunk);
  const items = split.validation.length * perChunk;
  assert.is(items, ex.n_items);
  const batch = 48;
  const scored = Math.floor(items / batch) * batch;
  assert.is(scored, ex.drop_last_batch48.scored_items);
  assert.is(items - scored, ex.drop_last_batch48.unscored_items);
  assert.is(scored, ex.drop_last_batch48.first_unscored_item);
  const historical = ex.historical_checkpoint_stride250;
  assert.is(windowCount(ex.window_size, 250), historical.windows_per_chunk);
  assert.is(split.validation.length * windowCount(ex.window_size, 250), historical.n_items);
});

test('officialSplit returns fresh arrays each call (callers may shuffle them)', () => {
  const a = officialSplit();
  a.train.reverse();
  assert.equal(officialSplit().train[0], asRef(golden.train[0]));
});

test.run();
