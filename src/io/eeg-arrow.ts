/**
 * The dataset's EEG store, `eeg.arrow`: an Arrow IPC file with one record batch per subject × song,
 * each batch one row:
 *
 *   subject Int32 · song Int32 · fs Float64 · channels Int32 · samples Int32 · data List<Float32>
 *
 * `data` is channel-major, (channels, samples) flattened, as schema metadata `predann.layout` says.
 * A batch per recording lets a reader fetch one recording (~19 MB) through the file footer without
 * touching the rest; a recording is far too large to share a batch with others anyway.
 *
 * Writing streams: each batch goes to a temporary file before `append` resolves (memory stays
 * flat), and `close` renames the finished file into place, so a reader never sees half a file.
 * The bytes depend only on the recordings (no timestamps): identical input, identical file.
 */
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import {
  Field,
  Float32,
  Float64,
  Int32,
  List,
  makeData,
  RecordBatch,
  RecordBatchFileWriter,
  RecordBatchReader,
  Schema,
  Struct,
} from 'apache-arrow';
import { InputError } from '../errors.js';
import { expectInteger, expectLength, expectNumber } from '../validate.js';
import { temporaryPath } from './atomic.js';

/** One subject's EEG for one song. */
export interface EegRecording {
  subject: number;
  /** Song trigger (21–30 for NMED-T). */
  song: number;
  /** Sample rate in Hz. */
  fs: number;
  channels: number;
  samples: number;
  /** channels × samples values, channel-major: sample t of channel c is `data[c * samples + t]`. */
  data: Float32Array;
}

/** Schema metadata key and value that name the layout of `data`. */
export const eegLayoutKey = 'predann.layout';
export const eegLayout = 'channel-major (channels, samples)';

/** The one-value columns, in schema order; `data` follows them. */
const scalarColumns = ['subject', 'song', 'fs', 'channels', 'samples'] as const;

const eegSchema = new Schema(
  [
    new Field('subject', new Int32(), false),
    new Field('song', new Int32(), false),
    new Field('fs', new Float64(), false),
    new Field('channels', new Int32(), false),
    new Field('samples', new Int32(), false),
    new Field('data', new List(new Field('item', new Float32(), false)), false),
  ],
  new Map([[eegLayoutKey, eegLayout]]),
);

/**
 * Streams recordings into an `eeg.arrow` file.
 *
 * @example
 * const writer = await EegArrowWriter.create('data/eeg.arrow');
 * try {
 *   for (const rec of recordings) await writer.append(rec);
 *   await writer.close();
 * } catch (err) {
 *   await writer.abort();
 *   throw err;
 * }
 */
export class EegArrowWriter {
  private finished = false;
  /** The file writes in flight: chained so that appends that overlap still land in order. */
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    private readonly tmp: string,
    private readonly file: FileHandle,
    private readonly arrow: PassThroughFileWriter,
    private batches = 0,
  ) {}

  /** Opens a temporary file beside `path` and writes the schema. */
  static async create(path: string): Promise<EegArrowWriter> {
    const tmp = temporaryPath(path);
    const file = await fs.open(tmp, 'wx');
    const arrow = new PassThroughFileWriter();
    arrow.reset(undefined, eegSchema);
    const writer = new EegArrowWriter(path, tmp, file, arrow);
    try {
      await writer.flush();
    } catch (err) {
      await writer.abort();
      throw err;
    }
    return writer;
  }

  /** Record batches written so far; the next `append` gets this index. */
  get count(): number {
    return this.batches;
  }

  /**
   * Appends one recording as the next record batch and returns its index. `rec.data` is written
   * without copying, so leave it unchanged until the promise resolves.
   */
  async append(rec: EegRecording): Promise<number> {
    this.expectOpen();
    checkRecording(rec);
    this.arrow.write(recordBatchOf(rec));
    const index = this.batches++;
    await this.flush();
    return index;
  }

  /** Writes the footer, closes the file and renames it onto `path`. */
  async close(): Promise<void> {
    this.expectOpen();
    this.finished = true;
    try {
      this.arrow.close();
      await this.flush();
      await this.file.close();
      await fs.rename(this.tmp, this.path);
    } catch (err) {
      await this.discard();
      throw err;
    }
  }

  /** Drops the temporary file; `path` is left as it was. Safe to call after a failure or twice. */
  async abort(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    await this.discard();
  }

  private async discard(): Promise<void> {
    await this.writing.catch(() => {});
    await this.file.close().catch(() => {});
    await fs.rm(this.tmp, { force: true });
  }

  /** Writes out what the Arrow writer has produced so far, after any earlier writes. */
  private flush(): Promise<void> {
    const chunks = this.arrow.takePending();
    this.writing = this.writing.then(async () => {
      for (const chunk of chunks) await writeFully(this.file, chunk);
    });
    return this.writing;
  }

  private expectOpen(): void {
    if (this.finished) throw new Error(`EegArrowWriter for ${this.path} is already closed`);
  }
}

