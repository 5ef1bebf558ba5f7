/** The `--filter` flag shared by `predann ingest` and `predann filter`: checked while parsing, so a bad spec is a usage error. */
import { parseFilterSpec } from '../../dsp/filter-spec.js';

export const filterSpecHelp =
  'zero-phase filter chain: a preset (nmedt, official-bandpass) or stages band:edges[:options] joined by commas, ' +
  'band lowpass|highpass|bandpass|bandstop, edges Hz (1-50 for bands), options butter|cheby1, order=N (default 5), rp=DB, sos|ba';

/** Parses the spec to reject it early (yargs reports the error); returns the text unchanged. */
export function checkFilterSpec(spec: string | undefined): string | undefined {
  if (spec !== undefined) parseFilterSpec(spec);
  return spec;
}
