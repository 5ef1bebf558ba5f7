/**
 * The arrangement of one synthetic song, drawn from a seeded stream: what plays on each 16th-note
 * step and how the song is divided into sections. A plan is plain data; `audio-synth.ts` renders it.
 *
 * Each song gets its own instruments (drum tuning and patterns, a bass line, a chord pad and a lead
 * melody, each with its own waveform, brightness and envelope) so that songs differ in timbre as
 * well as in tempo, and a section structure (intro / verse / chorus / break, 8–16 bars each) that
 * switches instruments on and off and changes the loudness, as real pop songs do.
 */
import type { SeededRng } from './seeded-rng.js';

export type Instrument = 'kick' | 'snare' | 'hat' | 'bass' | 'pad' | 'lead';
export type SectionKind = 'intro' | 'verse' | 'chorus' | 'break';
/** Waveforms of the pitched instruments; 'fm' is a two-operator phase-modulation tone. */
export type Waveform = 'sine' | 'triangle' | 'square' | 'saw' | 'fm';

export const STEPS_PER_BAR = 16;
const BEATS_PER_BAR = 4;

export interface Section {
  kind: SectionKind;
  /** First bar of the section (0-based). */
  startBar: number;
  bars: number;
  /** Overall level of the section, 0–1. */
  gain: number;
  instruments: readonly Instrument[];
}

export interface DrumKit {
  kickSteps: readonly number[];
  snareSteps: readonly number[];
  hatSteps: readonly number[];
  openHatSteps: readonly number[];
  kickStartHz: number;
  kickEndHz: number;
  kickDecaySeconds: number;
  snareToneHz: number;
  snareDecaySeconds: number;
  hatDecaySeconds: number;
}

export interface PitchedPart {
  wave: Waveform;
  /** One-pole low-pass amount, 0 (dull) – 1 (no filtering). */
  brightness: number;
  attackSeconds: number;
  /** Exponential decay time constant; Infinity sustains to the note end. */
  decaySeconds: number;
  level: number;
}

export interface SongPlan {
  trigger: number;
  bpm: number;
  seconds: number;
  /** Fraction of a step by which odd 16ths are delayed (0 = straight). */
  swing: number;
  /** Frequency of scale degree 0 in the bass register. */
  rootHz: number;
  /** Semitone offsets of the mode (7 degrees). */
  scale: readonly number[];
  drums: DrumKit;
  bass: PitchedPart & { line: readonly (number | null)[] };
  pad: PitchedPart & { detuneCents: number; progression: readonly number[] };
  lead: PitchedPart & { motif: readonly (number | null)[]; octave: number };
  sections: readonly Section[];
}

const MODES: readonly (readonly number[])[] = [
  [0, 2, 4, 5, 7, 9, 11], // ionian
  [0, 2, 3, 5, 7, 8, 10], // aeolian
  [0, 2, 3, 5, 7, 9, 10], // dorian
  [0, 2, 4, 5, 7, 9, 10], // mixolydian
  [0, 1, 3, 5, 7, 8, 10], // phrygian
];

const SECTION_TEMPLATES: Record<SectionKind, { gain: number; instruments: Instrument[] }> = {
  intro: { gain: 0.55, instruments: ['hat', 'pad'] },
  verse: { gain: 0.75, instruments: ['kick', 'hat', 'bass', 'pad'] },
  chorus: { gain: 1.0, instruments: ['kick', 'snare', 'hat', 'bass', 'pad', 'lead'] },
  break: { gain: 0.45, instruments: ['pad', 'lead'] },
};

/** Which section may follow which, with weights (a small Markov chain over song form). */
const NEXT_SECTION: Record<SectionKind, [SectionKind, number][]> = {
  intro: [['verse', 1]],
  verse: [['chorus', 0.7], ['break', 0.15], ['verse', 0.15]],
  chorus: [['verse', 0.55], ['break', 0.3], ['chorus', 0.15]],
  break: [['chorus', 0.6], ['verse', 0.4]],
};

function weightedPick<T>(rng: SeededRng, options: readonly [T, number][]): T {
  let r = rng.uniform() * options.reduce((sum, [, w]) => sum + w, 0);
  for (const [value, weight] of options) {
    r -= weight;
    if (r < 0) return value;
  }
  return options[options.length - 1][0];
}

/** Steps of a bar where `probability` of each candidate step is kept; `always` steps are kept. */
function pattern(rng: SeededRng, always: number[], candidates: number[], probability: number): number[] {
  const steps = new Set(always);
  for (const step of candidates) if (rng.chance(probability)) steps.add(step);
  return [...steps].sort((a, b) => a - b);
}

