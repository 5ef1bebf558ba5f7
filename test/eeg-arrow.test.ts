import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Field,
  Float32,
  Float64,
  Int32,
  List,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  tableFromArrays,
  tableToIPC,
} from 'apache-arrow';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InputError } from '../src/errors.js';
import { EegArrowReader, EegArrowWriter, eegLayout, eegLayoutKey, type EegRecording } from '../src/io/eeg-arrow.js';
import { tempDir, assertRejects } from './helpers.js';

const { dir, cleanup } = tempDir();
let n = 0;
const fresh = () => join(dir, `eeg-${n++}.arrow`);

function recording(subject: number, song: number, channels = 3, samples = 5): EegRecording {
  const data = Float32Array.from({ length: channels * samples }, (_, i) => subject * 1000 + song + i / 8);
  return { subject, song, fs: 125, channels, samples, data };
}

async function writeAll(path: string, recs: EegRecording[]): Promise<void> {
  const writer = await EegArrowWriter.create(path);
  for (const [i, rec] of recs.entries()) assert.is(await writer.append(rec), i);
  assert.is(writer.count, recs.length);
  await writer.close();
}

const rejectsInput = (promise: Promise<unknown>, pattern: RegExp) => assertRejects(promise, InputError, pattern);

const recs = [recording(2, 21), recording(2, 22, 4, 7), recording(23, 30, 1, 1)];

test('round trip: every recording comes back by index with its fields and values', async () => {
  const path = fresh();
  await writeAll(path, recs);
  const reader = await EegArrowReader.open(path);
  assert.is(reader.count, 3);
  for (const i of [2, 0, 1]) assert.equal(await reader.read(i), recs[i]);
  await reader.close();
});

test('data is a 4-byte aligned Float32Array over one batch, not over the whole file', async () => {
  const path = fresh();
  const big = [recording(2, 21, 128, 400), recording(3, 21, 128, 400)];
  await writeAll(path, big);
  const reader = await EegArrowReader.open(path);
  const rec = await reader.read(1);
  assert.instance(rec.data, Float32Array);
  assert.is(rec.data.byteOffset % 4, 0);
  assert.ok(rec.data.buffer.byteLength < readFileSync(path).length, 'only one batch was read');
  assert.equal(rec.data, big[1].data);
  await reader.close();
});

test('concurrent reads on one reader each get their own recording', async () => {
  const path = fresh();
  await writeAll(path, recs);
  const reader = await EegArrowReader.open(path);
  const got = await Promise.all([reader.read(1), reader.read(0), reader.read(2), reader.read(1)]);
  assert.equal(got.map((r) => r.song), [22, 21, 30, 22]);
  await reader.close();
});

test('appends that overlap (not awaited one by one) still land in order', async () => {
  const path = fresh();
  const writer = await EegArrowWriter.create(path);
  assert.equal(await Promise.all(recs.map((r) => writer.append(r))), [0, 1, 2]);
  await writer.close();
  const reader = await EegArrowReader.open(path);
  for (const i of [0, 1, 2]) assert.equal(await reader.read(i), recs[i]);
  await reader.close();
});

test('identical input gives a byte-identical file', async () => {
  const a = fresh();
  const b = fresh();
  await writeAll(a, recs);
  await writeAll(b, recs.map((r) => ({ ...r, data: r.data.slice() })));
  assert.ok(readFileSync(a).equals(readFileSync(b)));
});

test('the file carries the layout metadata and opens as a plain Arrow table', async () => {
  const path = fresh();
  await writeAll(path, recs);
  const { tableFromIPC } = await import('apache-arrow');
  const table = tableFromIPC(readFileSync(path));
  assert.is(table.schema.metadata.get(eegLayoutKey), eegLayout);
  assert.equal(table.schema.fields.map((f) => f.name), ['subject', 'song', 'fs', 'channels', 'samples', 'data']);
  assert.is(table.batches.length, 3, 'one record batch per recording');
  assert.equal(table.getChild('subject')!.toArray(), Int32Array.of(2, 2, 23));
});

test('a file with no recordings is valid and empty', async () => {
  const path = fresh();
  await writeAll(path, []);
  const reader = await EegArrowReader.open(path);
  assert.is(reader.count, 0);
  try {
    await reader.read(0);
    assert.unreachable();
  } catch (err) {
    assert.instance(err, RangeError);
    assert.match((err as Error).message, /holds no recordings/);
  }
  await reader.close();
});

test('the target appears only on close; abort leaves neither target nor temp file', async () => {
  const path = fresh();
  const writer = await EegArrowWriter.create(path);
  await writer.append(recs[0]);
  assert.not.ok(existsSync(path));
  await writer.close();
  assert.ok(existsSync(path));

  const { dir: d2, cleanup: c2 } = tempDir();
  const other = join(d2, 'eeg.arrow');
  const aborted = await EegArrowWriter.create(other);
  await aborted.append(recs[0]);
  await aborted.abort();
  await aborted.abort();
  assert.equal(readdirSync(d2), []);
  c2();
});

test('a closed writer refuses more work', async () => {
  const writer = await EegArrowWriter.create(fresh());
  await writer.close();
  try {
    await writer.append(recs[0]);
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, /already closed/);
  }
});

