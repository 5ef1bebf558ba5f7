/**
 * Runs the native kernel tests (native/tests/test_*.cpp: fast-vs-reference parity on fresh random
 * inputs and finite-difference checks of every backward in float64), built beside the addon by
 * `npm run build:native`, and reports each as a uvu test.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { projectRoot } from './helpers.js';

const binary = join(projectRoot, 'build', 'tests', 'kernel_tests');

test('kernel_tests is built', () => {
  assert.ok(existsSync(binary), `${binary} is missing; run npm run build:native`);
});

const run = existsSync(binary) ? spawnSync(binary, [], { encoding: 'utf8' }) : undefined;
const lines = (run?.stdout ?? '').split('\n').filter((l) => /^(ok|FAIL) /.test(l));

for (const line of lines) {
  const [, status, name, detail] = /^(ok|FAIL)\s+(\S+?)(?::\s(.*))?$/.exec(line)!;
  test(`native: ${name}`, () => {
    assert.is(status, 'ok', detail);
  });
}

test('kernel_tests ran tests and exited 0', () => {
  assert.ok(lines.length > 0, `no test ran: ${run?.stdout}${run?.stderr}`);
  assert.is(run?.status, 0, run?.stdout);
});

test.run();
