import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  audioFramesOfSong,
  chunkSamples,
  clipAudioPadFrames,
  clipPadSamples,
  delaySamples,
  isSongTrigger,
  isSubject,
  labelOfTrigger,
  paddedClipAudioFrames,
  rawSamplesOfSong,
  songByTrigger,
  songs,
  songTriggers,
  subjects,
  triggerOfLabel,
  validationWindowsPerChunk,
} from '../src/data/nmedt.js';

test('ten songs with triggers 21–30, labels 0–9 and the official file names and lengths', () => {
  assert.equal(songTriggers, [21, 22, 23, 24, 25, 26, 27, 28, 29, 30]);
  assert.equal(songs.map((s) => s.lengthSeconds), [278, 271, 276, 294, 289, 276, 292, 292, 293, 298]);
  assert.is(songs[5].audioFile, 'Canopee.wav');
  assert.is(songs[7].audioFile, 'UntilTheSunNeedsToRise.wav');
  songs.forEach((s, i) => {
    assert.is(s.index, i);
    assert.is(s.trigger, 21 + i);
  });
  assert.ok(Object.isFrozen(songs) && Object.isFrozen(songs[0]), 'the facts cannot be edited by accident');
});

test('twenty subjects: 2–17, 19, 20, 21, 23', () => {
  assert.is(subjects.length, 20);
  assert.ok(isSubject(23) && !isSubject(1) && !isSubject(18) && !isSubject(22));
});

test('derived protocol constants', () => {
  assert.is(chunkSamples, 3750);
  assert.is(delaySamples, 25);
  assert.is(clipPadSamples, 177);
  assert.is(paddedClipAudioFrames - 132300 - 2 * clipAudioPadFrames, 1, 'audio pads 22423 | clip | 22424');
  assert.is(clipAudioPadFrames, 22423);
  assert.is(validationWindowsPerChunk, 14);
});

test('trigger and label lookups', () => {
  assert.is(songByTrigger(22).title, 'Oino');
  assert.is(labelOfTrigger(21), 0);
  assert.is(labelOfTrigger(30), 9);
  assert.is(triggerOfLabel(9), 30);
  assert.ok(isSongTrigger(25) && !isSongTrigger(31) && !isSongTrigger(25.5));
  assert.is(rawSamplesOfSong(21), 278000);
  assert.is(audioFramesOfSong(22), 271 * 44100);
});

test('unknown triggers and labels are RangeErrors that say what was expected', () => {
  assert.throws(() => songByTrigger(128), (e: Error) => e instanceof RangeError && /between 21 and 30 but received 128/.test(e.message));
  assert.throws(() => labelOfTrigger(20), (e: Error) => e instanceof RangeError && /received 20/.test(e.message));
  assert.throws(() => triggerOfLabel(10), (e: Error) => e instanceof RangeError && /between 0 and 9 but received 10/.test(e.message));
  assert.throws(() => triggerOfLabel(0.5), (e: Error) => e instanceof RangeError && /received 0.5/.test(e.message));
});

test.run();
