/** Streaming SHA-256 of a file (multi-GB sources never sit in memory). */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/**
 * @example
 * const hex = await sha256File('raw/S02_1.mat');
 */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 4 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
