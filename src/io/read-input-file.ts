/** Reads a whole input file, turning "not found" and "is a directory" into InputErrors that name it. */
import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';

/**
 * @param what what the file should be, for the message: "a WAV file", "a MATLAB v5 MAT-file"
 * @example
 * const bytes = readInputFile('audio/21.wav', 'a WAV file');
 */
export function readInputFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(path, undefined, 'file not found');
    if (code === 'EISDIR') throw new InputError(path, undefined, `is a directory, not ${what}`);
    throw err;
  }
}
