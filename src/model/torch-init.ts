/**
 * PyTorch's default initialisation, bit for bit: `torch.manual_seed(seed)` followed by building
 * the EEG encoder and then the music encoder draws every weight from one CPU generator, so a
 * seeded predann model starts exactly where `main_3s.py --seed N` starts (golden case a/e:
 * `predann_2dcnn_init_seed0.safetensors`).
 *
 * The pieces, as torch 1.9–1.13 implement them on the CPU:
 * - the generator is MT19937 seeded with `init_genrand(seed)`; `random()` is its 32-bit output;
 * - `uniform_(from, to)` on a float32 tensor fills it serially in memory order with
 *   `float((r & (2^24 − 1)) · 2^−24 · (to − from) + from)`, the product and sum in float64, from
 *   and to first rounded to float32 (`uniform_real_distribution<float>`);
 * - Conv2d and Linear `reset_parameters`: `kaiming_uniform_(weight, a=√5)`, i.e. bound =
 *   √3 · √(2/(1+5)) / √fan_in, then (conv only) bias ~ U(−1/√fan_in, 1/√fan_in);
 * - BatchNorm: weight 1, bias 0, running mean 0, running var 1, counter 0 (no draws).
 */
import { Mt19937 } from '../data/mt19937.js';
import type { Tensor } from '../io/safetensors.js';
import { encoderTensors, modelTensors, type ModelPreset } from './model-spec.js';
import type { Weights } from './weights.js';

/** MT19937 seeded as torch's CPU generator (`at::mt19937`, `init_genrand`), and `uniform_`. */
export class TorchGenerator {
  private readonly gen = new Mt19937();

  constructor(seed: number) {
    this.gen.seedGenrand(seed >>> 0);
  }

  /** The next 32-bit output. */
  random(): number {
    return this.gen.next();
  }

  /** `tensor.uniform_(from, to)` for a float32 tensor, in memory order. */
  uniform(out: Float32Array, from: number, to: number): void {
    const lo = Math.fround(from);
    const span = Math.fround(Math.fround(to) - lo); // (to − from) in float32, as the C++ template
    for (let i = 0; i < out.length; i++) out[i] = ((this.random() & 0xffffff) * 2 ** -24) * span + lo;
  }
}

/** `kaiming_uniform_(w, a=√5)` bound for a weight with `fanIn` inputs per output. */
function kaimingBound(fanIn: number): number {
  const gain = Math.sqrt(2 / (1 + 5));
  return Math.sqrt(3) * (gain / Math.sqrt(fanIn));
}

function fanIn(shape: number[]): number {
  return shape.slice(1).reduce((a, b) => a * b, 1);
}

/** One encoder's tensors, drawing in construction order (each layer's weight, then its bias). */
function initEncoder(prefix: string, preset: ModelPreset, gen: TorchGenerator, out: Weights): void {
  const specs = encoderTensors(prefix, preset.encoder);
  for (const spec of specs) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    let tensor: Tensor;
    if (spec.dtype === 'I64') {
      tensor = { dtype: 'I64', shape: spec.shape, data: new BigInt64Array(n) };
    } else {
      const data = new Float32Array(n);
      const isBatchNorm = /\.(sequential\.[147]|projector[12]\.1)\./.test(spec.name);
      if (isBatchNorm) {
        if (/\.(weight|running_var)$/.test(spec.name)) data.fill(1);
      } else if (spec.name.endsWith('.weight')) {
        gen.uniform(data, -kaimingBound(fanIn(spec.shape)), kaimingBound(fanIn(spec.shape)));
      } else {
        // a conv bias: U(−1/√fan_in, 1/√fan_in) with the fan-in of its weight, drawn right after it
        const weight = specs.find((s) => s.name === spec.name.replace(/bias$/, 'weight'))!;
        const bound = 1 / Math.sqrt(fanIn(weight.shape));
        gen.uniform(data, -bound, bound);
      }
      tensor = { dtype: 'F32', shape: spec.shape, data };
    }
    out.set(spec.name, tensor);
  }
}

/**
 * A freshly initialised model: `torch.manual_seed(seed)`, then the EEG encoder, then the music
 * encoder, from one generator stream.
 *
 * @example
 * const weights = initialWeights(presets.paper, 0); // equals predann_2dcnn_init_seed0.safetensors
 */
export function initialWeights(preset: ModelPreset, seed: number): Weights {
  const gen = new TorchGenerator(seed);
  const weights: Weights = new Map();
  initEncoder('eeg', preset, gen, weights);
  initEncoder('music', preset, gen, weights);
  return new Map(modelTensors(preset).map((s) => [s.name, weights.get(s.name)!]));
}
