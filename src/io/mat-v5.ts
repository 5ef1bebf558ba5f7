/**
 * MATLAB v5 MAT-files (MATLAB's default up to R2006b and still `save -v7`): a 128-byte header, then
 * one tagged data element per variable, each a miMATRIX or a zlib-compressed (miCOMPRESSED)
 * miMATRIX. The cleaned NMED-T release (`song21_Imputed.mat`: `data21` 125 × T × 20 double, `fs`,
 * `subs21` a 1×20 cell of char) comes in this format. The 128-byte header is shared with v7.3,
 * which carries it at the start of the HDF5 userblock.
 *
 * The reader works over typed-array views of the file: a large double array stored as miDOUBLE
 * at an 8-byte aligned offset (always so in files MATLAB and SciPy write) is returned as a view,
 * not a copy, so reading a 700 MB file peaks at about the file's size; a compressed file peaks at
 * its compressed plus its inflated size. Little-endian files only (`IM`).
 *
 * Layout (MATLAB "MAT-File Format", 2023): a tag is type (u32) + byte count (u32), or, in the
 * "small data element" form, byte count (u16, upper half) + type (u16) with ≤ 4 data bytes in
 * the tag's second word. Data are padded to 8 bytes, except compressed elements.
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { constants as zlibConstants, deflateSync, inflateSync } from 'node:zlib';
import { InputError } from '../errors.js';
import { readInputFile } from './read-input-file.js';
import { temporaryPath } from './atomic.js';

/** Bytes in the MAT-file header. */
export const MAT_HEADER_BYTES = 128;

/** Where the descriptive text ends and the subsystem-data offset begins. */
const TEXT_BYTES = 116;

/** The fixed "Created on" used unless a caller asks for another, so equal data give equal bytes. */
export const DEFAULT_CREATED_ON = new Date(0);

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * A date as MATLAB writes it in the header (C `ctime` layout, UTC): `Thu Jan  1 00:00:00 1970`.
 *
 * @example
 * matlabDateText(new Date(0)); // 'Thu Jan  1 00:00:00 1970'
 */
export function matlabDateText(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const day = String(date.getUTCDate()).padStart(2, ' ');
  const time = `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`;
  return `${DAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${day} ${time} ${date.getUTCFullYear()}`;
}

/**
 * The 128-byte header: 116 bytes of space-padded text, 8 zero bytes (no subsystem data), the
 * version (0x0100 for v5, 0x0200 for v7.3) and the endian indicator `IM` (little-endian).
 *
 * @example
 * const header = matFileHeader('v7.3'); // 'MATLAB 7.3 MAT-file, Platform: predann, Created on: …'
 */
export function matFileHeader(version: 'v5' | 'v7.3', createdOn: Date = DEFAULT_CREATED_ON): Uint8Array {
  const stamp = `Platform: predann, Created on: ${matlabDateText(createdOn)}`;
  const text = version === 'v5' ? `MATLAB 5.0 MAT-file, ${stamp}` : `MATLAB 7.3 MAT-file, ${stamp} HDF5 schema 1.00 .`;
  const header = new Uint8Array(MAT_HEADER_BYTES);
  header.fill(0x20, 0, TEXT_BYTES);
  header.set(Buffer.from(text, 'latin1').subarray(0, TEXT_BYTES), 0);
  const view = new DataView(header.buffer);
  view.setUint16(124, version === 'v5' ? 0x0100 : 0x0200, true);
  header[126] = 0x49; // 'I'
  header[127] = 0x4d; // 'M'
  return header;
}

// ---------------------------------------------------------------------------------------------
// Types and codes
// ---------------------------------------------------------------------------------------------

export type MatV5Value =
  | { kind: 'numeric'; matlabClass: string; dims: number[]; data: Float64Array | Float32Array /* column-major */ }
  | { kind: 'char'; dims: number[]; text: string }
  | { kind: 'cell'; dims: number[]; cells: MatV5Value[] }
  | { kind: 'struct'; dims: number[]; fields: Record<string, MatV5Value[]> };

