/** `predann eval`: the paper's evaluation of a trained model or an ensemble, as a report directory. */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { aggregations } from '../../eval/aggregate.js';
import { evaluationProtocols, maxEvaluationSeconds, minEvaluationSeconds, type EvaluationProtocol } from '../../eval/evaluation-items.js';
import { runEvaluation } from '../../eval/run-evaluation.js';
import type { WindowCrop } from '../../data/windows.js';
import { type CommonArgs, note, printJson } from '../output.js';
import { progressBar, type Progress } from '../progress.js';

interface EvalArgs extends CommonArgs {
  data: string;
  checkpoint: string[];
  out: string;
  lengths: number[];
  protocol: EvaluationProtocol;
  crop: WindowCrop;
  seed: number;
  splitSeed?: number;
}

export const command = 'eval';
export const describe = 'Evaluate a trained model (or an ensemble) on the validation windows: accuracy at 3-7 s, per song and subject, plots, Arrow predictions';

export function builder(yargs: Argv): Argv {
  return yargs
    .option('data', { type: 'string', demandOption: true, describe: 'dataset directory (predann ingest)' })
    .option('checkpoint', { type: 'string', array: true, demandOption: true, describe: 'run directory or weights.safetensors; several: an equal-weight ensemble' })
    .option('out', { type: 'string', demandOption: true, describe: 'report directory (replaced atomically)' })
    .option('lengths', { type: 'number', array: true, default: [3, 4, 5, 6, 7], describe: `evaluation lengths in seconds (${minEvaluationSeconds}-${maxEvaluationSeconds})` })
    .option('protocol', { choices: evaluationProtocols, default: 'all' as const, describe: 'all: every window (5,600 items); official: batches of 48 with drop_last (5,568), as the paper\'s code' })
    .option('crop', { choices: ['official', 'center'] as const, default: 'official' as const, describe: 'segment placement in each 8-s window: official (random, seeded) or center (deterministic)' })
    .option('seed', { type: 'number', default: 0, describe: 'seed of the random segment placement' })
    .option('split-seed', { type: 'number', describe: 'seed of a stratified split (default: the run\'s training seed)' })
    .example('$0 eval --data predann-demo/dataset --checkpoint predann-demo/runs/small-lambda0.05 --out report', 'every length, all windows, random crops (seed 0)')
    .example('$0 eval --data data/nmedt --checkpoint runs/paper --out report --protocol official --lengths 3', 'the paper\'s 3-s number exactly (5,568 items)')
    .example('$0 eval --data data/nmedt --checkpoint runs/a runs/b runs/c --out report-ensemble --crop center', 'an ensemble of three runs, deterministic centre crops');
}

export async function handler(args: ArgumentsCamelCase<EvalArgs>): Promise<void> {
  let bar: Progress | undefined;
  try {
    const result = await runEvaluation({
      data: args.data,
      checkpoints: args.checkpoint,
      out: args.out,
      lengths: args.lengths,
      protocol: args.protocol,
      crop: args.crop,
      seed: args.seed,
      splitSeed: args.splitSeed,
      onProgress: (done, total) => {
        bar ??= progressBar('eval  ', total, !args.quiet && !args.json);
        bar.tick(1);
      },
    });
    bar?.stop();
    const rows = result.metrics.byLength;
    if (args.json) return printJson({ out: result.dir, files: result.files, items: result.items, clips: result.clips, wallSeconds: result.wallSeconds, accuracy: rows });
    const lengths = [...new Set(rows.map((r) => r.seconds))];
    const cell = (s: number, a: string) => `${(100 * rows.find((r) => r.seconds === s && r.aggregation === a)!.accuracy).toFixed(1)} %`;
    process.stdout.write(`length  ${aggregations.map((a) => a.padStart(8)).join('  ')}\n`);
    for (const s of lengths) process.stdout.write(`${`${s} s`.padEnd(6)}  ${aggregations.map((a) => cell(s, a).padStart(8)).join('  ')}\n`);
    note(args, `${result.items} segments, ${result.clips} clips in ${result.wallSeconds.toFixed(1)} s (${(result.clips / result.wallSeconds).toFixed(0)} clips/s); report in ${result.dir}/report.md`);
  } finally {
    bar?.stop();
  }
}
