import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InputError } from '../src/errors.js';
import { copyWavPrefix, parseWav, readWav, readWavInfo, writeWav, type WavAudio, type WavFormat } from '../src/io/wav.js';
import { tempDir, assertThrows } from './helpers.js';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

const f32 = (...values: number[]) => Float32Array.from(values);

/** Values each format stores exactly: multiples of its quantum inside [-1, 1). */
function exactSamples(format: WavFormat, n: number, phase: number): Float32Array {
  const quantum = format === 'pcm16' ? 2 ** -15 : format === 'pcm24' ? 2 ** -23 : 2 ** -24; // pcm32: float32 has 24 bits
  return Float32Array.from({ length: n }, (_, i) => Math.round(Math.sin(i * 0.37 + phase) * 0.9 / quantum) * quantum);
}

function roundTrip(audio: WavAudio): WavAudio {
  const { dir, cleanup } = tempDir();
  try {
    writeWav(join(dir, 'a.wav'), audio);
    assert.equal(readdirSync(dir), ['a.wav'], 'no temporary file left');
    return readWav(join(dir, 'a.wav'));
  } finally {
    cleanup();
  }
}

for (const format of ['pcm16', 'pcm24', 'pcm32', 'float32'] as const) {
  test(`${format}: mono, stereo and 3 channels round-trip exactly`, () => {
    for (const count of [1, 2, 3]) {
      const channels = Array.from({ length: count }, (_, c) => exactSamples(format, 1001, c));
      assert.equal(roundTrip({ sampleRate: 44100, channels, format }), { sampleRate: 44100, channels, format }, `${count} channel(s)`);
    }
    assert.equal(roundTrip({ sampleRate: 8000, channels: [new Float32Array(0)], format }).channels, [new Float32Array(0)], 'no samples');
  });
}

test('PCM clips to the format range and rounds; NaN becomes 0; float32 keeps everything', () => {
  const input = f32(1, -1, 1.5, -2, NaN, 0.5, 2 ** -16, -(2 ** -16) * 1.01);
  assert.equal(roundTrip({ sampleRate: 1, channels: [input], format: 'pcm16' }).channels[0], f32(32767 / 32768, -1, 32767 / 32768, -1, 0, 0.5, 2 ** -15, -(2 ** -15)));
  assert.equal(roundTrip({ sampleRate: 1, channels: [f32(1, 0.99999994)], format: 'pcm24' }).channels[0], f32(8388607 / 8388608, 8388607 / 8388608));
  const floats = roundTrip({ sampleRate: 1, channels: [input], format: 'float32' }).channels[0];
  assert.equal([...floats].map(String), [...input].map(String), 'float32 is stored as given, NaN and > 1 included');
});

test('header layout: canonical 44-byte PCM; float32 with fmt 18, fact and JUNK so the data are aligned', () => {
  const { dir, cleanup } = tempDir();
  try {
    writeWav(join(dir, 'p.wav'), { sampleRate: 44100, channels: [f32(0, 0.5), f32(-0.5, 0)], format: 'pcm16' });
    const p = readFileSync(join(dir, 'p.wav'));
    assert.is(p.length, 44 + 8);
    assert.equal([p.toString('latin1', 0, 4), p.readUInt32LE(4), p.toString('latin1', 8, 16)], ['RIFF', 44, 'WAVEfmt ']);
    assert.equal([p.readUInt32LE(16), p.readUInt16LE(20), p.readUInt16LE(22), p.readUInt32LE(24), p.readUInt32LE(28), p.readUInt16LE(32), p.readUInt16LE(34)], [16, 1, 2, 44100, 176400, 4, 16]);
    assert.equal([p.toString('latin1', 36, 40), p.readUInt32LE(40), p.readInt16LE(44), p.readInt16LE(46), p.readInt16LE(48)], ['data', 8, 0, -16384, 16384]);

    writeWav(join(dir, 'f.wav'), { sampleRate: 48000, channels: [f32(0.25, 0.5, 0.75)], format: 'float32' });
    const f = readFileSync(join(dir, 'f.wav'));
    assert.equal([f.readUInt32LE(16), f.readUInt16LE(20), f.readUInt16LE(34), f.readUInt16LE(36)], [18, 3, 32, 0], 'fmt: 18 bytes, IEEE float, 32 bits, cbSize 0');
    assert.equal([f.toString('latin1', 38, 42), f.readUInt32LE(42), f.readUInt32LE(46)], ['fact', 4, 3], 'fact: 3 frames');
    assert.equal([f.toString('latin1', 50, 54), f.readUInt32LE(54), f.toString('latin1', 60, 64), f.readUInt32LE(64)], ['JUNK', 2, 'data', 12]);
    assert.equal([f.readFloatLE(68), f.readFloatLE(72), f.readFloatLE(76)], [0.25, 0.5, 0.75], 'data at byte 68, 4-byte aligned');
  } finally {
    cleanup();
  }
});

