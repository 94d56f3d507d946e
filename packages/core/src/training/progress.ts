/**
 * Progress for long work: one rewritten status line on a TTY, plain lines at most every
 * `intervalMs` otherwise (logs, CI), always with an ETA.
 */
export interface ProgressSink {
  update(fraction: number, fields: Record<string, string | number>): void;
  done(message?: string): void;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 60) return `${seconds.toFixed(0)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.round((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

export function createProgress(
  label: string,
  opts: { stream?: NodeJS.WriteStream; intervalMs?: number; enabled?: boolean } = {},
): ProgressSink {
  const stream = opts.stream ?? process.stderr;
  const tty = Boolean(stream.isTTY);
  const interval = opts.intervalMs ?? (tty ? 200 : 10_000);
  const t0 = performance.now();
  let last = -Infinity;
  let lastLine = '';
  const enabled = opts.enabled ?? true;
  return {
    update(fraction, fields) {
      if (!enabled) return;
      const now = performance.now();
      if (now - last < interval && fraction < 1) return;
      last = now;
      const elapsed = (now - t0) / 1000;
      const f = Math.min(Math.max(fraction, 0), 1);
      const eta = f > 0 ? (elapsed * (1 - f)) / f : NaN;
      const body = Object.entries(fields)
        .map(([k, v]) => `${k} ${typeof v === 'number' ? fmt(v) : v}`)
        .join('  ');
      lastLine = `${label} ${(100 * f).toFixed(1).padStart(5)}%  ${body}  elapsed ${formatDuration(elapsed)}  ETA ${formatDuration(eta)}`;
      if (tty) stream.write(`\r\x1b[2K${lastLine}`);
      else stream.write(`${lastLine}\n`);
    },
    done(message) {
      if (!enabled) return;
      if (tty) stream.write('\n');
      if (message) stream.write(`${message}\n`);
    },
  };
}

function fmt(v: number): string {
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : v.toFixed(a < 1 ? 4 : 3);
}
