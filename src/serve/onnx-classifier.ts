/**
 * The serving engine: an exported EEG model (predann export) in onnxruntime-node on the CPU.
 * The model's contract is the one export-eeg-model.ts writes: input `eeg` (N, 128, 729), outputs
 * `logits`, `probabilities` (N, classes) and `embedding` (N, D); a file that does not keep it gets
 * an error naming the file and what is missing.
 */
import { availableParallelism } from 'node:os';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { InputError } from '../errors.js';
import type { WindowClassifier } from './window-classifier.js';

const INPUT = 'eeg';
const OUTPUTS = ['logits', 'probabilities', 'embedding'] as const;

/** The (static) trailing dimensions of a value in the model's metadata. */
function staticDims(session: InferenceSession, name: string, kind: 'input' | 'output'): number[] {
  const meta = (kind === 'input' ? session.inputMetadata : session.outputMetadata).find((m) => m.name === name);
  const shape = meta && 'shape' in meta ? (meta.shape as (number | string)[]) : [];
  return shape.slice(1).map((d) => (typeof d === 'number' ? d : NaN));
}

/**
 * @example
 * const classifier = await onnxClassifier('model.onnx');              // or the bytes of a model
 * const { logits } = await classifier.classify(clips, 48);
 */
export async function onnxClassifier(model: string | Uint8Array, options: { source?: string; threads?: number } = {}): Promise<WindowClassifier> {
  const source = options.source ?? (typeof model === 'string' ? model : 'the exported model');
  // Sequential execution with intra-op threads: the graph is a chain, its ops are what parallelise.
  const sessionOptions: InferenceSession.SessionOptions = { intraOpNumThreads: options.threads ?? availableParallelism(), executionMode: 'sequential' };
  let session: InferenceSession;
  try {
    session = typeof model === 'string' ? await InferenceSession.create(model, sessionOptions) : await InferenceSession.create(model, sessionOptions);
  } catch (err) {
    throw new InputError(source, undefined, `onnxruntime cannot load it (${(err as Error).message.split('\n')[0]})`);
  }
  if (!session.inputNames.includes(INPUT)) throw new InputError(source, INPUT, `missing input (it has ${session.inputNames.join(', ')}): not a predann EEG model`);
  for (const out of OUTPUTS) if (!session.outputNames.includes(out)) throw new InputError(source, out, 'missing output: not a predann EEG model');
  const [height, width] = staticDims(session, INPUT, 'input');
  const [classes] = staticDims(session, 'logits', 'output');
  const [embedding] = staticDims(session, 'embedding', 'output');
  if (![height, width, classes, embedding].every(Number.isInteger)) throw new InputError(source, INPUT, 'needs static channel, sample, class and embedding sizes');
  return {
    engine: 'onnxruntime',
    input: { height, width },
    classes,
    embedding,
    async classify(clips, batch) {
      const feeds = { [INPUT]: new Tensor('float32', clips.subarray(0, batch * height * width), [batch, height, width]) };
      const out = await session.run(feeds);
      const data = (name: string) => out[name].data as Float32Array;
      return { logits: data('logits'), probabilities: data('probabilities'), embedding: data('embedding') };
    },
    async close() {
      await session.release();
    },
  };
}