export interface MatV5Variable {
  name: string;
  value: MatV5Value;
}

export interface MatV5WriteOptions {
  /** zlib-compress every variable (miCOMPRESSED), as MATLAB's default `save`. Default false. */
  compress?: boolean;
  /** The header's "Created on"; a fixed date by default so equal data give equal bytes. */
  createdOn?: Date;
}

/** Data element types (miINT8 …). */
const MI = {
  INT8: 1, UINT8: 2, INT16: 3, UINT16: 4, INT32: 5, UINT32: 6, SINGLE: 7, DOUBLE: 9,
  INT64: 12, UINT64: 13, MATRIX: 14, COMPRESSED: 15, UTF8: 16, UTF16: 17, UTF32: 18,
} as const;

/** Array classes (mxCELL_CLASS …) of the array-flags word. */
const MX = { CELL: 1, STRUCT: 2, CHAR: 4 } as const;
const FLAG_COMPLEX = 0x0800;
const FLAG_LOGICAL = 0x0200;

type TypedArrayConstructor =
  | Int8ArrayConstructor | Uint8ArrayConstructor | Int16ArrayConstructor | Uint16ArrayConstructor
  | Int32ArrayConstructor | Uint32ArrayConstructor | Float32ArrayConstructor | Float64ArrayConstructor
  | BigInt64ArrayConstructor | BigUint64ArrayConstructor;

/** Storage of numeric data elements, by miTYPE. */
const STORAGE: Record<number, TypedArrayConstructor> = {
  [MI.INT8]: Int8Array, [MI.UINT8]: Uint8Array, [MI.INT16]: Int16Array, [MI.UINT16]: Uint16Array,
  [MI.INT32]: Int32Array, [MI.UINT32]: Uint32Array, [MI.SINGLE]: Float32Array, [MI.DOUBLE]: Float64Array,
  [MI.INT64]: BigInt64Array, [MI.UINT64]: BigUint64Array,
};

/** Numeric classes: mxCLASS code, the miTYPE the writer stores them as, and the values that fit
 *  ([min, end), integers unless float). */
const NUMERIC: Record<string, { mx: number; mi: number; min: number; end: number }> = {
  double: { mx: 6, mi: MI.DOUBLE, min: -Infinity, end: Infinity },
  single: { mx: 7, mi: MI.SINGLE, min: -Infinity, end: Infinity },
  int8: { mx: 8, mi: MI.INT8, min: -(2 ** 7), end: 2 ** 7 },
  uint8: { mx: 9, mi: MI.UINT8, min: 0, end: 2 ** 8 },
  int16: { mx: 10, mi: MI.INT16, min: -(2 ** 15), end: 2 ** 15 },
  uint16: { mx: 11, mi: MI.UINT16, min: 0, end: 2 ** 16 },
  int32: { mx: 12, mi: MI.INT32, min: -(2 ** 31), end: 2 ** 31 },
  uint32: { mx: 13, mi: MI.UINT32, min: 0, end: 2 ** 32 },
  int64: { mx: 14, mi: MI.INT64, min: -(2 ** 63), end: 2 ** 63 },
  uint64: { mx: 15, mi: MI.UINT64, min: 0, end: 2 ** 64 },
  logical: { mx: 9, mi: MI.UINT8, min: 0, end: 2 }, // uint8 with the logical flag
};
const CLASS_OF_MX = new Map(Object.entries(NUMERIC).filter(([name]) => name !== 'logical').map(([name, c]) => [c.mx, name]));
const UNSUPPORTED_MX: Record<number, string> = { 3: 'object', 5: 'sparse', 16: 'function handle', 17: 'opaque (MATLAB object)' };

const MATLAB_NAME = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;
const UTF16 = new TextDecoder('utf-16le');
const product = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);
const padded = (n: number) => Math.ceil(n / 8) * 8;

