import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InputError } from '../src/errors.js';
import { MatV73Reader, MatV73Writer, type MatCellValue } from '../src/io/mat-v73.js';
import { matFileHeader } from '../src/io/mat-v5.js';
import { tempDir, assertThrows } from './helpers.js';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

/** Asserts that `call` throws an instance of `cls` whose message equals `message` (or matches it). */
async function assertRejects(call: () => Promise<unknown>, cls: new (...args: any[]) => Error, message: string | RegExp): Promise<void> {
  let error: unknown;
  try {
    await call();
  } catch (err) {
    error = err;
  }
  assertThrows(() => {
    if (error) throw error;
  }, cls, message);
}

/** A 129 × cols column-major ramp whose value names its row and column: col·1000 + row. */
function ramp(rows: number, colStart: number, cols: number, Type: Float32ArrayConstructor | Float64ArrayConstructor = Float64Array) {
  const block = new Type(rows * cols);
  for (let c = 0; c < cols; c++) for (let r = 0; r < rows; r++) block[c * rows + r] = (colStart + c) * 1000 + r;
  return block;
}

const DIN: MatCellValue[] = ['D21', 1200, 'D128', 2200, 'D21', 9000.5];

/** The NMED-T raw layout in small: X (double, written in unaligned blocks), fs, DIN_1. */
async function writeRaw(path: string, samples = 3000, options = {}): Promise<void> {
  const writer = await MatV73Writer.create(path, options);
  writer.writeScalar('fs', 1000);
  writer.writeCell('DIN_1', 2, 3, DIN);
  const x = writer.createNumeric('X', 'double', 129, samples);
  for (let t = 0; t < samples; t += 700) x.writeColumns(t, ramp(129, t, Math.min(700, samples - t)));
  await writer.close();
}

test('round trip of the raw NMED-T layout: fs, DIN_1 and X', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'S02_1.mat');
    await writeRaw(path);
    const mat = await MatV73Reader.open(path);
    assert.is(mat.path, path);
    assert.equal(mat.variables(), [
      { name: 'DIN_1', matlabClass: 'cell', dims: [2, 3] },
      { name: 'X', matlabClass: 'double', dims: [129, 3000] },
      { name: 'fs', matlabClass: 'double', dims: [1, 1] },
    ]);
    assert.is(mat.readScalar('fs'), 1000);
    assert.equal(mat.readCell('DIN_1'), { dims: [2, 3], cells: DIN });
    const whole = mat.readColumns('X', 0, 3000);
    assert.instance(whole, Float64Array);
    assert.equal(whole, ramp(129, 0, 3000));
    mat.close();
    mat.close(); // twice is fine
  } finally {
    cleanup();
  }
});

test('hyperslab reads equal the same part of a whole read', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'x.mat');
    await writeRaw(path, 2500);
    const mat = await MatV73Reader.open(path);
    const whole = mat.readNumeric('X');
    assert.equal(whole.dims, [129, 2500]);
    for (const [c0, c1, r0, r1] of [[0, 1, 0, 129], [699, 701, 0, 129], [1000, 1500, 3, 11], [2499, 2500, 128, 129], [5, 5, 0, 129]]) {
      const block = mat.readColumns('X', c0, c1, r0, r1);
      const expected = new Float64Array((c1 - c0) * (r1 - r0));
      for (let c = c0; c < c1; c++) for (let r = r0; r < r1; r++) expected[(c - c0) * (r1 - r0) + (r - r0)] = whole.data[c * 129 + r];
      assert.equal(block, expected, `columns [${c0}, ${c1}), rows [${r0}, ${r1})`);
    }
    assert.equal(mat.readColumns('X', 7, 9, 2), mat.readColumns('X', 7, 9, 2, 129), 'rowEnd defaults to all rows');
    mat.close();
  } finally {
    cleanup();
  }
});

