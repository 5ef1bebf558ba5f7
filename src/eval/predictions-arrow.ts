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
import { Bool, tableFromIPC, tableToIPC, Utf8, type Table } from 'apache-arrow';
import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import { fixedSizeListColumn, int32Column, tableOf, valuesColumn } from '../io/arrow-columns.js';
import { writeFileAtomic } from '../io/atomic.js';
import type { Evaluation, SegmentPrediction } from './evaluate.js';

const columnNames = ['subject', 'song', 'chunk', 'window', 'length', 'aggregation', 'label', 'predicted', 'correct', 'probabilities'] as const;

/**
 * @example
 * writePredictionsArrow('report/predictions.arrow', evaluation);
 */
export function writePredictionsArrow(path: string, evaluation: Evaluation): void {
  const { predictions, classes } = evaluation;
  const ints = (name: string, pick: (p: SegmentPrediction) => number) => int32Column(name, Int32Array.from(predictions, pick));
  const probabilities = new Float32Array(predictions.length * classes);
  predictions.forEach((p, i) => probabilities.set(p.scores, i * classes));
  const columns = [
    ints('subject', (p) => p.item.subject),
    ints('song', (p) => p.item.song),
    ints('chunk', (p) => p.item.chunk),
    ints('window', (p) => p.item.window),
    ints('length', (p) => p.item.seconds),
    valuesColumn('aggregation', new Utf8(), predictions.map((p) => p.aggregation)),
    ints('label', (p) => p.item.label),
    ints('predicted', (p) => p.predicted),
    valuesColumn('correct', new Bool(), predictions.map((p) => p.correct)),
    fixedSizeListColumn('probabilities', probabilities, classes, 'probability'),
  ];
  const metadata = new Map([
    ['predann.models', JSON.stringify(evaluation.models)],
    ['predann.options', JSON.stringify(evaluation.options)],
  ]);
  writeFileAtomic(path, tableToIPC(tableOf(columns, metadata), 'file'));
}

/** Reads a predictions file back as an Arrow table, checking its columns. */
export function readPredictionsArrow(path: string): Table {
  const table = tableFromIPC(readFileSync(path));
  for (const name of columnNames) {
    if (!table.getChild(name)) throw new InputError(path, name, 'missing: not a predann predictions table');
  }
  return table;
}
