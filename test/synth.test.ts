import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MatV73Reader } from '../src/io/mat-v73.js';
import { readMatV5 } from '../src/io/mat-v5.js';
import { readWav } from '../src/io/wav.js';
import { songByTrigger } from '../src/data/nmedt.js';
import { extractAudioFeatures, FEATURE_COUNT } from '../src/data/synth/audio-features.js';
import { FirDecimator } from '../src/data/synth/fir-decimator.js';
import { PinkNoiseBank } from '../src/data/synth/pink-noise.js';
import { SeededRng } from '../src/data/synth/seeded-rng.js';
import { describeSubject, SOURCE_COUNT } from '../src/data/synth/subject-model.js';
import { synthesizeNmedt, type SynthSummary } from '../src/data/synth/synth-nmedt.js';
import { tempDir } from './helpers.js';

// One small data set shared by the file-format tests: 2 participants × 3 songs × 20 s.
const SECONDS = 20;
const SONGS = [21, 22, 27];
const workspace = tempDir('predann-synth-');
let shared: SynthSummary;

async function small(name: string, options: Record<string, unknown> = {}): Promise<SynthSummary> {
  return synthesizeNmedt({ out: join(workspace.dir, name), subjects: [5], songs: [23, 24], seconds: 5, parts: 1, ...options });
}

async function rejects(call: () => Promise<unknown>, message: RegExp): Promise<void> {
  try {
    await call();
  } catch (err) {
    assert.instance(err, RangeError, `expected RangeError, got ${String(err)}`);
    assert.match((err as Error).message, message);
    return;
  }
  assert.unreachable(`expected a RangeError matching ${message}`);
}

interface SongOnset {
  song: number;
  onset: number;
}

/** Song onsets by the official rule: a song trigger, then a D128 event; onset = onset(D128) − 1000. */
async function songOnsets(path: string): Promise<{ onsets: SongOnset[]; labels: string[]; frames: number }> {
  const reader = await MatV73Reader.open(path);
  try {
    const din = reader.readCell('DIN_1');
    const [rows, events] = din.dims;
    const labels = Array.from({ length: events }, (_, e) => din.cells[e * rows] as string);
    const onsetOf = (e: number) => din.cells[e * rows + 1] as number;
    const onsets: SongOnset[] = [];
    labels.forEach((label, e) => {
      const code = Number(label.slice(1));
      if (code < 21 || code > 30) return;
      assert.is(labels[e + 1], 'D128', `${basename(path)}: ${label} must be followed by D128`);
      assert.ok(onsetOf(e) < onsetOf(e + 1) - 1000, `${label} comes before the music starts`);
      onsets.push({ song: code, onset: onsetOf(e + 1) - 1000 });
    });
    return { onsets, labels, frames: reader.info('X').dims[1] };
  } finally {
    reader.close();
  }
}

function movingAverage(x: Float64Array, width: number): Float64Array {
  const out = new Float64Array(x.length);
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    sum += x[i];
    if (i >= width) sum -= x[i - width];
    out[i] = sum / Math.min(i + 1, width);
  }
  return out;
}

/** ~2–40 Hz: minus a centred 250-ms mean (drift, DC), then a 10-ms mean (line noise). */
function bandPass(x: Float64Array): Float64Array {
  const slow = movingAverage(x, 250);
  return movingAverage(x.map((v, i) => v - slow[Math.min(x.length - 1, i + 125)]), 10);
}

/** Pearson correlation of a[t + lag] with b[t]. */
function laggedCorrelation(a: Float64Array, b: Float64Array, lag: number): number {
  const n = Math.min(a.length - lag, b.length);
  let sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i + lag];
    const y = b[i];
    sa += x;
    sb += y;
    saa += x * x;
    sbb += y * y;
    sab += x * y;
  }
  return (sab / n - (sa / n) * (sb / n)) / Math.sqrt((saa / n - (sa / n) ** 2) * (sbb / n - (sb / n) ** 2));
}

test.before(async () => {
  shared = await synthesizeNmedt({ out: join(workspace.dir, 'shared'), subjects: 2, songs: SONGS, seconds: SECONDS, seed: 0 });
});