test('every numeric class and shape round-trips, small and through a sink', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'shapes.mat');
    const w = await MatV73Writer.create(path);
    w.writeNumeric('row', 'double', 1, 4, new Float64Array([1, -2, 3.5, NaN]));
    w.writeNumeric('col', 'double', 3, 1, new Float64Array([1, 2, 3]));
    w.writeNumeric('mat', 'single', 2, 3, new Float32Array([1, 2, 3, 4, 5, 6.25]));
    w.writeNumeric('fromF32', 'double', 1, 2, new Float32Array([0.5, 1.5]));
    w.writeNumeric('empty03', 'double', 0, 3, new Float64Array(0));
    w.writeNumeric('empty20', 'single', 2, 0, new Float32Array(0));
    w.writeScalar('inf', -Infinity);
    const sink = w.createNumeric('big', 'single', 5, 10);
    sink.writeColumns(6, ramp(5, 6, 4, Float32Array)); // out of order, and twice over the same columns
    sink.writeColumns(0, ramp(5, 0, 6, Float32Array));
    sink.writeColumns(6, ramp(5, 6, 1, Float32Array));
    sink.writeColumns(10, new Float32Array(0)); // a zero-column block at the end is allowed
    w.createNumeric('none', 'double', 129, 0).writeColumns(0, new Float64Array(0));
    await w.close();

    const mat = await MatV73Reader.open(path);
    const row = mat.readNumeric('row');
    assert.equal(row.dims, [1, 4]);
    assert.equal([...row.data].map(String), ['1', '-2', '3.5', 'NaN']); // NaN ≠ NaN in assert.equal
    assert.equal(mat.readNumeric('col'), { dims: [3, 1], data: new Float64Array([1, 2, 3]) });
    assert.equal(mat.readNumeric('mat'), { dims: [2, 3], data: new Float64Array([1, 2, 3, 4, 5, 6.25]) });
    assert.equal(mat.info('mat'), { name: 'mat', matlabClass: 'single', dims: [2, 3] });
    assert.equal(mat.readNumeric('fromF32'), { dims: [1, 2], data: new Float64Array([0.5, 1.5]) });
    assert.equal(mat.readNumeric('empty03'), { dims: [0, 3], data: new Float64Array(0) });
    assert.equal(mat.info('empty20'), { name: 'empty20', matlabClass: 'single', dims: [2, 0] });
    assert.equal(mat.readColumns('empty20', 0, 0), new Float32Array(0));
    assert.is(mat.readScalar('inf'), -Infinity);
    const big = mat.readColumns('big', 0, 10);
    assert.instance(big, Float32Array, 'single stays single');
    assert.equal(big, ramp(5, 0, 10, Float32Array));
    assert.equal(mat.info('none'), { name: 'none', matlabClass: 'double', dims: [129, 0] });
    mat.close();
  } finally {
    cleanup();
  }
});

test('cells of strings, numbers, arrays and empties round-trip', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'cells.mat');
    const cells: MatCellValue[] = ['D21', 1, '', new Float64Array([1, 2, 3]), 'ü€ 😀', new Float64Array(0), -0.5, 'x'];
    const w = await MatV73Writer.create(path);
    w.writeCell('c', 2, 4, cells);
    w.writeCell('none', 0, 0, []);
    w.writeCell('row', 1, 2, ['a', 'b']);
    const events = Array.from({ length: 400 }, (_, i): MatCellValue => (i % 2 ? i * 10 : `D${i}`)); // #refs# names past 'z'
    w.writeCell('many', 2, 200, events);
    await w.close();
    const mat = await MatV73Reader.open(path);
    assert.equal(mat.readCell('c'), { dims: [2, 4], cells });
    assert.equal(mat.readCell('none'), { dims: [0, 0], cells: [] });
    assert.equal(mat.readCell('row'), { dims: [1, 2], cells: ['a', 'b'] });
    assert.equal(mat.readCell('many'), { dims: [2, 200], cells: events });
    assert.equal(mat.variables().map((v) => v.name), ['c', 'many', 'none', 'row'], 'MATLAB #refs# is not a variable');
    assert.not.ok(mat.has('#refs#'));
    mat.close();
  } finally {
    cleanup();
  }
});

