/**
 * `ingest` on small hand-made raw sets (one subject, two songs, 5-s songs): the trigger rule, the
 * slice, the resampling, determinism, skipped subjects, the cleaned release, and every bad input
 * with its message. Hand-made files keep each case to the one defect it tests.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Dataset, InputError, MatV73Writer, ingest, resample, writeMatV5, writeWav, type MatCellValue } from '../src/index.js';
import { tempDir, assertRejects } from './helpers.js';

const SECONDS = 5;
const FRAMES = SECONDS * 44100;
const SLICE = SECONDS * 1000 - 1; // int(audio_length / 44100 · 1000) − 1, as mat_to_pkl.py
const NUM = Math.floor(SLICE / 8);

interface RawSpec {
  fs?: number;
  rows?: number;
  samples?: number;
  /** [label, onset] events; default: each song's trigger 300 samples before its 128 event. */
  events?: [string, number][];
  /** Song onsets (first EEG sample of each song), default 2000 and 9000. */
  onsets?: Record<number, number>;
  poison?: { row: number; col: number; value: number };
  omit?: string;
}

/** Deterministic test signal: channel c at sample t. */
const signal = (c: number, t: number) => 50 * Math.sin(0.013 * (c + 1) * t) + 3 * c + ((t * 7919 + c * 104729) % 97) / 10;

async function writeRaw(path: string, spec: RawSpec = {}): Promise<void> {
  const rows = spec.rows ?? 129;
  const samples = spec.samples ?? 16000;
  const onsets = spec.onsets ?? { 21: 2000, 22: 9000 };
  const events: [string, number][] =
    spec.events ??
    Object.entries(onsets).flatMap(([song, onset]): [string, number][] => [
      [`D${song}`, onset + 700],
      ['D128', onset + 1000],
    ]);
  const w = await MatV73Writer.create(path);
  if (spec.omit !== 'fs') w.writeScalar('fs', spec.fs ?? 1000);
  if (spec.omit !== 'DIN_1') {
    const cells: MatCellValue[] = events.flatMap(([label, onset]) => [label, onset]);
    w.writeCell('DIN_1', 2, events.length, cells);
  }
  if (spec.omit !== 'X') {
    const x = new Float64Array(rows * samples); // column-major rows × samples
    for (let t = 0; t < samples; t++) for (let c = 0; c < rows; c++) x[t * rows + c] = c === 128 ? 0 : signal(c, t);
    if (spec.poison) x[spec.poison.col * rows + spec.poison.row] = spec.poison.value;
    w.writeNumeric('X', 'double', rows, samples, x);
  }
  await w.close();
}

function writeSongs(dir: string, songs = [21, 22]): void {
  for (const song of songs) {
    const audio = new Float32Array(FRAMES).map((_, i) => Math.sin((i * song) / 1000) * 0.5);
    writeWav(join(dir, 'audio', `${song}.wav`), { sampleRate: 44100, channels: [audio], format: 'float32' });
  }
}

async function rawSet(spec: RawSpec = {}, songs = [21, 22]): Promise<{ input: string; out: string; cleanup: () => void }> {
  const { dir, cleanup } = tempDir();
  const input = join(dir, 'in');
  for (const d of ['raw', 'audio']) (await import('node:fs')).mkdirSync(join(input, d), { recursive: true });
  await writeRaw(join(input, 'raw', 'S02_1.mat'), spec);
  writeSongs(input, songs);
  return { input, out: join(dir, 'out'), cleanup };
}

const rejects = (promise: Promise<unknown>, pattern: RegExp) => assertRejects(promise, InputError, pattern);

test('slices each song by the trigger rule, drops row 129 and resamples 1000 → 125 Hz', async () => {
  const set = await rawSet();
  try {
    const { manifest } = await ingest({ input: set.input, out: set.out, songs: [21, 22] });
    assert.equal(manifest.recordings.map((r) => [r.subject, r.song, r.channels, r.samples, r.sourceOnset]), [
      [2, 21, 128, NUM, 2000],
      [2, 22, 128, NUM, 9000],
    ]);
    const dataset = await Dataset.open(set.out);
    const rec = await dataset.recording(2, 22);
    // the same slice, built independently from the signal, through the reference resampler
    const slice = new Float64Array(128 * SLICE);
    for (let c = 0; c < 128; c++) for (let t = 0; t < SLICE; t++) slice[c * SLICE + t] = signal(c, 9000 + t);
    const expected = await resample(slice, { channels: 128, samples: SLICE }, NUM, { engine: 'reference' });
    let worst = 0;
    for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(rec.data[i] - Math.fround(expected[i])));
    assert.ok(worst <= 1e-4, `max |ingest − reference| = ${worst}`); // float32 storage of ~100 µV values
    await dataset.close();
  } finally {
    set.cleanup();
  }
});

test('the same inputs give byte-identical output files', async () => {
  const set = await rawSet();
  try {
    await ingest({ input: set.input, out: set.out, songs: [21, 22] });
    const first = readdirSync(set.out, { recursive: true }).sort().map((f) => [f, existsSync(join(set.out, String(f))) && !String(f).endsWith('audio') ? readFileSync(join(set.out, String(f))) : null]);
    await ingest({ input: set.input, out: set.out, songs: [21, 22] });
    for (const [f, bytes] of first) {
      if (bytes) assert.ok(Buffer.compare(bytes as Buffer, readFileSync(join(set.out, String(f)))) === 0, `${f} differs`);
    }
  } finally {
    set.cleanup();
  }
});

