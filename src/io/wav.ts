/**
 * RIFF WAV audio: the NMED-T songs (44.1 kHz) and the audio the ingest writes. The chunks are
 * parsed here (fmt, data; everything else skipped, odd sizes padded) and samples decoded through
 * typed-array views, with one copy when the data chunk is not aligned for its sample type (SciPy
 * writes float32 data at byte 58, for instance).
 *
 * Formats: 16/24/32-bit integer PCM (as [-1, 1), i.e. k / 2^(bits−1)) and 32-bit IEEE float,
 * each also inside WAVE_FORMAT_EXTENSIBLE. Little-endian RIFF only.
 */
import { InputError } from '../errors.js';
import { readInputFile } from './read-input-file.js';
import { expectInteger, expectOneOf } from '../validate.js';
import { writeFileAtomic } from './atomic.js';

export type WavFormat = 'pcm16' | 'pcm24' | 'pcm32' | 'float32';

export interface WavAudio {
  sampleRate: number;
  /** One array per channel; PCM samples are scaled to [-1, 1). */
  channels: Float32Array[];
  format: WavFormat;
}

const FORMATS: readonly WavFormat[] = ['pcm16', 'pcm24', 'pcm32', 'float32'];
const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
const FORMAT_NAMES: Record<number, string> = { 0x0002: 'ADPCM', 0x0006: 'A-law', 0x0007: 'µ-law', 0x0011: 'IMA ADPCM', 0x0055: 'MPEG Layer 3' };

/** Bits per sample of each format, and the scale of its integer codes. */
const BITS: Record<WavFormat, number> = { pcm16: 16, pcm24: 24, pcm32: 32, float32: 32 };

interface Chunk {
  start: number;
  size: number;
}

/** What the fmt chunk says, reduced to what decoding needs. */
interface Layout {
  format: WavFormat;
  channels: number;
  sampleRate: number;
  blockAlign: number;
}

const ascii = (bytes: Uint8Array, at: number) => String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);

/** Finds the fmt and data chunks, skipping (and padding past) every other chunk. */
function findChunks(bytes: Uint8Array, view: DataView, source: string): { fmt: Chunk; data: Chunk; fact?: Chunk } {
  const chunks: Record<string, Chunk> = {};
  for (let pos = 12; pos + 8 <= bytes.length && !(chunks['fmt '] && chunks.data); ) {
    const id = ascii(bytes, pos);
    const size = view.getUint32(pos + 4, true);
    const start = pos + 8;
    if (start + size > bytes.length) {
      throw new InputError(source, `${id.trim()} chunk`, `declares ${size} bytes but only ${bytes.length - start} remain (truncated file?)`);
    }
    chunks[id] ??= { start, size };
    pos = start + size + (size & 1); // chunks are word-aligned: an odd size is followed by a pad byte
  }
  if (!chunks['fmt ']) throw new InputError(source, 'fmt chunk', 'missing');
  if (!chunks.data) throw new InputError(source, 'data chunk', 'missing');
  return { fmt: chunks['fmt '], data: chunks.data, fact: chunks.fact };
}

function parseFormat(view: DataView, fmt: Chunk, source: string): Layout {
  const bad = (problem: string) => new InputError(source, 'fmt chunk', problem);
  if (fmt.size < 16) throw bad(`is ${fmt.size} bytes, expected at least 16`);
  let code = view.getUint16(fmt.start, true);
  const channels = view.getUint16(fmt.start + 2, true);
  const sampleRate = view.getUint32(fmt.start + 4, true);
  const blockAlign = view.getUint16(fmt.start + 12, true);
  const bits = view.getUint16(fmt.start + 14, true);
  if (code === WAVE_FORMAT_EXTENSIBLE) {
    if (fmt.size < 40) throw bad(`is ${fmt.size} bytes, too short for WAVE_FORMAT_EXTENSIBLE (40)`);
    code = view.getUint16(fmt.start + 24, true); // the sub-format GUID starts with the format code
  }
  let format: WavFormat | undefined;
  if (code === WAVE_FORMAT_PCM) format = bits === 16 ? 'pcm16' : bits === 24 ? 'pcm24' : bits === 32 ? 'pcm32' : undefined;
  else if (code === WAVE_FORMAT_IEEE_FLOAT) format = bits === 32 ? 'float32' : undefined;
  else {
    const name = FORMAT_NAMES[code] ? ` (${FORMAT_NAMES[code]})` : '';
    throw bad(`unsupported format 0x${code.toString(16).padStart(4, '0')}${name}; supported: 16/24/32-bit PCM and 32-bit float`);
  }
  if (!format) throw bad(`unsupported ${bits}-bit ${code === WAVE_FORMAT_PCM ? 'PCM' : 'float'}; supported: 16/24/32-bit PCM and 32-bit float`);
  if (channels === 0) throw bad('has 0 channels');
  if (sampleRate === 0) throw bad('has sample rate 0');
  if (blockAlign !== (channels * bits) / 8) throw bad(`block align ${blockAlign} does not match ${channels} channels × ${bits} bits`);
  return { format, channels, sampleRate, blockAlign };
}