test.after(() => workspace.cleanup());

test('writes the NMED-T layout: raw parts, song WAVs and the cleaned release', () => {
  assert.equal(shared.subjects, [2, 3]);
  assert.equal(shared.songs, SONGS);
  assert.equal(shared.seconds, { 21: 20, 22: 20, 27: 20 });
  assert.equal(shared.rawFiles.map((f) => basename(f)), ['S02_1.mat', 'S02_2.mat', 'S03_1.mat', 'S03_2.mat']);
  assert.equal(shared.audioFiles.map((f) => basename(f)), ['FirstFires.wav', 'Oino.wav', 'DoingYoga.wav']);
  assert.equal(shared.cleanFiles.map((f) => basename(f)), ['song21_Imputed.mat', 'song22_Imputed.mat', 'song27_Imputed.mat']);
  const all = [...shared.rawFiles, ...shared.audioFiles, ...shared.cleanFiles];
  assert.is(shared.bytes, all.reduce((sum, f) => sum + statSync(f).size, 0));
  assert.equal(readdirSync(workspace.dir).sort(), ['shared'], 'no temporary files left beside the output');
});

test('raw files hold X (129 × T single, row 129 zero), fs = 1000 and a 4-row DIN_1', async () => {
  for (const path of shared.rawFiles) {
    const reader = await MatV73Reader.open(path);
    try {
      const x = reader.info('X');
      assert.is(x.matlabClass, 'single');
      assert.is(x.dims[0], 129);
      assert.is(reader.readScalar('fs'), 1000);
      const din = reader.readCell('DIN_1');
      assert.is(din.dims[0], 4);
      for (let e = 0; e < din.dims[1]; e++) {
        assert.match(din.cells[4 * e] as string, /^D\d+$/);
        assert.ok(Number.isInteger(din.cells[4 * e + 1]), 'onsets are whole samples');
        assert.is(din.cells[4 * e + 3], Number((din.cells[4 * e] as string).slice(1)), 'row 4 holds the code');
      }
      const reference = reader.readColumns('X', 0, x.dims[1], 128, 129);
      assert.ok(reference.every((v) => v === 0), 'row 129 is exactly zero');
      const scalp = reader.readColumns('X', 0, 2000, 0, 128);
      assert.ok(scalp.some((v) => Math.abs(v) > 100), 'raw EEG carries DC offsets of hundreds of µV');
    } finally {
      reader.close();
    }
  }
});

test('every song appears once per participant, located by the trigger rule, and fits in X', async () => {
  for (const subject of ['S02', 'S03']) {
    const songs: number[] = [];
    let markers = 0;
    for (const path of shared.rawFiles.filter((f) => basename(f).startsWith(subject))) {
      const { onsets, labels, frames } = await songOnsets(path);
      for (const { song, onset } of onsets) {
        assert.ok(onset > 0 && onset + SECONDS * 1000 <= frames, `song ${song} lies inside ${basename(path)}`);
        songs.push(song);
      }
      markers += labels.filter((l) => l === 'D1').length;
    }
    assert.equal(songs.sort(), SONGS);
    assert.ok(markers >= 2, 'unrelated D1 events are present for the ingest to ignore');
  }
});

test('WAVs are 44.1 kHz mono, exactly seconds · 44100 frames, and the songs differ', () => {
  const audio = shared.audioFiles.map((f) => readWav(f));
  for (const wav of audio) {
    assert.is(wav.sampleRate, 44100);
    assert.is(wav.channels.length, 1);
    assert.is(wav.channels[0].length, SECONDS * 44100);
    const peak = wav.channels[0].reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    assert.ok(peak > 0.8 && peak < 0.9, `normalised to a peak of 0.89, got ${peak}`);
  }
  const onsetRate = (wav: (typeof audio)[number]) => {
    const f = extractAudioFeatures(wav.channels[0], wav.sampleRate);
    return f.values.subarray((FEATURE_COUNT - 1) * f.frames).reduce((s, v) => s + v, 0) / SECONDS;
  };
  const rates = audio.map(onsetRate);
  assert.ok(new Set(rates.map((r) => r.toFixed(3))).size === rates.length, 'songs have different onset profiles');
});