test('the file starts with the 512-byte MATLAB header; same data give the same bytes', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await writeRaw(join(dir, 'a.mat'), 800);
    await new Promise((done) => setTimeout(done, 1100)); // HDF5 would stamp a different second
    await writeRaw(join(dir, 'b.mat'), 800);
    const a = readFileSync(join(dir, 'a.mat'));
    assert.ok(a.equals(readFileSync(join(dir, 'b.mat'))), 'byte-identical');
    const text = a.subarray(0, 116).toString('latin1');
    assert.is(text.trimEnd(), 'MATLAB 7.3 MAT-file, Platform: predann, Created on: Thu Jan  1 00:00:00 1970 HDF5 schema 1.00 .');
    assert.equal([...a.subarray(116, 124)], [0, 0, 0, 0, 0, 0, 0, 0]);
    assert.equal([...a.subarray(124, 128)], [0x00, 0x02, 0x49, 0x4d], 'version 0x0200, IM');
    assert.ok(a.subarray(128, 512).every((b) => b === 0), 'zero fill up to the superblock');
    assert.equal([...a.subarray(512, 520)], [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a], 'HDF5 superblock at 512');

    await writeRaw(join(dir, 'dated.mat'), 10, { createdOn: new Date(Date.UTC(2017, 5, 19, 10, 39, 45)) });
    assert.match(readFileSync(join(dir, 'dated.mat')).subarray(0, 116).toString('latin1'), 'Created on: Mon Jun 19 10:39:45 2017 HDF5');
    assert.equal(readdirSync(dir).sort(), ['a.mat', 'b.mat', 'dated.mat'], 'no temporary files left');
  } finally {
    cleanup();
  }
});

test('reads a MATLAB-style file written by h5py (userblock, gzip chunks, refs, int32, no MATLAB_class)', async () => {
  const mat = await MatV73Reader.open(fixture('h5py-v73.mat'));
  assert.equal(mat.variables(), [
    { name: 'DIN_1', matlabClass: 'cell', dims: [2, 3] },
    { name: 'X', matlabClass: 'single', dims: [5, 40] },
    { name: 'count', matlabClass: 'int32', dims: [1, 1] },
    { name: 'fs', matlabClass: 'double', dims: [1, 1] },
    { name: 'name', matlabClass: 'char', dims: [1, 3] },
    { name: 'plain', matlabClass: 'double', dims: [6, 1] },
  ]);
  assert.is(mat.readScalar('fs'), 1000);
  assert.is(mat.readScalar('count'), 7);
  assert.equal(mat.readCell('DIN_1').cells, ['D21', 10, 'D128', 1010, 'D21', 2000]);
  assert.equal(mat.readNumeric('plain').data, new Float64Array([0, 1, 2, 3, 4, 5]));
  const x = mat.readColumns('X', 14, 18, 1, 4); // crosses a 16-column gzip chunk boundary
  const expected = new Float32Array(12);
  for (let c = 14; c < 18; c++) for (let r = 1; r < 4; r++) expected[(c - 14) * 3 + r - 1] = r * 100 + c;
  assert.equal(x, expected);
  mat.close();
});

test('a plain HDF5 file (no MATLAB header) with MATLAB variables opens too', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await writeRaw(join(dir, 'raw.mat'), 50);
    writeFileSync(join(dir, 'plain.h5'), readFileSync(join(dir, 'raw.mat')).subarray(512));
    const mat = await MatV73Reader.open(join(dir, 'plain.h5'));
    assert.equal(mat.readCell('DIN_1').cells, DIN);
    assert.equal(mat.readColumns('X', 40, 50), ramp(129, 40, 10));
    mat.close();
  } finally {
    cleanup();
  }
});

