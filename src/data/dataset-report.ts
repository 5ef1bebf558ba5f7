/** A dataset summary as Markdown: what `predann summary` and `predann demo` print. */
import { markdownTable as table } from '../report/markdown-table.js';
import type { DatasetSummary } from './dataset.js';

/**
 * @example
 * process.stdout.write(formatDatasetSummary(dataset.summary()));
 */
export function formatDatasetSummary(s: DatasetSummary, title = 'Dataset'): string {
  const head =
    `## ${title}\n\n` +
    `${s.recordings} recordings (${s.subjects} subjects × ${s.songs} songs), ${s.channels} channels at ${s.fs} Hz, ` +
    `${s.totalHours.toFixed(2)} h of EEG, ${s.chunks} chunks of 30 s` +
    (s.skipped ? `, ${s.skipped} subject × song pairs skipped` : '') +
    '.\n\n';
  const songs = table(
    ['song', 'title', 'recordings', 'chunks', 'hours'],
    s.perSong.map((r) => [r.song, r.title, r.recordings, r.chunks, r.hours.toFixed(2)]),
  );
  const subjects = table(
    ['subject', 'recordings', 'chunks', 'hours'],
    s.perSubject.map((r) => [`S${String(r.subject).padStart(2, '0')}`, r.recordings, r.chunks, r.hours.toFixed(2)]),
  );
  return `${head}${songs}\n\n${subjects}\n`;
}