// ---------------------------------------------------------------------------------------------
// Reader
// ---------------------------------------------------------------------------------------------

/** One data element: its type, where its data lie, and where the next element starts. */
interface Element {
  type: number;
  start: number;
  length: number;
  next: number;
}

/** A buffer being parsed (the file, or one inflated variable) and where its errors point. */
interface Source {
  bytes: Uint8Array;
  view: DataView;
  file: string;
}

function sourceOf(bytes: Uint8Array, file: string): Source {
  return { bytes, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), file };
}

/** Reads the tag at `pos`; its data must end by `end`. */
function readTag(src: Source, pos: number, end: number, where: string): Element {
  if (pos + 8 > end) throw new InputError(src.file, where, `truncated: a data element tag at byte ${pos} runs past the end`);
  const first = src.view.getUint32(pos, true);
  if (first >>> 16 !== 0) {
    // small data element: count in the upper half, type in the lower, data in the second word
    const length = first >>> 16;
    if (length > 4) throw new InputError(src.file, where, `corrupt small data element at byte ${pos} (${length} bytes)`);
    return { type: first & 0xffff, start: pos + 4, length, next: pos + 8 };
  }
  const length = src.view.getUint32(pos + 4, true);
  const start = pos + 8;
  if (start + length > end) {
    throw new InputError(src.file, where, `truncated: a data element at byte ${pos} declares ${length} bytes but only ${end - start} remain`);
  }
  // compressed elements are not padded; a file's last element may lack its padding
  return { type: first, start, length, next: first === MI.COMPRESSED ? start + length : Math.min(end, start + padded(length)) };
}

/** Checks the header and returns nothing, or throws naming what the file is instead. */
function checkHeader(bytes: Uint8Array, file: string): void {
  if (bytes.length < MAT_HEADER_BYTES) throw new InputError(file, undefined, `not a MATLAB v5 MAT-file: ${bytes.length} bytes is shorter than the 128-byte header`);
  const version = bytes[124] | (bytes[125] << 8);
  const endian = String.fromCharCode(bytes[126], bytes[127]);
  if (endian === 'MI') throw new InputError(file, undefined, 'big-endian MAT-files are not supported');
  if (endian !== 'IM') {
    const head = Buffer.from(bytes.subarray(0, 8)).toString('latin1');
    const what = head.startsWith('\x89HDF') ? 'an HDF5 file' : 'no MAT-file header';
    throw new InputError(file, undefined, `not a MATLAB v5 MAT-file: ${what}`);
  }
  if (version === 0x0200) throw new InputError(file, undefined, 'not a MATLAB v5 MAT-file: it is MATLAB v7.3 (HDF5); read it with MatV73Reader');
  if (version !== 0x0100) throw new InputError(file, undefined, `unsupported MAT-file version 0x${version.toString(16).padStart(4, '0')}`);
}

/** The values of a numeric data element in its stored type: a view of the bytes when aligned. */
function storedValues(src: Source, el: Element, where: string): ArrayLike<number> | BigInt64Array | BigUint64Array {
  const Storage = STORAGE[el.type];
  if (!Storage) throw new InputError(src.file, where, `unsupported numeric storage type ${el.type}`);
  const size = Storage.BYTES_PER_ELEMENT;
  if (el.length % size !== 0) throw new InputError(src.file, where, `corrupt data element: ${el.length} bytes is not a whole number of values`);
  const offset = src.bytes.byteOffset + el.start;
  const aligned = offset % size === 0;
  const buffer = aligned ? src.bytes.buffer : new Uint8Array(src.bytes.subarray(el.start, el.start + el.length)).buffer; // a copy, also for a Buffer
  return new (Storage as Float64ArrayConstructor)(buffer as ArrayBuffer, aligned ? offset : 0, el.length / size);
}

