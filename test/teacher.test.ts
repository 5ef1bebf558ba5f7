/**
 * Frozen teachers from Arrow: the loop `embed --branch music` from a trained run → `train
 * --teacher` on that table, a teacher of another dimension (projector II resized, weights load
 * back), the crop target as the mean of the rows it covers, and clear errors for broken tables.
 */
import { tableToIPC } from 'apache-arrow';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Dataset, presets } from '../src/index.js';
import { InputError } from '../src/errors.js';
import { loadTrainedModel } from '../src/eval/trained-model.js';
import { fixedSizeListColumn, int32Column, tableOf } from '../src/io/arrow-columns.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { embed } from '../src/serve/embed.js';
import { TeacherTable } from '../src/train/teacher-table.js';
import { train } from '../src/train/train.js';
import { assertClose, assertRejects, assertThrows, tempDir, tinyDataset } from './helpers.js';

const { dir, cleanup } = tempDir();
let data: string;
const base = { preset: presets.small, epochs: 1, batchSize: 2, lr: 0.003, lambda: 0.05, temperature: 0.5, detach: true, dropout: 0.5, seed: 1, validateEvery: 1, checkpointEvery: 1, resume: false, bnRecalibration: 0 };

/** Writes a teacher table: `rows` per song at `hop` samples from `first`, embedding row·D + k. */
function writeTeacher(path: string, songs: number[], rows: number, dimension: number, hop = 62, value = (row: number, k: number) => row * dimension + k): void {
  const n = songs.length * rows;
  const z = Float32Array.from({ length: n * dimension }, (_, i) => value(Math.floor(i / dimension) % rows, i % dimension));
  const columns = [
    int32Column('song', Int32Array.from({ length: n }, (_, i) => songs[Math.floor(i / rows)])),
    int32Column('start', Int32Array.from({ length: n }, (_, i) => (i % rows) * hop)),
    fixedSizeListColumn('z', z, dimension),
  ];
  writeFileAtomic(path, tableToIPC(tableOf(columns), 'file'));
}

test.before(async () => {
  data = await tinyDataset(dir);
});

test.after(() => cleanup());

async function trainWith(out: string, teacher?: string) {
  const dataset = await Dataset.open(data);
  try {
    return await train(dataset, { ...base, out: join(dir, out), teacher });
  } finally {
    await dataset.close();
  }
}

test('embed --branch music from a trained run, then train --teacher on that table', async () => {
  await trainWith('music-run');
  const table = join(dir, 'music.arrow');
  const embedded = await embed({ checkpoint: join(dir, 'music-run'), branch: 'music', data, windows: 'validation', hop: 0.5, out: table });
  assert.is(embedded.dimension, presets.small.encoder.embedding);
  const result = await trainWith('teacher-run', table);
  assert.is(result.steps, 1);
  assert.ok(existsSync(join(dir, 'teacher-run', 'weights.safetensors')));
});

test('a teacher of another dimension resizes projector II; the weights load back', async () => {
  const table = join(dir, 'd8.arrow');
  writeTeacher(table, [21, 22], 120, 8);
  await trainWith('d8-run', table);
  const model = loadTrainedModel(join(dir, 'd8-run'));
  assert.is(model.preset.encoder.embedding, 8);
  assert.equal(model.weights.get('eeg.projector2.3.weight')!.shape, [8, presets.small.encoder.hidden]);
});

test('the target of a crop is the mean of the rows inside its 3 s', () => {
  const table = join(dir, 'grid.arrow');
  writeTeacher(table, [21], 100, 2, 125, (row) => row); // one row per second, value = its index
  const teacher = TeacherTable.read(table, [21]);
  const out = new Float32Array(2);
  teacher.target(21, 10 * 44100, out); // audio 10–13 s covers rows 10, 11, 12
  assertClose(out, [11, 11], { what: 'mean of rows 10..12' });
  teacher.target(21, 10.5 * 44100, out); // 10.5–13.5 s: rows 11, 12, 13
  assertClose(out, [12, 12], { what: 'mean of rows 11..13' });
});

test('broken tables get errors naming the file and the problem', async () => {
  const irregular = join(dir, 'irregular.arrow');
  writeTeacher(irregular, [21, 22], 4, 2, 62);
  const columns = [int32Column('song', Int32Array.from([21, 21, 21])), int32Column('start', Int32Array.from([0, 62, 200])), fixedSizeListColumn('z', new Float32Array(6), 2)];
  writeFileAtomic(irregular, tableToIPC(tableOf(columns), 'file'));
  assertThrows(() => TeacherTable.read(irregular, [21]), InputError, /irregular.arrow: song 21: times are not one regular ascending grid/);
  const nan = join(dir, 'nan.arrow');
  writeTeacher(nan, [21], 4, 2, 62, (row, k) => (row === 2 && k === 1 ? NaN : 0));
  assertThrows(() => TeacherTable.read(nan, [21]), InputError, /nan.arrow: z: row 2 holds a non-finite value/);
  const partial = join(dir, 'partial.arrow');
  writeTeacher(partial, [21], 4, 2);
  assertThrows(() => TeacherTable.read(partial, [21, 22]), InputError, /partial.arrow: song 22: has no rows/);
  await assertRejects(trainWith('partial-run', partial), InputError, /song 22: has no rows/);
  const noZ = join(dir, 'no-z.arrow');
  writeFileAtomic(noZ, tableToIPC(tableOf([int32Column('song', Int32Array.from([21])), int32Column('start', Int32Array.from([0]))]), 'file'));
  assertThrows(() => TeacherTable.read(noZ, [21]), InputError, /no-z.arrow: z or embedding: missing column/);
});

test.run();
