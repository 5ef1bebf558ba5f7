/**
 * `predann filter`: a data set → a new data set with zero-phase IIR filtering, recorded in its
 * manifest; or, without a data set, a description of the filter at a sample rate (stages, padding,
 * pole radii, gains at key frequencies) and its response plot.
 */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { filterDataset } from '../../ingest/filter-dataset.js';
import { filterPresets } from '../../dsp/filter-spec.js';
import { designFilterPipeline, type FilterPipeline } from '../../dsp/filter-pipeline.js';
import { describePipeline, responseChart } from '../../dsp/filter-response.js';
import { writeFileAtomic } from '../../io/atomic.js';
import { UsageError } from '../../errors.js';
import { type CommonArgs, note, printJson } from '../output.js';
import { progressBar, type Progress } from '../progress.js';
import { filterSpecHelp, checkFilterSpec } from './filter-flag.js';

interface FilterArgs extends CommonArgs {
  data?: string;
  out?: string;
  filter: string;
  fs?: number;
  plot?: string;
}

export const command = 'filter';
export const describe = 'Filter a data set (zero-phase Butterworth / Chebyshev-I, as SciPy) into a new data set, or describe a filter';

export function builder(yargs: Argv): Argv {
  return yargs
    .option('data', { type: 'string', describe: 'data set directory to read' })
    .option('out', { type: 'string', describe: 'new data set directory (written atomically)' })
    .option('filter', { type: 'string', demandOption: true, describe: filterSpecHelp, coerce: checkFilterSpec })
    .option('fs', { type: 'number', describe: 'without --data: describe the filter at this sample rate (Hz)' })
    .option('plot', { type: 'string', describe: 'write the zero-phase response as an SVG plot to this file' })
    .check((a) => {
      if (a.data === undefined && a.fs === undefined) throw new UsageError('Give --data and --out to filter a data set, or --fs to describe the filter');
      if (a.data !== undefined && a.out === undefined) throw new UsageError('Give --out, the new data set directory');
      if (a.data !== undefined && a.fs !== undefined) throw new UsageError('--fs describes a filter without data; a data set brings its own sample rate');
      return true;
    })
    .example('$0 filter --data data/synth --out data/synth-bp --filter bandpass:1-50', "a 1-50 Hz Butterworth band-pass of order 5 (the official code's, as sections) at the data set's 125 Hz")
    .example('$0 filter --data data/synth --out data/synth-off --filter official-bandpass', 'the official butter_bandpass_filter exactly: filtfilt on (b, a)')
    .example('$0 filter --filter nmedt --fs 1000 --plot nmedt.svg', 'describe the NMED-T cleaning filters at 1 kHz and plot their response')
    .epilogue(`Presets: ${Object.entries(filterPresets).map(([k, v]) => `${k} = ${v}`).join('; ')}.`);
}

export async function handler(args: ArgumentsCamelCase<FilterArgs>): Promise<void> {
  if (args.data === undefined) return describeOnly(args, designFilterPipeline(args.filter, args.fs!));
  let bar: Progress | undefined;
  const result = await filterDataset({
    data: args.data,
    out: args.out!,
    filter: args.filter,
    onProgress: (_done, total) => {
      bar ??= progressBar('filter', total, !args.quiet && !args.json);
      bar.tick(1);
    },
  });
  bar?.stop();
  const { pipeline, manifest } = result;
  if (args.plot) writeFileAtomic(args.plot, responseChart(pipeline));
  const summary = { out: result.out, seconds: result.seconds, recordings: manifest.recordings.length, filter: pipeline.spec, fs: pipeline.fs, sections: pipeline.stages.map((s) => s.design.sections), plot: args.plot };
  if (args.json) return printJson(summary);
  note(args, `filtered ${summary.recordings} recordings with ${pipeline.spec} at ${pipeline.fs} Hz into ${result.out} in ${result.seconds.toFixed(1)} s${args.plot ? `; response plot: ${args.plot}` : ''}`);
}

function describeOnly(args: FilterArgs, pipeline: FilterPipeline): void {
  if (args.plot) writeFileAtomic(args.plot, responseChart(pipeline));
  if (args.json) {
    return printJson({
      filter: pipeline.spec,
      fs: pipeline.fs,
      stages: pipeline.stages.map((s) => ({ ...s.stage, sections: s.design.sections, padlen: s.padlen, maxPoleRadius: s.design.maxPoleRadius, sos: Array.from(s.design.sos), b: Array.from(s.design.b), a: Array.from(s.design.a) })),
      plot: args.plot,
    });
  }
  process.stdout.write(describePipeline(pipeline) + '\n');
  if (args.plot) note(args, `response plot: ${args.plot}`);
}