test('reads SciPy files: float32 data at an unaligned offset, int16 mono (test/fixtures/io-fixtures.py)', () => {
  const stereo = readWav(fixture('scipy-float32.wav'));
  assert.is(stereo.sampleRate, 8000);
  assert.is(stereo.format, 'float32');
  const t = Array.from({ length: 50 }, (_, i) => i);
  assert.equal(stereo.channels, [Float32Array.from(t, (i) => i / 64 - 0.5), Float32Array.from(t, (i) => -i / 128)]);
  const mono = readWav(fixture('scipy-int16.wav'));
  assert.equal(mono, { sampleRate: 44100, format: 'pcm16', channels: [f32(0, 1 / 32768, -1 / 32768, 32767 / 32768, -1, 1000 / 32768)] });
});

// Hand-made files for the layouts our writer does not produce.
function chunk(id: string, body: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.write(id, 0, 'latin1');
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body, body.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}
function fmt(code: number, channels: number, rate: number, bits: number, extra: Uint8Array = new Uint8Array(0), blockAlign = (channels * bits) / 8): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt16LE(code, 0);
  b.writeUInt16LE(channels, 2);
  b.writeUInt32LE(rate, 4);
  b.writeUInt32LE(rate * blockAlign, 8);
  b.writeUInt16LE(blockAlign, 12);
  b.writeUInt16LE(bits, 14);
  return Buffer.concat([b, extra]);
}
function extensible(subFormat: number, validBits: number): Buffer {
  const e = Buffer.alloc(24);
  e.writeUInt16LE(22, 0); // cbSize
  e.writeUInt16LE(validBits, 2);
  e.writeUInt32LE(0x3, 4); // front left + right
  e.writeUInt16LE(subFormat, 8); // the GUID's first two bytes; the rest is the fixed KSDATAFORMAT suffix
  Buffer.from('000000001000800000aa00389b71', 'hex').copy(e, 10);
  return e;
}
function riff(...chunks: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from('WAVE'), ...chunks]);
  const head = Buffer.alloc(8);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body]);
}
const int16s = (...v: number[]) => Buffer.from(Int16Array.from(v).buffer);

test('skips other chunks (odd sizes padded), reads WAVE_FORMAT_EXTENSIBLE, ignores what follows data', () => {
  const odd = riff(chunk('LIST', Buffer.from('abc')), chunk('fmt ', fmt(1, 1, 22050, 16)), chunk('bext', Buffer.alloc(5)), chunk('data', int16s(16384, -16384)), chunk('LIST', Buffer.alloc(9)));
  assert.equal(parseWav(odd, 'odd.wav'), { sampleRate: 22050, format: 'pcm16', channels: [f32(0.5, -0.5)] });

  const pcm24 = Buffer.from([0x00, 0x00, 0x40, 0x00, 0x00, 0xc0, 0xff, 0xff, 0x7f, 0x00, 0x00, 0x80]); // frames (0.5, -0.5), (max, -1)
  const ext24 = riff(chunk('fmt ', fmt(0xfffe, 2, 96000, 24, extensible(1, 24))), chunk('data', pcm24));
  assert.equal(parseWav(ext24, 'ext24.wav'), { sampleRate: 96000, format: 'pcm24', channels: [f32(0.5, 8388607 / 8388608), f32(-0.5, -1)] });

  const extFloat = riff(chunk('fmt ', fmt(0xfffe, 1, 44100, 32, extensible(3, 32), 4)), chunk('fact', Buffer.alloc(4)), chunk('data', Buffer.from(f32(0.125, -3).buffer)));
  assert.equal(parseWav(extFloat, 'extf.wav'), { sampleRate: 44100, format: 'float32', channels: [f32(0.125, -3)] });

  const partial = riff(chunk('fmt ', fmt(1, 2, 8000, 16)), chunk('data', Buffer.concat([int16s(1, 2, 3, 4), Buffer.from([5, 0])])));
  assert.equal(parseWav(partial, 'partial.wav').channels, [f32(1 / 32768, 3 / 32768), f32(2 / 32768, 4 / 32768)], 'a trailing partial frame is dropped');

  const pcm32 = riff(chunk('fmt ', fmt(1, 1, 8000, 32)), chunk('data', Buffer.from(Int32Array.of(2 ** 30, -(2 ** 31)).buffer)));
  assert.equal(parseWav(pcm32, 'pcm32.wav').channels, [f32(0.5, -1)]);
});

