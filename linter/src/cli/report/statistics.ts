/**
 * `--statistics`: one row per rule code with its count, like Ruff:
 *
 * ```
 * 3	NL001	[*] missing-eval
 * 1	NL003	[ ] bias-before-norm
 * ```
 *
 * The `[*]`/`[ ]` column appears only when some finding is fixable. Sorted by count (highest
 * first), then code. With `--output-format json`, an array of `{code, name, count, fixable}`.
 */
import { isFixable, type ReportInput } from './common';

/** One row of the statistics. */
export interface StatisticsRow {
  code: string;
  name: string;
  count: number;
  /** Whether some finding of this code has a fix `--fix` applies. */
  fixable: boolean;
}

/** Count findings per code. */
export function statistics(input: ReportInput): StatisticsRow[] {
  const rows = new Map<string, StatisticsRow>();
  for (const { diag } of input.items) {
    let row = rows.get(diag.code);
    if (!row) rows.set(diag.code, (row = { code: diag.code, name: diag.name, count: 0, fixable: false }));
    row.count++;
    row.fixable ||= isFixable(diag, input.unsafeFixes);
  }
  return [...rows.values()].sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
}

/** Render statistics as text (tab-separated, counts right-aligned). */
export function renderStatisticsText(input: ReportInput): string {
  const rows = statistics(input);
  if (!rows.length) return '';
  const countWidth = Math.max(...rows.map((r) => String(r.count).length));
  const codeWidth = Math.max(...rows.map((r) => r.code.length));
  const anyFixable = rows.some((r) => r.fixable);
  return rows
    .map((r) => `${String(r.count).padStart(countWidth)}\t${r.code.padEnd(codeWidth)}\t${anyFixable ? (r.fixable ? '[*] ' : '[ ] ') : ''}${r.name}\n`)
    .join('');
}

/** Render statistics as JSON. */
export function renderStatisticsJson(input: ReportInput): string {
  return JSON.stringify(statistics(input), null, 2) + '\n';
}
