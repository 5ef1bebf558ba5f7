/**
 * `predann eval` as a library call: open the data set, load the model (or the models of an
 * ensemble), take the validation chunks of the split the model was trained with, score every item
 * and write the report directory (evaluation-report.ts).
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Dataset } from '../data/dataset.js';
import { chooseSplit } from '../data/split.js';
import type { WindowCrop } from '../data/windows.js';
import { InputError } from '../errors.js';
import { evaluate } from './evaluate.js';
import { writeEvaluationReport, type WrittenReport } from './evaluation-report.js';
import type { EvaluationProtocol } from './evaluation-items.js';
import { loadTrainedModel, type TrainedModel } from './trained-model.js';

export interface RunEvaluationOptions {
  data: string;
  /** Run directories or weights files; more than one is an equal-weight ensemble. */
  checkpoints: string[];
  out: string;
  lengths: number[];
  protocol: EvaluationProtocol;
  crop: WindowCrop;
  seed: number;
  /** Seed of the split when it is not the official one; default: the first run's training seed, else 0. */
  splitSeed?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface RunEvaluationResult extends WrittenReport {
  models: TrainedModel[];
  items: number;
  clips: number;
  wallSeconds: number;
}

/** The training seed in a run record, which also seeded its stratified split. */
function trainingSeed(model: TrainedModel): number | undefined {
  const seed = (model.run?.options as { seed?: unknown } | undefined)?.seed;
  return typeof seed === 'number' ? seed : undefined;
}

/**
 * @example
 * const { metrics } = await runEvaluation({ data: 'predann-demo/dataset', checkpoints: ['predann-demo/runs/small-lambda0.05'], out: 'report', lengths: [3, 4, 5, 6, 7], protocol: 'all', crop: 'center', seed: 0 });
 */
export async function runEvaluation(options: RunEvaluationOptions): Promise<RunEvaluationResult> {
  const models = options.checkpoints.map(loadTrainedModel);
  const dataset = await Dataset.open(options.data);
  try {
    const refs = dataset.chunkRefs();
    if (refs.length === 0) throw new InputError(options.data, 'chunks', 'no 30-s chunk in any recording: nothing to evaluate');
    const split = chooseSplit(refs, options.splitSeed ?? trainingSeed(models[0]) ?? 0);
    if (split.validation.length === 0) throw new InputError(options.data, 'validation', 'the split has no validation chunks to evaluate');
    const evaluation = await evaluate(dataset, split.validation, models, options);
    const runDirs = options.checkpoints.map((c) => (statSync(c).isDirectory() ? c : undefined));
    const report = await writeEvaluationReport(options.out, evaluation, { data: resolve(options.data), models, runDirs });
    const items = new Set(evaluation.predictions.map((p) => p.item)).size;
    return { ...report, models, items, clips: evaluation.clips, wallSeconds: evaluation.wallSeconds };
  } finally {
    await dataset.close();
  }
}