test('bad files: missing, a directory, empty, not HDF5, a v5 MAT-file, truncated, corrupt', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const good = join(dir, 'good.mat');
    await writeRaw(good, 1500);
    const bytes = readFileSync(good);
    const file = (name: string, data: Uint8Array) => (writeFileSync(join(dir, name), data), join(dir, name));
    const open = (path: string) => MatV73Reader.open(path);

    await assertRejects(() => open(join(dir, 'nope.mat')), InputError, `${join(dir, 'nope.mat')}: file not found`);
    mkdirSync(join(dir, 'folder.mat'));
    await assertRejects(() => open(join(dir, 'folder.mat')), InputError, /folder\.mat: is a directory/);
    const notHdf5 = 'not a MATLAB v7.3 file: no HDF5 superblock at byte 0, 512, 1024, …';
    await assertRejects(() => open(file('empty.mat', new Uint8Array(0))), InputError, `${join(dir, 'empty.mat')}: ${notHdf5}`);
    await assertRejects(() => open(file('text.mat', Buffer.from('hello, world\n'.repeat(200)))), InputError, new RegExp(`text\\.mat: ${notHdf5}`));
    const v5 = Buffer.concat([matFileHeader('v5'), new Uint8Array(64)]);
    await assertRejects(() => open(file('v5.mat', v5)), InputError, /v5\.mat: not a MATLAB v7\.3 file: it is a MATLAB v5 MAT-file/);
    await assertRejects(() => open(file('header-only.mat', bytes.subarray(0, 512))), InputError, /header-only\.mat: not a MATLAB v7\.3 file/);
    await assertRejects(() => open(file('cut-superblock.mat', bytes.subarray(0, 540))), InputError, /cut-superblock\.mat: truncated: the HDF5 superblock promises more bytes but the file has 540/);
    await assertRejects(() => open(file('cut-signature.mat', bytes.subarray(0, 520))), InputError, /cut-signature\.mat: truncated: the HDF5 superblock promises more bytes but the file has 520/);
    const badSizes = Buffer.from(bytes);
    badSizes[512 + 13] = 3; // size of offsets
    await assertRejects(() => open(file('bad-sizes.mat', badSizes)), InputError, /bad-sizes\.mat: corrupt HDF5 superblock at byte 512/);
    const half = Math.floor(bytes.length / 2);
    await assertRejects(() => open(file('half.mat', bytes.subarray(0, half))), InputError, `${join(dir, 'half.mat')}: truncated: the HDF5 superblock promises ${bytes.length} bytes but the file has ${half}`);
    await assertRejects(() => open(file('one-short.mat', bytes.subarray(0, bytes.length - 1))), InputError, /one-short\.mat: truncated/);

    const corrupt = Buffer.from(bytes);
    corrupt.fill(0xff, corrupt.indexOf('TREE'), corrupt.indexOf('TREE') + 32); // the root group's index
    const mat = await open(file('corrupt.mat', corrupt));
    assertThrows(() => mat.variables(), InputError, /corrupt\.mat: HDF5 read failed: wrong B-tree signature/);
    mat.close();
  } finally {
    cleanup();
  }
});

test('wrong variable: missing, wrong class, wrong shape, bad ranges', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'raw.mat');
    await writeRaw(path, 100);
    const mat = await MatV73Reader.open(path);
    assert.ok(mat.has('X'));
    assert.not.ok(mat.has('Y'));
    assert.not.ok(mat.has('X/child'));
    assertThrows(() => mat.info('Y'), InputError, `${path}: Y: missing variable`);
    assertThrows(() => mat.readColumns('Y', 0, 1), InputError, `${path}: Y: missing variable`);
    assertThrows(() => mat.readScalar('X'), InputError, `${path}: X: expected a 1×1 numeric value, found 129×100 double`);
    assertThrows(() => mat.readScalar('DIN_1'), InputError, `${path}: DIN_1: expected a numeric array, found 2×3 cell`);
    assertThrows(() => mat.readCell('fs'), InputError, `${path}: fs: expected a cell array, found 1×1 double`);
    assertThrows(() => mat.readNumeric('DIN_1'), InputError, `${path}: DIN_1: expected a numeric array, found 2×3 cell`);
    assertThrows(() => mat.readColumns('X', 0, 101), RangeError, 'Expected integer between 0 and 100 for colEnd but received 101 of type number');
    assertThrows(() => mat.readColumns('X', 5, 4), RangeError, 'Expected integer between 5 and 100 for colEnd but received 4 of type number');
    assertThrows(() => mat.readColumns('X', 0, 1, 0, 130), RangeError, 'Expected integer between 0 and 129 for rowEnd but received 130 of type number');
    assertThrows(() => mat.readColumns('X', 0.5, 1), RangeError, /for colStart but received 0\.5/);
    mat.close();
    assertThrows(() => mat.info('X'), Error, `${path}: the MatV73Reader is closed`);
  } finally {
    cleanup();
  }
});

test('reading a cell whose element is not char or numeric names the element', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'nested.mat');
    const w = await MatV73Writer.create(path);
    w.writeCell('ok', 1, 1, ['fine']);
    await w.close();
    // Point the cell's reference at a cell dataset: re-open with h5wasm and add a nested cell.
    const { default: h5wasm, File } = await import('h5wasm/node');
    await h5wasm.ready;
    const f = new File(path, 'a');
    const inner = f.get('ok') as import('h5wasm/node').Dataset;
    f.create_dataset({ name: 'nested', data: [inner.create_reference()], shape: [1, 1], dtype: 'Reference' });
    (f.get('nested') as import('h5wasm/node').Dataset).create_attribute('MATLAB_class', 'cell', null, 'A4');
    f.close();
    const mat = await MatV73Reader.open(path);
    assertThrows(() => mat.readCell('nested'), InputError, `${path}: nested{1}: cell element of class cell is not supported (only char and numeric)`);
    mat.close();
  } finally {
    cleanup();
  }
});

