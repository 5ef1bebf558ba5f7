/**
 * The `--filter` language of `predann ingest` and `predann filter`: a chain of zero-phase IIR
 * stages, applied left to right, each as SciPy would (`sosfiltfilt` on second-order sections, or
 * `filtfilt` on (b, a) when asked).
 *
 *   spec    := item ("," item)*
 *   item    := preset | stage
 *   preset  := "nmedt"             the NMED-T cleaning: highpass:0.3:order=8,
 *                                  bandstop:59-61:order=4, lowpass:50:cheby1:order=16:rp=0.5
 *            | "official-bandpass" PredANN's unused butter_bandpass_filter: bandpass:1-50:order=5:ba
 *   stage   := band ":" edges (":" option)*
 *   band    := lowpass | highpass | bandpass | bandstop   (or lp, hp, bp, bs)
 *   edges   := HZ | HZ "-" HZ     one edge for low/high-pass, two for band-pass/stop
 *   option  := butter | cheby1    the family (default butter)
 *            | order=N            the prototype order, doubled by band filters as in SciPy (default 5,
 *                                 the official band-pass's)
 *            | rp=DB              the pass-band ripple of cheby1 (default 0.5 dB)
 *            | sos | ba           second-order sections + sosfiltfilt (default), or (b, a) + filtfilt
 *
 * Parsing knows nothing of the sample rate; `filter-pipeline.ts` checks the edges against the
 * Nyquist frequency of the data the stages meet.
 */
import { UsageError } from '../errors.js';
import type { FilterBand, FilterFamily } from './iir-filter.js';

export interface FilterStage {
  band: FilterBand;
  family: FilterFamily;
  order: number;
  cutoffsHz: number[];
  /** Pass-band ripple in dB (cheby1 only). */
  rippleDb?: number;
  /** 'sos': sosfiltfilt on second-order sections; 'ba': filtfilt on (b, a). */
  form: 'sos' | 'ba';
}

/** A bad `--filter` text; the message names the stage and what is wrong with it. */
export class FilterSpecError extends UsageError {
  override name = 'FilterSpecError';
}

export const filterPresets: Readonly<Record<string, string>> = {
  nmedt: 'highpass:0.3:order=8,bandstop:59-61:order=4,lowpass:50:cheby1:order=16:rp=0.5',
  'official-bandpass': 'bandpass:1-50:order=5:ba',
};

const defaultOrder = 5;
const defaultRippleDb = 0.5;
const bandNames: Readonly<Record<string, FilterBand>> = {
  lowpass: 'lowpass', lp: 'lowpass',
  highpass: 'highpass', hp: 'highpass',
  bandpass: 'bandpass', bp: 'bandpass',
  bandstop: 'bandstop', bs: 'bandstop',
};

/**
 * Parses a filter spec into its stages.
 *
 * @example
 * parseFilterSpec('nmedt').length;                  // 3
 * parseFilterSpec('bandpass:1-50')[0].order;        // 5
 * parseFilterSpec('hp:0.5:order=4,lp:40:cheby1:rp=1');
 */
export function parseFilterSpec(text: string): FilterStage[] {
  if (typeof text !== 'string' || text.trim() === '') throw new FilterSpecError('the filter spec is empty');
  // A preset may stand alone or as an item of a chain ('nmedt,lowpass:40').
  const items = text.split(',').flatMap((item) => (filterPresets[item.trim()] ?? item).split(','));
  return items.map((stage, i) => parseStage(stage.trim(), i + 1));
}

function parseStage(text: string, index: number): FilterStage {
  const fail = (problem: string): never => {
    throw new FilterSpecError(`filter stage ${index} "${text}": ${problem}`);
  };
  const [bandText, edgesText, ...options] = text.split(':');
  const band = bandNames[bandText?.toLowerCase() ?? ''];
  if (!band) fail(`unknown band "${bandText}" (expected lowpass, highpass, bandpass or bandstop, or a preset: ${Object.keys(filterPresets).join(', ')})`);
  const edges = band === 'lowpass' || band === 'highpass' ? 1 : 2;
  // '-' separates band edges, except in an exponent ('1e-3').
  const cutoffsHz = (edgesText ?? '').split(/(?<![eE])-/).map((s) => (s.trim() === '' ? NaN : Number(s)));
  if (cutoffsHz.length !== edges || !edgesText?.trim()) fail(`a ${band} filter needs ${edges === 1 ? 'one edge frequency, e.g. 40' : 'two edge frequencies, e.g. 1-50'}`);
  if (!cutoffsHz.every((f) => Number.isFinite(f) && f > 0)) fail(`edge frequencies must be positive numbers in Hz, got "${edgesText}"`);
  if (edges === 2 && !(cutoffsHz[0] < cutoffsHz[1])) fail(`band edges must be ascending, got ${cutoffsHz.join('-')}`);
  const stage: FilterStage = { band: band!, family: 'butter', order: defaultOrder, cutoffsHz, form: 'sos' };
  for (const option of options) applyOption(stage, option.trim(), fail);
  if (stage.family === 'cheby1') stage.rippleDb ??= defaultRippleDb;
  else if (stage.rippleDb !== undefined) fail('rp applies to cheby1 only');
  return stage;
}

function applyOption(stage: FilterStage, option: string, fail: (problem: string) => never): void {
  const [key, value] = option.split('=');
  if (value === undefined) {
    if (key === 'butter' || key === 'cheby1') stage.family = key;
    else if (key === 'sos' || key === 'ba') stage.form = key;
    else fail(`unknown option "${option}" (expected butter, cheby1, order=N, rp=DB, sos or ba)`);
    return;
  }
  const n = value.trim() === '' ? NaN : Number(value);
  if (key === 'order') {
    if (!Number.isInteger(n) || n < 1 || n > 64) fail(`order must be a positive integer up to 64, got "${value}"`);
    stage.order = n;
  } else if (key === 'rp') {
    if (!Number.isFinite(n) || n <= 0) fail(`rp must be a positive ripple in dB, got "${value}"`);
    stage.rippleDb = n;
  } else {
    fail(`unknown option "${option}" (expected order=N or rp=DB)`);
  }
}

/**
 * The canonical text of stages (every option spelled out), which parses back to the same stages.
 *
 * @example
 * formatFilterSpec(parseFilterSpec('bp:1-50')); // 'bandpass:1-50:butter:order=5:sos'
 */
export function formatFilterSpec(stages: readonly FilterStage[]): string {
  return stages
    .map((s) => {
      const parts = [s.band, s.cutoffsHz.join('-'), s.family, `order=${s.order}`];
      if (s.family === 'cheby1') parts.push(`rp=${s.rippleDb}`);
      parts.push(s.form);
      return parts.join(':');
    })
    .join(',');
}
