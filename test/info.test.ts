import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { native } from '../src/index.js';

test('buildInfo reports the compiler, SIMD level and OpenMP threads', () => {
  const info = native.buildInfo();
  assert.match(info.compiler, /\S+ \d+/);
  assert.ok(['AVX-512', 'AVX2', 'AVX', 'SSE4.2', 'NEON', 'scalar'].includes(info.simd));
  assert.ok(info.openmpThreads >= 1);
});

test('without a usable GPU the addon reports why and lists no devices', () => {
  const info = native.buildInfo();
  if (info.cudaDevices.length > 0) {
    assert.is(info.cudaStatus, 'ok');
  } else {
    assert.ok(info.cudaStatus.length > 0);
  }
});

test('setNumThreads rejects a non-integer with a RangeError', () => {
  assert.throws(() => native.setNumThreads(0.5), (e: Error) => e instanceof RangeError && /threads/.test(e.message));
});

test('setNumThreads is one process-wide setting that buildInfo reports', () => {
  const before = native.buildInfo().openmpThreads;
  native.setNumThreads(1);
  assert.is(native.buildInfo().openmpThreads, 1);
  native.setNumThreads(before);
  assert.is(native.buildInfo().openmpThreads, before);
});

test('measureFmaPeak reports a positive fp32 throughput on every kernel thread', async () => {
  const peak = await native.measureFmaPeak(0.05);
  assert.ok(peak.gflops > 0, `gflops ${peak.gflops}`);
  assert.is(peak.threads, native.buildInfo().openmpThreads);
  assert.ok([1, 8, 16].includes(peak.lanes));
});

test.run();
