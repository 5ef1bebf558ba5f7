/**
 * Atomic output: write beside the target under a temporary name, then rename over it, so a
 * crash or a bad input never leaves a half-written file or directory where a result should be.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** A sibling temporary path for `target` (same directory, so rename is atomic). */
export function temporaryPath(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Writes `data` to `target` atomically. */
export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  const tmp = temporaryPath(target);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Runs `write(tmp)` with a temporary path and renames the result onto `target` only if it
 * succeeds; on failure the temporary file or directory is removed and the error rethrown.
 * Works for files and for directories (an existing target directory is replaced).
 *
 * @example
 * await withAtomicOutput('out/eeg.arrow', async (tmp) => writeTable(tmp, table));
 */
export async function withAtomicOutput<T>(target: string, write: (tmp: string) => Promise<T>): Promise<T> {
  const tmp = temporaryPath(target);
  try {
    const result = await write(tmp);
    if (existsSync(target) && (await fs.stat(target)).isDirectory()) {
      const old = temporaryPath(target);
      await fs.rename(target, old);
      await fs.rename(tmp, target);
      await fs.rm(old, { recursive: true, force: true });
    } else {
      await fs.rename(tmp, target);
    }
    return result;
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  }
}
