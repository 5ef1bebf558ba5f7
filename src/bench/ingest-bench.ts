/**
 * Ingest of one full-size synthetic subject (10 songs, ~4.8 min each at 1 kHz, 129 rows): wall
 * time and peak RSS, measured in a child process so the figure is the ingest's alone.
 * Target (issue 3): peak memory under 1 GB.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, statSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { synthesizeNmedt } from '../data/synth/synth-nmedt.js';
import type { BenchOptions, BenchRow } from './bench-row.js';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'predann.js');

function directoryBytes(dir: string): number {
  return readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
}

export async function run(opts: BenchOptions): Promise<BenchRow[]> {
  const seconds = opts.quick ? 40 : undefined;
  const source = join(tmpdir(), `predann-bench-synth-1subject-${seconds ?? 'full'}`);
  // Synthetic data are deterministic: reuse a set written by an earlier run.
  if (!existsSync(join(source, 'raw'))) await synthesizeNmedt({ out: source, subjects: 1, seconds, clean: false });
  const out = join(tmpdir(), `predann-bench-ingest-${process.pid}`);
  try {
    const stdout = execFileSync(process.execPath, [cli, 'ingest', '--input', source, '--out', out, '--json', '--quiet'], { encoding: 'utf8' });
    const r = JSON.parse(stdout) as { seconds: number; peakRssBytes: number };
    const rawBytes = directoryBytes(join(source, 'raw'));
    const readRate = 1e9; // h5wasm hyperslab reads, ~0.8–1 GB/s (ENVIRONMENT.md)
    return [
      {
        name: `ingest 1 subject × 10 songs${seconds ? ` × ${seconds} s` : ' (full size)'}, peak RSS ${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB (target < 1024)`,
        seconds: r.seconds,
        throughput: `${(rawBytes / r.seconds / 1e6).toFixed(0)} MB/s of raw .mat`,
        floorSeconds: rawBytes / readRate,
        floorNote: `${(rawBytes / 1e6).toFixed(0)} MB read at 1 GB/s`,
      },
    ];
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
