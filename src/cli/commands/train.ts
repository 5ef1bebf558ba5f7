/** `predann train`: train PredANN on a dataset directory (the official loop; see src/train/train.ts). */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { Dataset } from '../../data/dataset.js';
import { presets } from '../../model/model-spec.js';
import { train, type TrainOptions } from '../../train/train.js';
import { type CommonArgs, note, printJson } from '../output.js';
import { progressBar, type Progress } from '../progress.js';

/** The flags are the library's options, but for the data set, the preset's name and `--batch`. */
interface TrainArgs extends CommonArgs, Omit<TrainOptions, 'preset' | 'batchSize' | 'onStep' | 'onValidation'> {
  data: string;
  preset: keyof typeof presets;
  batch: number;
}

export const command = 'train';
export const describe = 'Train the EEG and music encoders (cross-entropy + λ·InfoNCE with stop-gradient, Adam)';

export function builder(yargs: Argv): Argv {
  return yargs
    .option('data', { type: 'string', demandOption: true, describe: 'dataset directory (predann ingest)' })
    .option('out', { type: 'string', demandOption: true, describe: 'run directory: log.jsonl, weights.safetensors, run.json' })
    .option('preset', { choices: ['paper', 'small'] as const, default: 'small' as const, describe: 'model size: paper (exact) or small (CPU, not the paper)' })
    .option('epochs', { type: 'number', default: 12, describe: 'epochs (the paper: 6000)' })
    .option('batch', { type: 'number', default: 48, describe: 'batch size (last partial batch dropped)' })
    .option('lr', { type: 'number', default: 0.003, describe: 'Adam learning rate' })
    .option('lambda', { type: 'number', default: 0.05, describe: 'weight of the PredANN loss (0: the baseline)' })
    .option('temperature', { type: 'number', default: 0.5, describe: 'InfoNCE temperature τ' })
    .option('detach', { type: 'boolean', default: true, describe: 'stop-gradient on the music embedding (--no-detach: the ablation)' })
    .option('dropout', { type: 'number', default: 0.5, describe: 'dropout after the last conv block' })
    .option('seed', { type: 'number', default: 0, describe: 'seed of the initial weights, shuffling, crops and dropout' })
    .option('validate-every', { type: 'number', default: 12, describe: 'validation cadence in epochs (the paper: 12)' })
    .option('checkpoint-every', { type: 'number', default: 1, describe: 'epochs between checkpoints (written atomically to <out>/checkpoint)' })
    .option('bn-recalibration', { type: 'number', default: 0, describe: 'recompute BatchNorm running statistics over this many training batches before each validation and at the end (0: the paper\'s running averages)' })
    .option('teacher', { type: 'string', describe: 'a frozen teacher table (Arrow: song, start, z) replacing the music CNN as the InfoNCE target' })
    .option('resume', { type: 'boolean', default: false, describe: 'continue from <out>/checkpoint: ends with the weights of an uninterrupted run' })
    .example('$0 train --data predann-demo/dataset --out runs/small --epochs 24', 'the small preset on the demo data')
    .example('$0 train --data data/nmedt --out runs/paper --preset paper --epochs 6000', 'the paper schedule (a GPU job)')
    .example('$0 train --data predann-demo/dataset --out runs/small --epochs 24 --resume', 'continue an interrupted run')
    .example('$0 train --data predann-demo/dataset --out runs/teacher --teacher music.arrow', 'EEG supervised by a frozen teacher table (predann embed --branch music, or MuQ features from Python)');
}

export async function handler(args: ArgumentsCamelCase<TrainArgs>): Promise<void> {
  const dataset = await Dataset.open(args.data);
  let bar: Progress | undefined;
  try {
    const result = await train(dataset, {
      out: args.out,
      preset: presets[args.preset],
      epochs: args.epochs,
      batchSize: args.batch,
      lr: args.lr,
      lambda: args.lambda,
      temperature: args.temperature,
      detach: args.detach,
      dropout: args.dropout,
      seed: args.seed,
      validateEvery: args.validateEvery,
      checkpointEvery: args.checkpointEvery,
      resume: args.resume,
      bnRecalibration: args.bnRecalibration,
      teacher: args.teacher,
      onStep: ({ stepsPerEpoch, total, epoch }) => {
        bar ??= progressBar('train ', stepsPerEpoch * args.epochs, !args.quiet && !args.json);
        bar.tick(1, { loss: total.toFixed(4), epoch });
      },
      onValidation: ({ epoch, accuracy, loss, items, music }) =>
        note(args, `\nepoch ${epoch}: validation on ${items} windows: EEG accuracy ${(100 * accuracy).toFixed(1)} % (loss ${loss.toFixed(3)}), music ${(100 * music.accuracy).toFixed(1)} % (loss ${music.loss.toFixed(3)})`),
    });
    bar?.stop();
    if (args.json) return printJson({ out: args.out, steps: result.steps, validation: result.validation });
    note(args, `trained ${result.steps} steps; weights in ${args.out}/weights.safetensors, log in ${args.out}/log.jsonl`);
  } finally {
    bar?.stop();
    await dataset.close();
  }
}