/** Integer or float samples of the data chunk, interleaved, in an array aligned for their type. */
function interleaved(bytes: Uint8Array, start: number, count: number, Type: Int16ArrayConstructor | Int32ArrayConstructor | Float32ArrayConstructor) {
  const offset = bytes.byteOffset + start;
  if (offset % Type.BYTES_PER_ELEMENT === 0) return new Type(bytes.buffer as ArrayBuffer, offset, count);
  return new Type(new Uint8Array(bytes.subarray(start, start + count * Type.BYTES_PER_ELEMENT)).buffer); // one aligned copy
}

/**
 * Splits interleaved samples into channels, multiplying by `scale`. The samples are first
 * converted to float32 by the typed-array constructor (native code), so the loops below only
 * ever see Float32Array: one element type keeps them monomorphic and fast.
 */
function deinterleave(samples: Int16Array | Int32Array | Float32Array, channels: number, frames: number, scale: number): Float32Array[] {
  const all = new Float32Array(samples.subarray(0, frames * channels));
  if (scale !== 1) for (let i = 0; i < all.length; i++) all[i] *= scale;
  if (channels === 1) return [all];
  const out = Array.from({ length: channels }, () => new Float32Array(frames));
  for (let c = 0; c < channels; c++) {
    const channel = out[c];
    for (let i = 0, j = c; i < frames; i++, j += channels) channel[i] = all[j];
  }
  return out;
}

/** 24-bit samples have no typed array: assemble each from its three bytes. */
function decodePcm24(bytes: Uint8Array, start: number, channels: number, frames: number): Float32Array[] {
  const out = Array.from({ length: channels }, () => new Float32Array(frames));
  const scale = 1 / 0x800000;
  for (let c = 0; c < channels; c++) {
    const channel = out[c];
    for (let i = 0, p = start + 3 * c; i < frames; i++, p += 3 * channels) {
      channel[i] = (((bytes[p] | (bytes[p + 1] << 8) | (bytes[p + 2] << 16)) << 8) >> 8) * scale;
    }
  }
  return out;
}

/** The header of a WAV file: its chunks, format and length in frames. */
function parseHeader(bytes: Uint8Array, sourceName: string) {
  if (bytes.length < 12 || ascii(bytes, 8) !== 'WAVE' || !['RIFF', 'RIFX', 'RF64'].includes(ascii(bytes, 0))) {
    throw new InputError(sourceName, 'RIFF header', 'not a WAV file (no RIFF/WAVE header)');
  }
  if (ascii(bytes, 0) === 'RIFX') throw new InputError(sourceName, 'RIFF header', 'big-endian RIFX files are not supported');
  if (ascii(bytes, 0) === 'RF64') throw new InputError(sourceName, 'RIFF header', 'RF64 (WAV over 4 GB) is not supported');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks = findChunks(bytes, view, sourceName);
  const layout = parseFormat(view, chunks.fmt, sourceName);
  return { ...chunks, ...layout, frames: Math.floor(chunks.data.size / layout.blockAlign) };
}

/**
 * Decodes the bytes of a WAV file. Errors are InputErrors naming `sourceName` and the chunk or
 * field at fault. A trailing partial frame is dropped.
 *
 * @example
 * const { sampleRate, channels } = parseWav(readFileSync('21.wav'), '21.wav');
 */
