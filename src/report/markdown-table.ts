/** A Markdown table from a header and rows: what the summaries and reports print. */

/**
 * @example
 * markdownTable(['song', 'accuracy'], [['Oino', '41.2 %']]); // '| song | accuracy |\n| --- | --- |\n| Oino | 41.2 % |'
 */
export function markdownTable(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const lines = [header, header.map(() => '---'), ...rows.map((r) => r.map(String))];
  return lines.map((l) => `| ${l.join(' | ')} |`).join('\n');
}
