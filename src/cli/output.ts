/** Printing helpers shared by the verbs: JSON for machines, aligned text for people. */
export interface CommonArgs {
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  threads?: number;
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** Two-column `key  value` lines, keys padded to the longest. */
export function printTable(rows: [string, string | number | boolean][]): void {
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(width)}  ${v}\n`);
}

/** A status line on stderr (kept off stdout so `--json` output stays parseable). */
export function note(args: Pick<CommonArgs, 'quiet'>, message: string): void {
  if (!args.quiet) process.stderr.write(message + '\n');
}