/** Numeric data as float64 (or float32 for `single`); no copy when already stored so. */
function numericData(src: Source, el: Element, single: boolean, where: string): Float64Array | Float32Array {
  const stored = storedValues(src, el, where);
  const Type = single ? Float32Array : Float64Array;
  if (stored instanceof Type) return stored;
  const values = stored instanceof BigInt64Array || stored instanceof BigUint64Array ? Array.from(stored, Number) : stored;
  return Type.from(values as ArrayLike<number>);
}

function readText(src: Source, el: Element, where: string): string {
  const data = src.bytes.subarray(el.start, el.start + el.length);
  switch (el.type) {
    case MI.UTF8:
      return Buffer.from(data).toString('utf8');
    case MI.INT8:
    case MI.UINT8:
      return Buffer.from(data).toString('latin1');
    case MI.UINT16:
    case MI.UTF16:
      return UTF16.decode(data);
    case MI.UTF32: {
      const points = storedValues(src, { ...el, type: MI.UINT32 }, where) as ArrayLike<number>;
      let text = '';
      for (let i = 0; i < points.length; i++) text += String.fromCodePoint(points[i]);
      return text;
    }
    default:
      throw new InputError(src.file, where, `unsupported character storage type ${el.type}`);
  }
}

/** The characters of a column-major char array; rows of a multi-row array are joined with '\n'. */
function charArrayText(chars: string, dims: number[], file: string, where: string): string {
  const rows = dims[0];
  const count = product(dims);
  if (chars.length !== count) throw new InputError(file, where, `holds ${chars.length} characters for dims ${dims.join('×')}`);
  if (rows <= 1) return chars;
  const cols = count / rows;
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    let line = '';
    for (let c = 0; c < cols; c++) line += chars[r + c * rows];
    lines.push(line);
  }
  return lines.join('\n');
}

/** Parses one miMATRIX element into its name and value. */
function parseMatrix(src: Source, el: Element, where: string): MatV5Variable {
  if (el.length === 0) return { name: '', value: { kind: 'numeric', matlabClass: 'double', dims: [0, 0], data: new Float64Array(0) } };
  const end = el.start + el.length;
  const flags = readTag(src, el.start, end, where);
  if (flags.type !== MI.UINT32 || flags.length !== 8) throw new InputError(src.file, where, 'corrupt array: missing array flags');
  const flagWord = src.view.getUint32(flags.start, true);
  const dimsEl = readTag(src, flags.next, end, where);
  if (dimsEl.type !== MI.INT32 || dimsEl.length % 4 !== 0 || dimsEl.length < 8) throw new InputError(src.file, where, 'corrupt array: missing dimensions');
  const dims = Array.from({ length: dimsEl.length / 4 }, (_, i) => src.view.getInt32(dimsEl.start + 4 * i, true));
  if (dims.some((d) => d < 0)) throw new InputError(src.file, where, `corrupt array: negative dimension in ${dims.join('×')}`);
  const nameEl = readTag(src, dimsEl.next, end, where);
  const name = Buffer.from(src.bytes.subarray(nameEl.start, nameEl.start + nameEl.length)).toString('latin1');
  const here = name && where.startsWith('variable ') ? name : where;
  const body = { src, pos: nameEl.next, end, dims, where: here };
  return { name, value: parseArrayBody(body, flagWord & 0xff, flagWord) };
}

interface Body {
  src: Source;
  pos: number;
  end: number;
  dims: number[];
  where: string;
}

function parseArrayBody(body: Body, mx: number, flagWord: number): MatV5Value {
  const { src, where, dims } = body;
  if (mx === MX.CELL) return parseCell(body);
  if (mx === MX.STRUCT) return parseStruct(body);
  if (mx === MX.CHAR) {
    const dataEl = readTag(src, body.pos, body.end, where);
    return { kind: 'char', dims, text: charArrayText(readText(src, dataEl, where), dims, src.file, where) };
  }
  const cls = CLASS_OF_MX.get(mx);
  if (!cls) throw new InputError(src.file, where, `${UNSUPPORTED_MX[mx] ?? `class ${mx}`} arrays are not supported`);
  if (flagWord & FLAG_COMPLEX) throw new InputError(src.file, where, 'complex arrays are not supported');
  const dataEl = readTag(src, body.pos, body.end, where);
  const data = numericData(src, dataEl, cls === 'single', where);
  if (data.length !== product(dims)) throw new InputError(src.file, where, `holds ${data.length} values for dims ${dims.join('×')}`);
  const matlabClass = flagWord & FLAG_LOGICAL ? 'logical' : cls;
  return { kind: 'numeric', matlabClass, dims, data };
}

