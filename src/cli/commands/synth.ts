/** `predann synth`: write a synthetic NMED-T in the real raw formats (MATLAB v7.3, WAV, MATLAB v5). */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { synthesizeNmedt } from '../../data/synth/synth-nmedt.js';
import { type CommonArgs, note, printJson } from '../output.js';
import { progressBar } from '../progress.js';

interface SynthArgs extends CommonArgs {
  out: string;
  subjects?: number;
  seconds?: number;
  seed: number;
  precision: 'single' | 'double';
  clean: boolean;
  responseGain: number;
}

export const command = 'synth';
export const describe = 'Write a synthetic NMED-T (raw v7.3 EEG, song WAVs, cleaned v5 release)';

export function builder(yargs: Argv): Argv {
  return yargs
    .option('out', { type: 'string', demandOption: true, describe: 'output directory (replaced atomically)' })
    .option('subjects', { type: 'number', describe: 'number of subjects (first N NMED-T ids; default all 20)' })
    .option('seconds', { type: 'number', describe: 'length of every song in seconds (default: the NMED-T lengths, ~4.8 min)' })
    .option('seed', { type: 'number', default: 0, describe: 'random seed; the same seed writes identical files' })
    .option('precision', { choices: ['single', 'double'] as const, default: 'single' as const, describe: 'MATLAB class of X' })
    .option('clean', { type: 'boolean', default: true, describe: 'also write the cleaned release (song<T>_Imputed.mat)' })
    .option('response-gain', { type: 'number', default: 1, describe: 'multiplier of the evoked response to the music (1: calibrated, a linear classifier reaches ≈ 34 %; larger is easier)' })
    .example('$0 synth --out nmedt-synth --subjects 4 --seconds 64', 'a small synthetic set: 4 subjects × 10 songs × 64 s')
    .example('$0 synth --out nmedt-full', 'the full size: 20 subjects × 10 songs × ~4.8 min')
    .example('$0 synth --out nmedt-easy --subjects 6 --seconds 64 --response-gain 10', 'the demo\'s easier set: participants respond 10× more strongly');
}

export async function handler(args: ArgumentsCamelCase<SynthArgs>): Promise<void> {
  let bar: ReturnType<typeof progressBar> | undefined;
  const summary = await synthesizeNmedt({
    out: args.out,
    subjects: args.subjects,
    seconds: args.seconds,
    seed: args.seed,
    precision: args.precision,
    clean: args.clean,
    responseGain: args.responseGain,
    onProgress: (done, total) => {
      bar ??= progressBar('synth ', total, !args.quiet && !args.json);
      bar.tick(1);
      if (done === total) bar.stop();
    },
  });
  bar?.stop();
  if (args.json) return printJson(summary);
  note(args, `wrote ${summary.rawFiles.length} raw EEG files, ${summary.audioFiles.length} songs, ${summary.cleanFiles.length} cleaned files (${(summary.bytes / 2 ** 30).toFixed(2)} GiB) to ${summary.out}`);
}
