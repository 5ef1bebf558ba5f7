/**
 * `predann filter` and `predann ingest --filter` end to end on a tiny synthetic NMED-T: the new
 * data set holds the filtered EEG and the same audio, its manifest records the filter, bad
 * requests leave nothing behind, and the NMED-T chain removes what it exists to remove (the
 * synthetic recordings carry DC offsets of hundreds of µV and 60 Hz line noise).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Dataset } from '../src/data/dataset.js';
import { designFilterPipeline, filterFloat32 } from '../src/dsp/filter-pipeline.js';
import { FilterSpecError } from '../src/dsp/filter-spec.js';
import { InputError, UsageError } from '../src/errors.js';
import { EegArrowWriter } from '../src/io/eeg-arrow.js';
import { filterDataset } from '../src/ingest/filter-dataset.js';
import { ingest } from '../src/ingest/ingest.js';
import { synthesizeNmedt } from '../src/data/synth/synth-nmedt.js';
import { assertRejects, tempDir } from './helpers.js';

const { dir, cleanup } = tempDir('predann-filter-');
const source = join(dir, 'src');
const plain = join(dir, 'plain');

test.before(async () => {
  await synthesizeNmedt({ out: source, subjects: 1, songs: [21, 22], seconds: 40, clean: true });
  await ingest({ input: source, out: plain, songs: [21, 22] });
});
test.after(cleanup);

test('predann filter writes the filtered EEG, the same audio, and the filter in the manifest', async () => {
  const out = join(dir, 'bp');
  const progress: number[] = [];
  const result = await filterDataset({ data: plain, out, filter: 'bandpass:1-50', onProgress: (done) => progress.push(done) });
  assert.equal(progress, [1, 2]);
  assert.is(result.manifest.parameters.filter, 'bandpass:1-50:butter:order=5:sos at 125 Hz');
  assert.equal(result.manifest.parameters.filters, [{ spec: 'bandpass:1-50:butter:order=5:sos', fs: 125, stages: [{ band: 'bandpass', family: 'butter', order: 5, cutoffsHz: [1, 50], form: 'sos' }] }]);
  const before = await Dataset.open(plain);
  const after = await Dataset.open(out);
  try {
    assert.equal(after.manifest.recordings, before.manifest.recordings);
    const pipeline = designFilterPipeline('bandpass:1-50', 125);
    for (const r of before.recordings()) {
      const x = await before.recording(r.subject, r.song);
      const y = await after.recording(r.subject, r.song);
      assert.equal(Array.from(y.data), Array.from(await filterFloat32(pipeline, x.data, x)), `S${r.subject} song ${r.song}`);
    }
    for (const s of before.manifest.songs) assert.ok(readFileSync(join(plain, s.audio)).equals(readFileSync(join(out, s.audio))), s.audio);
  } finally {
    await before.close();
    await after.close();
  }
  // filtering a filtered data set appends to the record
  const twice = await filterDataset({ data: out, out: join(dir, 'bp-hp'), filter: 'hp:2:order=2' });
  assert.is(twice.manifest.parameters.filter, 'bandpass:1-50:butter:order=5:sos at 125 Hz; highpass:2:butter:order=2:sos at 125 Hz');
  assert.equal(twice.manifest.parameters.filters!.map((f) => f.spec), ['bandpass:1-50:butter:order=5:sos', 'highpass:2:butter:order=2:sos']);
});

test('bad requests fail before writing anything', async () => {
  await assertRejects(filterDataset({ data: plain, out: plain, filter: 'bp:1-50' }), UsageError, /--out must be a new directory, not the data set being read/);
  const out = join(dir, 'never');
  await assertRejects(filterDataset({ data: plain, out, filter: 'nmedt,lp:70' }), FilterSpecError, /filter stage 4 "lowpass:70:butter:order=5:sos": the edge 70 Hz is at or above the Nyquist frequency 62.5 Hz of 125-Hz data/);
  await assertRejects(ingest({ input: source, out, songs: [21, 22], filter: 'lowpass:600' }), FilterSpecError, /the edge 600 Hz is at or above the Nyquist frequency 500 Hz of 1000-Hz data/);
  assert.not.ok(existsSync(out));
});

test('a NaN in a data set written by another tool: an InputError naming the file, the batch, the channel and the sample', async () => {
  const broken = join(dir, 'broken');
  cpSync(plain, broken, { recursive: true });
  const dataset = await Dataset.open(plain);
  const recordings = [];
  try {
    for (const r of dataset.recordings()) recordings.push(await dataset.recording(r.subject, r.song));
  } finally {
    await dataset.close();
  }
  const data = Float32Array.from(recordings[1].data);
  data[3 * recordings[1].samples + 1234] = NaN;
  rmSync(join(broken, 'eeg.arrow'));
  const writer = await EegArrowWriter.create(join(broken, 'eeg.arrow'));
  await writer.append(recordings[0]);
  await writer.append({ ...recordings[1], data });
  await writer.close();
  const out = join(dir, 'never-nan');
  await assertRejects(filterDataset({ data: broken, out, filter: 'bp:1-50' }), InputError,
    /eeg\.arrow: record batch 1 \(subject 2, song 22\): .*non-finite input value \(NaN\) at channel 3, sample 1234/);
  assert.not.ok(existsSync(out));
});

test('ingest --filter nmedt filters at 1 kHz before resampling: no DC offsets, no 60 Hz line noise', async () => {
  const out = join(dir, 'nmedt');
  const result = await ingest({ input: source, out, songs: [21, 22], filter: 'nmedt' });
  assert.is(result.manifest.parameters.filter, `${designFilterPipeline('nmedt', 1000).spec} at 1000 Hz`);
  assert.is(result.manifest.parameters.filters![0].fs, 1000);
  const raw = await Dataset.open(plain);
  const cleaned = await Dataset.open(out);
  try {
    const x = await raw.recording(2, 21);
    const y = await cleaned.recording(2, 21);
    assert.is(y.samples, x.samples);
    // mean |per-channel mean|: hundreds of µV before, a few after the 0.3 Hz high-pass
    assert.ok(meanAbsChannelMean(y) < 0.02 * meanAbsChannelMean(x), `DC ${meanAbsChannelMean(y)} vs ${meanAbsChannelMean(x)}`);
    // amplitude at 60 Hz (below the 62.5 Hz Nyquist): the notch and the 50 Hz low-pass remove it
    assert.ok(amplitudeAt(y, 60) < 0.01 * amplitudeAt(x, 60), `60 Hz ${amplitudeAt(y, 60)} vs ${amplitudeAt(x, 60)}`);
    // the 8-12 Hz band the recognizer lives on passes (within the Chebyshev ripple)
    const alpha = amplitudeAt(y, 10) / amplitudeAt(x, 10);
    assert.ok(alpha > 0.9 && alpha < 1.1, `10 Hz gain ${alpha}`);
  } finally {
    await raw.close();
    await cleaned.close();
  }
});

test('ingest --source clean --filter filters the cleaned release at 125 Hz, as predann filter would', async () => {
  const clean = join(dir, 'clean');
  const cleanBp = join(dir, 'clean-bp');
  await ingest({ input: source, out: clean, source: 'clean', songs: [21, 22] });
  const result = await ingest({ input: source, out: cleanBp, source: 'clean', songs: [21, 22], filter: 'bandpass:1-50' });
  assert.is(result.manifest.parameters.filter, 'bandpass:1-50:butter:order=5:sos at 125 Hz');
  const a = await Dataset.open(clean);
  const b = await Dataset.open(cleanBp);
  try {
    const pipeline = designFilterPipeline('bandpass:1-50', 125);
    for (const r of a.recordings()) {
      const x = await a.recording(r.subject, r.song);
      const y = await b.recording(r.subject, r.song);
      assert.equal(Array.from(y.data), Array.from(await filterFloat32(pipeline, x.data, x)), `S${r.subject} song ${r.song}`);
    }
  } finally {
    await a.close();
    await b.close();
  }
});

test('--filter-context: the filter runs over the song and the recording around it; only the edges change', async () => {
  const spec = 'hp:1:order=4';
  const plainOut = join(dir, 'hp');
  const contextOut = join(dir, 'hp-context');
  await ingest({ input: source, out: plainOut, songs: [21, 22], filter: spec });
  const result = await ingest({ input: source, out: contextOut, songs: [21, 22], filter: spec, filterContextSeconds: 3 });
  assert.is(result.manifest.parameters.filters![0].contextSeconds, 3);
  assert.match(result.manifest.parameters.filter!, / at 1000 Hz over each song with 3 s of context$/);
  const a = await Dataset.open(plainOut);
  const b = await Dataset.open(contextOut);
  try {
    const x = await a.recording(2, 22);
    const y = await b.recording(2, 22);
    assert.is(y.samples, x.samples);
    const edge = maxDiff(x, y, 0, 25); // the first 0.2 s
    const middle = maxDiff(x, y, Math.floor(x.samples / 4), Math.floor((3 * x.samples) / 4));
    assert.ok(edge > 100 * middle, `edge ${edge}, middle ${middle}`);
    // what remains in the middle is the FFT resampler's: it treats the song as periodic, so its
    // edges reach every output sample a little
    const scale = x.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    assert.ok(middle < 1e-4 * scale, `middle ${middle} of ${scale}`);
  } finally {
    await a.close();
    await b.close();
  }
  await assertRejects(ingest({ input: source, out: join(dir, 'never'), songs: [21, 22], filterContextSeconds: 3 }), UsageError, /a filter context applies to raw EEG with a filter only/);
  await assertRejects(ingest({ input: source, out: join(dir, 'never'), songs: [21, 22], filter: spec, filterContextSeconds: -1 }), RangeError, /filterContextSeconds/);
});

/** Largest |a − b| over every channel in samples [from, to). */
function maxDiff(a: { data: Float32Array; channels: number; samples: number }, b: { data: Float32Array }, from: number, to: number): number {
  let worst = 0;
  for (let c = 0; c < a.channels; c++)
    for (let t = from; t < to; t++) worst = Math.max(worst, Math.abs(a.data[c * a.samples + t] - b.data[c * a.samples + t]));
  return worst;
}

function meanAbsChannelMean(r: { data: Float32Array; channels: number; samples: number }): number {
  let total = 0;
  for (let c = 0; c < r.channels; c++) {
    let s = 0;
    for (let t = 0; t < r.samples; t++) s += r.data[c * r.samples + t];
    total += Math.abs(s / r.samples);
  }
  return total / r.channels;
}

/** RMS over channels of the DFT amplitude at `hz` (a single bin, 125 Hz data). */
function amplitudeAt(r: { data: Float32Array; channels: number; samples: number; fs: number }, hz: number): number {
  let total = 0;
  const w = (2 * Math.PI * hz) / r.fs;
  for (let c = 0; c < r.channels; c++) {
    let re = 0;
    let im = 0;
    for (let t = 0; t < r.samples; t++) {
      const v = r.data[c * r.samples + t];
      re += v * Math.cos(w * t);
      im -= v * Math.sin(w * t);
    }
    total += (re * re + im * im) / (r.samples * r.samples);
  }
  return Math.sqrt(total / r.channels);
}

test.run();
