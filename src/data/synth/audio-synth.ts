/**
 * Renders a `SongPlan` to mono audio: sampled drums (a pitch-swept sine kick, a noise-and-tone
 * snare, high-passed noise hats), and band-limited wavetable oscillators for the bass, the detuned
 * chord pad and the lead (or a two-operator FM lead), each through its own envelope and one-pole
 * low-pass. Each distinct note is synthesised once and then mixed in wherever it recurs (songs
 * repeat their notes), so rendering costs little more than adding arrays: ten ~290 s songs at
 * 44.1 kHz render in seconds.
 */
import type { SeededRng } from './seeded-rng.js';
import { type DrumKit, type PitchedPart, type SongPlan, type Waveform, STEPS_PER_BAR } from './song-plan.js';

const TABLE_SIZE = 4096;
/** Harmonics in the band-limited tables: alias-free up to 690 Hz notes; each part's low-pass tames higher ones. */
const HARMONICS = 32;
/** Peak level after normalisation, leaving headroom for 16-bit PCM. */
const PEAK = 0.89;
/** Fade applied at every note end, so no note ends with a click. */
const RELEASE_SECONDS = 0.01;

type TableWave = Exclude<Waveform, 'fm'>;
const tables = new Map<TableWave, Float32Array>();

/** One cycle of `wave` built from its Fourier series, plus a guard sample for interpolation. */
function wavetable(wave: TableWave): Float32Array {
  let table = tables.get(wave);
  if (table) return table;
  table = new Float32Array(TABLE_SIZE + 1);
  for (let h = 1; h <= (wave === 'sine' ? 1 : HARMONICS); h++) {
    let amplitude: number;
    if (wave === 'sine') amplitude = 1;
    else if (wave === 'saw') amplitude = 2 / (Math.PI * h);
    else if (h % 2 === 0) continue; // square and triangle have odd harmonics only
    else if (wave === 'square') amplitude = 4 / (Math.PI * h);
    else amplitude = ((8 / (Math.PI * Math.PI * h * h)) * (((h - 1) / 2) % 2 === 0 ? 1 : -1));
    for (let i = 0; i <= TABLE_SIZE; i++) table[i] += amplitude * Math.sin((2 * Math.PI * h * i) / TABLE_SIZE);
  }
  tables.set(wave, table);
  return table;
}

/** Table value at `phase` ∈ [0, 1), linearly interpolated. */
function lookup(table: Float32Array, phase: number): number {
  const position = phase * TABLE_SIZE;
  const i = position | 0;
  return table[i] + (position - i) * (table[i + 1] - table[i]);
}

/**
 * One note of a pitched part at unit amplitude: attack ramp, exponential decay, end fade, and a
 * one-pole low-pass whose coefficient is the part's brightness. `detune` lists frequency ratios of
 * stacked oscillators (a pad's chorus).
 */
function renderTone(hz: number, frames: number, part: PitchedPart, sampleRate: number, detune: readonly number[]): Float32Array {
  const out = new Float32Array(frames);
  const attack = Math.max(1, Math.round(part.attackSeconds * sampleRate));
  const decay = Number.isFinite(part.decaySeconds) ? Math.exp(-1 / (part.decaySeconds * sampleRate)) : 1;
  const release = Math.max(1, Math.min(Math.round(RELEASE_SECONDS * sampleRate), frames >> 1));
  const fm = part.wave === 'fm';
  const table = fm ? wavetable('sine') : wavetable(part.wave as TableWave);
  for (const ratio of detune) {
    const increment = (hz * ratio) / sampleRate;
    let phase = 0;
    let modulatorPhase = 0;
    let level = 1 / detune.length;
    let lowpassed = 0;
    for (let n = 0; n < frames; n++) {
      let envelope = n < attack ? (n / attack) * level : level;
      if (n >= frames - release) envelope *= (frames - n) / release;
      let x: number;
      if (fm) {
        // Phase modulation with a 2:1 modulator whose depth follows the envelope (a bright pluck).
        const modulation = 1.5 * envelope * lookup(table, modulatorPhase);
        x = lookup(table, (phase + 2 + modulation) % 1); // + 2 keeps the argument positive
        modulatorPhase += 2 * increment;
        if (modulatorPhase >= 1) modulatorPhase -= 1;
      } else {
        x = lookup(table, phase);
      }
      lowpassed += part.brightness * (x - lowpassed);
      out[n] += envelope * lowpassed;
      phase += increment;
      if (phase >= 1) phase -= 1;
      level *= decay;
    }
  }
  return out;
}

