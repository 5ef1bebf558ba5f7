/**
 * The `predann` command line. One module per verb under ./commands; handlers parse flags, call
 * the library and print. This file owns the shared flags and the single top-level catch that
 * turns errors into a message and a meaningful exit code.
 */
import yargs from 'yargs';
import { ExitCode, InputError, UsageError } from '../errors.js';
import { native } from '../native.js';
import { packageVersion } from '../version.js';
import { commands } from './commands/index.js';

export async function main(argv: string[]): Promise<void> {
  const verbose = argv.includes('--verbose');
  try {
    let cli = yargs(argv)
      .scriptName('predann')
      .usage('$0 <verb> [options]\n\nPredANN: identify the song a person hears from EEG.')
      .option('json', { type: 'boolean', default: false, describe: 'machine-readable output on stdout' })
      .option('quiet', { type: 'boolean', default: false, describe: 'no progress bars or status lines' })
      .option('verbose', { type: 'boolean', default: false, describe: 'print stack traces on errors' })
      .option('threads', { type: 'number', describe: 'native worker threads (default: all cores, or OMP_NUM_THREADS)' })
      .middleware((args) => {
        if (args.threads !== undefined) native.setNumThreads(args.threads);
      })
      .demandCommand(1, 'Name a verb; see predann --help')
      .strict()
      .recommendCommands()
      .version(packageVersion)
      .help()
      .alias('h', 'help')
      .wrap(Math.min(110, process.stdout.columns ?? 110))
      .fail((msg, err) => {
        // A verb's own error goes to the catch below; yargs' (YError: a flag it could not parse
        // or coerce, such as a bad --filter) is a usage error.
        if (err && err.name !== 'YError') throw err;
        process.stderr.write(`predann: ${msg || err?.message}\nRun "predann --help" for usage.\n`);
        process.exit(ExitCode.usage);
      });
    for (const c of commands) cli = cli.command(c);
    await cli.parseAsync();
  } catch (err) {
    const e = err as Error;
    process.stderr.write(`predann: ${verbose && e.stack ? e.stack : e.message}\n`);
    process.exitCode = e instanceof InputError ? ExitCode.badInput : e instanceof UsageError ? ExitCode.usage : ExitCode.failure;
  }
}
