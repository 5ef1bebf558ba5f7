/** `predann bench`: time the kernels and the pipeline against the reference figures. Never gates CI. */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import type { BenchOptions, BenchRow } from '../../bench/bench-row.js';
import { formatBenchTable } from '../../bench/report.js';
import { native } from '../../native.js';
import { type CommonArgs, note, printJson } from '../output.js';

interface BenchArgs extends CommonArgs {
  quick: boolean;
  only?: string[];
}

/** Each suite is loaded lazily so one broken suite cannot stop the others. */
const suites: Record<string, () => Promise<{ run(o: BenchOptions): Promise<BenchRow[]> }>> = {
  peak: () => import('../../bench/peak-bench.js'),
  resample: () => import('../../bench/resample-bench.js'),
  filter: () => import('../../bench/filter-bench.js'),
  clips: () => import('../../bench/clips-bench.js'),
  ingest: () => import('../../bench/ingest-bench.js'),
  engine: () => import('../../bench/engine-bench.js'),
  predict: () => import('../../bench/predict-bench.js'),
};

export const command = 'bench';
export const describe = 'Benchmark kernels and pipeline stages; print time, throughput, floor and ratio to the reference';

export function builder(yargs: Argv): Argv {
  return yargs
    .option('quick', { type: 'boolean', default: false, describe: 'smaller sizes, fewer repeats' })
    .option('only', { type: 'string', array: true, choices: Object.keys(suites), describe: 'run only these suites' })
    .example('$0 bench', 'all suites at full size')
    .example('$0 bench --only resample clips --json', 'two suites, machine-readable');
}

export async function handler(args: ArgumentsCamelCase<BenchArgs>): Promise<void> {
  const info = native.buildInfo();
  note(args, `predann bench: ${info.compiler}, ${info.simd}, ${info.openmpThreads} OpenMP threads, CUDA devices: ${info.cudaDevices.length}`);
  const rows: BenchRow[] = [];
  for (const name of args.only ?? Object.keys(suites)) {
    note(args, `running ${name} …`);
    const suite = await suites[name]();
    rows.push(...(await suite.run({ quick: args.quick })));
  }
  if (args.json) return printJson({ build: info, rows });
  process.stdout.write(formatBenchTable(rows));
}