test('a subject with a missing song is skipped with a warning and listed in the manifest', async () => {
  const set = await rawSet({ onsets: { 21: 2000, 22: 9000 } });
  try {
    (await import('node:fs')).mkdirSync(join(set.input, 'raw'), { recursive: true });
    await writeRaw(join(set.input, 'raw', 'S03_1.mat'), { onsets: { 21: 3000 } });
    const warnings: string[] = [];
    const { manifest } = await ingest({ input: set.input, out: set.out, songs: [21, 22], onWarning: (w) => warnings.push(w) });
    assert.equal([...new Set(manifest.recordings.map((r) => r.subject))], [2]);
    assert.equal(manifest.skipped.map((s) => [s.subject, s.song]), [[3, 22]]);
    assert.match(warnings.join('\n'), /subject 3 lacks song\(s\) 22: skipped/);
  } finally {
    set.cleanup();
  }
});

test('bad raw files are rejected with the file, the field and the problem, leaving no output', async () => {
  const cases: [string, RawSpec, RegExp][] = [
    ['wrong fs', { fs: 500 }, /S02_1\.mat: fs: is 500, expected 1000 Hz/],
    ['missing fs', { omit: 'fs' }, /S02_1\.mat: fs: missing variable/],
    ['missing X', { omit: 'X' }, /S02_1\.mat: X: missing variable/],
    ['missing DIN_1', { omit: 'DIN_1' }, /S02_1\.mat: DIN_1: missing variable/],
    ['X without the reference row', { rows: 128 }, /S02_1\.mat: X: has shape 128×16000, expected 129 × samples/],
    ['no 128 after a song trigger', { events: [['D21', 2700], ['D1', 2900], ['D128', 3000], ['D22', 9700], ['D128', 10000]] }, /song trigger 21 \(event 1\) is followed by event 2 with code 1, expected a 128 event/],
    ['song trigger at the end', { events: [['D22', 9700], ['D128', 10000], ['D21', 11000]] }, /song trigger 21 \(event 3\) is followed by the end of the events/],
    ['duplicated trigger', { events: [['D21', 2700], ['D128', 3000], ['D21', 5000], ['D128', 5300], ['D22', 9700], ['D128', 10000]] }, /song trigger 21 occurs 2 times \(events 1, 3\); expected once/],
    ['song shorter than its length', { onsets: { 21: 2000, 22: 12000 } }, /X: song 22 needs samples \[12000, 16999\) but the recording has 16000: the song is shorter than its length/],
    ['NaN sample', { poison: { row: 5, col: 9100, value: NaN } }, /X: non-finite value NaN at channel 6, sample 9100/],
    ['Inf sample', { poison: { row: 0, col: 2000, value: Infinity } }, /X: non-finite value Infinity at channel 1, sample 2000/],
  ];
  for (const [name, spec, pattern] of cases) {
    const set = await rawSet(spec);
    try {
      await rejects(ingest({ input: set.input, out: set.out, songs: [21, 22] }), pattern);
      assert.not.ok(existsSync(set.out), `${name}: output left behind`);
      assert.equal(readdirSync(join(set.out, '..')).sort(), ['in'], `${name}: temporary files left behind`);
    } finally {
      set.cleanup();
    }
  }
});

test('a truncated or non-MATLAB raw file is rejected by name', async () => {
  const set = await rawSet();
  try {
    const path = join(set.input, 'raw', 'S02_1.mat');
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await rejects(ingest({ input: set.input, out: set.out, songs: [21, 22] }), /S02_1\.mat.*truncated/);
    writeFileSync(path, 'this is not a MAT-file at all, just text');
    await rejects(ingest({ input: set.input, out: set.out, songs: [21, 22] }), /S02_1\.mat.*not a MATLAB v7\.3 file/);
    assert.not.ok(existsSync(set.out));
  } finally {
    set.cleanup();
  }
});

test('missing audio and empty inputs are named', async () => {
  const set = await rawSet({}, [21]);
  try {
    await rejects(ingest({ input: set.input, out: set.out, songs: [21, 22] }), /audio: no WAV file for song 22 \(expected Oino\.wav or 22\.wav\)/);
    await rejects(ingest({ input: join(set.input, 'audio'), out: set.out }), /no raw EEG files/);
  } finally {
    set.cleanup();
  }
});

test('the cleaned release: data<T> 125 × T × subjects at 125 Hz is taken as it is', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const input = join(dir, 'in');
    (await import('node:fs')).mkdirSync(join(input, 'clean'), { recursive: true });
    (await import('node:fs')).mkdirSync(join(input, 'audio'), { recursive: true });
    writeSongs(input, [21]);
    const [C, T, S] = [125, 600, 2];
    const data = new Float64Array(C * T * S).map((_, i) => (i % 1000) / 10); // column-major (C, T, S)
    const subs = ['S02', 'S05'].map((text) => ({ kind: 'char' as const, dims: [1, 3], text }));
    writeMatV5(join(input, 'clean', 'song21_Imputed.mat'), [
      { name: 'data21', value: { kind: 'numeric', matlabClass: 'double', dims: [C, T, S], data } },
      { name: 'fs', value: { kind: 'numeric', matlabClass: 'double', dims: [1, 1], data: new Float64Array([125]) } },
      { name: 'subs21', value: { kind: 'cell', dims: [1, S], cells: subs } },
    ]);
    const { manifest } = await ingest({ input, out: join(dir, 'out'), source: 'clean', songs: [21] });
    assert.equal(manifest.recordings.map((r) => [r.subject, r.channels, r.samples, r.fs]), [[2, 125, 600, 125], [5, 125, 600, 125]]);
    const dataset = await Dataset.open(join(dir, 'out'));
    const rec = await dataset.recording(5, 21);
    for (const [c, t] of [[0, 0], [7, 13], [124, 599]]) assert.is(rec.data[c * T + t], Math.fround(data[c + C * (t + T * 1)]));
    await dataset.close();
  } finally {
    cleanup();
  }
});

test.run();
