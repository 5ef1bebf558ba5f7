/**
 * safetensors: the weight format (https://github.com/huggingface/safetensors): an 8-byte
 * little-endian header length N, N bytes of UTF-8 JSON `{name: {dtype, shape, data_offsets}, …,
 * "__metadata__": {str: str}}`, then the raw little-endian tensor data, C-order, offsets relative
 * to the first byte after the header. predann names tensors exactly as PyTorch's state-dict keys
 * (`eeg.sequential.0.weight`, …), so checkpoints round-trip with `load_state_dict(strict=True)`.
 */
import { InputError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import { readInputFile } from './read-input-file.js';

export type SafetensorsDtype = 'F32' | 'F64' | 'I64' | 'I32' | 'U8';

export type TensorData = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;

export interface Tensor {
  dtype: SafetensorsDtype;
  /** C-order shape; [] for a scalar (one element). */
  shape: number[];
  data: TensorData;
}

const BYTES: Record<SafetensorsDtype, number> = { F32: 4, F64: 8, I64: 8, I32: 4, U8: 1 };
const ARRAYS = { F32: Float32Array, F64: Float64Array, I64: BigInt64Array, I32: Int32Array, U8: Uint8Array } as const;
const MAX_HEADER = 100 << 20; // the format's own limit on the JSON header

const elements = (shape: number[]) => shape.reduce((n, d) => n * d, 1);

function dtypeOf(data: TensorData): SafetensorsDtype {
  if (data instanceof Float32Array) return 'F32';
  if (data instanceof Float64Array) return 'F64';
  if (data instanceof BigInt64Array) return 'I64';
  if (data instanceof Int32Array) return 'I32';
  return 'U8';
}

/**
 * Parses a safetensors file's bytes. Tensors are copied into aligned arrays of their own, so the
 * file buffer can be dropped. Errors name the file, the tensor and the problem.
 *
 * @example
 * const tensors = parseSafetensors(readFileSync('weights.safetensors'), 'weights.safetensors');
 */
export function parseSafetensors(bytes: Uint8Array, source: string): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  if (bytes.length < 8) throw new InputError(source, 'header', `file is ${bytes.length} bytes, too short for a safetensors header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER || 8 + headerLength > bytes.length) {
    throw new InputError(source, 'header', `declares ${headerLength} header bytes but the file has ${bytes.length - 8} after the length (truncated or not safetensors)`);
  }
  let header: Record<string, any>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch (err) {
    throw new InputError(source, 'header', `is not valid UTF-8 JSON (${(err as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw new InputError(source, 'header', 'is not a JSON object');
  const base = 8 + headerLength;
  const tensors = new Map<string, Tensor>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    tensors.set(name, readTensor(bytes, base, name, entry, source));
  }
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  return { tensors, metadata };
}

function readTensor(bytes: Uint8Array, base: number, name: string, entry: any, source: string): Tensor {
  const bad = (problem: string) => new InputError(source, name, problem);
  const dtype = entry?.dtype as SafetensorsDtype;
  if (typeof dtype !== 'string' || !Object.hasOwn(BYTES, dtype)) throw bad(`unsupported dtype ${JSON.stringify(entry?.dtype)} (supported: ${Object.keys(BYTES).join(', ')})`);
  const shape = entry.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw bad(`bad shape ${JSON.stringify(shape)}`);
  const [begin, end] = entry.data_offsets ?? [];
  if (!Number.isSafeInteger(begin) || !Number.isSafeInteger(end) || begin < 0 || end < begin || base + end > bytes.length) {
    throw bad(`data_offsets ${JSON.stringify(entry.data_offsets)} lie outside the ${bytes.length - base} data bytes`);
  }
  const expected = elements(shape) * BYTES[dtype];
  if (end - begin !== expected) throw bad(`holds ${end - begin} bytes but shape ${JSON.stringify(shape)} of ${dtype} needs ${expected}`);
  const copy = new Uint8Array(end - begin); // a fresh, aligned buffer (Buffer#slice would be a view)
  copy.set(bytes.subarray(base + begin, base + end));
  return { dtype, shape, data: new ARRAYS[dtype](copy.buffer, 0, elements(shape)) as TensorData };
}

/**
 * @example
 * const { tensors } = readSafetensors('predann_2dcnn_trained_seed1.safetensors');
 * tensors.get('eeg.sequential.0.weight')!.shape; // [32, 1, 3, 3]
 */
export function readSafetensors(path: string): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  return parseSafetensors(readInputFile(path, 'a safetensors file'), path);
}

/**
 * Writes tensors (in the order given, data packed back to back) and string metadata atomically.
 * The header is padded with spaces to a multiple of 8 bytes so the data start aligned.
 *
 * @example
 * writeSafetensors('run/weights.safetensors', new Map([['eeg.projector1.3.weight', { dtype: 'F32', shape: [10, 100], data }]]));
 */
export function writeSafetensors(path: string, tensors: Map<string, Tensor>, metadata: Record<string, string> = {}): void {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    if (dtypeOf(t.data) !== t.dtype) throw new TypeError(`Expected ${t.dtype} data for ${name} but received ${t.data.constructor.name}`);
    if (t.data.length !== elements(t.shape)) throw new RangeError(`Expected ${elements(t.shape)} elements for ${name} (shape ${JSON.stringify(t.shape)}) but received ${t.data.length}`);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const t of tensors.values()) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  writeFileAtomic(path, out);
}
