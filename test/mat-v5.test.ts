import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InputError } from '../src/errors.js';
import { matFileHeader, matlabDateText, parseMatV5, readMatV5, writeMatV5, type MatV5Value, type MatV5Variable } from '../src/io/mat-v5.js';
import { tempDir, assertThrows } from './helpers.js';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

const num = (matlabClass: string, dims: number[], values: number[]): MatV5Value => ({
  kind: 'numeric',
  matlabClass,
  dims,
  data: matlabClass === 'single' ? new Float32Array(values) : new Float64Array(values),
});
const char = (text: string, dims = [text.length ? 1 : 0, text.length]): MatV5Value => ({ kind: 'char', dims, text });
const cellOf = (cells: MatV5Value[], dims = [1, cells.length]): MatV5Value => ({ kind: 'cell', dims, cells });
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Every kind, class and shape the writer supports, in the cleaned NMED-T order at the end. */
const EVERYTHING: MatV5Variable[] = [
  { name: 'int8', value: num('int8', [1, 3], [-128, 0, 127]) },
  { name: 'uint8', value: num('uint8', [1, 2], [0, 255]) },
  { name: 'int16', value: num('int16', [2, 1], [-32768, 32767]) },
  { name: 'uint16', value: num('uint16', [1, 1], [65535]) },
  { name: 'int32', value: num('int32', [1, 2], [-(2 ** 31), 2 ** 31 - 1]) },
  { name: 'uint32', value: num('uint32', [1, 1], [2 ** 32 - 1]) },
  { name: 'int64', value: num('int64', [1, 2], [-(2 ** 53), 2 ** 53]) },
  { name: 'uint64', value: num('uint64', [1, 1], [2 ** 53]) },
  { name: 'flags', value: num('logical', [2, 2], [1, 0, 0, 1]) },
  { name: 'single', value: num('single', [1, 3], [1.5, -0.25, Infinity]) },
  { name: 'empty', value: num('double', [0, 0], []) },
  { name: 'empty3d', value: num('double', [3, 0, 2], []) },
  { name: 'nd', value: num('double', [2, 3, 2, 2], range(24).map((i) => i / 4 - 1)) },
  { name: 'ascii', value: char('S02') },
  { name: 'unicode', value: char('héllo €') },
  { name: 'astral', value: char('a😀') }, // MATLAB counts UTF-16 units: 1×3 (SciPy counts code points and cannot read it)
  { name: 'rows', value: char('ab\ncd\nef', [3, 2]) },
  { name: 'blank', value: char('') },
  { name: 'mixed', value: cellOf([char('x'), num('double', [1, 1], [2]), cellOf([char('deep')]), num('double', [0, 0], [])], [2, 2]) },
  {
    name: 'st',
    value: { kind: 'struct', dims: [1, 1], fields: { a: [num('double', [1, 1], [1])], long_field_name: [char('bee')] } },
  },
  {
    name: 'arr',
    value: { kind: 'struct', dims: [1, 2], fields: { x: [num('double', [1, 1], [1]), char('two')] } },
  },
  { name: 'data21', value: num('double', [125, 40, 3], range(125 * 40 * 3).map((i) => Math.sin(i) * 50)) },
  { name: 'fs', value: num('double', [1, 1], [125]) },
  { name: 'subs21', value: cellOf([char('S02'), char('S03'), char('S04')]) },
];

for (const compress of [false, true]) {
  test(`round trip of every kind, class and shape (compress: ${compress})`, () => {
    const { dir, cleanup } = tempDir();
    try {
      const path = join(dir, 'all.mat');
      writeMatV5(path, EVERYTHING, { compress });
      assert.equal(readMatV5(path), EVERYTHING);
      assert.equal(readdirSync(dir), ['all.mat'], 'no temporary file left');
      writeMatV5(join(dir, 'again.mat'), EVERYTHING, { compress });
      assert.ok(readFileSync(path).equals(readFileSync(join(dir, 'again.mat'))), 'same data, same bytes');
    } finally {
      cleanup();
    }
  });
}

test('the header: MATLAB text, fixed date by default, version 0x0100, IM', () => {
  const header = matFileHeader('v5');
  assert.is(header.length, 128);
  assert.is(Buffer.from(header.subarray(0, 116)).toString('latin1').trimEnd(), 'MATLAB 5.0 MAT-file, Platform: predann, Created on: Thu Jan  1 00:00:00 1970');
  assert.equal([...header.subarray(116, 128)], [0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x01, 0x49, 0x4d]);
  assert.is(matlabDateText(new Date(Date.UTC(2025, 4, 29, 7, 5, 9))), 'Thu May 29 07:05:09 2025');
  const { dir, cleanup } = tempDir();
  try {
    writeMatV5(join(dir, 'd.mat'), [], { createdOn: new Date(Date.UTC(2017, 11, 31, 23, 59, 59)) });
    const bytes = readFileSync(join(dir, 'd.mat'));
    assert.is(bytes.length, 128, 'no variables: just the header');
    assert.match(bytes.subarray(0, 116).toString('latin1'), 'Created on: Sun Dec 31 23:59:59 2017');
    assert.equal(readMatV5(join(dir, 'd.mat')), []);
  } finally {
    cleanup();
  }
});