test('bad files name the chunk or field', () => {
  const { dir, cleanup } = tempDir();
  try {
    assertThrows(() => readWav(join(dir, 'none.wav')), InputError, `${join(dir, 'none.wav')}: file not found`);
    mkdirSync(join(dir, 'd.wav'));
    assertThrows(() => readWav(join(dir, 'd.wav')), InputError, `${join(dir, 'd.wav')}: is a directory, not a WAV file`);
  } finally {
    cleanup();
  }
  const good = [chunk('fmt ', fmt(1, 1, 8000, 16)), chunk('data', int16s(1, 2))] as const;
  const bad = (bytes: Uint8Array, message: string) => assertThrows(() => parseWav(bytes, 'x.wav'), InputError, `x.wav: ${message}`);
  bad(Buffer.from('RIFF'), 'RIFF header: not a WAV file (no RIFF/WAVE header)');
  bad(Buffer.from('ID3\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00'), 'RIFF header: not a WAV file (no RIFF/WAVE header)');
  const avi = riff(...good);
  avi.write('AVI ', 8, 'latin1');
  bad(avi, 'RIFF header: not a WAV file (no RIFF/WAVE header)');
  const rifx = riff(...good);
  rifx.write('RIFX', 0, 'latin1');
  bad(rifx, 'RIFF header: big-endian RIFX files are not supported');
  const rf64 = riff(...good);
  rf64.write('RF64', 0, 'latin1');
  bad(rf64, 'RIFF header: RF64 (WAV over 4 GB) is not supported');
  bad(riff(good[1]), 'fmt chunk: missing');
  bad(riff(good[0]), 'data chunk: missing');
  bad(riff(chunk('fmt ', Buffer.alloc(14)), good[1]), 'fmt chunk: is 14 bytes, expected at least 16');
  bad(riff(chunk('fmt ', fmt(0x55, 2, 44100, 0)), good[1]), 'fmt chunk: unsupported format 0x0055 (MPEG Layer 3); supported: 16/24/32-bit PCM and 32-bit float');
  bad(riff(chunk('fmt ', fmt(0x1234, 2, 44100, 16)), good[1]), 'fmt chunk: unsupported format 0x1234; supported: 16/24/32-bit PCM and 32-bit float');
  bad(riff(chunk('fmt ', fmt(1, 1, 8000, 8)), good[1]), 'fmt chunk: unsupported 8-bit PCM; supported: 16/24/32-bit PCM and 32-bit float');
  bad(riff(chunk('fmt ', fmt(3, 1, 8000, 64)), good[1]), 'fmt chunk: unsupported 64-bit float; supported: 16/24/32-bit PCM and 32-bit float');
  bad(riff(chunk('fmt ', fmt(0xfffe, 1, 8000, 16)), good[1]), 'fmt chunk: is 16 bytes, too short for WAVE_FORMAT_EXTENSIBLE (40)');
  bad(riff(chunk('fmt ', fmt(1, 0, 8000, 16, undefined, 2)), good[1]), 'fmt chunk: has 0 channels');
  bad(riff(chunk('fmt ', fmt(1, 1, 0, 16)), good[1]), 'fmt chunk: has sample rate 0');
  bad(riff(chunk('fmt ', fmt(1, 2, 8000, 16, undefined, 2)), good[1]), 'fmt chunk: block align 2 does not match 2 channels × 16 bits');
  const cutData = riff(...good).subarray(0, riff(...good).length - 1);
  bad(cutData, 'data chunk: declares 4 bytes but only 3 remain (truncated file?)');
  const streaming = riff(...good);
  streaming.writeUInt32LE(0xffffffff, streaming.indexOf('data') + 4);
  bad(streaming, 'data chunk: declares 4294967295 bytes but only 4 remain (truncated file?)');
  bad(riff(chunk('LIST', Buffer.alloc(4)), ...good).subarray(0, 20), 'LIST chunk: declares 4 bytes but only 0 remain (truncated file?)');
});

