/**
 * The numbers of an evaluation report, from its per-segment predictions: accuracy at every length
 * and aggregation with top-k, per song and per subject (the paper's Tables 6–7 use mean
 * aggregation; every aggregation is kept here), and confusion matrices (true song × predicted).
 */
import type { Aggregation } from './aggregate.js';
import type { Evaluation, SegmentPrediction } from './evaluate.js';
import { groupBy } from './group-by.js';

/** Top-k accuracies reported, k = 1…TOP_K. */
export const TOP_K = 3;

export interface Score {
  items: number;
  correct: number;
  accuracy: number;
}

export interface LengthScore extends Score {
  seconds: number;
  aggregation: Aggregation;
  /** Accuracy with the label among the k best scores, k = 1…3 (ties counted against the label). */
  topK: number[];
}

export interface GroupScore extends Score {
  seconds: number;
  aggregation: Aggregation;
  /** The song's trigger (per-song rows) or the subject (per-subject rows). */
  key: number;
}

export interface Confusion {
  seconds: number;
  aggregation: Aggregation;
  /** counts[true label][predicted label], classes × classes. */
  counts: number[][];
}

export interface EvaluationMetrics {
  byLength: LengthScore[];
  bySong: GroupScore[];
  bySubject: GroupScore[];
  confusion: Confusion[];
}

function score(predictions: readonly SegmentPrediction[]): Score {
  const correct = predictions.filter((p) => p.correct).length;
  return { items: predictions.length, correct, accuracy: predictions.length ? correct / predictions.length : 0 };
}

/** 1 + the number of classes scored strictly above the label. */
function rankOfLabel(p: SegmentPrediction): number {
  const own = p.scores[p.item.label];
  return 1 + p.scores.filter((s) => s > own).length;
}

function groupScores(group: readonly SegmentPrediction[], key: (p: SegmentPrediction) => number): GroupScore[] {
  const { seconds } = group[0].item;
  const { aggregation } = group[0];
  return [...groupBy(group, key)].sort(([a], [b]) => a - b).map(([k, members]) => ({ seconds, aggregation, key: k, ...score(members) }));
}

function confusion(group: readonly SegmentPrediction[], classes: number): Confusion {
  const counts = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (const p of group) counts[p.item.label][p.predicted]++;
  return { seconds: group[0].item.seconds, aggregation: group[0].aggregation, counts };
}

/**
 * @example
 * const { byLength } = evaluationMetrics(evaluation);
 * byLength.find((r) => r.seconds === 7 && r.aggregation === 'mean')!.accuracy;
 */
export function evaluationMetrics(evaluation: Evaluation): EvaluationMetrics {
  const metrics: EvaluationMetrics = { byLength: [], bySong: [], bySubject: [], confusion: [] };
  for (const group of groupBy(evaluation.predictions, (p) => `${p.item.seconds} ${p.aggregation}`).values()) {
    const ranks = group.map(rankOfLabel);
    const topK = Array.from({ length: TOP_K }, (_, k) => ranks.filter((r) => r <= k + 1).length / group.length);
    metrics.byLength.push({ seconds: group[0].item.seconds, aggregation: group[0].aggregation, ...score(group), topK });
    metrics.bySong.push(...groupScores(group, (p) => p.item.song));
    metrics.bySubject.push(...groupScores(group, (p) => p.item.subject));
    metrics.confusion.push(confusion(group, evaluation.classes));
  }
  return metrics;
}
