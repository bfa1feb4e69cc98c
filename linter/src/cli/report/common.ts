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
import type { Notebook } from '../../notebook/notebook';

/** 1-based start and end of a span as users see it; rows count from the cell's first line in a notebook. */
export interface Located {
  start: RowColumn;
  end: RowColumn;
  /** The notebook cell (1-based position among all cells), or null outside notebooks. */
  cell: number | null;
}

/** A file as reporters see it. */
export class ReportedFile {
  private idx: LineIndex | null = null;
  private rawIdx: LineIndex | null = null;

  /**
   * @param abs absolute path.
   * @param display path relative to the current directory (or absolute outside it), `/`-separated on POSIX.
   * @param text the decoded text the spans refer to (a notebook's program), or `null` if unavailable.
   * @param notebook the notebook, for a `.ipynb` file (its program is `text`).
   */
  constructor(
    readonly abs: string,
    readonly display: string,
    readonly text: string | null,
    readonly notebook: Notebook | null = null,
  ) {}

  /** Line index of the text (built on first use). */
  get index(): LineIndex {
    return (this.idx ??= new LineIndex(this.text ?? ''));
  }

  /** The 1-based row users see for 0-based program `line` (cell-relative in a notebook). */
  displayRow(line: number): number {
    const cell = this.notebook?.codeCellAt(this.index.lineStart(line));
    return line + 1 - (cell?.startLine ?? 0);
  }

  /** 1-based start and end of `span` (cell-relative rows in a notebook; the end is clamped to the start's cell). */
  locate(span: Span): Located {
    const start = this.index.rowColumn(span.start);
    const end = this.index.rowColumn(span.end);
    const cell = this.notebook?.codeCellAt(span.start) ?? null;
    if (!cell) return { start, end, cell: null };
    const first = cell.startLine;
    const last = first + Math.max(1, cell.source.split('\n').length);
    const endRow = Math.min(end.row, last);
    return {
      start: { row: start.row - first, column: start.column },
      end: { row: endRow - first, column: end.row > last ? 1 : end.column },
      cell: cell.cell,
    };
  }

  /**
   * `path:row:col` of a span's start, or `path:cell N:line R:col C` in a notebook (text output
   * and related-location notes).
   */
  position(span: Span): string {
    return `${this.display}:${this.where(span)}`;
  }

  /**
   * The part of {@link position} after the path: `row:col`, or `cell N:line R:col C` in a
   * notebook, joined with `sep` (the text output colours it).
   */
  where(span: Span, sep = ':'): string {
    const { start, cell } = this.locate(span);
    return cell === null ? `${start.row}${sep}${start.column}` : `cell ${cell}${sep}line ${start.row}${sep}col ${start.column}`;
  }

  /**
   * 1-based start and end of `span` in the file as stored: for a notebook, in its JSON text
   * (inside the string literals of the cell's `source`), which is what code-scanning and CI
   * annotations point at; otherwise the same as {@link locate}.
   */
  locateInFile(span: Span): { start: RowColumn; end: RowColumn } {
    const nb = this.notebook;
    if (!nb) return this.locate(span);
    this.rawIdx ??= new LineIndex(nb.raw);
    const a = nb.rawOffset(span.start) ?? 0;
    const b = nb.rawOffset(Math.max(span.start, span.end)) ?? a;
    const start = this.rawIdx.rowColumn(a);
    const end = this.rawIdx.rowColumn(b);
    return { start, end: end.row > start.row || (end.row === start.row && end.column >= start.column) ? end : start };
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
