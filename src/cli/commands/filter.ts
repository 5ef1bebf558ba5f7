/** `predann filter`: a data set → a new data set with zero-phase IIR filtering, recorded in its manifest. */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { filterDataset } from '../../ingest/filter-dataset.js';
import { filterPresets } from '../../dsp/filter-spec.js';
import { type CommonArgs, note, printJson } from '../output.js';
import { progressBar, type Progress } from '../progress.js';
import { filterSpecHelp, checkFilterSpec } from './filter-flag.js';

interface FilterArgs extends CommonArgs {
  data: string;
  out: string;
  filter: string;
}

export const command = 'filter';
export const describe = 'Filter a data set (zero-phase Butterworth / Chebyshev-I, as SciPy) into a new data set';

export function builder(yargs: Argv): Argv {
  return yargs
    .option('data', { type: 'string', demandOption: true, describe: 'data set directory to read' })
    .option('out', { type: 'string', demandOption: true, describe: 'new data set directory (written atomically)' })
    .option('filter', { type: 'string', demandOption: true, describe: filterSpecHelp, coerce: checkFilterSpec })
    .example('$0 filter --data data/synth --out data/synth-bp --filter bandpass:1-50', "a 1-50 Hz Butterworth band-pass of order 5 (the official code's, as sections) at the data set's 125 Hz")
    .example('$0 filter --data data/synth --out data/synth-off --filter official-bandpass', "the official butter_bandpass_filter exactly: filtfilt on (b, a)")
    .example('$0 filter --data data/synth --out data/synth-hp --filter hp:0.5:order=4,bs:59-61:order=2', 'a 0.5 Hz high-pass, then a 59-61 Hz notch')
    .epilogue(`Presets: ${Object.entries(filterPresets).map(([k, v]) => `${k} = ${v}`).join('; ')}.`);
}

export async function handler(args: ArgumentsCamelCase<FilterArgs>): Promise<void> {
  let bar: Progress | undefined;
  const result = await filterDataset({
    data: args.data,
    out: args.out,
    filter: args.filter,
    onProgress: (_done, total) => {
      bar ??= progressBar('filter', total, !args.quiet && !args.json);
      bar.tick(1);
    },
  });
  bar?.stop();
  const { pipeline, manifest } = result;
  const summary = { out: result.out, seconds: result.seconds, recordings: manifest.recordings.length, filter: pipeline.spec, fs: pipeline.fs, sections: pipeline.stages.map((s) => s.design.sections) };
  if (args.json) return printJson(summary);
  note(args, `filtered ${summary.recordings} recordings with ${pipeline.spec} at ${pipeline.fs} Hz into ${result.out} in ${result.seconds.toFixed(1)} s`);
}
