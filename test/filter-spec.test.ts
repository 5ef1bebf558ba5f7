/**
 * The --filter language: presets, defaults, aliases, the canonical form, and a clear message for
 * every malformed stage.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FilterSpecError, filterPresets, formatFilterSpec, parseFilterSpec } from '../src/dsp/filter-spec.js';
import { UsageError } from '../src/errors.js';
import { assertThrows } from './helpers.js';

test('nmedt is the NMED-T cleaning chain: 0.3 Hz high-pass, 59-61 Hz notch, order-16 Chebyshev-I at 50 Hz', () => {
  assert.equal(parseFilterSpec('nmedt'), [
    { band: 'highpass', family: 'butter', order: 8, cutoffsHz: [0.3], form: 'sos' },
    { band: 'bandstop', family: 'butter', order: 4, cutoffsHz: [59, 61], form: 'sos' },
    { band: 'lowpass', family: 'cheby1', order: 16, cutoffsHz: [50], rippleDb: 0.5, form: 'sos' },
  ]);
});

test('official-bandpass is the official butter_bandpass_filter: order 5, 1-50 Hz, filtfilt on (b, a)', () => {
  assert.equal(parseFilterSpec('official-bandpass'), [{ band: 'bandpass', family: 'butter', order: 5, cutoffsHz: [1, 50], form: 'ba' }]);
});

test('defaults: Butterworth of order 5 as second-order sections; cheby1 ripple 0.5 dB', () => {
  assert.equal(parseFilterSpec('bandpass:1-50'), [{ band: 'bandpass', family: 'butter', order: 5, cutoffsHz: [1, 50], form: 'sos' }]);
  assert.is(parseFilterSpec('lowpass:40:cheby1')[0].rippleDb, 0.5);
});

test('aliases, options and chains', () => {
  const stages = parseFilterSpec(' hp:0.5:order=4 , bs:59-61:order=2:ba,lp:40:cheby1:rp=1 ');
  assert.equal(stages, [
    { band: 'highpass', family: 'butter', order: 4, cutoffsHz: [0.5], form: 'sos' },
    { band: 'bandstop', family: 'butter', order: 2, cutoffsHz: [59, 61], form: 'ba' },
    { band: 'lowpass', family: 'cheby1', order: 5, cutoffsHz: [40], rippleDb: 1, form: 'sos' },
  ]);
});

test('presets as items of a chain; exponents in edges', () => {
  assert.equal(parseFilterSpec('nmedt,lp:40'), [...parseFilterSpec('nmedt'), ...parseFilterSpec('lowpass:40')]);
  assert.equal(parseFilterSpec('hp:1e-3')[0].cutoffsHz, [0.001]);
  assert.equal(parseFilterSpec('bp:1e-1-2.5e1')[0].cutoffsHz, [0.1, 25]);
});

test('the canonical form spells every option out and parses back to the same stages', () => {
  for (const spec of [...Object.keys(filterPresets), 'bp:1-50', 'hp:0.5:order=4,lp:40:cheby1:rp=1:ba']) {
    const stages = parseFilterSpec(spec);
    const canonical = formatFilterSpec(stages);
    assert.equal(parseFilterSpec(canonical), stages, spec);
    assert.is(formatFilterSpec(parseFilterSpec(canonical)), canonical);
  }
  assert.is(formatFilterSpec(parseFilterSpec('bp:1-50')), 'bandpass:1-50:butter:order=5:sos');
});

test('every malformed stage gets a message naming the stage and the problem', () => {
  const cases: [string, string][] = [
    ['', 'the filter spec is empty'],
    ['foo:10', 'filter stage 1 "foo:10": unknown band "foo" (expected lowpass, highpass, bandpass or bandstop, or a preset: nmedt, official-bandpass)'],
    ['lowpass', 'filter stage 1 "lowpass": a lowpass filter needs one edge frequency, e.g. 40'],
    ['hp:1,bandpass:10', 'filter stage 2 "bandpass:10": a bandpass filter needs two edge frequencies, e.g. 1-50'],
    ['lowpass:1-50', 'filter stage 1 "lowpass:1-50": a lowpass filter needs one edge frequency, e.g. 40'],
    ['lowpass:abc', 'filter stage 1 "lowpass:abc": edge frequencies must be positive numbers in Hz, got "abc"'],
    ['highpass:0', 'filter stage 1 "highpass:0": edge frequencies must be positive numbers in Hz, got "0"'],
    ['bandstop:61-59', 'filter stage 1 "bandstop:61-59": band edges must be ascending, got 61-59'],
    ['lp:40:order=0', 'filter stage 1 "lp:40:order=0": order must be a positive integer up to 64, got "0"'],
    ['lp:40:order=2.5', 'filter stage 1 "lp:40:order=2.5": order must be a positive integer up to 64, got "2.5"'],
    ['lp:40:order=', 'filter stage 1 "lp:40:order=": order must be a positive integer up to 64, got ""'],
    ['lp:40:cheby1:rp=-1', 'filter stage 1 "lp:40:cheby1:rp=-1": rp must be a positive ripple in dB, got "-1"'],
    ['lp:40:rp=1', 'filter stage 1 "lp:40:rp=1": rp applies to cheby1 only'],
    ['lp:40:elliptic', 'filter stage 1 "lp:40:elliptic": unknown option "elliptic" (expected butter, cheby1, order=N, rp=DB, sos or ba)'],
    ['lp:40:gain=2', 'filter stage 1 "lp:40:gain=2": unknown option "gain=2" (expected order=N or rp=DB)'],
  ];
  for (const [spec, message] of cases) assertThrows(() => parseFilterSpec(spec), FilterSpecError, message);
  assertThrows(() => parseFilterSpec('x'), UsageError, /unknown band/); // the CLI's exit code 2
});

test.run();
