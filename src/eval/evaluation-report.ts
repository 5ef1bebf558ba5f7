/**
 * The report of `predann eval`, a directory a researcher can put in a paper:
 *
 *   report.json          options, models, counts and every metric (evaluation-metrics)
 *   report.md            the tables (accuracy by length and aggregation, per song, per subject)
 *   predictions.arrow    one row per item, length and aggregation (predictions-arrow.ts)
 *   *.svg                accuracy vs evaluation length per aggregation, confusion matrices,
 *                        per-song and per-subject bars, and each run's training curves
 *
 * Written into a temporary directory and renamed into place: a report is whole or absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { songByTrigger, triggerOfLabel } from '../data/nmedt.js';
import { withAtomicOutput } from '../io/atomic.js';
import { barChart } from '../report/bar-chart.js';
import { heatmap } from '../report/heatmap.js';
import { lineChart } from '../report/line-chart.js';
import { markdownTable } from '../report/markdown-table.js';
import { packageVersion } from '../version.js';
import { aggregations } from './aggregate.js';
import type { Evaluation } from './evaluate.js';
import { evaluationMetrics, type EvaluationMetrics, type GroupScore } from './metrics.js';
import { writePredictionsArrow } from './predictions-arrow.js';
import type { TrainedModel } from './trained-model.js';

export interface ReportContext {
  /** The data set directory evaluated. */
  data: string;
  models: readonly TrainedModel[];
  /** Each model's run directory, when it came from one (its log.jsonl gives the training curves). */
  runDirs: readonly (string | undefined)[];
}

export interface WrittenReport {
  dir: string;
  files: string[];
  metrics: EvaluationMetrics;
}

const chance = { y: 10, label: 'chance 10 %' };
const percent = (x: number) => `${(100 * x).toFixed(1)} %`;
const songTitle = (trigger: number) => songByTrigger(trigger).title;
const subjectName = (subject: number) => `S${String(subject).padStart(2, '0')}`;

function accuracyTable(m: EvaluationMetrics): string {
  const lengths = [...new Set(m.byLength.map((r) => r.seconds))];
  const cell = (seconds: number, how: string) => m.byLength.find((r) => r.seconds === seconds && r.aggregation === how)!;
  const rows = lengths.map((s) => [`${s} s`, cell(s, 'mean').items, ...aggregations.map((a) => percent(cell(s, a).accuracy)), ...cell(s, 'mean').topK.slice(1).map(percent)]);
  return markdownTable(['length', 'items', ...aggregations, 'top-2 (mean)', 'top-3 (mean)'], rows);
}

/** Rows: groups (songs or subjects); columns: lengths; mean aggregation (the paper's Tables 6–7). */
function groupTable(scores: readonly GroupScore[], name: (key: number) => string, header: string): string {
  const mean = scores.filter((r) => r.aggregation === 'mean');
  const lengths = [...new Set(mean.map((r) => r.seconds))];
  const keys = [...new Set(mean.map((r) => r.key))];
  const rows = keys.map((k) => [name(k), ...lengths.map((s) => percent(mean.find((r) => r.key === k && r.seconds === s)!.accuracy))]);
  return markdownTable([header, ...lengths.map((s) => `${s} s`)], rows);
}

function groupBars(scores: readonly GroupScore[], name: (key: number) => string, title: string): string {
  const mean = scores.filter((r) => r.aggregation === 'mean');
  const lengths = [...new Set(mean.map((r) => r.seconds))];
  const keys = [...new Set(mean.map((r) => r.key))];
  const series = lengths.map((s) => ({ name: `${s} s`, values: keys.map((k) => 100 * mean.find((r) => r.key === k && r.seconds === s)!.accuracy) }));
  return barChart({ title, yLabel: 'Accuracy (%)', yRange: [0, 100], grouped: { groups: keys.map(name), series }, referenceLine: chance });
}

/**
 * Step losses averaged over bins of at least 5 steps and into at most 400 points: noisy per-batch
 * losses become a readable line, and a 150,000-step log stays small.
 */
function binned(points: readonly [number, number][]): [number, number][] {
  const size = Math.max(5, Math.ceil(points.length / 400));
  const out: [number, number][] = [];
  for (let i = 0; i < points.length; i += size) {
    const bin = points.slice(i, i + size);
    out.push([bin.reduce((s, p) => s + p[0], 0) / bin.length, bin.reduce((s, p) => s + p[1], 0) / bin.length]);
  }
  return out;
}

/** The log.jsonl entries the curves read (src/train/train.ts writes them). */
interface LogEntry {
  event: string;
  step: number;
  epoch: number;
  lossEeg: number;
  lossMusic: number;
  lossPredann: number;
  /** Validation entries: EEG accuracy, and the music branch's (absent in logs older than 0.1). */
  accuracy: number;
  music?: { accuracy: number };
}

/** The training curves of one run from its log.jsonl, or nothing when it has no log. */
function trainingPlots(name: string, runDir: string | undefined): Map<string, string> {
  const plots = new Map<string, string>();
  const log = runDir && join(runDir, 'log.jsonl');
  if (!log || !existsSync(log)) return plots;
  const entries = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as LogEntry);
  const steps = entries.filter((e) => e.event === 'step');
  const loss = (key: 'lossEeg' | 'lossMusic' | 'lossPredann') => binned(steps.map((e) => [e.step, e[key]]));
  if (steps.length > 0) {
    const series = [{ name: 'EEG cross-entropy', points: loss('lossEeg') }, { name: 'music cross-entropy', points: loss('lossMusic') }, { name: 'PredANN (InfoNCE)', points: loss('lossPredann') }];
    plots.set(`training-loss-${name}.svg`, lineChart({ title: `Training losses: ${name}`, xLabel: 'Step', yLabel: 'Loss', series }));
  }
  const validation = entries.filter((e) => e.event === 'validation');
  if (validation.length > 0) {
    const series = [{ name: 'EEG', points: validation.map((e): [number, number] => [e.epoch, 100 * e.accuracy]) }];
    if (validation.every((e) => e.music)) series.push({ name: 'music', points: validation.map((e): [number, number] => [e.epoch, 100 * e.music!.accuracy]) });
    plots.set(`training-validation-${name}.svg`, lineChart({ title: `Validation accuracy during training: ${name}`, xLabel: 'Epoch', yLabel: 'Accuracy (%)', yRange: [0, 100], series, referenceLine: chance }));
  }
  return plots;
}