test('the EEG follows the audio onsets at the participant latency (~200 ms), not at 0 or 1000 ms', async () => {
  for (const subject of [2, 3]) {
    const model = describeSubject(0, subject);
    const bad = new Set(model.artifacts.badChannels.map((b) => b.channel));
    // Spatial filter: the participant's topography of the onset response, bad channels left out.
    const onsetSource = FEATURE_COUNT - 1;
    const filter = Float64Array.from({ length: 128 }, (_, c) => (bad.has(c) ? 0 : model.mixing[c * SOURCE_COUNT + onsetSource]));
    const latency = Math.round(model.latencyMs);
    for (const path of shared.rawFiles.filter((f) => basename(f).startsWith(`S0${subject}`))) {
      const { onsets } = await songOnsets(path);
      const reader = await MatV73Reader.open(path);
      for (const { song, onset } of onsets) {
        const block = reader.readColumns('X', onset, onset + SECONDS * 1000, 0, 128); // time-major
        const eeg = new Float64Array(SECONDS * 1000).map((_, t) => filter.reduce((s, w, c) => s + w * block[t * 128 + c], 0));
        const wav = readWav(shared.audioFiles[SONGS.indexOf(song)]);
        const features = extractAudioFeatures(wav.channels[0], wav.sampleRate);
        const onsetStrength = Float64Array.from(features.values.subarray(onsetSource * features.frames));
        const [y, x] = [bandPass(eeg), bandPass(onsetStrength)];
        // The kernel's positive lobe peaks 16–28 ms after the latency.
        const atLatency = Math.max(...[0, 10, 20, 30, 40].map((d) => laggedCorrelation(y, x, latency + d)));
        const atZero = Math.abs(laggedCorrelation(y, x, 0));
        const atSecond = Math.abs(laggedCorrelation(y, x, 1000));
        assert.ok(atLatency > 0.15, `S0${subject} song ${song}: correlation ${atLatency.toFixed(3)} at ${latency} ms`);
        const values = `${atLatency.toFixed(3)} vs ${atZero.toFixed(3)} (0 ms), ${atSecond.toFixed(3)} (1000 ms)`;
        assert.ok(atLatency > 2 * atZero && atLatency > 2 * atSecond, `S0${subject} song ${song}: ${values}`);
      }
      reader.close();
    }
  }
});

test('the cleaned release: data<T> 125 × T × participants at 125 Hz, fs, subs<T>, from the same latent EEG', async () => {
  const variables = readMatV5(shared.cleanFiles[2]);
  assert.equal(variables.map((v) => v.name), ['data27', 'fs', 'subs27']);
  const [data, fs, subs] = variables.map((v) => v.value);
  assert.ok(data.kind === 'numeric' && fs.kind === 'numeric' && subs.kind === 'cell');
  if (data.kind !== 'numeric' || fs.kind !== 'numeric' || subs.kind !== 'cell') return;
  assert.equal(data.dims, [125, SECONDS * 125, 2]);
  assert.is(data.matlabClass, 'double');
  assert.is(fs.data[0], 125);
  assert.equal(subs.cells.map((c) => (c.kind === 'char' ? c.text : '')), ['S02', 'S03']);

  // Compare with S02's raw recording of song 27: average-referenced like the release, mean of 8 samples,
  // high-passed on both sides. Artifacts differ (blinks, line noise, bad channels), the brain signal does not.
  const model = describeSubject(0, 2);
  const skip = new Set([...model.artifacts.badChannels.map((b) => b.channel)]);
  let found = false;
  for (const raw of shared.rawFiles.filter((f) => basename(f).startsWith('S02'))) {
    const { onsets } = await songOnsets(raw);
    const hit = onsets.find((o) => o.song === 27);
    if (!hit) continue;
    found = true;
    const reader = await MatV73Reader.open(raw);
    const block = reader.readColumns('X', hit.onset, hit.onset + SECONDS * 1000, 0, 124);
    reader.close();
    const samples = SECONDS * 125;
    const correlations: number[] = [];
    for (let c = 30; c < 120; c += 6) {
      if (skip.has(c)) continue;
      const rawDecimated = new Float64Array(samples);
      for (let n = 0; n < samples; n++) {
        for (let k = 0; k < 8; k++) {
          const t = 8 * n + k;
          let mean = 0;
          for (let r = 0; r < 124; r++) if (!skip.has(r)) mean += block[t * 124 + r];
          rawDecimated[n] += (block[t * 124 + c] - mean / (124 - skip.size)) / 8;
        }
      }
      const clean = Float64Array.from({ length: samples }, (_, n) => data.data[c + 125 * n]);
      const highPass = (x: Float64Array) => {
        const slow = movingAverage(x, 125);
        return x.map((v, i) => v - slow[Math.min(x.length - 1, i + 62)]);
      };
      correlations.push(laggedCorrelation(highPass(rawDecimated), highPass(clean), 0));
    }
    correlations.sort((a, b) => a - b);
    const median = correlations[correlations.length >> 1];
    assert.ok(median > 0.7, `raw and clean agree on posterior rows: median correlation ${median.toFixed(3)}`);
  }
  assert.ok(found, 'song 27 is in one of S02’s files');
});

