/**
 * Zip archives, read-only: the central directory and the entries it lists, stored or deflated.
 * PyTorch's `torch.save` (zip format, torch ≥ 1.6) writes a zip of stored entries
 * (`archive/data.pkl`, `archive/data/<key>`, `archive/version`), so this is what `predann import`
 * opens. Every offset and length is checked against the file before use, and each entry's CRC-32
 * is verified on read, so a truncated or corrupt file fails with an `InputError` that names it
 * instead of yielding wrong bytes. Zip64 (archives over 4 GiB), encryption and compression
 * methods other than stored/deflate are refused with a message saying so.
 *
 * Layout (PKWARE APPNOTE 6.3): local file headers and data, then the central directory (one
 * 46-byte record per entry plus name, extra field and comment), then the 22-byte end-of-central-
 * directory record (EOCD) followed by an optional comment of up to 65,535 bytes.
 */
import { inflateRawSync } from 'node:zlib';
import { InputError } from '../errors.js';

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_BYTES = 22;
const CENTRAL_BYTES = 46;
const LOCAL_BYTES = 30;
const MAX_COMMENT = 0xffff;

/** Compression methods this reader inflates. */
const STORED = 0;
const DEFLATED = 8;

export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflated. */
  method: number;
  compressedSize: number;
  size: number;
  crc32: number;
  /** Offset of the entry's local file header. */
  localOffset: number;
}

export interface ZipArchive {
  /** The file name used in messages. */
  source: string;
  /** Entries by name, in central-directory order. */
  entries: Map<string, ZipEntry>;
  /** The entry's uncompressed bytes (a view into the file for stored entries), CRC-checked. */
  read(name: string): Uint8Array;
}

/**
 * Opens a zip file held in memory. Reading an entry copies nothing for stored entries.
 *
 * @example
 * const zip = readZipArchive(readFileSync('model.ckpt'), 'model.ckpt');
 * const pickle = zip.read('archive/data.pkl');
 */
export function readZipArchive(bytes: Uint8Array, source: string): ZipArchive {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = findEndOfCentralDirectory(bytes, view, source);
  const entries = readCentralDirectory(bytes, view, eocd, source);
  return {
    source,
    entries,
    read(name: string): Uint8Array {
      const entry = entries.get(name);
      if (!entry) throw new InputError(source, name, 'no such entry in the zip archive');
      return readEntry(bytes, view, entry, source);
    },
  };
}

interface EndOfCentralDirectory {
  count: number;
  size: number;
  offset: number;
}

/** Scans back from the end for the EOCD signature (the comment after it has variable length). */
function findEndOfCentralDirectory(bytes: Uint8Array, view: DataView, source: string): EndOfCentralDirectory {
  const lowest = Math.max(0, bytes.length - EOCD_BYTES - MAX_COMMENT);
  for (let at = bytes.length - EOCD_BYTES; at >= lowest; at--) {
    if (view.getUint32(at, true) !== EOCD_SIGNATURE) continue;
    const commentLength = view.getUint16(at + 20, true);
    if (at + EOCD_BYTES + commentLength !== bytes.length) continue; // a stray signature inside data
    const disk = view.getUint16(at + 4, true);
    const count = view.getUint16(at + 10, true);
    const size = view.getUint32(at + 12, true);
    const offset = view.getUint32(at + 16, true);
    if (disk !== 0) throw new InputError(source, 'zip', 'is one part of a multi-disk (split) archive, which is not supported');
    if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
      throw new InputError(source, 'zip', 'is a zip64 archive (over 4 GiB or 65,535 entries), which is not supported');
    }
    return { count, size, offset };
  }
  const looksLikeZip = bytes.length >= 4 && view.getUint32(0, true) === LOCAL_SIGNATURE;
  throw new InputError(
    source,
    'zip',
    looksLikeZip
      ? `has no end-of-central-directory record: the file (${bytes.length} bytes) is truncated or corrupt`
      : `is not a zip file (no end-of-central-directory record in its ${bytes.length} bytes)`,
  );
}

