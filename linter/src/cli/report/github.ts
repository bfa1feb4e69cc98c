/**
 * GitHub Actions workflow commands (`--output-format github`), one line per finding:
 * `::error file=train.py,line=12,col=15,endLine=12,endColumn=23,title=NL001 (missing-eval)::message`
 * (`warning` for warnings, `notice` for info). Paths are relative to the current directory;
 * values are escaped as the workflow-command syntax requires.
 */
import type { ReportInput } from './common';

/** Escape a command's data (after `::`). */
function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escape a property value (`file=...`). */
function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** Render GitHub workflow commands. */
export function renderGithub(input: ReportInput): string {
  return input.items
    .map(({ diag, file }) => {
      // In a notebook: the line of the .ipynb JSON (what GitHub annotates), with the cell named in the message.
      const { start, end } = file.locateInFile(diag.span);
      const at = file.notebook ? file.locate(diag.span) : null;
      const where = at?.cell ? `cell ${at.cell}, line ${at.start.row}: ` : '';
      const cmd = diag.severity === 'error' ? 'error' : diag.severity === 'warning' ? 'warning' : 'notice';
      const props = [
        `file=${escapeProperty(file.display)}`,
        `line=${start.row}`,
        `col=${start.column}`,
        `endLine=${end.row}`,
        `endColumn=${end.column}`,
        `title=${escapeProperty(`${diag.code} (${diag.name})`)}`,
      ].join(',');
      return `::${cmd} ${props}::${escapeData(where + diag.message)}\n`;
    })
    .join('');
}