test('the same seed gives byte-identical files; another seed other data; participants do not depend on each other', async () => {
  const a = await small('seed0-a', { subjects: [5, 6] });
  const b = await small('seed0-b', { subjects: [5, 6] });
  const c = await small('seed1', { subjects: [5, 6], seed: 1 });
  const alone = await small('alone', { subjects: [6] });
  const files = (s: SynthSummary) => [...s.rawFiles, ...s.audioFiles, ...s.cleanFiles];
  files(a).forEach((f, i) => assert.ok(readFileSync(f).equals(readFileSync(files(b)[i])), `${basename(f)} differs between runs`));
  files(a).forEach((f, i) => assert.not.ok(readFileSync(f).equals(readFileSync(files(c)[i])), `${basename(f)} ignores the seed`));
  const s06 = (s: SynthSummary) => s.rawFiles.filter((f) => basename(f).startsWith('S06'));
  assert.is(s06(a).length, 1);
  assert.ok(readFileSync(s06(a)[0]).equals(readFileSync(s06(alone)[0])), 'S06 is the same with or without S05');
});

test('double precision, missing pairs and no cleaned release', async () => {
  const s = await small('double', { subjects: [5, 6], precision: 'double', clean: false, missing: [{ subject: 5, song: 24 }] });
  assert.equal(s.cleanFiles, []);
  assert.not.ok(existsSync(join(s.out, 'clean')));
  const s05 = await songOnsets(s.rawFiles[0]);
  assert.equal(s05.onsets.map((o) => o.song), [23]);
  const reader = await MatV73Reader.open(s.rawFiles[1]);
  assert.is(reader.info('X').matlabClass, 'double');
  reader.close();
});

test('bad options are RangeErrors that name the option, and write nothing', async () => {
  const out = join(workspace.dir, 'never');
  await rejects(() => synthesizeNmedt({ out, subjects: 0 }), /subjects/);
  await rejects(() => synthesizeNmedt({ out, subjects: [] }), /at least one subject/);
  await rejects(() => synthesizeNmedt({ out, subjects: [2, 18] }), /NMED-T subject id .* for subjects\[1\] but received 18/);
  await rejects(() => synthesizeNmedt({ out, subjects: [2, 2] }), /distinct/);
  await rejects(() => synthesizeNmedt({ out, seconds: 2 }), /between 5 and 600 for seconds/);
  await rejects(() => synthesizeNmedt({ out, songs: [21, 31] }), /song trigger between 21 and 30 for songs\[1\]/);
  await rejects(() => synthesizeNmedt({ out, parts: 0 }), /parts/);
  await rejects(() => synthesizeNmedt({ out, precision: 'half' as 'single' }), /precision/);
  await rejects(() => synthesizeNmedt({ out, subjects: [2], songs: [21], missing: [{ subject: 2, song: 21 }] }), /no.*song|at least one song/);
  await rejects(() => synthesizeNmedt({ out, subjects: [2], missing: [{ subject: 3, song: 21 }] }), /missing\[0\]\.subject/);
  assert.not.ok(existsSync(out));
});

