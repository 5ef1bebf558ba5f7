/**
 * Training batches on a tiny synthetic data set (1 subject × 2 songs × 40 s): each item's EEG is
 * the official crop preprocessed as case b, its audio the aligned crop padded as the official
 * loader (or decimated for the small preset), its label the song index, all replayable from the seed.
 */
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Dataset, PyRandom, preprocessClips, presets, trainingCrop } from '../src/index.js';
import { TrainingData } from '../src/train/training-batch.js';
import { writeAudioClip } from '../src/train/audio-clip.js';
import { assertThrows, tempDir, tinyDataset } from './helpers.js';

const { dir, cleanup } = tempDir();
let dataset: Dataset;

test.before(async () => {
  await tinyDataset(dir, 40);
  dataset = await Dataset.open(join(dir, 'data'));
});

test.after(async () => {
  await dataset.close();
  cleanup();
});

test('paper preset: EEG crops preprocessed as case b, aligned audio padded to 3^11, labels, replayable', async () => {
  const refs = dataset.chunkRefs();
  assert.is(refs.length, 2);
  const data = new TrainingData(dataset, presets.paper);
  const batch = await data.batch(refs, new PyRandom(7));
  assert.equal(batch.eegShape, [2, 128, 729]);
  assert.equal(batch.musicShape, [2, 1, 177147]);
  assert.equal(Array.from(batch.labels), [0, 1]);

  const replay = new PyRandom(7);
  for (const [i, ref] of refs.entries()) {
    const crop = trainingCrop(ref, replay);
    const rec = await dataset.recording(ref.subject, ref.song);
    const clip = new Float32Array(128 * 375);
    for (let c = 0; c < 128; c++) clip.set(rec.data.subarray(c * rec.samples + crop.eegStart, c * rec.samples + crop.eegStart + 375), c * 375);
    const { output } = await preprocessClips(clip, { count: 1, channels: 128, length: 375 });
    assert.equal(batch.eeg.subarray(i * 128 * 729, (i + 1) * 128 * 729), output, `EEG item ${i}`);

    const song = (await dataset.audio(ref.song)).channels[0];
    const music = batch.music.subarray(i * 177147, (i + 1) * 177147);
    assert.ok(music.subarray(0, 22423).every((v) => v === 0) && music.subarray(22423 + 132300).every((v) => v === 0), 'pads are zeros');
    assert.equal(music.subarray(22423, 22423 + 132300), song.subarray(crop.audioStart, crop.audioStart + 132300), `audio item ${i}`);
  }
  const again = await new TrainingData(dataset, presets.paper).batch(refs, new PyRandom(7));
  assert.equal(again.eeg, batch.eeg);
  assert.equal(again.music, batch.music);
});

test('small preset: audio averaged over 9 samples and centred in 3^9', async () => {
  const refs = dataset.chunkRefs().slice(0, 1);
  const batch = await new TrainingData(dataset, presets.small).batch(refs, new PyRandom(3));
  assert.equal(batch.musicShape, [1, 1, 19683]);
  const crop = trainingCrop(refs[0], new PyRandom(3));
  const song = (await dataset.audio(refs[0].song)).channels[0];
  const before = Math.floor((19683 - 14700) / 2);
  for (const k of [0, 1, 7000, 14699]) {
    let sum = 0;
    for (let j = 0; j < 9; j++) sum += song[crop.audioStart + 9 * k + j];
    assert.ok(Math.abs(batch.music[before + k] - sum / 9) <= 1e-7, `sample ${k}`);
  }
  assert.is(batch.music[before - 1], 0);
  assert.is(batch.music[before + 14700], 0);
});

test('writeAudioClip rejects crops outside the song and mismatched channels', () => {
  const spec = { height: 1, width: 10, decimation: 1 };
  assertThrows(() => writeAudioClip([new Float32Array(5)], 2, 4, spec, new Float32Array(10)), RangeError, 'Audio crop [2, 6) lies outside the song\'s 5 samples');
  assertThrows(() => writeAudioClip([new Float32Array(5), new Float32Array(5)], 0, 4, spec, new Float32Array(10)), RangeError, /Expected 1 audio channel/);
  assertThrows(() => writeAudioClip([new Float32Array(50)], 0, 20, spec, new Float32Array(10)), RangeError, /at most 10 samples/);
});

test.run();