function readCentralDirectory(bytes: Uint8Array, view: DataView, eocd: EndOfCentralDirectory, source: string): Map<string, ZipEntry> {
  if (eocd.offset + eocd.size > bytes.length) {
    throw new InputError(source, 'zip', `central directory (${eocd.size} bytes at offset ${eocd.offset}) lies outside the ${bytes.length}-byte file: truncated or corrupt`);
  }
  const entries = new Map<string, ZipEntry>();
  const end = eocd.offset + eocd.size;
  let at = eocd.offset;
  for (let i = 0; i < eocd.count; i++) {
    if (at + CENTRAL_BYTES > end || view.getUint32(at, true) !== CENTRAL_SIGNATURE) {
      throw new InputError(source, 'zip', `central directory record ${i} of ${eocd.count} is missing or corrupt (offset ${at})`);
    }
    const flags = view.getUint16(at + 8, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    if (at + CENTRAL_BYTES + nameLength + extraLength + commentLength > end) {
      throw new InputError(source, 'zip', `central directory record ${i} runs past the directory's end: corrupt`);
    }
    const name = decodeName(bytes.subarray(at + CENTRAL_BYTES, at + CENTRAL_BYTES + nameLength), flags);
    const entry: ZipEntry = {
      name,
      method: view.getUint16(at + 10, true),
      crc32: view.getUint32(at + 16, true),
      compressedSize: view.getUint32(at + 20, true),
      size: view.getUint32(at + 24, true),
      localOffset: view.getUint32(at + 42, true),
    };
    if (flags & 1) throw new InputError(source, name, 'is encrypted, which is not supported');
    if (entries.has(name)) throw new InputError(source, name, 'appears twice in the zip central directory');
    entries.set(name, entry);
    at += CENTRAL_BYTES + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** Names are UTF-8 when flag bit 11 is set, else CP437; torch writes ASCII, so latin1 suffices. */
function decodeName(raw: Uint8Array, flags: number): string {
  return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString(flags & 0x800 ? 'utf8' : 'latin1');
}

function readEntry(bytes: Uint8Array, view: DataView, entry: ZipEntry, source: string): Uint8Array {
  const at = entry.localOffset;
  if (at + LOCAL_BYTES > bytes.length || view.getUint32(at, true) !== LOCAL_SIGNATURE) {
    throw new InputError(source, entry.name, `local header at offset ${at} is missing or corrupt`);
  }
  // The local extra field may differ from the central one (torch pads it to align the data).
  const start = at + LOCAL_BYTES + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  if (start + entry.compressedSize > bytes.length) {
    throw new InputError(source, entry.name, `data (${entry.compressedSize} bytes at offset ${start}) run past the end of the ${bytes.length}-byte file: truncated`);
  }
  const raw = bytes.subarray(start, start + entry.compressedSize);
  let data: Uint8Array;
  if (entry.method === STORED) data = raw;
  else if (entry.method === DEFLATED) data = inflate(raw, entry, source);
  else throw new InputError(source, entry.name, `uses compression method ${entry.method}; only stored (0) and deflate (8) are supported`);
  if (data.length !== entry.size) throw new InputError(source, entry.name, `holds ${data.length} bytes but the directory says ${entry.size}: corrupt`);
  const crc = crc32(data);
  if (crc !== entry.crc32) {
    throw new InputError(source, entry.name, `CRC-32 is ${hex(crc)} but the directory says ${hex(entry.crc32)}: the data are corrupt`);
  }
  return data;
}

function inflate(raw: Uint8Array, entry: ZipEntry, source: string): Uint8Array {
  try {
    // maxOutputLength stops a "zip bomb" at the size the directory promised.
    return inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.size) });
  } catch (err) {
    throw new InputError(source, entry.name, `deflate data are corrupt (${(err as Error).message})`);
  }
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

let crcTable: Uint32Array | undefined;

/**
 * CRC-32 (IEEE 802.3, as zip uses it). A table version of our own, since `zlib.crc32` needs
 * Node ≥ 20.15 and the package supports 20.10.
 *
 * @example
 * crc32(new TextEncoder().encode('123456789')); // 0xcbf43926
 */
export function crc32(data: Uint8Array): number {
  crcTable ??= makeCrcTable();
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = crcTable[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function makeCrcTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}