test('a large double array is a view of the file bytes when aligned, a copy otherwise', () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'big.mat');
    const data = new Float64Array(125 * 1000).map((_, i) => i);
    writeMatV5(path, [{ name: 'x', value: { kind: 'numeric', matlabClass: 'double', dims: [125, 1000], data } }]);
    const bytes = new Uint8Array(readFileSync(path));
    const [aligned] = parseMatV5(bytes, 'big.mat');
    assert.is(aligned.value.kind === 'numeric' && aligned.value.data.buffer, bytes.buffer, 'a view, no copy');
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    const [copied] = parseMatV5(shifted.subarray(1), 'shifted.mat');
    assert.ok(copied.value.kind === 'numeric' && copied.value.data.buffer !== shifted.buffer, 'unaligned: copied');
    assert.equal(copied.value, aligned.value);
  } finally {
    cleanup();
  }
});

const SCIPY_EXPECTED: MatV5Variable[] = [
  { name: 'single', value: num('single', [1, 2], [1.5, -2.25]) },
  { name: 'ints', value: num('int16', [1, 2], [-3, 4]) },
  { name: 'text', value: char('héllo') },
  { name: 'st', value: { kind: 'struct', dims: [1, 1], fields: { a: [num('double', [1, 1], [1])], b: [char('bee')] } } },
  { name: 'data21', value: num('double', [2, 3, 4], range(24)) },
  { name: 'fs', value: num('double', [1, 1], [125]) },
  { name: 'subs21', value: cellOf([char('S02'), char('S03'), char('S04')]) },
];

test('reads files written by scipy.io.savemat, compressed and not (test/fixtures/mat-fixtures.py)', () => {
  assert.equal(readMatV5(fixture('scipy-v5.mat')), SCIPY_EXPECTED);
  assert.equal(readMatV5(fixture('scipy-v5-compressed.mat')), SCIPY_EXPECTED);
  const names = readMatV5(fixture('scipy-v5.mat')).map((v) => v.name);
  assert.equal([names.at(-3), names.at(-1)], ['data21', 'subs21'], 'the official code picks data and subjects by position');
});

// Hand-made elements in MATLAB's own encodings, which our writer does not produce.
function tagged(type: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + Math.ceil(data.length / 8) * 8);
  const view = new DataView(out.buffer);
  view.setUint32(0, type, true);
  view.setUint32(4, data.length, true);
  out.set(data, 8);
  return out;
}
function small(type: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setUint32(0, (data.length << 16) | type, true);
  out.set(data, 4);
  return out;
}
const u8 = (...parts: ArrayBufferView[]) => Buffer.concat(parts.map((p) => new Uint8Array(p.buffer, p.byteOffset, p.byteLength)));
function matrix(flags: number, dims: number[], name: string, ...rest: Uint8Array[]): Uint8Array {
  return tagged(14, u8(tagged(6, u8(new Uint32Array([flags, 0]))), tagged(5, u8(new Int32Array(dims))), name.length <= 4 ? small(1, Buffer.from(name)) : tagged(1, Buffer.from(name)), ...rest));
}
const file = (...elements: Uint8Array[]) => u8(matFileHeader('v5'), ...elements);

test('reads MATLAB encodings: doubles stored as small integers, small data elements, UTF-16/32 chars, logical', () => {
  const vars = parseMatV5(
    file(
      matrix(6, [1, 1], 'fs', small(2, Uint8Array.of(125))), // double 125 stored as one miUINT8 in the tag
      matrix(6, [1, 3], 'onsets', tagged(4, u8(Uint16Array.of(1000, 2000, 65535)))), // double as miUINT16
      matrix(4, [1, 2], 'u16', tagged(17, u8(Uint16Array.of(0x44, 0x20ac)))), // char as miUTF16
      matrix(4, [1, 3], 'u32', tagged(18, u8(Uint32Array.of(0x61, 0x1f600)))), // char as miUTF32 (😀 = 2 units)
      matrix(9 | 0x0200, [1, 2], 'ok', small(2, Uint8Array.of(1, 0))), // logical
      matrix(1, [1, 1], 'c', tagged(14, new Uint8Array(0))), // a cell holding MATLAB's zero-byte empty array
    ),
    'matlab.mat',
  );
  assert.equal(vars, [
    { name: 'fs', value: num('double', [1, 1], [125]) },
    { name: 'onsets', value: num('double', [1, 3], [1000, 2000, 65535]) },
    { name: 'u16', value: char('D€') },
    { name: 'u32', value: char('a😀') },
    { name: 'ok', value: num('logical', [1, 2], [1, 0]) },
    { name: 'c', value: cellOf([num('double', [0, 0], [])], [1, 1]) },
  ]);
});

