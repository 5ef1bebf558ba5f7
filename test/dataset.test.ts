import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Dataset, type DatasetManifest } from '../src/data/dataset.js';
import { InputError } from '../src/errors.js';
import { EegArrowWriter } from '../src/io/eeg-arrow.js';
import { tempDir, assertRejects } from './helpers.js';

const { dir: root, cleanup } = tempDir();
let n = 0;

const fullSong = 8 * 30 * 44100; // frames that cover 8 audio chunks
type Rec = { subject: number; song: number; samples: number; channels?: number };

/** EEG values that identify their recording: subject·1000 + song, plus the sample index / 1e4. */
function eegOf(r: Rec): Float32Array {
  const channels = r.channels ?? 2;
  return Float32Array.from({ length: channels * r.samples }, (_, i) => r.subject * 1000 + r.song + (i % r.samples) / 1e4);
}

/** A float32 mono WAV file (format tag 3) written by hand, so the test depends only on readWav. */
function wavBytes(samples: Float32Array, sampleRate = 44100): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + samples.byteLength, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(3, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 4, 28);
  header.writeUInt16LE(4, 32);
  header.writeUInt16LE(32, 34);
  header.write('data', 36);
  header.writeUInt32LE(samples.byteLength, 40);
  return Buffer.concat([header, Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength)]);
}

function manifestOf(recs: Rec[], songs: { song: number; frames: number }[]): DatasetManifest {
  return {
    format: 'predann-dataset',
    formatVersion: 1,
    predannVersion: '0.1.0',
    source: { kind: 'raw', files: [{ name: 'S02_1.mat', bytes: 123, sha256: 'ab'.repeat(32) }] },
    parameters: { fs: 125, sourceFs: 1000, channels: 2, resample: 'scipy.signal.resample', filter: null },
    recordings: recs.map((r, batch) => ({ subject: r.subject, song: r.song, batch, channels: r.channels ?? 2, samples: r.samples, fs: 125, source: 'S02_1.mat' })),
    songs: songs.map((s) => ({ song: s.song, audio: `audio/${s.song}.wav`, sampleRate: 44100, frames: s.frames, channels: 1 })),
    skipped: [{ subject: 14, song: 24, reason: 'no trigger 24 in S14_1.mat' }],
  };
}

/** Writes a dataset directory; `edit` may change the manifest JSON before it is written. */
async function makeDataset(recs: Rec[], songs: { song: number; frames: number }[], edit: (m: any) => void = () => {}): Promise<string> {
  const dir = join(root, `ds-${n++}`);
  mkdirSync(join(dir, 'audio'), { recursive: true });
  const writer = await EegArrowWriter.create(join(dir, 'eeg.arrow'));
  for (const r of recs) await writer.append({ subject: r.subject, song: r.song, fs: 125, channels: r.channels ?? 2, samples: r.samples, data: eegOf(r) });
  await writer.close();
  const manifest = manifestOf(recs, songs);
  edit(manifest);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return dir;
}

const rejectsInput = (promise: Promise<unknown>, pattern: RegExp) => assertRejects(promise, InputError, pattern);

const standard: Rec[] = [
  { subject: 2, song: 21, samples: 30025 },
  { subject: 2, song: 22, samples: 30025 },
  { subject: 3, song: 21, samples: 30024 },
];
const standardSongs = [
  { song: 21, frames: fullSong },
  { song: 22, frames: fullSong },
];

test('open exposes dir, manifest and a copy of the recordings', async () => {
  const dir = await makeDataset(standard, standardSongs);
  const ds = await Dataset.open(dir);
  assert.is(ds.dir, dir);
  assert.is(ds.manifest.recordings.length, 3);
  const recs = ds.recordings();
  recs[0].subject = 99;
  assert.is(ds.recordings()[0].subject, 2);
  await ds.close();
});

test('recording(subject, song) reads the matching record batch', async () => {
  const dir = await makeDataset(standard, standardSongs);
  const ds = await Dataset.open(dir);
  for (const r of [standard[2], standard[0], standard[1]]) {
    const rec = await ds.recording(r.subject, r.song);
    assert.equal([rec.subject, rec.song, rec.channels, rec.samples, rec.fs], [r.subject, r.song, 2, r.samples, 125]);
    assert.equal(rec.data, eegOf(r));
  }
  try {
    await ds.recording(4, 21);
    assert.unreachable();
  } catch (err) {
    assert.instance(err, RangeError);
    assert.match((err as Error).message, /No recording of subject 4 song 21/);
  }
  await ds.close();
});

test('chunkRefs: 8 per full recording, fewer when the EEG (after the delay) or the audio is short', async () => {
  const dir = await makeDataset(
    [...standard, { subject: 4, song: 23, samples: 50000 }],
    [...standardSongs, { song: 23, frames: 3 * 30 * 44100 + 5 }],
  );
  const ds = await Dataset.open(dir);
  const refs = ds.chunkRefs();
  const count = (s: number, song: number) => refs.filter((r) => r.subject === s && r.song === song).length;
  assert.equal([count(2, 21), count(2, 22), count(3, 21), count(4, 23)], [8, 8, 7, 3]);
  assert.equal(refs.slice(0, 2), [
    { subject: 2, song: 21, label: 0, chunk: 0 },
    { subject: 2, song: 21, label: 0, chunk: 1 },
  ]);
  assert.is(ds.chunkRefs({ delaySamples: 0 }).filter((r) => r.subject === 3).length, 8, 'no delay: 30024 samples hold 8');
  assert.throws(() => ds.chunkRefs({ delaySamples: -1 }), (e: Error) => e instanceof RangeError && /delaySamples/.test(e.message));
  await ds.close();
});