/**
 * Rendered notes of one part, kept by pitch and length. A song repeats its notes (the same chord
 * every four bars, the same bass line every bar), so each distinct note is synthesised once and
 * then mixed in with its velocity, which makes rendering about as cheap as copying.
 */
class NoteCache {
  private readonly notes = new Map<string, Float32Array>();

  constructor(
    private readonly part: PitchedPart,
    private readonly sampleRate: number,
    private readonly detune: readonly number[] = [1],
  ) {}

  /** The sum of notes at the frequencies `hz` (one note, or a chord), `frames` long. */
  note(hz: readonly number[], frames: number): Float32Array {
    const key = `${hz.join(',')}:${frames}`;
    let note = this.notes.get(key);
    if (!note) {
      note = new Float32Array(frames);
      for (const f of hz) {
        const tone = renderTone(f, frames, this.part, this.sampleRate, this.detune);
        for (let i = 0; i < frames; i++) note[i] += tone[i];
      }
      this.notes.set(key, note);
    }
    return note;
  }
}

function addSample(out: Float32Array, start: number, sample: Float32Array, gain: number): void {
  const end = Math.min(out.length, start + sample.length);
  for (let i = start; i < end; i++) out[i] += gain * sample[i - start];
}

interface DrumSamples {
  kick: Float32Array;
  snare: Float32Array;
  hat: Float32Array;
  openHat: Float32Array;
}

function renderKick(kit: DrumKit, sampleRate: number): Float32Array {
  const out = new Float32Array(Math.round(0.4 * sampleRate));
  let phase = 0;
  for (let i = 0; i < out.length; i++) {
    const t = i / sampleRate;
    const hz = kit.kickEndHz + (kit.kickStartHz - kit.kickEndHz) * Math.exp(-t / 0.03);
    phase += hz / sampleRate;
    out[i] = Math.sin(2 * Math.PI * phase) * Math.exp(-t / kit.kickDecaySeconds);
  }
  return out;
}

function renderSnare(kit: DrumKit, sampleRate: number, rng: SeededRng): Float32Array {
  const out = new Float32Array(Math.round(0.3 * sampleRate));
  let previous = 0;
  for (let i = 0; i < out.length; i++) {
    const t = i / sampleRate;
    const white = rng.range(-1, 1);
    const noise = white - 0.5 * previous; // gentle high-pass: a snare's rattle is bright
    previous = white;
    out[i] =
      0.7 * noise * Math.exp(-t / kit.snareDecaySeconds) + 0.5 * Math.sin(2 * Math.PI * kit.snareToneHz * t) * Math.exp(-t / 0.04);
  }
  return out;
}

function renderHat(decaySeconds: number, sampleRate: number, rng: SeededRng): Float32Array {
  const out = new Float32Array(Math.round(Math.min(0.5, 8 * decaySeconds) * sampleRate));
  let previous = 0;
  for (let i = 0; i < out.length; i++) {
    const white = rng.range(-1, 1);
    out[i] = (white - previous) * 0.5 * Math.exp(-i / (decaySeconds * sampleRate)); // first difference: high-passed
    previous = white;
  }
  return out;
}

function renderDrums(kit: DrumKit, sampleRate: number, rng: SeededRng): DrumSamples {
  return {
    kick: renderKick(kit, sampleRate),
    snare: renderSnare(kit, sampleRate, rng),
    hat: renderHat(kit.hatDecaySeconds, sampleRate, rng),
    openHat: renderHat(kit.hatDecaySeconds * 6, sampleRate, rng),
  };
}

/** Frequency of scale `degree` (may exceed 6: wraps into higher octaves) `octave` octaves above the root. */
function degreeHz(plan: SongPlan, degree: number, octave: number): number {
  const octaves = Math.floor(degree / 7);
  return plan.rootHz * 2 ** (octave + octaves + plan.scale[degree - 7 * octaves] / 12);
}