test('append checks the recording', async () => {
  const writer = await EegArrowWriter.create(fresh());
  const bad = async (patch: Partial<EegRecording>, cls: Function, pattern: RegExp) => {
    try {
      await writer.append({ ...recs[0], ...patch });
      assert.unreachable();
    } catch (err) {
      assert.instance(err, cls);
      assert.match((err as Error).message, pattern);
    }
  };
  await bad({ data: new Float32Array(14) }, RangeError, /Expected 15 elements for data but received 14/);
  await bad({ data: new Float64Array(15) as unknown as Float32Array }, TypeError, /Float32Array for data but received \[object Float64Array\]/);
  await bad({ channels: 0 }, RangeError, /for channels but received 0/);
  await bad({ subject: 2.5 }, RangeError, /for subject/);
  await bad({ fs: 0 }, RangeError, /for fs/);
  assert.is(writer.count, 0, 'rejected recordings are not written');
  await writer.abort();
});

// --- bad files ---

test('a missing file, a text file and a truncated file are InputErrors naming the file', async () => {
  const missing = join(dir, 'nope.arrow');
  await rejectsInput(EegArrowReader.open(missing), new RegExp(`^${missing}: no such file$`));
  const text = join(dir, 'text.arrow');
  writeFileSync(text, 'subject,song\n2,21\n');
  await rejectsInput(EegArrowReader.open(text), /text\.arrow: not an Arrow IPC file/);
  const good = fresh();
  await writeAll(good, recs);
  const truncated = join(dir, 'truncated.arrow');
  writeFileSync(truncated, readFileSync(good).subarray(0, 300));
  await rejectsInput(EegArrowReader.open(truncated), /truncated\.arrow: not an Arrow IPC file/);
});

test('an Arrow stream (not file) is rejected', async () => {
  const path = join(dir, 'stream.arrow');
  writeFileSync(path, tableToIPC(tableFromArrays({ subject: Int32Array.of(2) }), 'stream'));
  await rejectsInput(EegArrowReader.open(path), /stream\.arrow: not an Arrow IPC file/);
});

test('a missing column, a wrong type and a missing layout are InputErrors naming the column', async () => {
  const noData = join(dir, 'no-data.arrow');
  writeFileSync(noData, tableToIPC(tableFromArrays({ subject: Int32Array.of(2), song: Int32Array.of(21), fs: Float64Array.of(125), channels: Int32Array.of(1), samples: Int32Array.of(1) }), 'file'));
  await rejectsInput(EegArrowReader.open(noData), /no-data\.arrow: data: missing column/);

  const wrongType = join(dir, 'wrong-type.arrow');
  writeFileSync(wrongType, tableToIPC(tableFromArrays({ subject: Float64Array.of(2) }), 'file'));
  await rejectsInput(EegArrowReader.open(wrongType), /wrong-type\.arrow: subject: has type Float64; expected Int32/);

  const noLayout = join(dir, 'no-layout.arrow');
  writeFileSync(noLayout, tableToIPC(new Table(handMadeBatch(1, 1, [0], new Map())), 'file'));
  await rejectsInput(EegArrowReader.open(noLayout), /no-layout\.arrow: metadata predann\.layout: is null; expected "channel-major/);
});

test('data length ≠ channels × samples is an InputError naming the record batch', async () => {
  const path = join(dir, 'short.arrow');
  const layout = new Map([[eegLayoutKey, eegLayout]]);
  writeFileSync(path, tableToIPC(new Table([handMadeBatch(2, 3, [1, 2, 3, 4, 5, 6], layout), handMadeBatch(2, 3, [1, 2, 3, 4, 5], layout)]), 'file'));
  const reader = await EegArrowReader.open(path);
  assert.is((await reader.read(0)).data.length, 6);
  await rejectsInput(reader.read(1), /short\.arrow: record batch 1: data holds 5 values but channels × samples = 2 × 3 = 6/);
  assert.is((await reader.read(0)).samples, 3, 'the reader still works after a bad batch');
  await reader.close();
});

test('read checks its index', async () => {
  const path = fresh();
  await writeAll(path, recs);
  const reader = await EegArrowReader.open(path);
  for (const index of [3, -1, 0.5]) {
    try {
      await reader.read(index);
      assert.unreachable();
    } catch (err) {
      assert.instance(err, RangeError);
      assert.match((err as Error).message, /between 0 and 2 for index/);
    }
  }
  await reader.close();
});

/** A one-row batch with our column names and types but arbitrary contents and metadata. */
function handMadeBatch(channels: number, samples: number, values: number[], metadata: Map<string, string>): RecordBatch {
  const item = new List(new Field('item', new Float32(), false));
  const schema = new Schema(
    [
      new Field('subject', new Int32(), false),
      new Field('song', new Int32(), false),
      new Field('fs', new Float64(), false),
      new Field('channels', new Int32(), false),
      new Field('samples', new Int32(), false),
      new Field('data', item, false),
    ],
    metadata,
  );
  const int32 = (v: number) => makeData({ type: new Int32(), length: 1, nullCount: 0, data: Int32Array.of(v) });
  const data = makeData({
    type: item,
    length: 1,
    nullCount: 0,
    valueOffsets: Int32Array.of(0, values.length),
    child: makeData({ type: new Float32(), length: values.length, nullCount: 0, data: Float32Array.from(values) }),
  });
  const children = [int32(2), int32(21), makeData({ type: new Float64(), length: 1, nullCount: 0, data: Float64Array.of(125) }), int32(channels), int32(samples), data];
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 1, nullCount: 0, children }));
}

test.after(cleanup);
test.run();
