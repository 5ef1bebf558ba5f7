/** `predann compare`: paired statistics (McNemar, disagreement, union accuracy, φ) between evaluated models. */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { aggregations, type Aggregation } from '../../eval/aggregate.js';
import { compareReports } from '../../eval/compare-reports.js';
import { type CommonArgs, note, printJson } from '../output.js';

interface CompareArgs extends CommonArgs {
  reports: string[];
  out: string;
  aggregation: Aggregation;
}

export const command = 'compare <reports..>';
export const describe = 'Compare evaluated models on the same items: McNemar (exact and χ²) at four granularities, disagreement, union accuracy, φ';

export function builder(yargs: Argv): Argv {
  return yargs
    .positional('reports', { type: 'string', array: true, describe: 'two or more report directories of predann eval' })
    .option('out', { type: 'string', demandOption: true, describe: 'comparison directory: compare.json, compare.md, plots (replaced atomically)' })
    .option('aggregation', { choices: aggregations, default: 'mean' as const, describe: 'aggregation compared at lengths over 3 s' })
    .example('$0 compare reports/lambda0.05 reports/lambda0 --out comparison', 'PredANN against its baseline')
    .example('$0 compare reports/seed0 reports/seed1 reports/ensemble --out comparison --json', 'every pair of three, machine-readable');
}

export async function handler(args: ArgumentsCamelCase<CompareArgs>): Promise<void> {
  const c = await compareReports({ reports: args.reports, out: args.out, aggregation: args.aggregation });
  if (args.json) return printJson(c);
  for (const pair of c.pairs) {
    const all = pair.rows.find((r) => r.granularity === 'all')!;
    const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
    process.stdout.write(`${pair.seconds} s  ${pair.a} ${pct(all.accuracyA)} vs ${pair.b} ${pct(all.accuracyB)}  McNemar exact p = ${all.mcnemarExact.pvalue.toPrecision(3)}  (${all.n} items)\n`);
  }
  note(args, `comparison in ${args.out}/compare.md`);
}