function parseCell({ src, pos, end, dims, where }: Body): MatV5Value {
  const cells: MatV5Value[] = [];
  for (let i = 0; i < product(dims); i++) {
    const element = `${where}{${i + 1}}`;
    const el = readTag(src, pos, end, element);
    if (el.type !== MI.MATRIX) throw new InputError(src.file, element, `expected an array element, found type ${el.type}`);
    cells.push(parseMatrix(src, el, element).value);
    pos = el.next;
  }
  return { kind: 'cell', dims, cells };
}

function parseStruct({ src, pos, end, dims, where }: Body): MatV5Value {
  const lengthEl = readTag(src, pos, end, where);
  const nameLength = lengthEl.length >= 4 ? src.view.getInt32(lengthEl.start, true) : 0;
  const namesEl = readTag(src, lengthEl.next, end, where);
  if (lengthEl.type !== MI.INT32 || nameLength <= 0 || namesEl.length % nameLength !== 0) {
    throw new InputError(src.file, where, 'corrupt struct: bad field-name table');
  }
  const names = Array.from({ length: namesEl.length / nameLength }, (_, f) => {
    const raw = src.bytes.subarray(namesEl.start + f * nameLength, namesEl.start + (f + 1) * nameLength);
    const zero = raw.indexOf(0);
    return Buffer.from(zero < 0 ? raw : raw.subarray(0, zero)).toString('latin1');
  });
  const fields: Record<string, MatV5Value[]> = Object.fromEntries(names.map((n) => [n, []]));
  pos = namesEl.next;
  const count = product(dims);
  for (let i = 0; i < count; i++) {
    for (const field of names) {
      const element = count === 1 ? `${where}.${field}` : `${where}(${i + 1}).${field}`;
      const el = readTag(src, pos, end, element);
      if (el.type !== MI.MATRIX) throw new InputError(src.file, element, `expected an array element, found type ${el.type}`);
      fields[field].push(parseMatrix(src, el, element).value);
      pos = el.next;
    }
  }
  return { kind: 'struct', dims, fields };
}

/**
 * The inflated size of a compressed variable, from the miMATRIX tag at its start (decoded from a
 * short prefix), so the output can be one exact buffer: zlib's default grows a list of chunks
 * and concatenates them, which briefly holds the variable twice.
 */
