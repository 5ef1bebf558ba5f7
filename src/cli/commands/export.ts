/** `predann export`: the EEG branch of a trained model as an ONNX file that onnxruntime serves. */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { exportCheckpointToOnnx } from '../../onnx/export-eeg-model.js';
import { type CommonArgs, note, printJson } from '../output.js';

interface ExportArgs extends CommonArgs {
  checkpoint: string;
  out: string;
  foldBatchnorm: boolean;
}

export const command = 'export';
export const describe = 'Export the EEG branch of a trained model (eval mode) to ONNX: logits, probabilities, embedding; dynamic batch';

export function builder(yargs: Argv): Argv {
  return yargs
    .option('checkpoint', { type: 'string', demandOption: true, describe: 'run directory (predann train --out) or weights.safetensors' })
    .option('out', { type: 'string', demandOption: true, describe: 'the .onnx file to write (atomically; its directory must exist)' })
    .option('fold-batchnorm', { type: 'boolean', default: true, describe: 'fold the conv BatchNorms into the conv weights (--no-fold-batchnorm keeps them as nodes)' })
    .example('$0 export --checkpoint predann-demo/runs/small-lambda0.05 --out model.onnx', 'a trained run; its run.json goes into the metadata')
    .example('$0 export --checkpoint predann_2dcnn_trained_seed1.safetensors --out paper.onnx --no-fold-batchnorm', 'the official trained weights, every BatchNorm kept as a node')
    .example('$0 export --checkpoint runs/paper --out model.onnx --json', 'print the summary as JSON');
}

export async function handler(args: ArgumentsCamelCase<ExportArgs>): Promise<void> {
  const summary = await exportCheckpointToOnnx(args.checkpoint, args.out, { foldBatchNorm: args.foldBatchnorm });
  if (args.json) return printJson(summary);
  const folded = summary.foldedBatchNorm ? 'conv BatchNorm folded' : 'BatchNorm kept as nodes';
  note(args, `wrote ${summary.out} (${summary.preset} preset, ${(summary.bytes / 1024).toFixed(0)} KiB, ${folded}) from ${summary.weights} in ${summary.seconds.toFixed(2)} s`);
}
