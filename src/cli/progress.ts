/**
 * Progress bars on stderr. On a TTY the bar redraws in place; in CI logs (no TTY) it prints a
 * plain line every few seconds, so long jobs still show they are alive. `--json` and `--quiet`
 * turn it off so stdout stays machine-readable and stderr clean.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  tick(n?: number, payload?: Record<string, unknown>): void;
  stop(): void;
}

const silent: Progress = { tick() {}, stop() {} };

export function progressBar(label: string, total: number, enabled = true): Progress {
  if (!enabled || total <= 0) return silent;
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} | {duration_formatted} elapsed | ETA {eta_formatted}`,
      stream: process.stderr,
      noTTYOutput: true,
      notTTYSchedule: 5000,
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    tick(n = 1, payload) {
      bar.increment(n, payload);
    },
    stop() {
      bar.stop();
    },
  };
}
