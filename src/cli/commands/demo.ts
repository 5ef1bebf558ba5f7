/** `predann demo`: the main job end to end on the embedded synthetic data set. */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { formatDatasetSummary } from '../../data/dataset-report.js';
import { runDemo, type DemoOnnx, type DemoResult, type DemoRun } from '../../demo.js';
import { type CommonArgs, note, printJson } from '../output.js';
import { progressBar, type Progress } from '../progress.js';

interface DemoArgs extends CommonArgs {
  dir: string;
  subjects: number;
  seconds: number;
  seed: number;
  responseGain: number;
  epochs: number;
}

export const command = 'demo';
export const describe = 'Run the pipeline end to end on a synthetic NMED-T: synth → ingest → split → preprocessing → training (λ = 0.05 and 0) → evaluation → comparison → ONNX export → predict';

export function builder(yargs: Argv): Argv {
  return yargs
    .option('dir', { type: 'string', default: 'predann-demo', describe: 'working directory (synthetic sources and dataset)' })
    .option('subjects', { type: 'number', default: 6, describe: 'synthetic subjects' })
    .option('seconds', { type: 'number', default: 64, describe: 'length of every song in seconds' })
    .option('seed', { type: 'number', default: 0, describe: 'random seed (data, split, training)' })
    .option('response-gain', { type: 'number', default: 10, describe: 'how strongly the synthetic participants respond to the music (1: calibrated, harder)' })
    .option('epochs', { type: 'number', default: 60, describe: 'training epochs of the small model (0: skip training)' })
    .example('$0 demo', 'the default demo in ./predann-demo')
    .example('$0 demo --subjects 20 --seconds 300 --dir /data/demo', 'full-size synthetic NMED-T')
    .example('$0 demo --epochs 0', 'the data pipeline only, no training');
}

export async function handler(args: ArgumentsCamelCase<DemoArgs>): Promise<void> {
  const bars = new Map<string, Progress>();
  const result = await runDemo({
    dir: args.dir,
    subjects: args.subjects,
    seconds: args.seconds,
    seed: args.seed,
    responseGain: args.responseGain,
    epochs: args.epochs,
    onStage: (s) => note(args, `▸ ${s}`),
    onProgress: (stage, done, total) => {
      if (!bars.has(stage)) bars.set(stage, progressBar(stage.padEnd(7), total, !args.quiet && !args.json));
      bars.get(stage)!.tick(1);
      if (done === total) bars.get(stage)!.stop();
    },
  });
  if (args.json) return printJson(result);
  const { synth, ingest, filter, split, validationWindows: w } = result;
  process.stdout.write(
    `${formatDatasetSummary(result.summary, `Synthetic NMED-T in ${ingest.dir}`)}\n` +
      `- synth: ${synth.rawFiles.length} raw files, ${(synth.bytes / 2 ** 30).toFixed(2)} GiB in ${synth.wallSeconds.toFixed(1)} s\n` +
      `- ingest: ${ingest.recordings} recordings in ${ingest.wallSeconds.toFixed(1)} s\n` +
      `- filter: ${filter.recordings} recordings through ${filter.spec} at ${filter.fs} Hz in ${filter.wallSeconds.toFixed(1)} s → ${filter.dir}\n` +
      `- split (${split.kind}): ${split.train} train / ${split.validation} validation chunks\n` +
      `- validation windows: ${w.items} clips preprocessed in ${(w.wallSeconds * 1e3).toFixed(0)} ms (${w.clipsPerSecond.toFixed(0)} clips/s)\n` +
      result.runs.map(runLines).join('') +
      (result.comparison ? comparisonLines(result.comparison) : '') +
      (result.onnx ? onnxLines(result.onnx) : ''),
  );
}

const percent = (x: number) => `${(100 * x).toFixed(1)} %`;

function runLines(run: DemoRun): string {
  const v = run.validation;
  const mean = (seconds: number) => run.report.accuracy.find((r) => r.seconds === seconds && r.aggregation === 'mean')!;
  const lengths = [...new Set(run.report.accuracy.map((r) => r.seconds))];
  return (
    `- training λ = ${run.lambda}: ${run.steps} steps in ${run.wallSeconds.toFixed(0)} s (${run.stepsPerSecond.toFixed(2)} steps/s) → ${run.out}\n` +
    `  validation (${v.items} windows, chance 10 %): EEG ${percent(v.accuracy)}, music ${percent(v.music.accuracy)}\n` +
    `  evaluation (mean aggregation): ${lengths.map((s) => `${s} s ${percent(mean(s).accuracy)}`).join(', ')}; ${run.report.clips} clips in ${run.report.wallSeconds.toFixed(0)} s → ${run.report.dir}/report.md\n`
  );
}

function comparisonLines(c: NonNullable<DemoResult['comparison']>): string {
  const lines = c.pairs.map((p) => {
    const all = p.rows.find((r) => r.granularity === 'all')!;
    return `  ${p.seconds} s: ${percent(all.accuracyA)} vs ${percent(all.accuracyB)}, McNemar exact p = ${all.mcnemarExact.pvalue.toPrecision(3)}`;
  });
  return `- comparison (${c.pairs[0].a} vs ${c.pairs[0].b}, paired on the same windows) → ${c.dir}/compare.md\n${lines.join('\n')}\n`;
}

function onnxLines(o: DemoOnnx): string {
  const accuracy = o.accuracy === null ? '' : `, accuracy ${percent(o.accuracy)}`;
  return (
    `- ONNX: ${o.model} (${(o.bytes / 1024).toFixed(0)} KiB); onnxruntime-node predicted ${o.windows} windows at ${o.windowsPerSecond.toFixed(1)} windows/s${accuracy} → ${o.predictions}\n` +
    `  largest |logit difference| from the native engine (${o.nativeWindowsPerSecond.toFixed(1)} windows/s): ${o.maxLogitDifference.toExponential(2)}\n`
  );
}