test('bad files: missing, a directory, too short, not a MAT-file, HDF5, v7.3, big-endian, other versions', () => {
  const { dir, cleanup } = tempDir();
  try {
    assertThrows(() => readMatV5(join(dir, 'none.mat')), InputError, `${join(dir, 'none.mat')}: file not found`);
    mkdirSync(join(dir, 'folder.mat'));
    assertThrows(() => readMatV5(join(dir, 'folder.mat')), InputError, `${join(dir, 'folder.mat')}: is a directory, not a MATLAB v5 MAT-file`);
    assertThrows(() => parseMatV5(new Uint8Array(100), 'short.mat'), InputError, 'short.mat: not a MATLAB v5 MAT-file: 100 bytes is shorter than the 128-byte header');
    assertThrows(() => parseMatV5(Buffer.from('x,y\n'.repeat(64)), 'table.csv'), InputError, 'table.csv: not a MATLAB v5 MAT-file: no MAT-file header');
    const hdf5 = new Uint8Array(256);
    hdf5.set([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
    assertThrows(() => parseMatV5(hdf5, 'plain.h5'), InputError, 'plain.h5: not a MATLAB v5 MAT-file: an HDF5 file');
    assertThrows(() => parseMatV5(u8(matFileHeader('v7.3'), new Uint8Array(400)), 'raw.mat'), InputError, 'raw.mat: not a MATLAB v5 MAT-file: it is MATLAB v7.3 (HDF5); read it with MatV73Reader');
    const bigEndian = file();
    bigEndian.set([0x01, 0x00, 0x4d, 0x49], 124);
    assertThrows(() => parseMatV5(bigEndian, 'be.mat'), InputError, 'be.mat: big-endian MAT-files are not supported');
    const v6 = file();
    v6[125] = 0x06;
    assertThrows(() => parseMatV5(v6, 'v6.mat'), InputError, 'v6.mat: unsupported MAT-file version 0x0600');
  } finally {
    cleanup();
  }
});

test('truncated and corrupt files name the variable', () => {
  const plain = readFileSync(fixture('scipy-v5.mat'));
  // data21 is the 5th variable, at byte 504 with 256 data bytes
  assertThrows(() => parseMatV5(plain.subarray(0, 600), 'cut.mat'), InputError, 'cut.mat: variable 5: truncated: a data element at byte 504 declares 256 bytes but only 88 remain');
  assertThrows(() => parseMatV5(plain.subarray(0, 132), 'cut-tag.mat'), InputError, 'cut-tag.mat: variable 1: truncated: a data element tag at byte 128 runs past the end');
  const zipped = readFileSync(fixture('scipy-v5-compressed.mat'));
  const firstLength = zipped.readUInt32LE(132);
  const shortInflate = Buffer.from(zipped.subarray(0, 136 + firstLength));
  shortInflate.writeUInt32LE(firstLength - 6, 132); // a consistent tag, but the zlib stream is cut
  assertThrows(() => parseMatV5(shortInflate.subarray(0, 136 + firstLength - 6), 'cut-z.mat'), InputError, /^cut-z\.mat: variable 1: truncated compressed variable: /);
  const garbage = Buffer.from(zipped);
  garbage.fill(0x55, 136, 146);
  assertThrows(() => parseMatV5(garbage, 'bad-z.mat'), InputError, /^bad-z\.mat: variable 1: corrupt compressed variable: /);
  const deflated = deflateSync(tagged(9, new Uint8Array(8)));
  const notMatrix = file(u8(Uint32Array.of(15, deflated.length)), deflated); // compressed elements are not padded
  assertThrows(() => parseMatV5(notMatrix, 'z.mat'), InputError, 'z.mat: variable 1: compressed element holds type 9, expected an array');
  assertThrows(() => parseMatV5(file(tagged(9, new Uint8Array(8))), 'odd.mat'), InputError, 'odd.mat: variable 1: unexpected data element type 9 at byte 128');
  const wrongCount = file(matrix(6, [2, 2], 'x', tagged(9, u8(Float64Array.of(1, 2, 3)))));
  assertThrows(() => parseMatV5(wrongCount, 'count.mat'), InputError, 'count.mat: x: holds 3 values for dims 2×2');
  assertThrows(() => parseMatV5(file(matrix(6 | 0x0800, [1, 1], 'z', small(2, Uint8Array.of(1)), small(2, Uint8Array.of(1)))), 'c.mat'), InputError, 'c.mat: z: complex arrays are not supported');
  assertThrows(() => parseMatV5(file(matrix(5, [2, 2], 'sp')), 'sp.mat'), InputError, 'sp.mat: sp: sparse arrays are not supported');
  assertThrows(() => parseMatV5(file(matrix(1, [1, 1], 'c', tagged(9, new Uint8Array(8)))), 'cell.mat'), InputError, 'cell.mat: c{1}: expected an array element, found type 9');
  assertThrows(() => parseMatV5(file(matrix(4, [1, 4], 'txt', tagged(16, Buffer.from('abc')))), 'txt.mat'), InputError, 'txt.mat: txt: holds 3 characters for dims 1×4');
  assertThrows(() => parseMatV5(file(matrix(6, [1, 1], 'b', tagged(9, new Uint8Array(5)))), 'b.mat'), InputError, 'b.mat: b: corrupt data element: 5 bytes is not a whole number of values');
  assertThrows(() => parseMatV5(file(tagged(14, u8(tagged(5, new Uint8Array(8))))), 'flags.mat'), InputError, 'flags.mat: variable 1: corrupt array: missing array flags');
});

test('writer: bad calls name what is wrong and leave no file', () => {
  const { dir, cleanup } = tempDir();
  const path = join(dir, 'out.mat');
  const write = (variables: MatV5Variable[]) => writeMatV5(path, variables);
  try {
    assertThrows(() => write([{ name: '_x', value: num('double', [1, 1], [1]) }]), RangeError, 'Expected a MATLAB variable name (a letter, then up to 62 letters, digits or _) for name but received "_x"');
    assertThrows(() => write([{ name: 'a', value: char('') }, { name: 'a', value: char('') }]), RangeError, 'Expected unique variable names but received a twice');
    assertThrows(() => write([{ name: 'a', value: num('double', [4], [1, 2, 3, 4]) }]), RangeError, 'Expected at least two non-negative integer dims for a but received [4]');
    assertThrows(() => write([{ name: 'a', value: num('double', [2, 2], [1]) }]), RangeError, 'Expected 4 elements (dims 2×2) for a but received 1');
    assertThrows(() => write([{ name: 'a', value: num('int8', [1, 1], [128]) }]), RangeError, 'Expected int8 values for a but received 128');
    assertThrows(() => write([{ name: 'a', value: num('uint16', [1, 1], [1.5]) }]), RangeError, 'Expected uint16 values for a but received 1.5');
    assertThrows(() => write([{ name: 'a', value: num('complex', [1, 1], [1]) }]), RangeError, /Expected one of double, single, int8, .* for the class of a but received "complex"/);
    assertThrows(() => write([{ name: 'a', value: { kind: 'numeric', matlabClass: 'double', dims: [1, 1], data: [1] as unknown as Float64Array } }]), TypeError, 'Expected Float64Array or Float32Array for the data of a but received [object Array]');
    assertThrows(() => write([{ name: 'a', value: char('abc', [1, 4]) }]), RangeError, 'Expected text of 1 line(s) of 4 characters (dims 1×4) for a but received "abc"');
    assertThrows(() => write([{ name: 'a', value: char('ab\nc', [2, 2]) }]), RangeError, /Expected text of 2 line\(s\) of 2 characters/);
    assertThrows(() => write([{ name: 'a', value: cellOf([char('x')], [1, 2]) }]), RangeError, 'Expected 2 elements (dims 1×2) for a but received 1');
    assertThrows(() => write([{ name: 'a', value: cellOf([{ kind: 'table' } as unknown as MatV5Value]) }]), TypeError, 'Expected a MatV5Value (kind numeric, char, cell or struct) for a{1} but received "table"');
    assertThrows(() => write([{ name: 's', value: { kind: 'struct', dims: [1, 2], fields: { f: [char('x')] } } }]), RangeError, 'Expected 2 values (dims 1×2) for s.f but received 1');
    assertThrows(() => write([{ name: 's', value: { kind: 'struct', dims: [1, 1], fields: { 'bad-name': [char('x')] } } }]), RangeError, 'Expected a MATLAB field name for a field of s but received "bad-name"');
    assertThrows(() => write([{ name: 'ok', value: char('fine') }, { name: 'bad', value: num('uint8', [1, 1], [-1]) }]), RangeError, /for bad but received -1/);
    assert.equal(readdirSync(dir), [], 'nothing written on a bad call');
    writeFileSync(path, 'old');
    assertThrows(() => write([{ name: 'bad', value: num('uint8', [1, 1], [-1]) }]), RangeError, /for bad/);
    assert.is(readFileSync(path, 'utf8'), 'old', 'a failed write leaves the old file');
  } finally {
    cleanup();
  }
});

test.run();
