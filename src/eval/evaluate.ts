/**
 * Scores trained models on the evaluation items (evaluation-items.ts): every 3-s sub-window is
 * preprocessed in the native addon and classified by the EEG encoder's batched eval forward; the
 * softmax vectors of an ensemble's models are averaged with equal weights (PredANN++'s ensembles),
 * so an ensemble is evaluated exactly like one model; each segment's sub-windows are then
 * aggregated by mean, max and majority (aggregate.ts).
 *
 * Work is grouped by validation chunk: the sub-windows of every length and window of a chunk are
 * gathered, duplicates (the centre crops of different lengths share clips) classified once.
 */
import { preprocessCrops } from '../data/clip-preprocess.js';
import type { ChunkRef } from '../data/chunks.js';
import type { Dataset } from '../data/dataset.js';
import { clipSamples } from '../data/nmedt.js';
import type { WindowCrop } from '../data/windows.js';
import { encoderForwardEval } from '../model/encoder.js';
import { aggregate, aggregations, softmaxRows, type Aggregation } from './aggregate.js';
import { evaluationItems, type EvaluationItem, type EvaluationProtocol } from './evaluation-items.js';
import { groupBy } from './group-by.js';
import type { TrainedModel } from './trained-model.js';

export interface EvaluateOptions {
  /** Evaluation lengths in seconds (3–7). */
  lengths: number[];
  crop: WindowCrop;
  seed: number;
  protocol: EvaluationProtocol;
  /** Called after each validation chunk with (chunks done, chunks in all). */
  onProgress?: (done: number, total: number) => void;
}

/** One segment's prediction under one aggregation. */
export interface SegmentPrediction {
  item: EvaluationItem;
  aggregation: Aggregation;
  predicted: number;
  correct: boolean;
  /** (classes): the aggregated scores (aggregate.ts). */
  scores: Float64Array;
}

export interface Evaluation {
  /** The models averaged (one name for a single model). */
  models: string[];
  classes: number;
  options: Omit<EvaluateOptions, 'onProgress'>;
  /** Every item at every length, under every aggregation. */
  predictions: SegmentPrediction[];
  /** Sub-windows classified (after removing duplicates) and the seconds it took. */
  clips: number;
  wallSeconds: number;
}

/** Clips per forward call: the official validation batch. */
const FORWARD_BATCH = 48;

function checkEnsemble(models: readonly TrainedModel[]): void {
  if (models.length === 0) throw new RangeError('Expected at least one model to evaluate but received none');
  const [first] = models;
  for (const m of models.slice(1)) {
    const same = m.preset.eeg.height === first.preset.eeg.height && m.preset.eeg.width === first.preset.eeg.width && m.preset.encoder.classes === first.preset.encoder.classes;
    if (!same) throw new RangeError(`Expected models with the same EEG input and classes for an ensemble but ${m.name} (${m.preset.name}) differs from ${first.name} (${first.preset.name})`);
  }
}

/** The ensemble's mean softmax of each clip, by start sample. */
async function classifyClips(dataset: Dataset, ref: ChunkRef, starts: number[], models: readonly TrainedModel[]): Promise<Map<number, Float64Array>> {
  const { eeg, encoder } = models[0].preset;
  const pad = (eeg.width - clipSamples) / 2;
  const recording = await dataset.recording(ref.subject, ref.song);
  const { output } = await preprocessCrops(recording, starts, clipSamples, { padLeft: Math.floor(pad), padRight: Math.ceil(pad) });
  const size = eeg.height * eeg.width;
  const probabilities = starts.map(() => new Float64Array(encoder.classes));
  for (let first = 0; first < starts.length; first += FORWARD_BATCH) {
    const batch = Math.min(FORWARD_BATCH, starts.length - first);
    const clips = output.subarray(first * size, (first + batch) * size);
    for (const model of models) {
      const { logits } = await encoderForwardEval(model.weights, 'eeg', model.preset, clips, { batch, height: eeg.height, width: eeg.width });
      softmaxRows(logits, encoder.classes).forEach((p, i) => p.forEach((v, k) => (probabilities[first + i][k] += v / models.length)));
    }
  }
  return new Map(starts.map((s, i) => [s, probabilities[i]]));
}

const chunkKey = (x: { subject: number; song: number; chunk: number }) => `${x.subject}/${x.song}/${x.chunk}`;

/**
 * @example
 * const evaluation = await evaluate(dataset, split.validation, [loadTrainedModel('runs/small')], { lengths: [3, 4, 5, 6, 7], crop: 'center', seed: 0, protocol: 'all' });
 */
export async function evaluate(dataset: Dataset, refs: readonly ChunkRef[], models: readonly TrainedModel[], options: EvaluateOptions): Promise<Evaluation> {
  checkEnsemble(models);
  const t0 = performance.now();
  const { lengths, crop, seed, protocol, onProgress } = options;
  const settings = { lengths, crop, seed, protocol };
  const items = options.lengths.flatMap((seconds) => evaluationItems(refs, { ...settings, seconds }));
  const byChunk = groupBy(items, chunkKey);
  const predictions: SegmentPrediction[] = [];
  let clips = 0;
  let done = 0;
  for (const ref of refs) {
    const chunkItems = byChunk.get(chunkKey(ref)) ?? [];
    const starts = [...new Set(chunkItems.flatMap((it) => it.clipStarts))];
    const probabilities = starts.length ? await classifyClips(dataset, ref, starts, models) : new Map<number, Float64Array>();
    clips += starts.length;
    for (const item of chunkItems) {
      const windows = item.clipStarts.map((s) => probabilities.get(s)!);
      for (const how of aggregations) {
        const { predicted, scores } = aggregate(windows, how);
        predictions.push({ item, aggregation: how, predicted, correct: predicted === item.label, scores });
      }
    }
    onProgress?.(++done, refs.length);
  }
  const order = new Map(items.map((it, i) => [it, i])); // the items' own order: length, then chunk and window
  predictions.sort((a, b) => order.get(a.item)! - order.get(b.item)! || aggregations.indexOf(a.aggregation) - aggregations.indexOf(b.aggregation));
  return { models: models.map((m) => m.name), classes: models[0].preset.encoder.classes, options: settings, predictions, clips, wallSeconds: (performance.now() - t0) / 1000 };
}