/**
 * apache-arrow's writer pushes its output into an unbounded in-memory queue meant to be piped; a
 * queue that outruns the disk would hold every recording. `_write` is the one method all of its
 * output passes through, so we keep the views here and the owner writes them out after each batch.
 */
class PassThroughFileWriter extends RecordBatchFileWriter {
  private pending: Uint8Array[] = [];

  protected override _write(chunk: ArrayBufferView | ArrayBuffer | string): this {
    if (this._started) {
      const bytes = asBytes(chunk);
      if (bytes.byteLength > 0) {
        this.pending.push(bytes);
        this._position += bytes.byteLength;
      }
    }
    return this;
  }

  takePending(): Uint8Array[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }
}

/** `FileHandle.write` may write less than asked; loop until every byte is out. */
async function writeFully(file: FileHandle, bytes: Uint8Array): Promise<void> {
  for (let done = 0; done < bytes.byteLength; ) {
    const { bytesWritten } = await file.write(bytes, done, bytes.byteLength - done);
    done += bytesWritten;
  }
}

function asBytes(chunk: ArrayBufferView | ArrayBuffer | string): Uint8Array {
  if (typeof chunk === 'string') return new TextEncoder().encode(chunk);
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return new Uint8Array(chunk);
}

function checkRecording(rec: EegRecording): void {
  expectInteger('subject', rec.subject, -(2 ** 31), 2 ** 31 - 1);
  expectInteger('song', rec.song, -(2 ** 31), 2 ** 31 - 1);
  expectNumber('fs', rec.fs, Number.MIN_VALUE, Number.MAX_VALUE);
  expectInteger('channels', rec.channels, 1, 2 ** 31 - 1);
  expectInteger('samples', rec.samples, 1, 2 ** 31 - 1);
  if (!(rec.data instanceof Float32Array)) {
    throw new TypeError(`Expected Float32Array for data but received ${Object.prototype.toString.call(rec.data)}`);
  }
  if (rec.channels * rec.samples > 2 ** 31 - 1) {
    throw new RangeError(`Expected at most ${2 ** 31 - 1} values per recording (Int32 list offsets) but received ${rec.channels * rec.samples}`);
  }
  expectLength('data', rec.data, rec.channels * rec.samples);
}

/** One recording as a one-row record batch; `data` is referenced, not copied. */
function recordBatchOf(rec: EegRecording): RecordBatch {
  const int32 = (value: number) => makeData({ type: new Int32(), length: 1, nullCount: 0, data: Int32Array.of(value) });
  const float64 = (value: number) => makeData({ type: new Float64(), length: 1, nullCount: 0, data: Float64Array.of(value) });
  const values = makeData({ type: new Float32(), length: rec.data.length, nullCount: 0, data: rec.data });
  const data = makeData({
    type: eegSchema.fields[5].type as List<Float32>,
    length: 1,
    nullCount: 0,
    valueOffsets: Int32Array.of(0, rec.data.length),
    child: values,
  });
  const columns = [int32(rec.subject), int32(rec.song), float64(rec.fs), int32(rec.channels), int32(rec.samples), data];
  return new RecordBatch(eegSchema, makeData({ type: new Struct(eegSchema.fields), length: 1, nullCount: 0, children: columns }));
}

/**
 * Random access to an `eeg.arrow` file: reads the footer on open, then one record batch per
 * `read(i)`. Reads are queued, because the Arrow reader seeks a shared file handle.
 *
 * @example
 * const reader = await EegArrowReader.open('data/eeg.arrow');
 * const rec = await reader.read(0); // { subject, song, fs, channels, samples, data }
 * await reader.close();
 */