test('writer: nothing at the path before close; abort and failed close leave nothing', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'out.mat');
    const w = await MatV73Writer.create(path);
    w.writeScalar('fs', 1000);
    assert.not.ok(existsSync(path), 'not before close');
    await w.abort();
    await w.abort(); // twice is fine
    assert.equal(readdirSync(dir), [], 'abort removes the temporary file');
    assertThrows(() => w.writeScalar('x', 1), Error, `${path}: the MatV73Writer is closed`);

    const holes = await MatV73Writer.create(path);
    const sink = holes.createNumeric('X', 'double', 2, 10);
    sink.writeColumns(0, new Float64Array(2 * 4));
    await assertRejects(() => holes.close(), Error, `${path}: X: 6 of 10 columns were never written`);
    assert.equal(readdirSync(dir), [], 'a failed close removes everything');
    assertThrows(() => sink.writeColumns(4, new Float64Array(2)), Error, `${path}: the MatV73Writer is closed`);

    await assertRejects(() => MatV73Writer.create(join(dir, 'no-such-dir', 'x.mat')), Error, /x\.mat: HDF5 write failed: unable to (open|create) file/);
    mkdirSync(join(dir, 'taken.mat'));
    await assertRejects(() => MatV73Writer.create(join(dir, 'taken.mat')), Error, `${join(dir, 'taken.mat')}: is a directory`);
  } finally {
    cleanup();
  }
});

test('writer: bad calls name the argument', async () => {
  const { dir, cleanup } = tempDir();
  const w = await MatV73Writer.create(join(dir, 'bad.mat'));
  try {
    assertThrows(() => w.writeScalar('1x', 1), RangeError, 'Expected a MATLAB variable name (a letter, then up to 62 letters, digits or _) for name but received "1x"');
    assertThrows(() => w.writeScalar('a'.repeat(64), 1), RangeError, /Expected a MATLAB variable name/);
    assertThrows(() => w.writeScalar('s', '3' as unknown as number), TypeError, 'Expected number for s but received 3 of type string');
    w.writeScalar('fs', 1);
    assertThrows(() => w.writeScalar('fs', 2), RangeError, /variable fs is already written/);
    assertThrows(() => w.writeNumeric('a', 'int8' as 'double', 1, 1, new Float64Array(1)), RangeError, 'Expected one of double, single for cls but received "int8" of type string');
    assertThrows(() => w.writeNumeric('b', 'double', 2, 2, new Float64Array(3)), RangeError, 'Expected 4 elements for data of b but received 3');
    assertThrows(() => w.writeNumeric('c', 'double', -1, 2, new Float64Array(0)), RangeError, 'Expected integer at least 0 for rows but received -1 of type number');
    assertThrows(() => w.writeCell('d', 1, 2, ['x']), RangeError, 'Expected 2 elements for cells of d but received 1');
    assertThrows(() => w.writeCell('e', 1, 1, [true as unknown as string]), TypeError, 'Expected string, number or Float64Array for e{1} but received true of type boolean');
    const sink = w.createNumeric('X', 'double', 3, 4);
    assertThrows(() => sink.writeColumns(0, new Float64Array(4)), RangeError, "Expected a whole number of 3-row columns within X's 4 for block at column 0 but received 4 elements");
    assertThrows(() => sink.writeColumns(3, new Float64Array(6)), RangeError, /for block at column 3 but received 6 elements/);
    assertThrows(() => sink.writeColumns(5, new Float64Array(0)), RangeError, 'Expected integer between 0 and 4 for colStart but received 5 of type number');
    assertThrows(() => sink.writeColumns(0, [1, 2, 3] as unknown as Float64Array), TypeError, 'Expected Float32Array or Float64Array for block but received [object Array]');
  } finally {
    await w.abort();
    cleanup();
  }
});

test.run();
