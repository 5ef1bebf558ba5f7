import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chunkRef, type ChunkRef } from '../src/data/chunks.js';
import { songTriggers, subjects } from '../src/data/nmedt.js';
import { leaveSubjectsOutSplit, officialSplit, stratifiedSplit } from '../src/data/split.js';

/** Every chunk of the given subjects × songs × chunks. */
function allRefs(subs: readonly number[] = subjects, songs: readonly number[] = songTriggers, chunks = 8): ChunkRef[] {
  return subs.flatMap((s) => songs.flatMap((song) => Array.from({ length: chunks }, (_, c) => chunkRef(s, song, c))));
}

const key = (r: ChunkRef) => `${r.subject}/${r.song}/${r.chunk}`;
const countBySong = (refs: ChunkRef[]) => {
  const m = new Map<number, number>();
  for (const r of refs) m.set(r.song, (m.get(r.song) ?? 0) + 1);
  return Object.fromEntries(m);
};

test('officialSplit is 1200/400 with labels that match the triggers', () => {
  const { train, validation } = officialSplit();
  assert.is(train.length, 1200);
  assert.is(validation.length, 400);
  assert.equal(validation[0], { subject: 4, song: 28, label: 7, chunk: 2 });
  assert.ok([...train, ...validation].every((r) => r.label === r.song - 21));
});

test('stratifiedSplit: default 0.25 gives exactly 40 validation chunks per song on the full data', () => {
  const { train, validation } = stratifiedSplit(allRefs(), { seed: 42 });
  assert.is(train.length, 1200);
  assert.is(validation.length, 400);
  assert.ok(Object.values(countBySong(validation)).every((n) => n === 40));
  const trainKeys = new Set(train.map(key));
  assert.ok(validation.every((r) => !trainKeys.has(key(r))), 'disjoint');
});

test('stratifiedSplit rounds n · fraction half up, keeping 1 … n − 1 per song', () => {
  const refs = allRefs([2], [21, 22], 8).concat(allRefs([3], [21], 2)); // song 21: 10 chunks, song 22: 8
  assert.equal(countBySong(stratifiedSplit(refs, { seed: 1, testFraction: 0.25 }).validation), { 21: 3, 22: 2 }, '2.5 → 3, 2 → 2');
  assert.equal(countBySong(stratifiedSplit(refs, { seed: 1, testFraction: 0.01 }).validation), { 21: 1, 22: 1 }, 'at least 1');
  assert.equal(countBySong(stratifiedSplit(refs, { seed: 1, testFraction: 0.99 }).validation), { 21: 9, 22: 7 }, 'at most n − 1');
});

test('stratifiedSplit is deterministic, independent of input order, and depends on the seed', () => {
  const refs = allRefs([2, 3, 4], songTriggers, 8);
  const a = stratifiedSplit(refs, { seed: 7 });
  const b = stratifiedSplit([...refs].reverse(), { seed: 7 });
  assert.equal(a, b);
  const c = stratifiedSplit(refs, { seed: 8 });
  assert.not.equal(a.validation.map(key), c.validation.map(key));
  const sorted = [...a.validation].sort((x, y) => x.subject - y.subject || x.song - y.song || x.chunk - y.chunk);
  assert.equal(a.validation, sorted, 'lists come back sorted');
});

test('stratifiedSplit rejects bad fractions, seeds and refs', () => {
  const refs = allRefs([2], [21], 4);
  for (const testFraction of [0, 1, -0.5, 1.5]) {
    assert.throws(() => stratifiedSplit(refs, { seed: 0, testFraction }), (e: Error) => e instanceof RangeError && /testFraction/.test(e.message));
  }
  assert.throws(() => stratifiedSplit(refs, { seed: 0, testFraction: Number.NaN }), (e: Error) => e instanceof TypeError && /testFraction/.test(e.message));
  assert.throws(() => stratifiedSplit(refs, { seed: 0.5 }), (e: Error) => e instanceof RangeError && /for seed/.test(e.message));
  assert.throws(() => stratifiedSplit([], { seed: 0 }), (e: Error) => e instanceof RangeError && /non-empty array of chunk refs/.test(e.message));
  const lonely = [...refs, chunkRef(2, 22, 0)];
  assert.throws(() => stratifiedSplit(lonely, { seed: 0 }), (e: Error) => e instanceof RangeError && /Song 22 has 1 chunk; .* at least 2/.test(e.message));
});

test('refs are checked: unknown subject, unknown song, wrong label, duplicate chunk', () => {
  const ok = allRefs([2], [21], 2);
  const bad = (r: Partial<ChunkRef>) => [...ok, { subject: 2, song: 21, label: 0, chunk: 5, ...r }];
  assert.throws(() => stratifiedSplit(bad({ subject: 18 }), { seed: 0 }), (e: Error) => e instanceof RangeError && /^refs\[2\]: .*NMED-T subject.*received 18/.test(e.message));
  assert.throws(() => stratifiedSplit(bad({ song: 31 }), { seed: 0 }), (e: Error) => e instanceof RangeError && /^refs\[2\]: .*21 and 30 but received 31/.test(e.message));
  assert.throws(() => stratifiedSplit(bad({ label: 3 }), { seed: 0 }), (e: Error) => e instanceof RangeError && /^refs\[2\]: label 3 does not match song 21 \(label 0\)/.test(e.message));
  assert.throws(() => leaveSubjectsOutSplit(bad({ chunk: 1 }), [2]), (e: Error) => e instanceof RangeError && /^refs\[2\]: chunk 2\/21\/1 .* appears twice/.test(e.message));
});

test('leaveSubjectsOutSplit holds out whole subjects and keeps the input order', () => {
  const refs = allRefs([2, 3, 23], [21, 22], 2);
  const { train, validation } = leaveSubjectsOutSplit(refs, [23, 3]);
  assert.equal(train, refs.filter((r) => r.subject === 2));
  assert.equal(validation, refs.filter((r) => r.subject !== 2));
});

test('leaveSubjectsOutSplit rejects unknown, absent, repeated or all subjects', () => {
  const refs = allRefs([2, 3], [21], 1);
  assert.throws(() => leaveSubjectsOutSplit(refs, []), (e: Error) => e instanceof RangeError && /at least one subject/.test(e.message));
  assert.throws(() => leaveSubjectsOutSplit(refs, [22]), (e: Error) => e instanceof RangeError && /for heldOutSubjects\[0\] but received 22/.test(e.message));
  assert.throws(() => leaveSubjectsOutSplit(refs, [2.5]), (e: Error) => e instanceof RangeError && /heldOutSubjects\[0\]/.test(e.message));
  assert.throws(() => leaveSubjectsOutSplit(refs, [4]), (e: Error) => e instanceof RangeError && /Subject 4 has no chunks to hold out/.test(e.message));
  assert.throws(() => leaveSubjectsOutSplit(refs, [2, 2]), (e: Error) => e instanceof RangeError && /Subject 2 is listed twice/.test(e.message));
  assert.throws(() => leaveSubjectsOutSplit(refs, [2, 3]), (e: Error) => e instanceof RangeError && /leaves no training chunks/.test(e.message));
});

test.run();