/** Steps from `step` to the next non-empty step of a looping pattern (at most `limit`). */
function stepsToNext(line: readonly (number | null)[], step: number, limit: number): number {
  for (let d = 1; d < limit; d++) if (line[(step + d) % line.length] !== null) return d;
  return limit;
}

/** Scales `audio` in place so that its peak is `PEAK`. */
function normalizePeak(audio: Float32Array): void {
  let peak = 0;
  for (let i = 0; i < audio.length; i++) peak = Math.max(peak, Math.abs(audio[i]));
  if (peak === 0) return;
  const gain = PEAK / peak;
  for (let i = 0; i < audio.length; i++) audio[i] *= gain;
}

/**
 * Renders `plan` at `sampleRate` into exactly `plan.seconds · sampleRate` mono samples, peak 0.89.
 * `rng` supplies the drum noise and the small velocity variations.
 *
 * @example
 * const plan = planSong(21, 55.97, 10, SeededRng.stream(0, 'song', 21, 'plan'));
 * const audio = renderSong(plan, 44100, SeededRng.stream(0, 'song', 21, 'render')); // 441000 samples
 */
export function renderSong(plan: SongPlan, sampleRate: number, rng: SeededRng): Float32Array {
  const out = new Float32Array(Math.round(plan.seconds * sampleRate));
  const drums = renderDrums(plan.drums, sampleRate, rng.fork('drums'));
  const stepFrames = (sampleRate * 60) / plan.bpm / 4;
  const stepStart = (step: number) => Math.round((step + (step % 2 === 1 ? plan.swing : 0)) * stepFrames);
  const velocity = () => rng.range(0.8, 1);
  const detune = 2 ** (plan.pad.detuneCents / 1200);
  const padNotes = new NoteCache(plan.pad, sampleRate, [1 / detune, detune]);
  const bassNotes = new NoteCache(plan.bass, sampleRate);
  const leadNotes = new NoteCache(plan.lead, sampleRate);
  const kit = plan.drums;

  for (const section of plan.sections) {
    const plays = new Set(section.instruments);
    for (let bar = section.startBar; bar < section.startBar + section.bars; bar++) {
      const barStart = stepStart(bar * STEPS_PER_BAR);
      if (barStart >= out.length) break;
      const g = section.gain;
      if (plays.has('pad')) {
        const frames = stepStart((bar + 1) * STEPS_PER_BAR) - barStart;
        const chordRoot = plan.pad.progression[bar % plan.pad.progression.length];
        const triad = [0, 2, 4].map((third) => degreeHz(plan, chordRoot + third, 2));
        addSample(out, barStart, padNotes.note(triad, frames), g * plan.pad.level);
      }
      for (let s = 0; s < STEPS_PER_BAR; s++) {
        const step = bar * STEPS_PER_BAR + s;
        const t = stepStart(step);
        if (t >= out.length) break;
        if (plays.has('kick') && kit.kickSteps.includes(s)) addSample(out, t, drums.kick, 0.9 * g * velocity());
        if (plays.has('snare') && kit.snareSteps.includes(s)) addSample(out, t, drums.snare, 0.55 * g * velocity());
        if (plays.has('hat') && kit.hatSteps.includes(s)) addSample(out, t, drums.hat, 0.35 * g * velocity());
        if (plays.has('hat') && kit.openHatSteps.includes(s)) addSample(out, t, drums.openHat, 0.25 * g * velocity());
        const bassDegree = plan.bass.line[s];
        if (plays.has('bass') && bassDegree !== null) {
          const frames = Math.round(0.9 * stepFrames * stepsToNext(plan.bass.line, s, 4));
          addSample(out, t, bassNotes.note([degreeHz(plan, bassDegree, 0)], frames), g * plan.bass.level * velocity());
        }
        const leadDegree = plan.lead.motif[step % plan.lead.motif.length];
        if (plays.has('lead') && leadDegree !== null) {
          const frames = Math.round(0.9 * stepFrames * stepsToNext(plan.lead.motif, step % plan.lead.motif.length, 4));
          const hz = degreeHz(plan, leadDegree, plan.lead.octave);
          addSample(out, t, leadNotes.note([hz], frames), g * plan.lead.level * velocity());
        }
      }
    }
  }
  normalizePeak(out);
  return out;
}
