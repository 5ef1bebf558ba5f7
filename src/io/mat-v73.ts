/**
 * MATLAB v7.3 MAT-files: HDF5 files whose first 512 bytes (the HDF5 userblock) hold the MATLAB
 * header. The raw NMED-T recordings come in this format (`X` 129 × T at 1 kHz, `fs`, `DIN_1`),
 * several GB each, so large variables are read and written in column blocks (HDF5 hyperslabs)
 * through h5wasm, whose heap cannot exceed 2 GiB.
 *
 * MATLAB's conventions, written and read here as MATLAB, h5py/mat73 and hdf5storage use them:
 * - a MATLAB r × c array is an HDF5 (c, r) dataset (MATLAB is column-major, HDF5 row-major), so
 *   a block of MATLAB columns is one contiguous HDF5 hyperslab;
 * - every variable carries a `MATLAB_class` attribute ('double', 'single', 'char', 'cell', …);
 * - a char array holds uint16 UTF-16 code units, marked `MATLAB_int_decode` = 2;
 * - a cell array is a dataset of HDF5 object references to datasets in the `#refs#` group;
 * - an empty array is a uint64 dataset holding its MATLAB dims, marked `MATLAB_empty` = 1.
 */
import { closeSync, createReadStream, createWriteStream, fstatSync, openSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import h5wasm, { Dataset, File as H5File, Group, Module as hdf5, Reference } from 'h5wasm/node';
import { InputError } from '../errors.js';
import { expectInteger, expectLength, expectOneOf } from '../validate.js';
import { temporaryPath, withAtomicOutput } from './atomic.js';
import { DEFAULT_CREATED_ON, matFileHeader } from './mat-v5.js';

export type MatNumericClass = 'double' | 'single';

export interface MatVariableInfo {
  name: string;
  matlabClass: string;
  /** MATLAB order, e.g. [129, T]; at least two entries. */
  dims: number[];
}

/** One cell element: char → string, 1×1 numeric → number, any other numeric → Float64Array (column-major). */
export type MatCellValue = string | number | Float64Array;

export interface NumericSink {
  /** Writes columns [colStart, colStart+k) from a column-major (rows × k) block. */
  writeColumns(colStart: number, block: Float32Array | Float64Array): void;
}

export interface MatV73WriteOptions {
  /** The header's "Created on"; a fixed date by default so equal data give equal bytes. */
  createdOn?: Date;
}

/** The HDF5 userblock that holds the MATLAB header (the header itself is the first 128 bytes). */
const USERBLOCK_BYTES = 512;

/** Chunk size for column-block datasets: half of HDF5's default 1 MiB chunk cache, so a write
 *  that straddles two chunks keeps both cached instead of re-reading one from disk. */
const CHUNK_BYTES = 512 * 1024;

/** readNumeric refuses more than this: larger variables belong in readColumns. */
const WHOLE_READ_LIMIT_BYTES = 256 * 1024 * 1024;

const NUMERIC_CLASSES: readonly MatNumericClass[] = ['double', 'single'];
const READABLE_NUMERIC = new Set([
  'double', 'single', 'logical', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64',
]);
const DTYPE: Record<MatNumericClass, string> = { double: '<d', single: '<f' };
const MATLAB_NAME = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;

// ---------------------------------------------------------------------------------------------
// HDF5 errors. h5wasm ignores most HDF5 status codes and lets the library print its error stack
// to stderr, so a failed open or read would go on with garbage. Its "throwing" error handler
// turns the stack into a JS Error instead; it is switched on only around our own calls.
// ---------------------------------------------------------------------------------------------

/** The innermost reason of an HDF5 error stack, e.g. `truncated file: eof = 49488, …`. */
function hdf5Reason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const reasons = [...message.matchAll(/#\d+: .* in [\w.]+\(\): (.*)$/gm)].map((m) => m[1].trim());
  return reasons.at(-1) ?? message.trim().split('\n')[0];
}

let throwingDepth = 0; // nested calls must not switch the handler off under their caller

function withThrowingHdf5<T>(call: () => T): T {
  if (throwingDepth++ === 0) hdf5.activate_throwing_error_handler();
  try {
    return call();
  } finally {
    if (--throwingDepth === 0) hdf5.deactivate_throwing_error_handler();
  }
}

/** Runs an h5wasm read; any HDF5 failure becomes an InputError naming the file and variable. */
function hdf5Read<T>(file: string, field: string | undefined, call: () => T): T {
  try {
    return withThrowingHdf5(call);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(file, field, `HDF5 read failed: ${hdf5Reason(err)}`);
  }
}

/** Runs an h5wasm write; an HDF5 failure (disk full, bad path) is an environment error, not bad input. */
function hdf5Write<T>(file: string, call: () => T): T {
  try {
    return withThrowingHdf5(call);
  } catch (err) {
    if (!(err instanceof Error) || !err.message.includes('HDF5')) throw err;
    throw new Error(`${file}: HDF5 write failed: ${hdf5Reason(err)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The container check. HDF5 looks for its superblock at byte 0, 512, 1024, 2048, …; MATLAB puts
// it at 512. Checking the signature and the stored end-of-file address ourselves gives clear
// messages for the common bad inputs (not HDF5, a v5 MAT-file, a truncated download) before
// HDF5 is involved.
// ---------------------------------------------------------------------------------------------

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

function readAt(fd: number, position: number, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  const got = readSync(fd, bytes, 0, length, position);
  return bytes.subarray(0, got);
}

function readAddress(bytes: Buffer, offset: number, size: number): number {
  return size === 8 ? Number(bytes.readBigUInt64LE(offset)) : bytes.readUIntLE(offset, size);
}

/**
 * Bytes of HDF5 data from the superblock on, per the superblock (any version): 'cut' when the
 * superblock itself is incomplete, 'corrupt' when its sizes are impossible. HDF5 stores the
 * end-of-file address plus the base address, and the base is the superblock's own offset when
 * HDF5 wrote the userblock, or 0 when the userblock was prepended afterwards (as here).
 */
function hdf5DataBytes(superblock: Buffer): number | 'cut' | 'corrupt' {
  if (superblock.length < 16) return 'cut';
  const version = superblock[8];
  const sizeOfOffsets = version <= 1 ? superblock[13] : superblock[9];
  if (version > 3 || ![2, 4, 8].includes(sizeOfOffsets)) return 'corrupt';
  const addresses = version === 0 ? 24 : version === 1 ? 28 : 12; // base, (free space | extension), EOF, …
  if (addresses + 3 * sizeOfOffsets > superblock.length) return 'cut';
  const base = readAddress(superblock, addresses, sizeOfOffsets);
  return readAddress(superblock, addresses + 2 * sizeOfOffsets, sizeOfOffsets) - base;
}

function describeNonHdf5(head: Buffer): string {
  const text = head.subarray(0, 10).toString('latin1');
  if (text.startsWith('MATLAB 5.0') || (head.length >= 128 && head.readUInt16LE(124) === 0x0100)) {
    return 'not a MATLAB v7.3 file: it is a MATLAB v5 MAT-file (read it with readMatV5)';
  }
  return 'not a MATLAB v7.3 file: no HDF5 superblock at byte 0, 512, 1024, …';
}

/** Throws an InputError unless `path` holds a complete HDF5 file (with or without a userblock). */
function checkHdf5Container(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(path, undefined, 'file not found');
    throw err;
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new InputError(path, undefined, 'is a directory, not a MATLAB v7.3 file');
    const size = stat.size;
    for (let offset = 0; offset + HDF5_SIGNATURE.length <= size; offset = offset === 0 ? 512 : offset * 2) {
      const superblock = readAt(fd, offset, 96);
      if (!superblock.subarray(0, 8).equals(HDF5_SIGNATURE)) continue;
      const bytes = hdf5DataBytes(superblock);
      if (bytes === 'corrupt') throw new InputError(path, undefined, `corrupt HDF5 superblock at byte ${offset}`);
      if (bytes === 'cut' || offset + bytes > size) {
        const expected = bytes === 'cut' ? 'more bytes' : `${offset + bytes} bytes`;
        throw new InputError(path, undefined, `truncated: the HDF5 superblock promises ${expected} but the file has ${size}`);
      }
      return;
    }
    throw new InputError(path, undefined, describeNonHdf5(readAt(fd, 0, 128)));
  } finally {
    closeSync(fd);
  }
}

// ---------------------------------------------------------------------------------------------
// Deterministic output. HDF5 stamps every dataset's object header with its modification time,
// so two writes of the same data would differ in those bytes. The writer asks for the
// HDF5 1.8 "earliest" format (superblock 0, version-1 object headers: what MATLAB itself writes),
// whose headers have no checksum, and zeroes the time after closing the file.
// ---------------------------------------------------------------------------------------------

const MESSAGE_CONTINUATION = 0x0010;
const MESSAGE_MODIFICATION_TIME = 0x0012;

/** Zeroes the modification-time messages of the version-1 object headers at `addresses`. */
function clearModificationTimes(path: string, addresses: readonly number[]): void {
  const fd = openSync(path, 'r+');
  try {
    for (const address of addresses) clearObjectHeaderTime(fd, address);
  } finally {
    closeSync(fd);
  }
}

function clearObjectHeaderTime(fd: number, address: number): void {
  // prefix: version 1, reserved, message count (2), reference count (4), size (4), padding (4)
  const prefix = readAt(fd, address, 16);
  if (prefix[0] !== 1) throw new Error(`HDF5 object header at ${address} has version ${prefix[0]}, expected 1`);
  const blocks = [{ start: address + 16, length: prefix.readUInt32LE(8) }];
  for (let b = 0; b < blocks.length; b++) {
    const { start, length } = blocks[b];
    const block = readAt(fd, start, length);
    // each message: type (2), data size (2), flags (1), reserved (3), data (8-byte aligned)
    for (let p = 0; p + 8 <= block.length; p += 8 + block.readUInt16LE(p + 2)) {
      const type = block.readUInt16LE(p);
      if (type === MESSAGE_CONTINUATION) {
        blocks.push({ start: Number(block.readBigUInt64LE(p + 8)), length: Number(block.readBigUInt64LE(p + 16)) });
      } else if (type === MESSAGE_MODIFICATION_TIME) {
        writeSync(fd, new Uint8Array(4), 0, 4, start + p + 8 + 4); // version (1), reserved (3), seconds (4)
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Shape and attribute helpers shared by the writer and the reader.
// ---------------------------------------------------------------------------------------------

const product = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

/** MATLAB dims of an HDF5 dataspace: reversed, at least two (HDF5 scalar → 1×1, (n) → n×1). */
function matlabDims(shape: readonly number[]): number[] {
  const dims = [...shape].reverse();
  while (dims.length < 2) dims.push(1);
  return dims;
}

/** An HDF5 object reference (the old, 8-byte kind that h5wasm and MATLAB use) is the address of
 *  the object's header; undefined for other kinds. */
function referenceAddress(reference: Reference): number | undefined {
  const bytes = reference.ref_data;
  return bytes.length === 8 ? Number(Buffer.from(bytes).readBigUInt64LE(0)) : undefined;
}

function objectAddress(node: Dataset | Group): number {
  return referenceAddress(node.create_reference()) as number;
}

function referenceTo(address: number): Reference {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64LE(BigInt(address));
  return new Reference(new Uint8Array(bytes));
}

/** The MATLAB attributes of an object (h5wasm's `attrs` would build every attribute). */
function matlabAttributes(node: Dataset | Group): { matlabClass?: string; empty: boolean } {
  const names = hdf5.get_attribute_names(node.file_id, node.path) as string[];
  const matlabClass = names.includes('MATLAB_class') ? node.get_attribute('MATLAB_class', false) : undefined;
  const empty = names.includes('MATLAB_empty') && Boolean(node.get_attribute('MATLAB_empty', false));
  return { matlabClass: typeof matlabClass === 'string' ? matlabClass : undefined, empty };
}

/** MATLAB's name of a #refs# entry: a, b, …, z, aa, ab, … (`a` is MATLAB's canonical empty). */
function refName(index: number): string {
  let name = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(97 + ((n - 1) % 26)) + name;
  return name;
}

// ---------------------------------------------------------------------------------------------
// Writer
// ---------------------------------------------------------------------------------------------

/**
 * Fills one chunked dataset column block by column block; counts the columns written so that
 * close() can refuse a file with a hole in it.
 */
class ColumnSink implements NumericSink {
  private readonly written: Uint8Array;
  private count = 0;

  constructor(
    readonly name: string,
    private readonly dataset: Dataset | null,
    private readonly rows: number,
    readonly cols: number,
    private readonly assertOpen: () => string,
  ) {
    this.written = new Uint8Array(cols);
  }

  get missingColumns(): number {
    return this.cols - this.count;
  }

  writeColumns(colStart: number, block: Float32Array | Float64Array): void {
    const file = this.assertOpen();
    expectInteger('colStart', colStart, 0, this.cols);
    if (!(block instanceof Float32Array || block instanceof Float64Array)) {
      throw new TypeError(`Expected Float32Array or Float64Array for block but received ${Object.prototype.toString.call(block)}`);
    }
    const k = this.rows === 0 ? 0 : block.length / this.rows;
    if (!Number.isInteger(k) || colStart + k > this.cols) {
      throw new RangeError(
        `Expected a whole number of ${this.rows}-row columns within ${this.name}'s ${this.cols} for block at column ${colStart} ` +
          `but received ${block.length} elements`,
      );
    }
    if (k === 0 || !this.dataset) return;
    const dataset = this.dataset;
    hdf5Write(file, () => dataset.write_slice([[colStart, colStart + k], []], block));
    for (let c = colStart; c < colStart + k; c++) {
      if (!this.written[c]) {
        this.written[c] = 1;
        this.count++;
      }
    }
  }
}

/**
 * Writes a MATLAB v7.3 MAT-file that MATLAB, h5py/mat73 and hdf5storage read. Variables go into
 * an HDF5 file beside the target; close() prepends the 512-byte MATLAB header while copying it
 * into place, so nothing appears at `path` until the whole file is complete.
 *
 * Why a copy: h5wasm cannot reserve an HDF5 userblock, and HDF5 must own the file while it is
 * written. So the HDF5 body is written to a temporary file, with large variables streamed in
 * through chunked datasets (never held whole in memory), and close() streams header + body into
 * a second temporary file that is renamed over the target. The cost is one sequential copy.
 *
 * @example
 * const w = await MatV73Writer.create('S02_1.mat');
 * w.writeScalar('fs', 1000);
 * w.writeCell('DIN_1', 2, 1, ['D21', 5000]);
 * const x = w.createNumeric('X', 'double', 129, samples);
 * for (let t = 0; t < samples; t += 1000) x.writeColumns(t, blockOf129Rows);
 * await w.close();
 */
export class MatV73Writer {
  private file: H5File | null;
  private readonly names = new Set<string>();
  private readonly objects: number[] = [];
  private readonly sinks: ColumnSink[] = [];
  private refs: Group | null = null;
  private refCount = 0;

  private constructor(
    readonly path: string,
    private readonly bodyPath: string,
    file: H5File,
    private readonly createdOn: Date,
  ) {
    this.file = file;
  }

  /** Starts a new file; nothing appears at `path` until close() succeeds. */
  static async create(path: string, options: MatV73WriteOptions = {}): Promise<MatV73Writer> {
    await h5wasm.ready;
    const target = resolve(path);
    // withAtomicOutput would replace a directory wholesale; a MAT-file must never do that
    if (statSync(target, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`${path}: is a directory`);
    const bodyPath = temporaryPath(target);
    // 'earliest' = what MATLAB writes (superblock 0, v1 headers); 'v108' keeps it readable by HDF5 1.8
    const file = hdf5Write(path, () => new H5File(bodyPath, 'w', { libver: ['earliest', 'v108'] }));
    return new MatV73Writer(path, bodyPath, file, options.createdOn ?? DEFAULT_CREATED_ON);
  }

  /** A 1×1 double. */
  writeScalar(name: string, value: number): void {
    if (typeof value !== 'number') throw new TypeError(`Expected number for ${name} but received ${String(value)} of type ${typeof value}`);
    this.writeNumeric(name, 'double', 1, 1, Float64Array.of(value));
  }

  /** A rows × cols double or single array from column-major data (small arrays; see createNumeric). */
  writeNumeric(name: string, cls: MatNumericClass, rows: number, cols: number, data: Float32Array | Float64Array): void {
    expectOneOf('cls', cls, NUMERIC_CLASSES);
    expectInteger('rows', rows, 0);
    expectInteger('cols', cols, 0);
    expectLength(`data of ${name}`, data, rows * cols);
    this.putNumeric(this.claim(name), name, cls, [rows, cols], data);
  }

  /** A rows × cols cell array; `cells` is column-major. Strings become 1×n char, numbers 1×1
   *  double, Float64Arrays 1×n double. */
  writeCell(name: string, rows: number, cols: number, cells: MatCellValue[]): void {
    expectInteger('rows', rows, 0);
    expectInteger('cols', cols, 0);
    if (!Array.isArray(cells)) throw new TypeError(`Expected an array for cells of ${name} but received ${typeof cells}`);
    if (cells.length !== rows * cols) throw new RangeError(`Expected ${rows * cols} elements for cells of ${name} but received ${cells.length}`);
    const root = this.claim(name);
    if (cells.length === 0) {
      this.putEmpty(root, name, 'cell', [rows, cols]);
      return;
    }
    const references = cells.map((cell, i) => this.putCellElement(cell, `${name}{${i + 1}}`));
    this.track(hdf5Write(this.path, () => root.create_dataset({ name, data: references, shape: [cols, rows], dtype: 'Reference' })), 'cell');
  }

  /** A large rows × cols array, filled later in column blocks through the returned sink. Every
   *  column must be written before close(). */
  createNumeric(name: string, cls: MatNumericClass, rows: number, cols: number): NumericSink {
    expectOneOf('cls', cls, NUMERIC_CLASSES);
    expectInteger('rows', rows, 0);
    expectInteger('cols', cols, 0);
    const root = this.claim(name);
    const assertOpen = () => (this.open(), this.path);
    if (rows * cols === 0) {
      this.putEmpty(root, name, cls, [rows, cols]);
      return new ColumnSink(name, null, rows, 0, assertOpen);
    }
    const bytes = cls === 'double' ? 8 : 4;
    const chunkCols = Math.max(1, Math.min(cols, Math.floor(CHUNK_BYTES / (rows * bytes))));
    const dataset = hdf5Write(this.path, () => {
      // h5wasm creates a dataset from its full data; start it empty and grow it to its size.
      const d = root.create_dataset({
        name,
        data: cls === 'double' ? new Float64Array(0) : new Float32Array(0),
        shape: [0, rows],
        maxshape: [cols, rows],
        chunks: [chunkCols, rows],
        dtype: DTYPE[cls],
      });
      d.resize([cols, rows]);
      return d;
    });
    this.track(dataset, cls);
    const sink = new ColumnSink(name, dataset, rows, cols, assertOpen);
    this.sinks.push(sink);
    return sink;
  }

  /** Finishes the file, prepends the MATLAB header and renames it into place. On failure
   *  nothing is left behind. */
  async close(): Promise<void> {
    const file = this.open();
    try {
      const hole = this.sinks.find((s) => s.missingColumns > 0);
      if (hole) throw new Error(`${this.path}: ${hole.name}: ${hole.missingColumns} of ${hole.cols} columns were never written`);
      hdf5Write(this.path, () => file.close());
      this.file = null;
      clearModificationTimes(this.bodyPath, this.objects);
      const userblock = new Uint8Array(USERBLOCK_BYTES);
      userblock.set(matFileHeader('v7.3', this.createdOn));
      const body = this.bodyPath;
      await withAtomicOutput(resolve(this.path), (tmp) =>
        pipeline(
          async function* () {
            yield userblock;
            yield* createReadStream(body, { highWaterMark: 4 << 20 });
          },
          createWriteStream(tmp),
        ),
      );
    } catch (err) {
      await this.abort();
      throw err;
    }
    rmSync(this.bodyPath, { force: true });
  }

  /** Drops everything written; safe to call more than once. */
  async abort(): Promise<void> {
    const file = this.file;
    this.file = null;
    if (file) {
      try {
        withThrowingHdf5(() => file.close());
      } catch {
        // the file is being thrown away; a failed close changes nothing
      }
    }
    rmSync(this.bodyPath, { force: true });
  }

  private open(): H5File {
    if (!this.file) throw new Error(`${this.path}: the MatV73Writer is closed`);
    return this.file;
  }

  /** Checks a new variable name and returns the root group to write it into. */
  private claim(name: string): H5File {
    const file = this.open();
    if (typeof name !== 'string' || !MATLAB_NAME.test(name)) {
      throw new RangeError(`Expected a MATLAB variable name (a letter, then up to 62 letters, digits or _) for name but received ${JSON.stringify(name)}`);
    }
    if (this.names.has(name)) throw new RangeError(`${this.path}: variable ${name} is already written`);
    this.names.add(name);
    return file;
  }

  /** Labels a new object with its MATLAB class and an optional integer attribute (MATLAB_empty,
   *  MATLAB_int_decode); remembers and returns its address (for the time clearing and for cells). */
  private track(node: Dataset | Group, matlabClass: string, extra?: { name: string; value: Uint8Array | Int32Array }): number {
    return hdf5Write(this.path, () => {
      node.create_attribute('MATLAB_class', matlabClass, null, `A${matlabClass.length}`);
      if (extra) node.create_attribute(extra.name, extra.value, [], extra.value instanceof Uint8Array ? '<B' : '<i');
      const address = objectAddress(node);
      this.objects.push(address);
      return address;
    });
  }

  private putNumeric(group: Group, name: string, cls: MatNumericClass, dims: number[], data: Float32Array | Float64Array): number {
    if (product(dims) === 0) return this.putEmpty(group, name, cls, dims);
    const shape = [...dims].reverse();
    return this.track(hdf5Write(this.path, () => group.create_dataset({ name, data, shape, dtype: DTYPE[cls] })), cls);
  }

  private putChar(group: Group, name: string, text: string): number {
    if (text.length === 0) return this.putEmpty(group, name, 'char', [0, 0]);
    const codes = new Uint16Array(text.length); // UTF-16 code units, as MATLAB stores char
    for (let i = 0; i < text.length; i++) codes[i] = text.charCodeAt(i);
    const node = hdf5Write(this.path, () => group.create_dataset({ name, data: codes, shape: [text.length, 1], dtype: '<H' }));
    return this.track(node, 'char', { name: 'MATLAB_int_decode', value: Int32Array.of(2) });
  }

  /** MATLAB's empty array: a uint64 dataset of its dims, marked MATLAB_empty. */
  private putEmpty(group: Group, name: string, matlabClass: string, dims: number[]): number {
    const data = BigUint64Array.from(dims, BigInt);
    const node = hdf5Write(this.path, () => group.create_dataset({ name, data, shape: [dims.length], dtype: '<Q' }));
    return this.track(node, matlabClass, { name: 'MATLAB_empty', value: Uint8Array.of(1) });
  }

  private refsGroup(): Group {
    if (this.refs) return this.refs;
    const root = this.open();
    const refs = hdf5Write(this.path, () => root.create_group('#refs#'));
    this.objects.push(hdf5Write(this.path, () => objectAddress(refs)));
    this.putEmpty(refs, refName(this.refCount++), 'canonical empty', [0, 0]);
    this.refs = refs;
    return refs;
  }

  private putCellElement(value: MatCellValue, where: string): Reference {
    const refs = this.refsGroup();
    const name = refName(this.refCount++);
    let address: number;
    if (typeof value === 'string') address = this.putChar(refs, name, value);
    else if (typeof value === 'number') address = this.putNumeric(refs, name, 'double', [1, 1], Float64Array.of(value));
    else if (value instanceof Float64Array) address = this.putNumeric(refs, name, 'double', [1, value.length], value);
    else throw new TypeError(`Expected string, number or Float64Array for ${where} but received ${String(value)} of type ${typeof value}`);
    return referenceTo(address);
  }
}

// ---------------------------------------------------------------------------------------------
// Reader
// ---------------------------------------------------------------------------------------------

type Numeric = Float32Array | Float64Array;

/** h5wasm's value of a numeric dataset (a typed array, or a number for a scalar) as float64. */
function toFloat64(value: unknown): Float64Array {
  if (value instanceof Float64Array) return value;
  if (typeof value === 'number') return Float64Array.of(value);
  if (typeof value === 'bigint') return Float64Array.of(Number(value));
  if (value instanceof BigInt64Array || value instanceof BigUint64Array) return Float64Array.from(value, Number);
  if (ArrayBuffer.isView(value)) return Float64Array.from(value as unknown as ArrayLike<number>);
  throw new Error(`unexpected HDF5 value ${String(value)}`);
}

/** MATLAB class of a dataset without a MATLAB_class attribute (e.g. written by plain h5py). */
function classFromStorage(dataset: Dataset): string {
  const { type, size, signed } = dataset.metadata;
  const classes = hdf5.H5T_class_t;
  if (type === classes.H5T_FLOAT.value) return size === 4 ? 'single' : 'double';
  if (type === classes.H5T_INTEGER.value) return `${signed ? 'int' : 'uint'}${size * 8}`;
  if (type === classes.H5T_REFERENCE.value) return 'cell';
  return 'unknown';
}

/**
 * Reads MATLAB v7.3 MAT-files (and plain HDF5 files laid out the same way, e.g. from h5py). Open
 * checks the container; every later error names the file and the variable.
 *
 * @example
 * const mat = await MatV73Reader.open('S02_1.mat');
 * const fs = mat.readScalar('fs');                    // 1000
 * const [rows, samples] = mat.info('X').dims;         // [129, T]
 * const block = mat.readColumns('X', 0, 10000, 0, 8); // 10000 samples × 8 channels, time-major
 * mat.close();
 */
export class MatV73Reader {
  private file: H5File | null;
  private refsIndex: Map<number, string> | null = null;

  private constructor(
    readonly path: string,
    file: H5File,
  ) {
    this.file = file;
  }

  /** Opens `path`; InputError if it is missing, not HDF5, a v5 MAT-file or truncated. */
  static async open(path: string): Promise<MatV73Reader> {
    await h5wasm.ready;
    checkHdf5Container(path);
    const file = hdf5Read(path, undefined, () => new H5File(resolve(path), 'r'));
    return new MatV73Reader(path, file);
  }

  /** Every variable in file order (HDF5 keeps them sorted by name), without MATLAB's `#refs#`. */
  variables(): MatVariableInfo[] {
    return this.variableNames().map((name) => this.info(name));
  }

  has(name: string): boolean {
    return this.variableNames().includes(name);
  }

  info(name: string): MatVariableInfo {
    return this.describe(name, this.node(name));
  }

  /** A 1×1 numeric variable as a number. */
  readScalar(name: string): number {
    const { node, info } = this.numeric(name);
    if (product(info.dims) !== 1) {
      throw new InputError(this.path, name, `expected a 1×1 numeric value, found ${info.dims.join('×')} ${info.matlabClass}`);
    }
    return hdf5Read(this.path, name, () => toFloat64(node.value)[0]);
  }

  /** A whole numeric variable as float64, column-major. Small arrays only (≤ 256 MiB). */
  readNumeric(name: string): { dims: number[]; data: Float64Array } {
    const { node, info } = this.numeric(name);
    const count = product(info.dims);
    if (count === 0) return { dims: info.dims, data: new Float64Array(0) };
    const bytes = count * node.metadata.size;
    if (bytes > WHOLE_READ_LIMIT_BYTES) {
      throw new InputError(this.path, name, `is ${(bytes / 2 ** 20).toFixed(0)} MiB, too large to read whole; read it in blocks with readColumns`);
    }
    return { dims: info.dims, data: hdf5Read(this.path, name, () => toFloat64(node.value)) };
  }

  /** A cell array whose elements are char or numeric arrays; cells are column-major. */
  readCell(name: string): { dims: number[]; cells: MatCellValue[] } {
    const node = this.node(name);
    const info = this.describe(name, node);
    if (info.matlabClass !== 'cell' || !(node instanceof Dataset)) {
      throw new InputError(this.path, name, `expected a cell array, found ${info.dims.join('×')} ${info.matlabClass}`);
    }
    if (product(info.dims) === 0) return { dims: info.dims, cells: [] };
    const references = hdf5Read(this.path, name, () => node.value) as Reference[];
    const cells = references.map((reference, i) => {
      const where = `${name}{${i + 1}}`;
      return this.cellElement(where, hdf5Read(this.path, where, () => this.dereference(reference)));
    });
    return { dims: info.dims, cells };
  }

  /**
   * Columns [colStart, colEnd) and rows [rowStart, rowEnd) of a 2-D numeric variable, as a
   * column-major block ((colEnd−colStart) columns of (rowEnd−rowStart) rows; for X this is
   * time-major), in the stored precision (integer classes as float64). One hyperslab read, copied
   * once out of h5wasm's heap. Blocks of about 10 MB (10,000 columns of X) read fastest; much
   * larger ones are slower per byte (fresh allocations) and count against the 2 GiB heap.
   */
  readColumns(name: string, colStart: number, colEnd: number, rowStart = 0, rowEnd?: number): Numeric {
    const { node, info } = this.numeric(name);
    if (info.dims.length !== 2) throw new InputError(this.path, name, `expected a 2-D array, found ${info.dims.join('×')}`);
    const [rows, cols] = info.dims;
    const lastRow = rowEnd ?? rows;
    expectInteger('colStart', colStart, 0, cols);
    expectInteger('colEnd', colEnd, colStart, cols);
    expectInteger('rowStart', rowStart, 0, rows);
    expectInteger('rowEnd', lastRow, rowStart, rows);
    const float32 = info.matlabClass === 'single';
    if (colEnd === colStart || lastRow === rowStart || rows * cols === 0) return float32 ? new Float32Array(0) : new Float64Array(0);
    const block = hdf5Read(this.path, name, () => node.slice([[colStart, colEnd], [rowStart, lastRow]]));
    return block instanceof Float32Array && float32 ? block : toFloat64(block);
  }

  /** Releases the file; safe to call more than once. */
  close(): void {
    const file = this.file;
    this.file = null;
    if (file) hdf5Read(this.path, undefined, () => file.close());
  }

  private open(): H5File {
    if (!this.file) throw new Error(`${this.path}: the MatV73Reader is closed`);
    return this.file;
  }

  /**
   * The object a cell reference points to. h5wasm's dereference asks HDF5 for the object's name
   * (H5Rget_name), which searches the file: reading a cell of n elements that way costs O(n²)
   * (a 4 × 3000 DIN_1 took minutes). A reference is the object's address, so the datasets in
   * MATLAB's #refs# group are indexed by address once and looked up; others fall back.
   */
  private dereference(reference: Reference): unknown {
    const file = this.open();
    this.refsIndex ??= this.indexRefs(file);
    const address = referenceAddress(reference);
    const path = address === undefined ? undefined : this.refsIndex.get(address);
    return path ? file.get(path) : file.dereference(reference);
  }

  private indexRefs(file: H5File): Map<number, string> {
    const index = new Map<number, string>();
    const refs = file.keys().includes('#refs#') ? file.get('#refs#') : null;
    if (!(refs instanceof Group)) return index;
    for (const key of refs.keys()) {
      const node = refs.get(key);
      if (node instanceof Dataset || node instanceof Group) index.set(objectAddress(node), `/#refs#/${key}`);
    }
    return index;
  }

  private variableNames(): string[] {
    const file = this.open();
    return hdf5Read(this.path, undefined, () => file.keys()).filter((key) => !key.startsWith('#'));
  }

  private node(name: string): Dataset | Group {
    const file = this.open();
    const node = this.has(name) ? hdf5Read(this.path, name, () => file.get(name)) : null;
    if (!(node instanceof Dataset || node instanceof Group)) throw new InputError(this.path, name, 'missing variable');
    return node;
  }

  private describe(name: string, node: Dataset | Group): MatVariableInfo {
    return hdf5Read(this.path, name, () => {
      const attributes = matlabAttributes(node);
      if (node instanceof Group) return { name, matlabClass: attributes.matlabClass ?? 'struct', dims: [1, 1] };
      const matlabClass = attributes.matlabClass ?? classFromStorage(node);
      if (attributes.empty) return { name, matlabClass, dims: Array.from(toFloat64(node.value)) };
      return { name, matlabClass, dims: node.shape === null ? [0, 0] : matlabDims(node.shape) };
    });
  }

  private numeric(name: string): { node: Dataset; info: MatVariableInfo } {
    const node = this.node(name);
    const info = this.describe(name, node);
    if (!(node instanceof Dataset) || !READABLE_NUMERIC.has(info.matlabClass)) {
      throw new InputError(this.path, name, `expected a numeric array, found ${info.dims.join('×')} ${info.matlabClass}`);
    }
    return { node, info };
  }

  private cellElement(where: string, target: unknown): MatCellValue {
    if (!(target instanceof Dataset)) throw new InputError(this.path, where, 'cell element is not a MATLAB array (structs and objects are not supported)');
    const info = this.describe(where, target);
    const count = product(info.dims);
    if (info.matlabClass === 'char') {
      if (count === 0) return '';
      const codes = hdf5Read(this.path, where, () => toFloat64(target.value));
      return charText(codes, info.dims[0]);
    }
    if (READABLE_NUMERIC.has(info.matlabClass)) {
      if (count === 0) return new Float64Array(0);
      const data = hdf5Read(this.path, where, () => toFloat64(target.value));
      return count === 1 ? data[0] : data;
    }
    throw new InputError(this.path, where, `cell element of class ${info.matlabClass} is not supported (only char and numeric)`);
  }
}

/** Text of a column-major char array; the rows of a multi-row char array are joined with '\n'. */
function charText(codes: Float64Array, rows: number): string {
  const cols = codes.length / rows;
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    let line = '';
    for (let c = 0; c < cols; c++) line += String.fromCharCode(codes[r + c * rows]);
    lines.push(line);
  }
  return lines.join('\n');
}