test('writer: bad calls name the argument', () => {
  const { dir, cleanup } = tempDir();
  const path = join(dir, 'x.wav');
  const write = (audio: Partial<WavAudio>) => writeWav(path, audio as WavAudio);
  try {
    assertThrows(() => write({ sampleRate: 8000, channels: [f32(0)], format: 'mp3' as WavFormat }), RangeError, 'Expected one of pcm16, pcm24, pcm32, float32 for format but received "mp3" of type string');
    assertThrows(() => write({ sampleRate: 8000.5, channels: [f32(0)], format: 'pcm16' }), RangeError, /for sampleRate but received 8000\.5/);
    assertThrows(() => write({ sampleRate: 0, channels: [f32(0)], format: 'pcm16' }), RangeError, /Expected integer between 1 and \d+ for sampleRate but received 0/);
    assertThrows(() => write({ sampleRate: 8000, channels: [], format: 'pcm16' }), TypeError, 'Expected a non-empty array of Float32Array for channels');
    assertThrows(() => write({ sampleRate: 8000, channels: [new Float64Array(2) as unknown as Float32Array], format: 'pcm16' }), TypeError, 'Expected a non-empty array of Float32Array for channels');
    assertThrows(() => write({ sampleRate: 8000, channels: [f32(0, 0), f32(0)], format: 'pcm16' }), RangeError, 'Expected 2 samples for channel 2 (as channel 1) but received 1');
    assert.equal(readdirSync(dir), [], 'nothing written');
  } finally {
    cleanup();
  }
});

test('copyWavPrefix keeps the first frames in the source encoding, exactly; readWavInfo reads the header', () => {
  const { dir, cleanup } = tempDir();
  try {
    for (const format of ['pcm16', 'pcm24', 'float32'] as WavFormat[]) {
      const left = Float32Array.from({ length: 1001 }, (_, i) => Math.sin(i / 7) * 0.9);
      const right = Float32Array.from({ length: 1001 }, (_, i) => Math.cos(i / 5) * 0.5);
      const src = join(dir, `src-${format}.wav`);
      writeWav(src, { sampleRate: 44100, channels: [left, right], format });
      assert.equal(readWavInfo(src), { sampleRate: 44100, channels: 2, format, frames: 1001 });
      const info = copyWavPrefix(src, join(dir, `cut-${format}.wav`), 333);
      assert.equal(info, { sampleRate: 44100, channels: 2, format, frames: 333 });
      const whole = readWav(src);
      const cut = readWav(join(dir, `cut-${format}.wav`));
      assert.is(cut.format, format);
      for (let c = 0; c < 2; c++) assert.equal(Array.from(cut.channels[c]), Array.from(whole.channels[c].subarray(0, 333)));
      assert.equal(readWavInfo(join(dir, `cut-${format}.wav`)).frames, 333);
    }
    assertThrows(() => copyWavPrefix(join(dir, 'src-pcm16.wav'), join(dir, 'x.wav'), 1002), RangeError, /frames/);
    assertThrows(() => readWavInfo(join(dir, 'missing.wav')), InputError, /missing\.wav: file not found/);
  } finally {
    cleanup();
  }
});

test.run();
