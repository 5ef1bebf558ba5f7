/**
 * The music input of one training item (digest §2.2 items 4, 7, 8): the 3-s audio crop aligned
 * with the EEG crop, zero-padded to the music encoder's width. For the paper preset that is
 * 132,300 samples at 44.1 kHz → 177,147 = 3^11 (22,423 zeros before, 22,424 after, as the
 * official `F.pad` pair). Presets with `decimation` d > 1 (not the paper) first average each d
 * consecutive samples (a box filter: cheap, and the small preset only needs a coarse signal).
 */
import type { InputSpec } from '../model/model-spec.js';

/**
 * Writes the padded clip of every audio channel into `out` ((C, width), zeros included).
 *
 * @example
 * const out = new Float32Array(177147);
 * writeAudioClip(song.channels, crop.audioStart, 132300, { height: 1, width: 177147, decimation: 1 }, out);
 */
export function writeAudioClip(channels: readonly Float32Array[], start: number, length: number, spec: InputSpec & { decimation: number }, out: Float32Array): void {
  const d = spec.decimation;
  const samples = Math.floor(length / d);
  if (channels.length !== spec.height) throw new RangeError(`Expected ${spec.height} audio channel(s) for the music encoder but the song has ${channels.length}`);
  if (samples > spec.width) throw new RangeError(`Expected a clip of at most ${spec.width} samples but received ${samples}`);
  if (out.length !== spec.height * spec.width) throw new RangeError(`Expected ${spec.height * spec.width} elements for out but received ${out.length}`);
  const before = Math.floor((spec.width - samples) / 2);
  out.fill(0);
  channels.forEach((channel, c) => {
    if (start < 0 || start + length > channel.length) throw new RangeError(`Audio crop [${start}, ${start + length}) lies outside the song's ${channel.length} samples`);
    const row = out.subarray(c * spec.width + before, c * spec.width + before + samples);
    if (d === 1) {
      row.set(channel.subarray(start, start + length));
      return;
    }
    for (let i = 0; i < samples; i++) {
      let sum = 0;
      for (let k = 0; k < d; k++) sum += channel[start + i * d + k];
      row[i] = sum / d;
    }
  });
}