function planDrums(rng: SeededRng): DrumKit {
  const hatsOnSixteenths = rng.chance(0.4);
  const hatSteps = hatsOnSixteenths
    ? pattern(rng, [0, 2, 4, 6, 8, 10, 12, 14], [1, 3, 5, 7, 9, 11, 13, 15], 0.6)
    : pattern(rng, [2, 6, 10, 14], [0, 4, 8, 12], 0.5);
  return {
    kickSteps: pattern(rng, [0, 8], [4, 12, 3, 6, 10, 11, 14], 0.3),
    snareSteps: pattern(rng, [4, 12], [7, 15, 14], 0.2),
    hatSteps,
    openHatSteps: pattern(rng, [], [6, 14], 0.5).filter((s) => !hatSteps.includes(s)),
    kickStartHz: rng.range(110, 220),
    kickEndHz: rng.range(38, 60),
    kickDecaySeconds: rng.range(0.08, 0.22),
    snareToneHz: rng.range(150, 260),
    snareDecaySeconds: rng.range(0.05, 0.14),
    hatDecaySeconds: rng.range(0.012, 0.04),
  };
}

function planSections(rng: SeededRng, totalBars: number): Section[] {
  const sections: Section[] = [];
  let kind: SectionKind = 'intro';
  // Songs differ in whether the verse has a snare and whether the break keeps the hats.
  const verseSnare = rng.chance(0.5);
  const breakHats = rng.chance(0.4);
  for (let bar = 0; bar < totalBars; ) {
    const template = SECTION_TEMPLATES[kind];
    const instruments = [...template.instruments];
    if (kind === 'verse' && verseSnare) instruments.push('snare');
    if (kind === 'break' && breakHats) instruments.push('hat');
    const bars = rng.pick([8, 8, 12, 16]);
    sections.push({ kind, startBar: bar, bars, gain: Math.min(1, template.gain * rng.range(0.85, 1.1)), instruments });
    bar += bars;
    kind = weightedPick(rng, NEXT_SECTION[kind]);
  }
  return sections;
}

function planPitched(rng: SeededRng, waves: Waveform[], level: number): PitchedPart {
  return {
    wave: rng.pick(waves),
    brightness: rng.range(0.05, 0.6),
    attackSeconds: rng.range(0.003, 0.02),
    decaySeconds: rng.range(0.1, 0.5),
    level,
  };
}

/**
 * Draws the arrangement of a song of `seconds` seconds at `bpm`.
 *
 * @example
 * const plan = planSong(27, 108.7, 30, SeededRng.stream(0, 'song', 27));
 * plan.sections[0].kind; // 'intro'
 */
export function planSong(trigger: number, bpm: number, seconds: number, rng: SeededRng): SongPlan {
  const barSeconds = (60 / bpm) * BEATS_PER_BAR;
  const totalBars = Math.ceil(seconds / barSeconds);
  const scale = rng.pick(MODES);
  const rootHz = 55 * 2 ** (rng.int(12) / 12); // A1 … G#2
  const bassLine = Array.from({ length: STEPS_PER_BAR }, (_, step) =>
    step === 0 ? 0 : rng.chance(step % 2 === 0 ? 0.45 : 0.2) ? rng.pick([0, 0, 2, 4, 5, 6]) : null,
  );
  const motif = Array.from({ length: 2 * STEPS_PER_BAR }, (_, step) =>
    rng.chance(step % 2 === 0 ? 0.5 : 0.15) ? rng.int(8) : null,
  );
  const padPart = planPitched(rng, ['saw', 'square', 'triangle'], 0.09);
  return {
    trigger,
    bpm,
    seconds,
    swing: rng.chance(0.3) ? rng.range(0.1, 0.3) : 0,
    rootHz,
    scale,
    drums: planDrums(rng),
    bass: { ...planPitched(rng, ['saw', 'square', 'sine', 'triangle'], 0.32), line: bassLine },
    pad: {
      ...padPart,
      attackSeconds: rng.range(0.05, 0.4),
      decaySeconds: Infinity,
      detuneCents: rng.range(4, 14),
      progression: [0, ...Array.from({ length: 3 }, () => rng.pick([1, 2, 3, 4, 5]))],
    },
    lead: {
      ...planPitched(rng, ['square', 'triangle', 'fm', 'sine', 'saw'], 0.2),
      brightness: rng.range(0.2, 0.9),
      motif,
      octave: rng.pick([2, 3]),
    },
    sections: planSections(rng, totalBars),
  };
}
