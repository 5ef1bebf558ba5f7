/**
 * Validation accuracy of the EEG branch on validation windows (digest §5): 14 windows of 8 s per
 * validation chunk, one 3-s clip in each (the official random crop or the centre), preprocessed
 * in the addon, classified by the EEG encoder in eval mode. The full evaluation protocol
 * (aggregation, statistics, reports) is issue 5's `predann eval`.
 */
import { preprocessCrops } from '../data/clip-preprocess.js';
import type { ChunkRef } from '../data/chunks.js';
import type { IntegerSource } from '../data/crops.js';
import type { Dataset } from '../data/dataset.js';
import { clipSamples, labelOfTrigger } from '../data/nmedt.js';
import { validationWindows, type WindowCrop } from '../data/windows.js';
import { encoderForwardEval } from '../model/encoder.js';
import type { ModelPreset } from '../model/model-spec.js';
import type { Weights } from '../model/weights.js';

export interface WindowAccuracy {
  items: number;
  correct: number;
  accuracy: number;
}

/**
 * @example
 * const { accuracy } = await windowAccuracy(dataset, split.validation, weights, presets.small, { crop: 'center' });
 */
export async function windowAccuracy(
  dataset: Dataset,
  refs: readonly ChunkRef[],
  weights: Weights,
  preset: ModelPreset,
  options: { crop: WindowCrop; rng?: IntegerSource },
): Promise<WindowAccuracy> {
  const { height, width } = preset.eeg;
  const pad = (width - clipSamples) / 2;
  let items = 0;
  let correct = 0;
  for (const ref of refs) {
    const windows = validationWindows(ref, { crop: options.crop, rng: options.rng });
    const recording = await dataset.recording(ref.subject, ref.song);
    const { output } = await preprocessCrops(recording, windows.map((w) => w.eegStart), clipSamples, { padLeft: Math.floor(pad), padRight: Math.ceil(pad) });
    const { logits } = await encoderForwardEval(weights, 'eeg', preset, output, { batch: windows.length, height, width });
    const classes = preset.encoder.classes;
    for (let i = 0; i < windows.length; i++) {
      const row = logits.subarray(i * classes, (i + 1) * classes);
      if (row.indexOf(Math.max(...row)) === labelOfTrigger(ref.song)) correct++;
    }
    items += windows.length;
  }
  return { items, correct, accuracy: items ? correct / items : 0 };
}
