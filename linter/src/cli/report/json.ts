/**
 * JSON output (`--output-format json`), shaped like Ruff's: an array of findings with absolute
 * `filename`s and 1-based `location`/`end_location` (`column` counts Unicode code points).
 */
import type { Applicability, Severity } from '../../core/diagnostic';
import { ruleUrl } from '../../core/rule';
import { detectLineEnding, normalizeEol } from '../../core/apply-fixes';
import type { RowColumn } from '../../core/line-index';
import type { ReportInput } from './common';

/** One finding in JSON output. */
export interface JsonDiagnostic {
  code: string;
  name: string;
  severity: Severity;
  message: string;
  /** Absolute path. */
  filename: string;
  /** The notebook cell (1-based position among all cells) for a `.ipynb` file, else null; rows then count from the cell's first line. */
  cell: number | null;
  location: RowColumn;
  end_location: RowColumn;
  /** The row a `# noqa` for this finding goes on (the row of `location`). */
  noqa_row: number;
  fix: null | {
    applicability: Applicability;
    message: string;
    edits: Array<{ content: string; location: RowColumn; end_location: RowColumn }>;
  };
  related: Array<{ filename: string; cell: number | null; location: RowColumn; end_location: RowColumn; message: string }>;
  url: string;
}

/** The JSON values of the findings. */
export function toJson(input: ReportInput): JsonDiagnostic[] {
  return input.items.map(({ diag, file, related }) => {
    const { start, end, cell } = file.locate(diag.span);
    const eol = detectLineEnding(file.text ?? '');
    return {
      code: diag.code,
      name: diag.name,
      severity: diag.severity,
      message: diag.message,
      filename: file.abs,
      cell,
      location: start,
      end_location: end,
      noqa_row: start.row,
      fix: diag.fix && {
        applicability: diag.fix.applicability,
        message: diag.fix.title,
        edits: diag.fix.edits.map((e) => {
          const loc = file.locate(e);
          return { content: normalizeEol(e.content, eol), location: loc.start, end_location: loc.end };
        }),
      },
      related: related.map((r) => {
        const loc = r.file.locate(r.info.span);
        return { filename: r.file.abs, cell: loc.cell, location: loc.start, end_location: loc.end, message: r.info.message };
      }),
      url: ruleUrl(diag.code),
    };
  });
}

/** Render JSON output (two-space indent, trailing newline). */
export function renderJson(input: ReportInput): string {
  return JSON.stringify(toJson(input), null, 2) + '\n';
}
