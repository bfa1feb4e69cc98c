/**
 * The default text format (Ruff's "full" format):
 *
 * ```
 * train.py:12:15: NL001 [*] `model` runs inference in training mode
 *    |
 * 12 |         out = model(x)
 *    |               ^^^^^^^^ NL001
 *    |
 *    = help: Insert `model.eval()` before the loop
 *    = note: train.py:3:9: constructed here
 * ```
 *
 * In a notebook the location is `nb.ipynb:cell 3:line 2:col 5:` and excerpt rows count from
 * the cell's first line.
 *
 * `[*]` marks a fix that `--fix` would apply. Tabs in the excerpt are shown as four spaces;
 * the caret line counts code points (wide characters are not measured).
 */
import type { Colors } from '../env';
import type { Severity } from '../../core/diagnostic';
import { isFixable, plural, type ReportInput, type ReportItem } from './common';

const TAB = '    ';

function severityColor(c: Colors, s: Severity): (t: string) => string {
  return s === 'error' ? c.red : s === 'warning' ? c.yellow : c.blue;
}

/** Display width of `s` in columns: code points, tabs as four. */
function width(s: string): number {
  let n = 0;
  for (const ch of s) n += ch === '\t' ? TAB.length : 1;
  return n;
}

/** The header line `path:row:col: CODE [*] message`. */
export function headerLine(item: ReportItem, c: Colors, unsafeFixes: boolean): string {
  const { diag, file } = item;
  const fix = isFixable(diag, unsafeFixes) ? `${c.cyan('[*]')} ` : '';
  const sep = c.cyan(':');
  return `${c.bold(file.display)}${sep}${file.where(diag.span, sep)}${sep} ${c.bold(severityColor(c, diag.severity)(diag.code))} ${fix}${diag.message}`;
}

function excerpt(item: ReportItem, c: Colors): string[] {
  const { diag, file } = item;
  if (file.text === null) return [];
  const idx = file.index;
  const line = idx.lineOf(diag.span.start);
  const lineStart = idx.lineStart(line);
  const lineEnd = idx.lineEnd(line);
  const src = file.text.slice(lineStart, lineEnd);
  const startCol = Math.max(0, diag.span.start - lineStart);
  const endCol = Math.min(src.length, Math.max(startCol, diag.span.end - lineStart));
  const pad = width(src.slice(0, startCol));
  const len = Math.max(1, width(src.slice(startCol, endCol)));
  const row = file.displayRow(line);
  const gutter = String(row).length;
  const bar = `${' '.repeat(gutter + 1)}${c.blue('|')}`;
  return [
    bar,
    `${c.blue(String(row))} ${c.blue('|')} ${src.replace(/\t/g, TAB)}`,
    `${bar} ${' '.repeat(pad)}${severityColor(c, diag.severity)(`${'^'.repeat(len)} ${diag.code}`)}`,
    bar,
  ];
}

/** Render the diagnostics in the text format (without the summary). */
export function renderText(input: ReportInput, c: Colors): string {
  const out: string[] = [];
  for (const item of input.items) {
    out.push(headerLine(item, c, input.unsafeFixes));
    out.push(...excerpt(item, c));
    // Notes line up with the excerpt's `|` bar.
    const indent = ' '.repeat(String(item.file.displayRow(item.file.index.lineOf(item.diag.span.start))).length + 1);
    if (item.diag.fix) out.push(`${indent}${c.bold('= help:')} ${item.diag.fix.title}`);
    for (const r of item.related) out.push(`${indent}${c.bold('= note:')} ${r.file.position(r.info.span)}: ${r.info.message}`);
    out.push('');
  }
  return out.length ? out.join('\n') + '\n' : '';
}

/**
 * The summary: `Found N errors.` plus the fix hint (`[*] K fixable with the \`--fix\` option.`),
 * or `All checks passed!`.
 */
export function renderSummary(input: ReportInput, c: Colors): string {
  const n = input.items.length;
  if (n === 0) return `${c.green('All checks passed!')}\n`;
  let text = `Found ${plural(n, 'error')}.\n`;
  const fixable = input.items.filter((i) => isFixable(i.diag, input.unsafeFixes)).length;
  const hidden = input.unsafeFixes ? 0 : input.items.filter((i) => i.diag.fix?.applicability === 'unsafe' && i.diag.fix.edits.length > 0).length;
  const hiddenText = hidden ? `${hidden} hidden fix${hidden === 1 ? '' : 'es'} can be enabled with the \`--unsafe-fixes\` option` : '';
  if (fixable) text += `${c.cyan('[*]')} ${fixable} fixable with the \`--fix\` option${hidden ? ` (${hiddenText})` : ''}.\n`;
  else if (hidden) text += `No fixes available (${hiddenText}).\n`;
  return text;
}
