/**
 * The filter description for people: zero-phase gains (a Butterworth edge at −6.02 dB, the sum of
 * the stages, the same for the sos and (b, a) forms of one design), the Markdown table, the
 * response plot on a logarithmic frequency axis, and `predann filter --fs` on the command line.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { designFilterPipeline } from '../src/dsp/filter-pipeline.js';
import { describePipeline, responseChart, zeroPhaseGainDb } from '../src/dsp/filter-response.js';
import { lineChart } from '../src/report/line-chart.js';
import { assertThrows, projectRoot, tempDir } from './helpers.js';

test('zero-phase gains: −6.02 dB at a Butterworth edge, 0 dB in the pass band, stages summed', () => {
  const p = designFilterPipeline('hp:2:order=4,lp:40:order=6', 250);
  const edge = zeroPhaseGainDb(p, 2);
  assert.ok(Math.abs(edge.stages[0] - 40 * Math.log10(Math.SQRT1_2)) < 1e-9, `${edge.stages[0]}`);
  assert.ok(Math.abs(zeroPhaseGainDb(p, 12).total) < 1e-3);
  for (const f of [0.5, 2, 12, 40, 100]) {
    const g = zeroPhaseGainDb(p, f);
    assert.ok(Math.abs(g.total - (g.stages[0] + g.stages[1])) < 1e-12);
  }
});

test('the sos and (b, a) forms of one design have the same response', () => {
  const sos = designFilterPipeline('bandpass:1-50', 125);
  const ba = designFilterPipeline('official-bandpass', 125);
  for (const f of [0.2, 1, 5, 25, 50, 55]) assert.ok(Math.abs(zeroPhaseGainDb(sos, f).total - zeroPhaseGainDb(ba, f).total) < 1e-6, `${f} Hz`);
});

test('the description lists each stage and the gains at its edges and the usual frequencies', () => {
  const text = describePipeline(designFilterPipeline('nmedt', 1000));
  assert.match(text, /\| lowpass:50:cheby1:order=16:rp=0.5:sos \| sosfiltfilt \| 8 \| 51 \| 0\.99\d+ \|/);
  for (const hz of ['0.3', '1', '10', '50', '59', '60', '61']) assert.match(text, new RegExp(`\\n\\| ${hz.replace('.', '\\.')} \\|`));
  assert.match(text, /\n\| 0\.3 \| -6\.02 \| 0\.00 \|/);
});

test('the response plot: one line per stage and the total, on a log frequency axis', () => {
  const svg = responseChart(designFilterPipeline('nmedt', 1000));
  assert.is((svg.match(/class="series"/g) ?? []).length, 4);
  for (const label of ['0.01', '0.1', '1', '10', '100', '1000']) assert.ok(svg.includes(`>${label}</text>`), label);
  assert.match(svg, /logarithmic/);
  assertThrows(() => lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 'a', points: [[0, 1], [1, 2]] }], xScale: 'log' }), RangeError, 'Expected a positive x for a log axis but series[0].points[0][0] is 0');
});

test('predann filter --fs describes the filter and plots it; neither --data nor --fs is a usage error', () => {
  const { dir, cleanup } = tempDir();
  try {
    const cli = join(projectRoot, 'bin', 'predann.js');
    const plot = join(dir, 'r.svg');
    const r = spawnSync(process.execPath, [cli, 'filter', '--filter', 'official-bandpass', '--fs', '125', '--plot', plot], { encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, /\| bandpass:1-50:butter:order=5:ba \| filtfilt \(b, a\) \| 10 \| 33 \|/);
    assert.match(readFileSync(plot, 'utf8'), /^<svg/);
    const bad = spawnSync(process.execPath, [cli, 'filter', '--filter', 'nmedt'], { encoding: 'utf8' });
    assert.is(bad.status, 2);
    assert.match(bad.stderr, /Give --data and --out to filter a data set, or --fs to describe the filter/);
  } finally {
    cleanup();
  }
});

test.run();