function plotsOf(evaluation: Evaluation, m: EvaluationMetrics, context: ReportContext): Map<string, string> {
  const lengths = [...new Set(m.byLength.map((r) => r.seconds))];
  const plots = new Map<string, string>();
  const series = aggregations.map((a) => ({ name: a, points: m.byLength.filter((r) => r.aggregation === a).map((r) => [r.seconds, 100 * r.accuracy] as [number, number]) }));
  plots.set('accuracy-vs-length.svg', lineChart({ title: 'Accuracy vs evaluation length', xLabel: 'Evaluation length (s)', yLabel: 'Accuracy (%)', series, yRange: [0, 100], referenceLine: chance, xTicks: lengths }));
  const titles = Array.from({ length: evaluation.classes }, (_, label) => songTitle(triggerOfLabel(label)));
  for (const seconds of new Set([lengths[0], lengths.at(-1)!])) {
    const c = m.confusion.find((x) => x.seconds === seconds && x.aggregation === 'mean')!;
    plots.set(`confusion-${seconds}s.svg`, heatmap({ title: `Confusion matrix, ${seconds} s (mean), row-normalised`, rowLabel: 'True song', columnLabel: 'Predicted song', rows: titles, columns: titles, values: c.counts, normalize: 'row' }));
  }
  plots.set('per-song.svg', groupBars(m.bySong, songTitle, 'Per-song accuracy (mean aggregation)'));
  plots.set('per-subject.svg', groupBars(m.bySubject, subjectName, 'Per-subject accuracy (mean aggregation)'));
  context.models.forEach((model, i) => trainingPlots(model.name, context.runDirs[i]).forEach((svg, file) => plots.set(file, svg)));
  return plots;
}

function summaryJson(evaluation: Evaluation, m: EvaluationMetrics, context: ReportContext): object {
  const { classes, options, clips, wallSeconds } = evaluation;
  const items = new Set(evaluation.predictions.map((p) => p.item)).size;
  const models = context.models.map((model, i) => ({ name: model.name, path: model.path, preset: model.preset.name, runDir: context.runDirs[i] ?? null }));
  return { predann: packageVersion, data: context.data, ensemble: models.length > 1, models, classes, options, items, clips, wallSeconds, metrics: m };
}

function markdownOf(evaluation: Evaluation, m: EvaluationMetrics, context: ReportContext, plots: readonly string[]): string {
  const o = evaluation.options;
  const images = (prefix: string) => plots.filter((f) => f.startsWith(prefix)).map((f) => `![${f}](${f})`).join('\n');
  return [
    `# Evaluation: ${evaluation.models.join(' + ')}`,
    '',
    `- data: \`${context.data}\`; ${new Set(evaluation.predictions.map((p) => p.item)).size} segments over lengths ${o.lengths.join(', ')} s; ${evaluation.clips} clips classified in ${evaluation.wallSeconds.toFixed(1)} s`,
    `- protocol \`${o.protocol}\`, crop \`${o.crop}\`${o.crop === 'official' ? ` (seed ${o.seed})` : ''}${context.models.length > 1 ? '; ensemble: equal-weight average of the softmax probabilities' : ''}`,
    `- models: ${context.models.map((model) => `\`${model.name}\` (${model.preset.name} preset, ${model.path})`).join(', ')}`,
    '',
    '## Accuracy (chance 10 %)',
    '',
    accuracyTable(m),
    '',
    images('accuracy'),
    '',
    '## Per song (mean aggregation)',
    '',
    groupTable(m.bySong, songTitle, 'song'),
    '',
    images('per-song'),
    '',
    '## Per subject (mean aggregation)',
    '',
    groupTable(m.bySubject, subjectName, 'subject'),
    '',
    images('per-subject'),
    '',
    '## Confusion matrices',
    '',
    images('confusion'),
    '',
    ...(images('training') ? ['## Training', '', images('training'), ''] : []),
  ].join('\n');
}

/**
 * @example
 * const { files } = await writeEvaluationReport('reports/small', evaluation, { data: 'predann-demo/dataset', models, runDirs: ['runs/small'] });
 */
export async function writeEvaluationReport(dir: string, evaluation: Evaluation, context: ReportContext): Promise<WrittenReport> {
  const metrics = evaluationMetrics(evaluation);
  const plots = plotsOf(evaluation, metrics, context);
  const texts = new Map<string, string>([
    ['report.json', JSON.stringify(summaryJson(evaluation, metrics, context), null, 2) + '\n'],
    ['report.md', markdownOf(evaluation, metrics, context, [...plots.keys()])],
    ...plots,
  ]);
  await withAtomicOutput(dir, async (tmp) => {
    await mkdir(tmp, { recursive: true });
    for (const [file, content] of texts) await writeFile(join(tmp, file), content);
    writePredictionsArrow(join(tmp, 'predictions.arrow'), evaluation);
  });
  return { dir, files: [...texts.keys(), 'predictions.arrow'].map((f) => join(dir, f)), metrics };
}