export function parseWav(bytes: Uint8Array, sourceName: string): WavAudio {
  const { data, format, channels, sampleRate, frames } = parseHeader(bytes, sourceName);
  const count = frames * channels;
  let decoded: Float32Array[];
  if (format === 'pcm16') decoded = deinterleave(interleaved(bytes, data.start, count, Int16Array), channels, frames, 1 / 0x8000);
  else if (format === 'pcm32') decoded = deinterleave(interleaved(bytes, data.start, count, Int32Array), channels, frames, 1 / 0x80000000);
  else if (format === 'float32') decoded = deinterleave(interleaved(bytes, data.start, count, Float32Array), channels, frames, 1);
  else decoded = decodePcm24(bytes, data.start, channels, frames);
  return { sampleRate, channels: decoded, format };
}

/**
 * Reads a WAV file (see parseWav).
 *
 * @example
 * const song = readWav('audio/21.wav'); // { sampleRate: 44100, channels: [Float32Array], format: 'pcm16' }
 */
export function readWav(path: string): WavAudio {
  return parseWav(readInputFile(path, 'a WAV file'), path);
}

// ---------------------------------------------------------------------------------------------
// Writer
// ---------------------------------------------------------------------------------------------

function checkAudio(audio: WavAudio): { format: WavFormat; frames: number } {
  const format = expectOneOf('format', audio?.format, FORMATS);
  const { channels } = audio;
  if (!Array.isArray(channels) || channels.length === 0 || !channels.every((c) => c instanceof Float32Array)) {
    throw new TypeError('Expected a non-empty array of Float32Array for channels');
  }
  expectInteger('number of channels', channels.length, 1, 0xffff);
  const bytesPerFrame = (channels.length * BITS[format]) / 8;
  expectInteger('sampleRate', audio.sampleRate, 1, Math.floor(0xffffffff / bytesPerFrame)); // the byte rate is a uint32
  const frames = channels[0].length;
  const uneven = channels.findIndex((c) => c.length !== frames);
  if (uneven >= 0) throw new RangeError(`Expected ${frames} samples for channel ${uneven + 1} (as channel 1) but received ${channels[uneven].length}`);
  return { format, frames };
}

/** The integer code of a sample in [-1, 1): round(x · 2^(bits−1)), clipped; NaN → 0. */
function quantizer(bits: number): (x: number) => number {
  const full = 2 ** (bits - 1);
  return (x) => {
    const v = Math.round(x * full);
    return v >= full ? full - 1 : v < -full ? -full : v || 0; // `|| 0`: NaN and -0 become 0
  };
}

function encodeSamples(target: Uint8Array, dataStart: number, channels: Float32Array[], format: WavFormat, frames: number): void {
  const n = channels.length;
  if (format === 'pcm24') {
    const q = quantizer(24);
    for (let c = 0; c < n; c++) {
      const channel = channels[c];
      for (let i = 0, p = dataStart + 3 * c; i < frames; i++, p += 3 * n) {
        const v = q(channel[i]);
        target[p] = v & 0xff;
        target[p + 1] = (v >> 8) & 0xff;
        target[p + 2] = (v >> 16) & 0xff;
      }
    }
    return;
  }
  const inter = interleave(channels, frames);
  if (format === 'float32') {
    target.set(new Uint8Array(inter.buffer, inter.byteOffset, inter.byteLength), dataStart);
    return;
  }
  const samples = format === 'pcm16' ? new Int16Array(frames * n) : new Int32Array(frames * n);
  const q = quantizer(BITS[format]);
  for (let i = 0; i < inter.length; i++) samples[i] = q(inter[i]);
  target.set(new Uint8Array(samples.buffer), dataStart); // the data start need not be aligned
}

/** Channels → one interleaved Float32Array (the channel itself when there is one). */
function interleave(channels: Float32Array[], frames: number): Float32Array {
  const n = channels.length;
  if (n === 1) return channels[0].subarray(0, frames);
  const out = new Float32Array(frames * n);
  for (let c = 0; c < n; c++) {
    const channel = channels[c];
    for (let i = 0, j = c; i < frames; i++, j += n) out[j] = channel[i];
  }
  return out;
}

