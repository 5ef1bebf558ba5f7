#!/usr/bin/env node
// Runs the uvu suites under tsx and ends with the plain line `N passed, N failed`, which CI
// reads. A run that executes no test, or whose process fails without reporting a failure,
// counts as failed: it can never look green by accident.
//   node test/run.mjs            every test/*.test.ts
//   node test/run.mjs --golden   only the golden parity tests (test/golden-*.test.ts)
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const golden = process.argv.includes('--golden');
const pattern = golden ? '^golden-.*\\.test\\.ts$' : '\\.test\\.ts$';
const uvu = join(root, 'node_modules', 'uvu', 'bin.js');

const run = spawnSync(process.execPath, ['--import', 'tsx', uvu, 'test', pattern], {
  cwd: root,
  env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  encoding: 'utf8',
  maxBuffer: 256 * 1024 * 1024,
});
process.stdout.write(run.stdout ?? '');
process.stderr.write(run.stderr ?? '');

const number = (label) => Number((run.stdout ?? '').match(new RegExp(`${label}:\\s+(\\d+)`))?.[1] ?? 0);
const total = number('Total');
const passed = number('Passed');
const skipped = number('Skipped');
let failed = total - passed - skipped;
if (run.status !== 0 && failed === 0) failed = 1; // crashed before reporting
if (total === 0) failed = Math.max(failed, 1); // ran nothing

process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
process.exitCode = failed === 0 ? 0 : 1;