test('a failure part-way leaves no output directory behind', async () => {
  const out = join(workspace.dir, 'failed');
  let error: unknown;
  try {
    await small('failed', {
      onProgress: (done: number) => {
        if (done === 3) throw new Error('stop here');
      },
    });
  } catch (err) {
    error = err;
  }
  assert.match(String(error), /stop here/);
  assert.not.ok(existsSync(out));
  assert.not.ok(readdirSync(workspace.dir).some((f) => f.includes('failed')), 'no temporary directory left');
});

// --- the building blocks ---

test('seeded streams: reproducible, independent, and the bulk noise path matches the scalar one', () => {
  const a = SeededRng.stream(7, 'subject', 2, 'x');
  const b = SeededRng.stream(7, 'subject', 2, 'x');
  const c = SeededRng.stream(7, 'subject', 3, 'x');
  const draws = (r: SeededRng) => Array.from({ length: 5 }, () => r.nextUint32());
  const first = draws(a);
  assert.equal(first, draws(b));
  assert.not.equal(first, draws(c));
  const bulk = new Float64Array(100);
  SeededRng.stream(1, 'n').fillUniformNoise(bulk);
  const scalar = SeededRng.stream(1, 'n');
  bulk.forEach((v) => assert.ok(Math.abs(v - (scalar.uniform() * 2 * Math.sqrt(3) - Math.sqrt(3))) < 1e-12));
});

test('pink noise has unit variance and a 1/f spectrum (equal power per octave)', () => {
  const frames = 64_000;
  const noise = new Float64Array(frames);
  new PinkNoiseBank(1, SeededRng.stream(3, 'pink'), 1000).add(noise, frames, 1, Float64Array.of(1));
  const variance = noise.reduce((s, v) => s + v * v, 0) / frames;
  assert.ok(Math.abs(variance - 1) < 0.3, `variance ${variance}`);
  // f · P(f) at 1–32 Hz from a DFT averaged over 2-s segments: flat for 1/f noise.
  const segment = 2000;
  const fTimesPower = [1, 2, 4, 8, 16, 32].map((hz) => {
    let power = 0;
    for (let s = 0; s + segment <= frames; s += segment) {
      let re = 0, im = 0;
      for (let t = 0; t < segment; t++) {
        const w = noise[s + t] * (0.5 - 0.5 * Math.cos((2 * Math.PI * t) / segment));
        re += w * Math.cos((2 * Math.PI * hz * t) / 1000);
        im += w * Math.sin((2 * Math.PI * hz * t) / 1000);
      }
      power += re * re + im * im;
    }
    return hz * power;
  });
  const ratio = Math.max(...fTimesPower) / Math.min(...fTimesPower);
  assert.ok(ratio < 2.5, `f·P(f) varies ×${ratio.toFixed(2)} over 1–32 Hz: ${fTimesPower.map((p) => p.toFixed(0))}`);
});

test('the decimator keeps the passband, removes what would alias, and ignores block boundaries', () => {
  const frames = 4000;
  const tone = (hz: number) => Float64Array.from({ length: frames }, (_, t) => Math.sin((2 * Math.PI * hz * t) / 1000));
  const decimate = (x: Float64Array, block: number) => {
    const d = new FirDecimator(1, 8, 40, 1000);
    const parts: number[] = [];
    for (let t = 0; t < frames; t += block) parts.push(...d.push(x.subarray(t, Math.min(frames, t + block)), Math.min(block, frames - t)));
    return [...parts, ...d.finish()];
  };
  const slow = decimate(tone(5), 1000);
  assert.is(slow.length, frames / 8);
  for (let n = 10; n < 490; n++) assert.ok(Math.abs(slow[n] - Math.sin((2 * Math.PI * 5 * 8 * n) / 1000)) < 0.01, `5 Hz kept at ${n}`);
  const fast = decimate(tone(100), 1000); // would alias to 25 Hz
  assert.ok(fast.slice(10, 490).every((v) => Math.abs(v) < 0.005), 'a 100 Hz tone is removed before decimation');
  assert.equal(decimate(tone(17), 333), decimate(tone(17), 4000));
});

test.run();