function inflatedSize(compressed: Uint8Array): number | undefined {
  for (let n = 64; ; n *= 16) {
    const head = inflateSync(compressed.subarray(0, n), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    if (head.length >= 8) return 8 + head.readUInt32LE(4);
    if (n >= compressed.length) return undefined;
  }
}

/** Inflates one miCOMPRESSED element; zlib failures are bad input. */
function inflateElement(src: Source, el: Element, where: string): Source {
  const compressed = src.bytes.subarray(el.start, el.start + el.length);
  try {
    // deflate cannot expand data more than ~1032×: a larger claimed size is corrupt, not a reason to allocate it
    const size = Math.min(inflatedSize(compressed) ?? 0, compressed.length * 1032 + 64);
    return sourceOf(inflateSync(compressed, { chunkSize: Math.max(zlibConstants.Z_MIN_CHUNK, size) }), src.file);
  } catch (err) {
    const reason = (err as Error).message;
    const cut = /unexpected end/i.test(reason);
    throw new InputError(src.file, where, `${cut ? 'truncated' : 'corrupt'} compressed variable: ${reason}`);
  }
}

/**
 * Parses the bytes of a MATLAB v5 MAT-file into its variables, in file order. Errors are
 * InputErrors naming `sourceName` and the variable (or element) at fault.
 *
 * @example
 * const vars = parseMatV5(readFileSync('song21_Imputed.mat'), 'song21_Imputed.mat');
 * const data = vars.at(-3)!.value; // { kind: 'numeric', dims: [125, T, 20], data: Float64Array }
 */
export function parseMatV5(bytes: Uint8Array, sourceName: string): MatV5Variable[] {
  checkHeader(bytes, sourceName);
  const file = sourceOf(bytes, sourceName);
  const variables: MatV5Variable[] = [];
  for (let pos = MAT_HEADER_BYTES; pos < bytes.length; ) {
    const where = `variable ${variables.length + 1}`;
    const el = readTag(file, pos, bytes.length, where);
    if (el.type === MI.COMPRESSED) {
      const inner = inflateElement(file, el, where);
      const matrix = readTag(inner, 0, inner.bytes.length, where);
      if (matrix.type !== MI.MATRIX) throw new InputError(sourceName, where, `compressed element holds type ${matrix.type}, expected an array`);
      variables.push(parseMatrix(inner, matrix, where));
    } else if (el.type === MI.MATRIX) {
      variables.push(parseMatrix(file, el, where));
    } else {
      throw new InputError(sourceName, where, `unexpected data element type ${el.type} at byte ${pos}`);
    }
    pos = el.next;
  }
  return variables;
}

/**
 * Reads a MATLAB v5 MAT-file: every variable in file order (the official NMED-T code picks the
 * data and the subject list by position). Large double arrays are views of the file's bytes.
 *
 * @example
 * const [, , data, fs, subs] = readMatV5('song21_Imputed.mat');
 */
export function readMatV5(path: string): MatV5Variable[] {
  return parseMatV5(readInputFile(path, 'a MATLAB v5 MAT-file'), path);
}

// ---------------------------------------------------------------------------------------------
// Writer
// ---------------------------------------------------------------------------------------------

/** An element as the byte chunks that make it: tag, data, padding. Data are not copied. */
type Chunks = Uint8Array[];

const byteLength = (chunks: Chunks) => chunks.reduce((n, c) => n + c.byteLength, 0);
const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function tag(type: number, length: number): Uint8Array {
  const t = new Uint8Array(8);
  const view = new DataView(t.buffer);
  view.setUint32(0, type, true);
  view.setUint32(4, length, true);
  return t;
}

function element(type: number, data: Uint8Array): Chunks {
  const pad = padded(data.byteLength) - data.byteLength;
  return pad ? [tag(type, data.byteLength), data, new Uint8Array(pad)] : [tag(type, data.byteLength), data];
}

function int32Element(values: number[]): Chunks {
  return element(MI.INT32, bytesOf(Int32Array.from(values)));
}

/** One int32 in the small data element form (as MATLAB writes a struct's field-name length). */
function smallInt32Element(value: number): Uint8Array {
  const t = new Uint8Array(8);
  const view = new DataView(t.buffer);
  view.setUint32(0, (4 << 16) | MI.INT32, true);
  view.setInt32(4, value, true);
  return t;
}

function expectDims(where: string, dims: unknown, count: number | undefined): number[] {
  if (!Array.isArray(dims) || dims.length < 2 || !dims.every((d) => Number.isInteger(d) && d >= 0 && d < 2 ** 31)) {
    throw new RangeError(`Expected at least two non-negative integer dims for ${where} but received ${JSON.stringify(dims)}`);
  }
  if (count !== undefined && count !== product(dims)) {
    throw new RangeError(`Expected ${product(dims)} elements (dims ${dims.join('×')}) for ${where} but received ${count}`);
  }
  return dims;
}

/** Numeric data in the class's own storage type; values must fit the class. */
function numericStorage(where: string, matlabClass: string, data: Float64Array | Float32Array): Uint8Array {
  const spec = NUMERIC[matlabClass];
  const Storage = STORAGE[spec.mi];
  if (data instanceof Storage) return bytesOf(data);
  if (spec.mi === MI.SINGLE || spec.mi === MI.DOUBLE) return bytesOf((Storage as Float64ArrayConstructor).from(data));
  for (const v of data) {
    if (!Number.isInteger(v) || v < spec.min || v >= spec.end) {
      throw new RangeError(`Expected ${matlabClass} values for ${where} but received ${v}`);
    }
  }
  if (Storage === BigInt64Array || Storage === BigUint64Array) return bytesOf((Storage as BigInt64ArrayConstructor).from(data, (v) => BigInt(v)));
  return bytesOf((Storage as Int32ArrayConstructor).from(data));
}

/**
 * A char array's data element, characters in column-major order: ASCII as miUINT16 (MATLAB's
 * classic storage), anything else as miUTF8, which SciPy decodes correctly (it reads miUINT16
 * through a byte codec). Lone UTF-16 surrogates cannot be UTF-8 and become U+FFFD.
 */
function charElement(where: string, text: string, dims: number[]): Chunks {
  const rows = Math.max(dims[0], 1);
  const count = product(dims);
  const lines = dims[0] > 1 ? text.split('\n') : [text];
  const cols = count / rows;
  if (count === 0 ? text.length !== 0 : lines.length !== rows || lines.some((line) => line.length !== cols)) {
    throw new RangeError(`Expected text of ${dims[0]} line(s) of ${cols} characters (dims ${dims.join('×')}) for ${where} but received ${JSON.stringify(text)}`);
  }
  const codes = new Uint16Array(count);
  lines.forEach((line, r) => {
    for (let c = 0; c < line.length; c++) codes[r + c * rows] = line.charCodeAt(c);
  });
  if (codes.every((code) => code < 0x80)) return element(MI.UINT16, bytesOf(codes));
  return element(MI.UTF8, Buffer.from(UTF16.decode(codes), 'utf8'));
}

/** The miMATRIX element of one value (name '' inside cells and structs). */
function encodeMatrix(name: string, value: MatV5Value, where: string): Chunks {
  let mx: number;
  let flagBits = 0;
  let content: Chunks;
  switch (value?.kind) {
    case 'numeric': {
      const spec = NUMERIC[value.matlabClass];
      if (!spec) throw new RangeError(`Expected one of ${Object.keys(NUMERIC).join(', ')} for the class of ${where} but received ${JSON.stringify(value.matlabClass)}`);
      if (!(value.data instanceof Float64Array || value.data instanceof Float32Array)) {
        throw new TypeError(`Expected Float64Array or Float32Array for the data of ${where} but received ${Object.prototype.toString.call(value.data)}`);
      }
      expectDims(where, value.dims, value.data.length);
      mx = spec.mx;
      if (value.matlabClass === 'logical') flagBits = FLAG_LOGICAL;
      content = element(spec.mi, numericStorage(where, value.matlabClass, value.data));
      break;
    }
    case 'char':
      expectDims(where, value.dims, undefined);
      if (typeof value.text !== 'string') throw new TypeError(`Expected a string for the text of ${where} but received ${typeof value.text}`);
      mx = MX.CHAR;
      content = charElement(where, value.text, value.dims);
      break;
    case 'cell':
      expectDims(where, value.dims, value.cells?.length);
      mx = MX.CELL;
      content = value.cells.flatMap((cell, i) => encodeMatrix('', cell, `${where}{${i + 1}}`));
      break;
    case 'struct':
      mx = MX.STRUCT;
      content = encodeStruct(value.dims, value.fields, where);
      break;
    default:
      throw new TypeError(`Expected a MatV5Value (kind numeric, char, cell or struct) for ${where} but received ${JSON.stringify((value as { kind?: unknown } | undefined)?.kind)}`);
  }
  const flags = new Uint32Array([mx | flagBits, 0]);
  const body = [...element(MI.UINT32, bytesOf(flags)), ...int32Element(value.dims), ...element(MI.INT8, Buffer.from(name, 'latin1')), ...content];
  return [tag(MI.MATRIX, byteLength(body)), ...body];
}

function encodeStruct(dims: number[], fields: Record<string, MatV5Value[]>, where: string): Chunks {
  expectDims(where, dims, undefined);
  const names = Object.keys(fields ?? {});
  for (const field of names) {
    if (!MATLAB_NAME.test(field)) throw new RangeError(`Expected a MATLAB field name for a field of ${where} but received ${JSON.stringify(field)}`);
    if (!Array.isArray(fields[field]) || fields[field].length !== product(dims)) {
      throw new RangeError(`Expected ${product(dims)} values (dims ${dims.join('×')}) for ${where}.${field} but received ${fields[field]?.length}`);
    }
  }
  const nameLength = Math.max(0, ...names.map((n) => n.length)) + 1;
  const table = new Uint8Array(nameLength * names.length);
  names.forEach((n, f) => table.set(Buffer.from(n, 'latin1'), f * nameLength));
  const count = product(dims);
  const values: Chunks = [];
  for (let i = 0; i < count; i++) {
    for (const field of names) values.push(...encodeMatrix('', fields[field][i], count === 1 ? `${where}.${field}` : `${where}(${i + 1}).${field}`));
  }
  return [smallInt32Element(nameLength), ...element(MI.INT8, table), ...values];
}

/** One top-level variable, optionally zlib-compressed. */
function encodeVariable(variable: MatV5Variable, compress: boolean): Chunks {
  const matrix = encodeMatrix(variable.name, variable.value, variable.name);
  if (!compress) return matrix;
  const deflated = deflateSync(Buffer.concat(matrix));
  return [tag(MI.COMPRESSED, deflated.byteLength), deflated]; // compressed elements are not padded
}

function checkNames(variables: MatV5Variable[]): void {
  if (!Array.isArray(variables)) throw new TypeError(`Expected an array for variables but received ${typeof variables}`);
  const seen = new Set<string>();
  for (const { name } of variables) {
    if (typeof name !== 'string' || !MATLAB_NAME.test(name)) {
      throw new RangeError(`Expected a MATLAB variable name (a letter, then up to 62 letters, digits or _) for name but received ${JSON.stringify(name)}`);
    }
    if (seen.has(name)) throw new RangeError(`Expected unique variable names but received ${name} twice`);
    seen.add(name);
  }
}

/**
 * Writes a MATLAB v5 MAT-file that MATLAB and scipy.io.loadmat read, atomically (nothing appears
 * at `path` unless the whole file is written). Numeric classes double, single, int*, uint* and
 * logical; char; cell; struct. Uncompressed variables are written from their arrays without a
 * copy; a compressed one is assembled once, then deflated.
 *
 * @example
 * writeMatV5('song21_Imputed.mat', [
 *   { name: 'data21', value: { kind: 'numeric', matlabClass: 'double', dims: [125, T, 20], data } },
 *   { name: 'fs', value: { kind: 'numeric', matlabClass: 'double', dims: [1, 1], data: Float64Array.of(125) } },
 *   { name: 'subs21', value: { kind: 'cell', dims: [1, 1], cells: [{ kind: 'char', dims: [1, 3], text: 'S02' }] } },
 * ], { compress: true });
 */
export function writeMatV5(path: string, variables: MatV5Variable[], options: MatV5WriteOptions = {}): void {
  checkNames(variables);
  const elements = variables.map((v) => encodeVariable(v, options.compress ?? false)); // validates everything first
  const tmp = temporaryPath(path);
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, matFileHeader('v5', options.createdOn));
      for (const chunks of elements) for (const chunk of chunks) writeAll(fd, chunk);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

function writeAll(fd: number, chunk: Uint8Array): void {
  for (let done = 0; done < chunk.byteLength; ) done += writeSync(fd, chunk, done, chunk.byteLength - done);
}
