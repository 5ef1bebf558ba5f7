/** `predann ingest`: NMED-T sources → a dataset directory (Arrow EEG, audio, manifest). */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { ingest } from '../../ingest/ingest.js';
import { type CommonArgs, note, printJson } from '../output.js';
import { progressBar, type Progress } from '../progress.js';
import { checkFilterSpec, filterSpecHelp } from './filter-flag.js';

interface IngestArgs extends CommonArgs {
  input: string;
  out: string;
  source: 'raw' | 'clean';
  songs?: number[];
  subjects?: number[];
  engine: 'fast' | 'reference';
  filter?: string;
  filterContext: number;
}

export const command = 'ingest';
export const describe = 'Read NMED-T (raw v7.3 or cleaned v5 + WAVs), cut songs, resample to 125 Hz, write a dataset';

export function builder(yargs: Argv): Argv {
  return yargs
    .option('input', { type: 'string', demandOption: true, describe: 'directory with raw/ (or clean/) and audio/' })
    .option('out', { type: 'string', demandOption: true, describe: 'dataset directory to write (replaced atomically)' })
    .option('source', { choices: ['raw', 'clean'] as const, default: 'raw' as const, describe: 'raw 1 kHz recordings (PredANN) or the cleaned 125 Hz release' })
    .option('songs', { type: 'number', array: true, describe: 'song triggers to keep (default 21..30)' })
    .option('subjects', { type: 'number', array: true, describe: 'subject ids to keep (default all found)' })
    .option('engine', { choices: ['fast', 'reference'] as const, default: 'fast' as const, describe: 'native kernels: fast, or the plain reference loops (slow, for checking)' })
    .option('filter', { type: 'string', describe: `${filterSpecHelp}; raw EEG is filtered at 1 kHz before resampling (default: none, as PredANN)`, coerce: checkFilterSpec })
    .option('filter-context', { type: 'number', default: 0, describe: 'seconds of the recording on each side of a song that --filter also runs over, so its edge transients fall outside the song (0: exactly the official slice)' })
    .example('$0 ingest --input nmedt-synth --out data/synth', 'raw EEG → 125 Hz dataset, as mat_to_pkl.py --downsample yes')
    .example('$0 ingest --input NMED-T --source clean --out data/clean', 'the cleaned release instead')
    .example('$0 ingest --input NMED-T --out data/nmedt-clean --filter nmedt', "the NMED-T cleaning filters on the raw EEG at 1 kHz, then 1000 -> 125 Hz")
    .example('$0 ingest --input NMED-T --out data/nmedt-ctx --filter nmedt --filter-context 10', 'the same, each song filtered with 10 s of the recording around it');
}

export async function handler(args: ArgumentsCamelCase<IngestArgs>): Promise<void> {
  let bar: Progress | undefined;
  const result = await ingest({
    input: args.input,
    out: args.out,
    source: args.source,
    songs: args.songs,
    subjects: args.subjects,
    engine: args.engine,
    filter: args.filter,
    filterContextSeconds: args.filterContext,
    onProgress: (_done, total) => {
      bar ??= progressBar('ingest', total, !args.quiet && !args.json);
      bar.tick(1);
    },
    onWarning: (m) => process.stderr.write(`warning: ${m}\n`),
  });
  bar?.stop();
  const peakRss = process.resourceUsage().maxRSS * 1024;
  if (args.json) return printJson({ out: result.out, seconds: result.seconds, peakRssBytes: peakRss, recordings: result.manifest.recordings.length, skipped: result.manifest.skipped });
  note(args, `ingested ${result.manifest.recordings.length} recordings into ${result.out} in ${result.seconds.toFixed(1)} s (peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB)`);
}
