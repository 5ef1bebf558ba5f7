/**
 * The run's `log.jsonl` on resume: the entries written after the checkpoint being resumed from
 * (steps and validations the killed run got to, which the resumed run will do again) are dropped,
 * so that the log of a resumed run lists every step once, as an uninterrupted run's does; the
 * validations up to the checkpoint come back for the run record.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../io/atomic.js';

interface LogEntry {
  event: string;
  epoch?: number;
  step?: number;
  [field: string]: unknown;
}

/** Rewinds `log` to the checkpoint at (epoch, step) and returns the validation entries it keeps. */
export function rewindLog(log: string, at: { epoch: number; step: number }): Record<string, unknown>[] {
  if (!existsSync(log)) return [];
  const entries = readFileSync(log, 'utf8').split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as LogEntry);
  const kept = entries.filter((e) => !isAfter(e, at));
  writeFileAtomic(log, kept.map((e) => JSON.stringify(e) + '\n').join(''));
  return kept.filter((e) => e.event === 'validation').map(({ event: _event, step: _step, ...rest }) => rest);
}

function isAfter(e: LogEntry, at: { epoch: number; step: number }): boolean {
  if (e.event === 'step') return (e.step ?? 0) > at.step;
  if (e.event === 'validation' || e.event === 'checkpoint') return (e.epoch ?? 0) > at.epoch;
  return false;
}
