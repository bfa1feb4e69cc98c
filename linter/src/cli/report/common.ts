/**
 * What every output format gets: diagnostics with their files' texts, located once.
 *
 * Units: core spans are UTF-16 offsets; reporters print 1-based rows and 1-based columns in
 * Unicode code points (Ruff's convention) via {@link LineIndex.rowColumn}.
 */
import type { Diagnostic, RelatedInfo, Span } from '../../core/diagnostic';
import type { RuleMeta } from '../../core/rule';
import { LineIndex, type RowColumn } from '../../core/line-index';
import { fixApplies } from '../../core/apply-fixes';

/** A file as reporters see it. */
export class ReportedFile {
  private idx: LineIndex | null = null;

  /**
   * @param abs absolute path.
   * @param display path relative to the current directory (or absolute outside it), `/`-separated on POSIX.
   * @param text the decoded text the spans refer to, or `null` if unavailable.
   */
  constructor(readonly abs: string, readonly display: string, readonly text: string | null) {}

  /** Line index of the text (built on first use). */
  get index(): LineIndex {
    return (this.idx ??= new LineIndex(this.text ?? ''));
  }

  /** 1-based start and end of `span`. */
  locate(span: Span): { start: RowColumn; end: RowColumn } {
    return { start: this.index.rowColumn(span.start), end: this.index.rowColumn(span.end) };
  }
}

/** A related location with its file. */
export interface ReportRelated {
  info: RelatedInfo;
  file: ReportedFile;
}

/** One diagnostic to print. */
export interface ReportItem {
  diag: Diagnostic;
  file: ReportedFile;
  related: ReportRelated[];
}

/** Everything a reporter needs. */
export interface ReportInput {
  /** Sorted by display path, then position, then code. */
  items: ReportItem[];
  /** Whether `--unsafe-fixes` is on (decides which fixes count as applicable). */
  unsafeFixes: boolean;
  /** All rules (for SARIF's rule table and names). */
  rules: readonly RuleMeta[];
  version: string;
  /** The current directory (SARIF's `%SRCROOT%`). */
  cwd: string;
}

/** Whether a diagnostic has a fix that `--fix` (with the current `--unsafe-fixes`) applies. */
export function isFixable(d: Diagnostic, unsafeFixes: boolean): boolean {
  return d.fix !== null && d.fix.edits.length > 0 && fixApplies(d.fix.applicability, unsafeFixes);
}

/** `1 error` / `3 errors`. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
