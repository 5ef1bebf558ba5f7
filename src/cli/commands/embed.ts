/** `predann embed`: a checkpoint's EEG or music embeddings as an Arrow table. */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { embed, type EmbedOptions } from '../../serve/embed.js';
import { windowSelections } from '../../serve/prediction-windows.js';
import { type CommonArgs, note, printJson } from '../output.js';
import { progressBar, type Progress } from '../progress.js';

/** The flags are the library's options. */
interface EmbedArgs extends CommonArgs, Omit<EmbedOptions, 'onProgress'> {}

export const command = 'embed';
export const describe = 'Write a checkpoint\'s embeddings (projector II): EEG per window, or music per song on a time grid';

export function builder(yargs: Argv): Argv {
  return yargs
    .option('checkpoint', { type: 'string', demandOption: true, describe: 'run directory or weights.safetensors' })
    .option('branch', { choices: ['eeg', 'music'] as const, default: 'eeg' as const, describe: 'which encoder' })
    .option('data', { type: 'string', demandOption: true, describe: 'dataset directory (predann ingest)' })
    .option('windows', { choices: windowSelections, default: 'validation' as const, describe: 'EEG: the split\'s validation windows or sliding windows' })
    .option('hop', { type: 'number', default: 1, describe: 'seconds between EEG sliding windows, or between music clips' })
    .option('out', { type: 'string', demandOption: true, describe: 'embeddings.arrow (written atomically)' })
    .option('split-seed', { type: 'number', describe: 'seed of a stratified split (default 0)' })
    .example('$0 embed --checkpoint runs/small --branch eeg --data predann-demo/dataset --out eeg.arrow', 'EEG embeddings of the validation windows')
    .example('$0 embed --checkpoint runs/small --branch music --data predann-demo/dataset --hop 0.5 --out music.arrow', 'music embeddings every 0.5 s: a teacher table for train --teacher');
}

export async function handler(args: ArgumentsCamelCase<EmbedArgs>): Promise<void> {
  let bar: Progress | undefined;
  try {
    const r = await embed({
      checkpoint: args.checkpoint,
      branch: args.branch,
      data: args.data,
      windows: args.windows,
      hop: args.hop,
      out: args.out,
      splitSeed: args.splitSeed,
      onProgress: (done, total) => {
        bar ??= progressBar('embed ', total, !args.quiet && !args.json);
        bar.tick(1);
      },
    });
    bar?.stop();
    if (args.json) return printJson(r);
    note(args, `${r.rows} ${args.branch} embeddings of dimension ${r.dimension} in ${r.wallSeconds.toFixed(1)} s → ${r.out}`);
  } finally {
    bar?.stop();
  }
}