export class EegArrowReader {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly path: string,
    private readonly file: FileHandle,
    private readonly arrow: Awaited<ReturnType<typeof openFileReader>>,
  ) {}

  /** Opens `path`, checks that it is an Arrow IPC file with the EEG schema, and reads its footer. */
  static async open(path: string): Promise<EegArrowReader> {
    const file = await fs.open(path, 'r').catch((err: NodeJS.ErrnoException) => {
      throw new InputError(path, undefined, err.code === 'ENOENT' ? 'no such file' : `cannot open (${err.message})`);
    });
    try {
      const arrow = await openFileReader(path, file);
      checkSchema(path, arrow.schema);
      return new EegArrowReader(path, file, arrow);
    } catch (err) {
      await file.close();
      throw err;
    }
  }

  /** Number of recordings (record batches) in the file. */
  get count(): number {
    return this.arrow.numRecordBatches;
  }

  /**
   * Reads recording `index`. `data` is a view over the bytes just read (no copy) when the file
   * keeps Arrow's 8-byte alignment, as files written by EegArrowWriter do.
   */
  async read(index: number): Promise<EegRecording> {
    if (this.count === 0) throw new RangeError(`${this.path} holds no recordings`);
    expectInteger('index', index, 0, this.count - 1);
    const next = this.queue.then(() => this.readNow(index));
    this.queue = next.catch(() => {});
    return next;
  }

  /** Closes the file. */
  async close(): Promise<void> {
    await this.queue;
    await this.file.close();
  }

  private async readNow(index: number): Promise<EegRecording> {
    const where = `record batch ${index}`;
    const batch = await this.arrow.readRecordBatch(index).catch((err: Error) => {
      throw new InputError(this.path, where, `cannot be read (${err.message})`);
    });
    if (!batch) throw new InputError(this.path, where, 'missing from the file');
    if (batch.numRows !== 1) throw new InputError(this.path, where, `has ${batch.numRows} rows; expected 1`);
    const [subject, song, fs, channels, samples] = scalarColumns.map((name) => Number(batch.getChild(name)!.get(0)));
    const list = batch.getChild('data')!.data[0];
    const offsets = list.valueOffsets;
    const values = list.children[0].values as Float32Array;
    const data = values.subarray(list.children[0].offset + offsets[list.offset], list.children[0].offset + offsets[list.offset + 1]);
    if (data.length !== channels * samples) {
      throw new InputError(this.path, where, `data holds ${data.length} values but channels × samples = ${channels} × ${samples} = ${channels * samples}`);
    }
    return { subject, song, fs, channels, samples, data };
  }
}

/** An apache-arrow random-access reader over `file`, or an InputError saying why not. */
async function openFileReader(path: string, file: FileHandle) {
  const notArrow = new InputError(path, undefined, 'not an Arrow IPC file (no ARROW1 magic at both ends)');
  const { size } = await file.stat();
  const magic = Buffer.from('ARROW1');
  const head = Buffer.alloc(6);
  const tail = Buffer.alloc(6);
  if (size < 12) throw notArrow;
  await file.read(head, 0, 6, 0);
  await file.read(tail, 0, 6, size - 6);
  if (!head.equals(magic) || !tail.equals(magic)) throw notArrow;
  try {
    const reader = await RecordBatchReader.from(file);
    if (!reader.isFile() || !reader.isAsync()) throw new Error('not a random-access file');
    return await reader.open();
  } catch (err) {
    throw new InputError(path, undefined, `unreadable Arrow IPC file (${(err as Error).message})`);
  }
}

/** Checks the columns, their types and the layout metadata against the EEG schema. */
function checkSchema(path: string, schema: Schema): void {
  for (const expected of eegSchema.fields) {
    const field = schema.fields.find((f) => f.name === expected.name);
    if (!field) throw new InputError(path, expected.name, 'missing column');
    if (String(field.type) !== String(expected.type)) {
      throw new InputError(path, expected.name, `has type ${String(field.type)}; expected ${String(expected.type)}`);
    }
  }
  const layout = schema.metadata.get(eegLayoutKey);
  if (layout !== eegLayout) {
    throw new InputError(path, `metadata ${eegLayoutKey}`, `is ${JSON.stringify(layout ?? null)}; expected ${JSON.stringify(eegLayout)}`);
  }
}
