/**
 * Writes one synthetic raw recording file (`S02_1.mat`, MATLAB v7.3) as NMED-T ships them:
 * `fs` (1000), `DIN_1` (4 × events cell: label, onset sample, duration, code) and `X` (129 × T:
 * E1–E128, then the all-zero vertex reference row).
 *
 * X is generated and written in 10-s blocks of all rows (a 129 × 10 000 column block is
 * time-major), so memory stays flat however long the recording: the brain signal of whichever
 * song or silence covers the block, plus the recording's artifacts, straight into the file.
 */
import { MatV73Writer, type MatCellValue, type MatNumericClass } from '../../io/mat-v73.js';
import { rawRows, rawSampleRate } from '../nmedt.js';
import { RecordingArtifacts } from './artifacts.js';
import type { AudioFeatures } from './audio-features.js';
import { BrainSignal } from './brain-signal.js';
import type { RecordingPart } from './recording-layout.js';
import { SeededRng } from './seeded-rng.js';
import type { SubjectModel } from './subject-model.js';

/** Frames per written block: 10 s, 5 MB of single (10 MB of double) for 129 rows. */
export const RAW_BLOCK_FRAMES = 10_000;

/** A song or a silence of the recording, with its brain signal created when first reached. */
interface Stretch {
  start: number;
  frames: number;
  create: () => BrainSignal;
  brain?: BrainSignal;
}

/** The stretches of `part` in time order: silence, song, silence, …, song, silence. */
function stretchesOf(part: RecordingPart, model: SubjectModel, seed: number, features: ReadonlyMap<number, AudioFeatures>): Stretch[] {
  const stretches: Stretch[] = [];
  let cursor = 0;
  const silence = (end: number) => {
    const gap = stretches.length / 2;
    stretches.push({ start: cursor, frames: end - cursor, create: () => BrainSignal.forGap(model, seed, part.part, gap, rawSampleRate) });
  };
  for (const { song, onset, frames } of part.songs) {
    silence(onset);
    stretches.push({ start: onset, frames, create: () => BrainSignal.forSong(model, features.get(song)!, seed, song, rawSampleRate) });
    cursor = onset + frames;
  }
  silence(part.frames);
  return stretches;
}

/** DIN_1 as a column-major 4 × events cell array. */
function dinCells(part: RecordingPart): MatCellValue[] {
  return part.events.flatMap((e) => [e.label, e.onset, e.duration, e.code]);
}

/**
 * Writes `part` of participant `model` to `path`. `features` maps each song trigger of the part
 * to its audio features; `onBlock` is called after every written block.
 *
 * @example
 * await writeRawRecording('raw/S02_1.mat', parts[0], describeSubject(0, 2), 0, features, 'single', () => {});
 */
export async function writeRawRecording(
  path: string,
  part: RecordingPart,
  model: SubjectModel,
  seed: number,
  features: ReadonlyMap<number, AudioFeatures>,
  precision: MatNumericClass,
  onBlock: () => void,
): Promise<void> {
  const writer = await MatV73Writer.create(path);
  try {
    writer.writeScalar('fs', rawSampleRate);
    writer.writeCell('DIN_1', 4, part.events.length, dinCells(part));
    const sink = writer.createNumeric('X', precision, rawRows, part.frames);
    const stretches = stretchesOf(part, model, seed, features);
    const artifactStream = SeededRng.stream(seed, 'subject', model.id, 'part', part.part, 'artifacts');
    const artifacts = new RecordingArtifacts(model.artifacts, artifactStream, rawSampleRate);
    const work = new Float64Array(rawRows * RAW_BLOCK_FRAMES);
    const single = precision === 'single' ? new Float32Array(work.length) : null;
    for (let t0 = 0; t0 < part.frames; t0 += RAW_BLOCK_FRAMES) {
      const n = Math.min(RAW_BLOCK_FRAMES, part.frames - t0);
      work.fill(0);
      for (const s of stretches) {
        const from = Math.max(s.start, t0);
        const to = Math.min(s.start + s.frames, t0 + n);
        if (to <= from) continue;
        s.brain ??= s.create();
        s.brain.add(work, to - from, rawRows, (from - t0) * rawRows);
        if (to === s.start + s.frames) s.brain = undefined; // finished: let it go
      }
      artifacts.apply(work, n, rawRows); // rows 0–127 only: row 129 stays exactly zero
      const values = work.subarray(0, n * rawRows);
      if (single) single.set(values); // rounds to float32, as MATLAB's single()
      sink.writeColumns(t0, single ? single.subarray(0, values.length) : values);
      onBlock();
    }
    await writer.close();
  } catch (err) {
    await writer.abort();
    throw err;
  }
}
