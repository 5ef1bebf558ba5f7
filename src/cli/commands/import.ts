/** `predann import`: a PyTorch checkpoint (the official PredANN code's) → predann safetensors weights, read without running anything in it. */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { importTorchCheckpoint } from '../../import/torch-checkpoint.js';
import { presets } from '../../model/model-spec.js';
import { type CommonArgs, note, printJson, printTable } from '../output.js';

interface ImportArgs extends CommonArgs {
  torch: string;
  out: string;
  preset: keyof typeof presets;
}

export const command = 'import';
export const describe = 'Import a PyTorch checkpoint (official PredANN .ckpt) as safetensors weights, safely';

export function builder(yargs: Argv): Argv {
  return yargs
    .option('torch', { type: 'string', demandOption: true, describe: 'PyTorch zip checkpoint (.ckpt/.pt/.pth); its pickle is read, never executed' })
    .option('out', { type: 'string', demandOption: true, describe: 'safetensors file to write (atomically; nothing is written on error)' })
    .option('preset', { choices: Object.keys(presets) as (keyof typeof presets)[], default: 'paper' as const, describe: 'architecture the weights must fit' })
    .example('$0 import --torch official_predann_2dcnn_seed1_epoch5999.ckpt --out trained.safetensors', 'the official Lightning checkpoint (encoder_raw_e./encoder_clean_e. → eeg./music.)')
    .example('$0 import --torch last.ckpt --out weights.safetensors --json', 'the same, with a machine-readable summary');
}

export async function handler(args: ArgumentsCamelCase<ImportArgs>): Promise<void> {
  const summary = importTorchCheckpoint({ input: args.torch, out: args.out, preset: presets[args.preset] });
  if (args.json) return printJson(summary);
  for (const warning of summary.warnings) note(args, `warning: ${warning}`);
  if (args.quiet) return;
  const { version, epoch, globalStep } = summary.lightning;
  printTable([
    ['wrote', summary.out],
    ['tensors', `${summary.tensors} (${summary.preset} preset)`],
    ['mapping', summary.mapping.map((m) => `${m.from}→${m.to} ×${m.tensors}`).join(', ')],
    ['skipped', summary.skipped.length === 0 ? 'none' : summary.skipped.join(', ')],
    ['state dict', summary.stateDictKey || '(top level)'],
    ...(version === undefined ? [] : [['lightning', `${version}, epoch ${epoch ?? '?'}, step ${globalStep ?? '?'}`] as [string, string]]),
    ['time', `${(summary.seconds * 1000).toFixed(0)} ms`],
  ]);
}
