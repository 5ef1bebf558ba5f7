import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InputError } from '../src/errors.js';
import { parseSafetensors, readSafetensors, writeSafetensors, type Tensor } from '../src/io/safetensors.js';
import { assertThrows, goldenDir, tempDir } from './helpers.js';

test('the golden weight files load as they are, with PyTorch state-dict names', () => {
  for (const file of ['predann_2dcnn_trained_seed1.safetensors', 'predann_2dcnn_init_seed0.safetensors']) {
    const { tensors } = readSafetensors(join(goldenDir, file));
    const names = [...tensors.keys()];
    assert.is(names.length, 70, file);
    for (const name of names.filter((n) => n.startsWith('eeg.'))) {
      const twin = tensors.get(`music.${name.slice(4)}`);
      assert.ok(twin, `${file}: ${name} has no music twin`);
      assert.equal(twin!.shape, tensors.get(name)!.shape);
    }
    const counters = names.filter((n) => n.endsWith('num_batches_tracked'));
    assert.is(counters.length, 10);
    for (const n of counters) {
      assert.is(tensors.get(n)!.dtype, 'I64');
      assert.equal(tensors.get(n)!.shape, []);
    }
  }
});

test('write → read round-trips every dtype, scalars and empty tensors, with metadata', () => {
  const { dir, cleanup } = tempDir();
  try {
    const tensors = new Map<string, Tensor>([
      ['a.weight', { dtype: 'F32', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6.5]) }],
      ['b', { dtype: 'F64', shape: [3], data: Float64Array.from([Math.PI, -0, 1e-300]) }],
      ['c.num_batches_tracked', { dtype: 'I64', shape: [], data: BigInt64Array.from([150000n]) }],
      ['d', { dtype: 'I32', shape: [0, 4], data: new Int32Array(0) }],
      ['e', { dtype: 'U8', shape: [5], data: Uint8Array.from([0, 1, 2, 254, 255]) }],
    ]);
    const path = join(dir, 'w.safetensors');
    writeSafetensors(path, tensors, { format: 'pt' });
    const bytes = readFileSync(path);
    assert.is(Number(bytes.readBigUInt64LE(0)) % 8, 0, 'header padded to a multiple of 8');
    const back = readSafetensors(path);
    assert.equal(back.metadata, { format: 'pt' });
    assert.equal([...back.tensors.keys()], [...tensors.keys()]);
    for (const [name, t] of tensors) {
      const r = back.tensors.get(name)!;
      assert.is(r.dtype, t.dtype);
      assert.equal(r.shape, t.shape);
      assert.equal(Array.from(r.data as ArrayLike<number | bigint>), Array.from(t.data as ArrayLike<number | bigint>), name);
    }
  } finally {
    cleanup();
  }
});

test('the golden tensors survive a rewrite bit for bit', () => {
  const { dir, cleanup } = tempDir();
  try {
    const golden = readSafetensors(join(goldenDir, 'predann_2dcnn_trained_seed1.safetensors'));
    writeSafetensors(join(dir, 'copy.safetensors'), golden.tensors);
    const copy = readSafetensors(join(dir, 'copy.safetensors'));
    for (const [name, t] of golden.tensors) {
      const c = copy.tensors.get(name)!;
      assert.ok(Buffer.compare(Buffer.from(t.data.buffer), Buffer.from(c.data.buffer)) === 0, name);
    }
  } finally {
    cleanup();
  }
});

test('bad files are InputErrors naming the file, the tensor and the problem', () => {
  const header = (obj: unknown, data = new Uint8Array(0)) => {
    const json = Buffer.from(JSON.stringify(obj));
    const out = Buffer.alloc(8 + json.length + data.length);
    out.writeBigUInt64LE(BigInt(json.length), 0);
    json.copy(out, 8);
    out.set(data, 8 + json.length);
    return out;
  };
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array(3), /w\.st: header: file is 3 bytes/],
    [Buffer.from([255, 0, 0, 0, 0, 0, 0, 0, 1, 2]), /w\.st: header: declares 255 header bytes/],
    [header('not json'.split('')), /w\.st: header: is not a JSON object/],
    [header({ x: { dtype: 'F16', shape: [1], data_offsets: [0, 2] } }, new Uint8Array(2)), /w\.st: x: unsupported dtype "F16"/],
    [header({ x: { dtype: 'constructor', shape: [1], data_offsets: [0, 2] } }, new Uint8Array(2)), /w\.st: x: unsupported dtype "constructor"/],
    [header({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, new Uint8Array(4)), /w\.st: x: data_offsets \[0,8\] lie outside the 4 data bytes/],
    [header({ x: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)), /w\.st: x: holds 8 bytes but shape \[3\] of F32 needs 12/],
    [header({ x: { dtype: 'F32', shape: [-1], data_offsets: [0, 0] } }), /w\.st: x: bad shape \[-1\]/],
  ];
  for (const [bytes, message] of cases) assertThrows(() => parseSafetensors(bytes, 'w.st'), InputError, message);
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'half.safetensors'), readFileSync(join(goldenDir, 'f_infonce.safetensors')).subarray(0, 5000));
    assertThrows(() => readSafetensors(join(dir, 'half.safetensors')), InputError, /half\.safetensors: .*(outside|truncated)/);
  } finally {
    cleanup();
  }
});

test('writing checks dtype and element count', () => {
  assertThrows(() => writeSafetensors('/dev/null', new Map([['x', { dtype: 'F64', shape: [1], data: new Float32Array(1) }]])), TypeError, 'Expected F64 data for x but received Float32Array');
  assertThrows(() => writeSafetensors('/dev/null', new Map([['x', { dtype: 'F32', shape: [2, 2], data: new Float32Array(3) }]])), RangeError, /Expected 4 elements for x/);
});

test.run();
