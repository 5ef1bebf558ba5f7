/** `predann info`: what the native addon was built with and what it finds at run time. */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { native } from '../../native.js';
import { packageVersion } from '../../version.js';
import { type CommonArgs, printJson, printTable } from '../output.js';

export const command = 'info';
export const describe = 'Show how the native addon was built and which CPU/GPU features it found';

export function builder(yargs: Argv): Argv {
  return yargs.example('$0 info --json', 'machine-readable build and device report');
}

export function handler(args: ArgumentsCamelCase<CommonArgs>): void {
  const info = native.buildInfo();
  if (args.json) return printJson({ version: packageVersion, node: process.version, ...info });
  const devices = info.cudaDevices.map((d) => `${d.index}: ${d.name} (sm_${d.computeCapability.replace('.', '')}, ${(d.totalMemory / 2 ** 30).toFixed(1)} GiB)`);
  printTable([
    ['predann', packageVersion],
    ['node', process.version],
    ['compiler', `${info.compiler} (${info.buildType})`],
    ['SIMD', info.simd],
    ['OpenMP', info.openmp ? `yes, ${info.openmpThreads} threads` : 'no'],
    ['CUDA compiled', info.cudaCompiled ? `yes (nvcc ${info.cudaCompiler})` : 'no'],
    ['CUDA devices', devices.length ? devices.join('; ') : `none: ${info.cudaStatus}`],
  ]);
}
