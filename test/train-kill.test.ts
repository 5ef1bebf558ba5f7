/**
 * `predann train` killed with SIGKILL after a checkpoint and resumed with `--resume` ends with
 * weights byte-identical to an uninterrupted run (same thread count), as issue 4 requires, and a
 * log whose steps are the uninterrupted run's, each once.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { projectRoot, tempDir, tinyDataset } from './helpers.js';

const { dir, cleanup } = tempDir();
const cli = join(projectRoot, 'bin', 'predann.js');
const args = (out: string) => ['train', '--data', join(dir, 'data'), '--out', out, '--epochs', '40', '--batch', '2', '--validate-every', '40', '--seed', '3', '--quiet'];

test.before(async () => {
  await tinyDataset(dir);
});

test.after(() => cleanup());

test('SIGKILL after a checkpoint, then --resume: the same weights as an uninterrupted run', async () => {
  const straight = spawnSync(process.execPath, [cli, ...args(join(dir, 'straight'))], { encoding: 'utf8' });
  assert.is(straight.status, 0, straight.stderr);

  const killed = join(dir, 'killed');
  const child = spawn(process.execPath, [cli, ...args(killed)], { stdio: 'ignore' });
  const state = join(killed, 'checkpoint', 'state.json');
  await new Promise<void>((resolve, reject) => {
    const poll = setInterval(() => {
      if (existsSync(state) && JSON.parse(readFileSync(state, 'utf8')).epoch >= 2) {
        clearInterval(poll);
        child.kill('SIGKILL');
      }
    }, 10);
    child.on('exit', (_code, signal) => {
      clearInterval(poll);
      if (signal === 'SIGKILL') resolve();
      else reject(new Error('the run finished before it could be killed'));
    });
  });
  const at = JSON.parse(readFileSync(state, 'utf8')).epoch;
  assert.ok(at < 40, `killed at epoch ${at}`);

  const resumed = spawnSync(process.execPath, [cli, ...args(killed), '--resume'], { encoding: 'utf8' });
  assert.is(resumed.status, 0, resumed.stderr);
  const events = readFileSync(join(killed, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(events.filter((e) => e.event === 'resume').map((e) => e.epoch), [at + 1], 'resumed from the checkpoint, not from scratch');
  const straightSteps = readFileSync(join(dir, 'straight', 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.event === 'step');
  assert.equal(events.filter((e) => e.event === 'step').map((e) => [e.step, e.total]), straightSteps.map((e) => [e.step, e.total]), 'every step logged once, with the losses of the uninterrupted run');
  const a = readFileSync(join(dir, 'straight', 'weights.safetensors'));
  const b = readFileSync(join(killed, 'weights.safetensors'));
  assert.ok(Buffer.compare(a, b) === 0, 'weights differ after kill and resume');
});

test.run();
