/**
 * Errors users can act on. `InputError` names the file, the field and the problem; the CLI maps
 * it to exit code 3. Anything else that escapes is a bug or an environment failure (exit 1).
 */
export class InputError extends Error {
  override name = 'InputError';
  constructor(
    readonly file: string,
    readonly field: string | undefined,
    readonly problem: string,
  ) {
    super(field ? `${file}: ${field}: ${problem}` : `${file}: ${problem}`);
  }
}

/** A request that cannot be carried out as written (a bad flag value); the CLI maps it to exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Exit codes of the `predann` command. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  badInput: 3,
} as const;