test('summary counts recordings, chunks and hours per subject and per song', async () => {
  const dir = await makeDataset(standard, standardSongs);
  const ds = await Dataset.open(dir);
  const s = ds.summary();
  assert.equal(
    { recordings: s.recordings, subjects: s.subjects, songs: s.songs, chunks: s.chunks, skipped: s.skipped, channels: s.channels, fs: s.fs },
    { recordings: 3, subjects: 2, songs: 2, chunks: 23, skipped: 1, channels: 2, fs: 125 },
  );
  assert.ok(Math.abs(s.totalHours - (30025 + 30025 + 30024) / 125 / 3600) < 1e-12);
  assert.equal(s.perSubject.map((r) => [r.subject, r.recordings, r.chunks]), [[2, 2, 16], [3, 1, 7]]);
  assert.equal(s.perSong.map((r) => [r.song, r.title, r.recordings, r.chunks]), [[21, 'First Fires', 2, 15], [22, 'Oino', 1, 8]]);
  await ds.close();
});

test('audio(song) reads the WAV and checks it against the manifest', async () => {
  const dir = await makeDataset(standard, [{ song: 21, frames: 1000 }, { song: 22, frames: 10 }]);
  const samples = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i / 10));
  writeFileSync(join(dir, 'audio', '21.wav'), wavBytes(samples));
  writeFileSync(join(dir, 'audio', '22.wav'), wavBytes(new Float32Array(11)));
  const ds = await Dataset.open(dir);
  const audio = await ds.audio(21);
  assert.equal([audio.song, audio.sampleRate, audio.frames, audio.channels.length], [21, 44100, 1000, 1]);
  assert.equal(audio.channels[0], samples);
  await rejectsInput(ds.audio(22), /22\.wav: frames: is 11 but manifest\.json says 10/);
  try {
    await ds.audio(23);
    assert.unreachable();
  } catch (err) {
    assert.instance(err, RangeError);
    assert.match((err as Error).message, /No audio for song 23/);
  }
  await ds.close();
});

// --- bad datasets ---

test('a directory without manifest.json, or with broken JSON', async () => {
  const empty = join(root, 'empty');
  mkdirSync(empty);
  await rejectsInput(Dataset.open(empty), /empty\/manifest\.json: missing: not a predann dataset directory/);
  const dir = await makeDataset(standard, standardSongs);
  writeFileSync(join(dir, 'manifest.json'), '{"format": ');
  await rejectsInput(Dataset.open(dir), /manifest\.json: not valid JSON/);
  writeFileSync(join(dir, 'manifest.json'), '[]');
  await rejectsInput(Dataset.open(dir), /manifest\.json: expected an object, got \[\]/);
});

test('wrong format or format version', async () => {
  await rejectsInput(Dataset.open(await makeDataset(standard, standardSongs, (m) => (m.format = 'other'))), /manifest\.json: format: is "other"; expected "predann-dataset"/);
  await rejectsInput(
    Dataset.open(await makeDataset(standard, standardSongs, (m) => (m.formatVersion = 2))),
    /manifest\.json: formatVersion: is 2; this predann reads version 1/,
  );
});

test('bad fields are named with their path', async () => {
  const cases: [(m: any) => void, RegExp][] = [
    [(m) => (m.recordings[1].samples = -1), /recordings\[1\]\.samples: expected a positive integer, got -1/],
    [(m) => (m.recordings[0].subject = 18), /recordings\[0\]\.subject: 18 is not an NMED-T subject/],
    [(m) => (m.recordings[0].song = 31), /recordings\[0\]\.song: 31 is not a song trigger/],
    [(m) => delete m.recordings[2].source, /recordings\[2\]\.source: expected a string, got nothing/],
    [(m) => (m.parameters.fs = 0), /parameters\.fs: expected a positive number, got 0/],
    [(m) => (m.source.kind = 'cooked'), /source\.kind: is "cooked"; expected "raw" or "clean"/],
    [(m) => (m.songs = {}), /songs: expected an array, got \{\}/],
    [(m) => (m.songs[1].song = 21), /songs\[1\]\.song: song 21 is listed twice/],
    [(m) => Object.assign(m.recordings[2], { subject: 2, song: 22 }), /recordings\[2\]: subject 2 song 22 is also recordings\[1\]/],
    [(m) => (m.recordings[2].batch = 0), /recordings\[2\]\.batch: batch 0 is also used by recordings\[0\]/],
    [(m) => m.songs.pop(), /recordings\[1\]\.song: song 22 has no entry in songs/],
  ];
  for (const [edit, pattern] of cases) await rejectsInput(Dataset.open(await makeDataset(standard, standardSongs, edit)), pattern);
});

test('manifest and eeg.arrow must agree', async () => {
  const noEeg = await makeDataset(standard, standardSongs);
  rmSync(join(noEeg, 'eeg.arrow'));
  await rejectsInput(Dataset.open(noEeg), /eeg\.arrow: no such file/);

  const fewer = await makeDataset(standard, standardSongs, (m) => m.recordings.pop());
  await rejectsInput(Dataset.open(fewer), /eeg\.arrow: holds 3 recordings but manifest\.json lists 2/);

  const outOfRange = await makeDataset(standard, standardSongs, (m) => (m.recordings[2].batch = 7));
  await rejectsInput(Dataset.open(outOfRange), /eeg\.arrow: has no record batch 7 \(manifest\.json recordings\[2\]\.batch\)/);

  const swapped = await makeDataset(standard, standardSongs, (m) => {
    m.recordings[0].batch = 1;
    m.recordings[1].batch = 0;
  });
  const ds = await Dataset.open(swapped);
  await rejectsInput(ds.recording(2, 21), /eeg\.arrow: record batch 1: has song 22 but manifest\.json says 21/);
  await ds.close();
});

test.after(cleanup);
test.run();