/**
 * Writes a WAV file atomically. `format` decides the encoding: integer PCM (16/24/32-bit, samples
 * rounded from [-1, 1) and clipped) with a 16-byte fmt chunk, or 32-bit float with the 18-byte
 * fmt chunk and the fact chunk that non-PCM data require, then a 2-byte JUNK chunk (RIFF's
 * padding chunk) so that the float data start 4-byte aligned and read without a copy.
 *
 * @example
 * writeWav('audio/21.wav', { sampleRate: 44100, channels: [left, right], format: 'float32' });
 */
export function writeWav(path: string, audio: WavAudio): void {
  const { format, frames } = checkAudio(audio);
  const channels = audio.channels.length;
  const float = format === 'float32';
  const bytesPerSample = BITS[format] / 8;
  const dataBytes = frames * channels * bytesPerSample;
  const fmtBytes = float ? 18 : 16;
  const extraBytes = float ? 12 + 10 : 0; // fact (8 + 4) and JUNK (8 + 2)
  const dataStart = 12 + 8 + fmtBytes + extraBytes + 8;
  const total = dataStart + dataBytes + (dataBytes & 1);
  if (total - 8 > 0xffffffff) throw new RangeError(`Expected at most 4 GiB of audio for a WAV file but received ${dataBytes} bytes`);

  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  const text = (at: number, s: string) => out.set(Buffer.from(s, 'latin1'), at);
  text(0, 'RIFF');
  view.setUint32(4, total - 8, true);
  text(8, 'WAVE');
  text(12, 'fmt ');
  view.setUint32(16, fmtBytes, true);
  view.setUint16(20, float ? WAVE_FORMAT_IEEE_FLOAT : WAVE_FORMAT_PCM, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, audio.sampleRate, true);
  view.setUint32(28, audio.sampleRate * channels * bytesPerSample, true);
  view.setUint16(32, channels * bytesPerSample, true);
  view.setUint16(34, BITS[format], true);
  if (float) {
    view.setUint16(36, 0, true); // cbSize: no extension
    text(38, 'fact');
    view.setUint32(42, 4, true);
    view.setUint32(46, frames, true);
    text(50, 'JUNK');
    view.setUint32(54, 2, true); // two zero bytes follow
  }
  text(dataStart - 8, 'data');
  view.setUint32(dataStart - 4, dataBytes, true);
  encodeSamples(out, dataStart, audio.channels, format, frames);
  writeFileAtomic(path, out);
}

/** What a WAV file holds, without decoding its samples. */
export interface WavInfo {
  sampleRate: number;
  channels: number;
  format: WavFormat;
  frames: number;
}

/**
 * Copies the first `frames` frames of a WAV file to `target` (atomically) in the source's own
 * encoding: the header is kept, the data chunk cut and the sizes patched (RIFF, data, and the
 * fact chunk's frame count when there is one); chunks after the data are dropped. No sample is
 * decoded, so the copy is exact and costs one read and one write.
 *
 * @example
 * const info = copyWavPrefix('raw/FirstFires.wav', 'dataset/audio/21.wav', 278 * 44100 - 1);
 */
export function copyWavPrefix(source: string, target: string, frames: number): WavInfo {
  const bytes = readInputFile(source, 'a WAV file');
  const header = parseHeader(bytes, source);
  expectInteger('frames', frames, 0, header.frames);
  const dataBytes = frames * header.blockAlign;
  const out = new Uint8Array(header.data.start + dataBytes + (dataBytes & 1));
  out.set(bytes.subarray(0, header.data.start + dataBytes));
  const view = new DataView(out.buffer);
  view.setUint32(4, out.length - 8, true);
  view.setUint32(header.data.start - 4, dataBytes, true);
  if (header.fact && header.fact.start < header.data.start && header.fact.size >= 4) view.setUint32(header.fact.start, frames, true);
  writeFileAtomic(target, out);
  return { sampleRate: header.sampleRate, channels: header.channels, format: header.format, frames };
}

/**
 * Reads only what a WAV file's header says (see WavInfo).
 *
 * @example
 * readWavInfo('audio/21.wav').frames; // 12259799
 */
export function readWavInfo(path: string): WavInfo {
  const h = parseHeader(readInputFile(path, 'a WAV file'), path);
  return { sampleRate: h.sampleRate, channels: h.channels, format: h.format, frames: h.frames };
}
