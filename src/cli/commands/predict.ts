/** `predann predict`: batch inference over EEG windows with onnxruntime-node or the native engine, into an Arrow table. */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { predict, type PredictOptions } from '../../serve/predict.js';
import { windowSelections } from '../../serve/prediction-windows.js';
import { inferenceEngines } from '../../serve/window-classifier.js';
import { type CommonArgs, note, printJson } from '../output.js';
import { progressBar, type Progress } from '../progress.js';

/** The flags are the library's options. */
interface PredictArgs extends CommonArgs, Omit<PredictOptions, 'onProgress'> {}

export const command = 'predict';
export const describe = 'Classify 3-s EEG windows with an exported model (onnxruntime-node) or a checkpoint (native engine); Arrow output';

export function builder(yargs: Argv): Argv {
  return yargs
    .option('model', { type: 'string', demandOption: true, describe: 'model.onnx (predann export), or a run directory / weights file with --engine native' })
    .option('engine', { choices: inferenceEngines, default: 'onnxruntime' as const, describe: 'inference engine' })
    .option('data', { type: 'string', describe: 'dataset directory (predann ingest)' })
    .option('eeg', { type: 'string', describe: 'an EEG Arrow file (eeg.arrow) instead of a data set: sliding windows over every recording' })
    .option('windows', { choices: windowSelections, default: 'validation' as const, describe: 'data sets: the split\'s validation windows, or sliding windows over every recording' })
    .option('hop', { type: 'number', default: 1, describe: 'seconds between sliding windows' })
    .option('out', { type: 'string', demandOption: true, describe: 'predictions.arrow (written atomically)' })
    .option('split-seed', { type: 'number', describe: 'seed of a stratified split (default 0)' })
    .conflicts('data', 'eeg')
    .check((a) => (a.data !== undefined || a.eeg !== undefined ? true : 'give --data DIR or --eeg FILE'))
    .example('$0 predict --model model.onnx --data predann-demo/dataset --out predictions.arrow', 'the validation windows through onnxruntime')
    .example('$0 predict --model runs/small --engine native --eeg data/eeg.arrow --windows sliding --hop 0.5 --out all.arrow', 'every half second of every recording, native engine');
}

export async function handler(args: ArgumentsCamelCase<PredictArgs>): Promise<void> {
  let bar: Progress | undefined;
  try {
    const r = await predict({
      model: args.model,
      engine: args.engine,
      data: args.data,
      eeg: args.eeg,
      windows: args.windows,
      hop: args.hop,
      out: args.out,
      splitSeed: args.splitSeed,
      onProgress: (done, total) => {
        bar ??= progressBar('predict', total, !args.quiet && !args.json);
        bar.tick(1);
      },
    });
    bar?.stop();
    if (args.json) return printJson(r);
    const accuracy = r.accuracy === null ? '' : `, accuracy ${(100 * r.accuracy).toFixed(1)} %`;
    note(args, `${r.windows} windows of ${r.recordings} recordings in ${r.wallSeconds.toFixed(1)} s (${r.windowsPerSecond.toFixed(1)} windows/s, ${r.engine})${accuracy} → ${r.out}`);
  } finally {
    bar?.stop();
  }
}
