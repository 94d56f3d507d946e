/** Formatting of `mol.*` metrics into the report's HTML tables. */
import { escapeHtml } from './escape.js';
import { formatNumber } from './summary-labels.js';
import type { RunMetrics } from './types.js';

/** A fraction as a percentage, '—' when absent. */
export const pct = (v: number | undefined): string => (v === undefined ? '—' : `${formatNumber(100 * v)} %`);
/** A number with its unit, '—' when absent. */
export const val = (v: number | undefined, unit = ''): string => (v === undefined ? '—' : `${formatNumber(v)}${unit}`);
/** "[lo, hi]" with its unit, '—' when either end is absent. */
export const interval = (lo: number | undefined, hi: number | undefined, unit = ''): string =>
  lo === undefined || hi === undefined ? '—' : `[${formatNumber(lo)}, ${formatNumber(hi)}]${unit}`;

/** A metric that is a number, or undefined. */
export function num(m: RunMetrics, key: string): number | undefined {
  const v = m[key];
  return typeof v === 'number' ? v : undefined;
}

/** A table with a header row; each row's first cell is its header. */
export function table(id: string, head: string[], rows: string[][]): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const tr = rows.map(
    (r) =>
      `<tr>${r.map((c, k) => (k === 0 ? `<th scope="row">${escapeHtml(c)}</th>` : `<td class="num">${escapeHtml(c)}</td>`)).join('')}</tr>`,
  );
  return `<table class="metrics" id="${id}"><thead><tr>${th}</tr></thead><tbody>\n${tr.join('\n')}\n</tbody></table>`;
}
