/** The package version, read once from package.json (recorded in manifests and run records). */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageJson = join(dirname(fileURLToPath(import.meta.url)), '..', 'package.json');
export const packageVersion: string = JSON.parse(readFileSync(packageJson, 'utf8')).version;
