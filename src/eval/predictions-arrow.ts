/**
 * Per-item predictions as an Arrow IPC file that pandas, polars, DuckDB or Spark read directly:
 * one row per evaluated segment and aggregation,
 *
 *   subject Int32 · song Int32 · chunk Int32 · window Int32 · length Int32 (seconds) ·
 *   aggregation Utf8 · label Int32 · predicted Int32 · correct Bool ·
 *   probabilities FixedSizeList<Float32>[classes]
 *
 * `probabilities` are what the aggregation ranked: the mean of the sub-windows' softmax vectors,
 * their element-wise maximum (no longer summing to 1), or the share of votes for majority; at 3 s
 * all three are the clip's softmax. Schema metadata names the models and the options.
 * Written atomically.
 */
import { Bool, Field, FixedSizeList, Float32, Int32, makeData, RecordBatch, Schema, Struct, Table, tableFromIPC, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import type { Evaluation } from './evaluate.js';

const intColumns = ['subject', 'song', 'chunk', 'window', 'length', 'label', 'predicted'] as const;

function probabilitiesData(evaluation: Evaluation) {
  const { classes, predictions } = evaluation;
  const flat = new Float32Array(predictions.length * classes);
  predictions.forEach((p, i) => flat.set(p.scores, i * classes));
  const child = makeData({ type: new Float32(), length: flat.length, data: flat });
  const type = new FixedSizeList(classes, new Field('probability', new Float32(), false));
  return makeData({ type, length: predictions.length, nullCount: 0, child });
}

/**
 * @example
 * writePredictionsArrow('report/predictions.arrow', evaluation);
 */
export function writePredictionsArrow(path: string, evaluation: Evaluation): void {
  const { predictions } = evaluation;
  const ints = (pick: (p: (typeof predictions)[number]) => number) => Int32Array.from(predictions, pick);
  const columns: Record<(typeof intColumns)[number], Int32Array> = {
    subject: ints((p) => p.item.subject),
    song: ints((p) => p.item.song),
    chunk: ints((p) => p.item.chunk),
    window: ints((p) => p.item.window),
    length: ints((p) => p.item.seconds),
    label: ints((p) => p.item.label),
    predicted: ints((p) => p.predicted),
  };
  const fields = [
    ...intColumns.slice(0, 5).map((n) => new Field(n, new Int32(), false)),
    new Field('aggregation', new Utf8(), false),
    ...intColumns.slice(5).map((n) => new Field(n, new Int32(), false)),
    new Field('correct', new Bool(), false),
    new Field('probabilities', new FixedSizeList(evaluation.classes, new Field('probability', new Float32(), false)), false),
  ];
  const metadata = new Map([
    ['predann.models', JSON.stringify(evaluation.models)],
    ['predann.options', JSON.stringify(evaluation.options)],
  ]);
  const schema = new Schema(fields, metadata);
  const children = [
    ...intColumns.slice(0, 5).map((n) => makeData({ type: new Int32(), length: predictions.length, data: columns[n] })),
    vectorFromArray(predictions.map((p) => p.aggregation), new Utf8()).data[0],
    ...intColumns.slice(5).map((n) => makeData({ type: new Int32(), length: predictions.length, data: columns[n] })),
    vectorFromArray(predictions.map((p) => p.correct), new Bool()).data[0],
    probabilitiesData(evaluation),
  ];
  const struct = makeData({ type: new Struct(fields), length: predictions.length, nullCount: 0, children });
  const table = new Table([new RecordBatch(schema, struct)]);
  writeFileAtomic(path, tableToIPC(table, 'file'));
}

/** Reads a predictions file back as an Arrow table, checking its columns. */
export function readPredictionsArrow(path: string): Table {
  const table = tableFromIPC(readFileSync(path));
  for (const name of [...intColumns, 'aggregation', 'correct', 'probabilities']) {
    if (!table.getChild(name)) throw new InputError(path, name, 'missing: not a predann predictions table');
  }
  return table;
}
