/**
 * The `predann` command as users run it (the compiled CLI in dist/, built by `npm test`):
 * help with examples on every verb, meaningful exit codes, --json, and a tiny end-to-end run.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { projectRoot, tempDir } from './helpers.js';

const verbs = ['demo', 'synth', 'ingest', 'filter', 'summary', 'train', 'eval', 'compare', 'predict', 'embed', 'import', 'export', 'bench', 'info'];

function predann(...args: string[]) {
  const r = spawnSync(process.execPath, [join(projectRoot, 'bin', 'predann.js'), ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('--help lists every verb, and every verb has --help with an example', () => {
  const top = predann('--help');
  assert.is(top.code, 0);
  for (const v of verbs) assert.match(top.stdout, new RegExp(`predann ${v}`));
  for (const v of verbs) {
    const r = predann(v, '--help');
    assert.is(r.code, 0, `${v} --help exit code`);
    assert.match(r.stdout, /Examples:/, `${v} --help has no example`);
  }
});

test('usage errors exit 2, bad input exits 3 with the file named', () => {
  const unknown = predann('frobnicate');
  assert.is(unknown.code, 2);
  assert.match(unknown.stderr, /predann: /);
  const { dir, cleanup } = tempDir();
  try {
    const missing = predann('ingest', '--input', join(dir, 'no-such-input'), '--out', join(dir, 'out'));
    assert.is(missing.code, 3, missing.stderr);
    assert.ok(missing.stderr.includes(`${join(dir, 'no-such-input')}: no raw EEG files`), missing.stderr);
    const badFilter = predann('filter', '--data', dir, '--out', join(dir, 'out'), '--filter', 'bandpass:50-1');
    assert.is(badFilter.code, 2, badFilter.stderr);
    assert.match(badFilter.stderr, /predann: filter stage 1 "bandpass:50-1": band edges must be ascending, got 50-1/);
    const badIngestFilter = predann('ingest', '--input', dir, '--out', join(dir, 'out'), '--filter', 'lowpass');
    assert.is(badIngestFilter.code, 2, badIngestFilter.stderr);
    assert.match(badIngestFilter.stderr, /a lowpass filter needs one edge frequency/);
  } finally {
    cleanup();
  }
});

test('info --json is machine-readable', () => {
  const r = predann('info', '--json');
  assert.is(r.code, 0);
  const info = JSON.parse(r.stdout);
  assert.type(info.simd, 'string');
  assert.ok(Array.isArray(info.cudaDevices));
});

test('synth → ingest → summary end to end through the CLI', () => {
  const { dir, cleanup } = tempDir();
  try {
    const synth = predann('synth', '--out', join(dir, 'src'), '--subjects', '1', '--seconds', '5', '--no-clean', '--quiet');
    assert.is(synth.code, 0, synth.stderr);
    const ingest = predann('ingest', '--input', join(dir, 'src'), '--out', join(dir, 'data'), '--json');
    assert.is(ingest.code, 0, ingest.stderr);
    assert.is(JSON.parse(ingest.stdout).recordings, 10);
    const summary = JSON.parse(predann('summary', join(dir, 'data'), '--json').stdout);
    assert.is(summary.recordings, 10);
    assert.is(summary.channels, 128);
    assert.is(summary.fs, 125);
    const md = predann('summary', join(dir, 'data')).stdout;
    assert.match(md, /\| 21 \| First Fires \| 1 \|/);
  } finally {
    cleanup();
  }
});

test.run();
