/** `predann summary DIR`: what a dataset directory holds, per song and per subject. */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { Dataset } from '../../data/dataset.js';
import { formatDatasetSummary } from '../../data/dataset-report.js';
import { type CommonArgs, printJson } from '../output.js';

interface SummaryArgs extends CommonArgs {
  data: string;
}

export const command = 'summary <data>';
export const describe = 'Summarise a dataset directory written by `predann ingest`';

export function builder(yargs: Argv): Argv {
  return yargs
    .positional('data', { type: 'string', describe: 'dataset directory' })
    .example('$0 summary data/synth', 'Markdown tables per song and per subject')
    .example('$0 summary data/synth --json', 'the same as JSON');
}

export async function handler(args: ArgumentsCamelCase<SummaryArgs>): Promise<void> {
  const dataset = await Dataset.open(args.data);
  try {
    const summary = dataset.summary();
    if (args.json) return printJson(summary);
    process.stdout.write(formatDatasetSummary(summary, args.data));
  } finally {
    await dataset.close();
  }
}
