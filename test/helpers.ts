/**
 * Shared test helpers: tolerances in one place, golden-file access, temp directories.
 * Golden tests read PREDANN_GOLDEN_DIR (default ../shared/golden beside the project root).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as assert from 'uvu/assert';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { readSafetensors, type Tensor } from '../src/io/safetensors.js';
import { synthesizeNmedt } from '../src/data/synth/synth-nmedt.js';
import { ingest } from '../src/ingest/ingest.js';
import { fileURLToPath } from 'node:url';

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const goldenDir = resolve(process.env.PREDANN_GOLDEN_DIR ?? join(projectRoot, '..', 'shared', 'golden'));

/** Reads every tensor of a golden safetensors file through the library's reader. */
export function readGoldenSafetensors(name: string): Map<string, Tensor> {
  return readSafetensors(join(goldenDir, name)).tensors;
}

export function readGoldenJson(name: string): any {
  return JSON.parse(readFileSync(join(goldenDir, name), 'utf8'));
}

/**
 * Asserts |a − b| ≤ atol + rtol·|b| elementwise; on failure names the first bad index, both values
 * and the largest difference.
 */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  { atol = 0, rtol = 0, what = 'values' }: { atol?: number; rtol?: number; what?: string },
): void {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length} != ${expected.length}`);
  let worst = -1;
  let worstDiff = 0;
  let firstBad = -1;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    const ok = d <= atol + rtol * Math.abs(expected[i]) || (Number.isNaN(actual[i]) && Number.isNaN(expected[i]));
    if (!(d <= worstDiff)) {
      worstDiff = d;
      worst = i;
    }
    if (!ok && firstBad < 0) firstBad = i;
  }
  if (firstBad >= 0) {
    throw new Error(
      `${what}: mismatch at [${firstBad}]: got ${actual[firstBad]}, expected ${expected[firstBad]}; ` +
        `max |diff| ${worstDiff} at [${worst}] (atol ${atol}, rtol ${rtol})`,
    );
  }
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/**
 * The tiny data set the training tests share: one synthetic subject × songs 21 and 22 ×
 * `seconds`, synthesised and ingested under `dir`. Returns the data set's directory.
 */
export async function tinyDataset(dir: string, seconds = 64): Promise<string> {
  await synthesizeNmedt({ out: join(dir, 'src'), subjects: 1, songs: [21, 22], seconds, clean: false });
  await ingest({ input: join(dir, 'src'), out: join(dir, 'data'), songs: [21, 22] });
  return join(dir, 'data');
}

/** A fresh temp directory, removed by the returned cleanup. */
export function tempDir(prefix = 'predann-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Asserts that `call` throws an instance of `cls` whose message equals `message` (or matches it). */
export function assertThrows(call: () => unknown, cls: new (...args: any[]) => Error, message: string | RegExp): void {
  try {
    call();
  } catch (err) {
    assert.instance(err, cls, `expected ${cls.name}, got ${String(err)}`);
    if (typeof message === 'string') assert.is((err as Error).message, message);
    else assert.match((err as Error).message, message);
    return;
  }
  assert.unreachable(`expected ${cls.name}: ${String(message)}`);
}

/** mulberry32: a small seeded generator of uniforms in [0, 1), so every run checks the same inputs. */
export function seededUniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Asserts that `promise` rejects with an instance of `cls` whose message matches `pattern`. */
export async function assertRejects(promise: Promise<unknown>, cls: new (...args: any[]) => Error, pattern: RegExp): Promise<void> {
  try {
    await promise;
  } catch (err) {
    assert.instance(err, cls, `expected ${cls.name}, got ${String(err)}`);
    assert.match((err as Error).message, pattern);
    return;
  }
  assert.unreachable(`expected ${cls.name} matching ${pattern}`);
}
