/**
 * `normlint check --add-noqa` (Ruff's `--add-noqa`): suppress every current finding with a
 * `# noqa: NLxxx` directive on its line, so that a codebase with existing findings can adopt
 * normlint and fail only on new ones. The texts change in the {@link ProjectRun} (like `--fix`);
 * `check` writes them with the same atomic write path.
 */
import path from 'node:path';
import type { Diagnostic, Edit } from '../core/diagnostic';
import type { Engine } from '../core/engine';
import { LineIndex } from '../core/line-index';
import { applyEdits, reparsesAsWell } from '../core/apply-fixes';
import { UNUSED_NOQA } from '../core/suppression';
import { noqaAddCodesEditFor, noqaTextFactsFor } from '../core/suppression-script';
import { isScriptPath } from '../core/source-kind';
import type { ProjectRun } from './project-run';

/** The edits adding directives to one text, and the lines where none can go. */
export interface NoqaPlan {
  /** One edit per line that gets a directive (added, or extended with more codes). */
  edits: Edit[];
  /** Lines (0-based) whose findings cannot get a directive, with their codes. */
  impossible: Array<{ line: number; codes: string[] }>;
}

/**
 * Plan the `# noqa` directives that suppress `diags` in `text`: one directive per line (the
 * line of each finding's start, where suppression looks), its codes sorted and deduplicated,
 * merged into an existing `# noqa: ...` directive. NL000 findings (unused directives) get none:
 * `--fix` removes what they report.
 *
 * @param diags the findings of this text (after suppression).
 * @param file the text's path (TypeScript/JavaScript files get `// normlint-disable-next-line`
 *   directives on the line above; any other path `# noqa`).
 */
export function planNoqa(text: string, diags: readonly Diagnostic[], file = ''): NoqaPlan {
  const index = new LineIndex(text);
  const byLine = new Map<number, Set<string>>();
  for (const d of diags) {
    if (d.code === UNUSED_NOQA.code) continue;
    const line = index.lineOf(d.span.start);
    let codes = byLine.get(line);
    if (!codes) byLine.set(line, (codes = new Set()));
    codes.add(d.code);
  }
  const plan: NoqaPlan = { edits: [], impossible: [] };
  if (byLine.size === 0) return plan;
  const facts = { ...noqaTextFactsFor(file, text), index };
  for (const [line, codes] of [...byLine].sort(([a], [b]) => a - b)) {
    const edit = noqaAddCodesEditFor(file, text, line, [...codes], facts);
    if (edit) plan.edits.push(edit);
    else plan.impossible.push({ line, codes: [...codes].sort() });
  }
  return plan;
}

/** What {@link addNoqaDirectives} needs from `check`. */
export interface AddNoqaContext {
  engine: () => Promise<Engine>;
  warn: (msg: string) => void;
  /** How to name a file (absolute path) in messages. */
  display: (abs: string) => string;
  /** Whether a finding gets a directive (false for findings a `--baseline` absorbs). */
  wanted?: (rel: string, diag: Diagnostic) => boolean;
}

/**
 * Add `# noqa` directives for the findings of every requested file of `run` (in memory, with
 * `run.setText`; nothing is written here). A file whose new text would have more syntax errors
 * than before keeps its text, with a warning, as do findings on lines that cannot end with a
 * comment (inside a multi-line string, after a `\` continuation).
 *
 * @param byFile the run's findings by project-relative path.
 * @returns the number of directives added or extended (lines changed).
 */
export async function addNoqaDirectives(run: ProjectRun, byFile: ReadonlyMap<string, Diagnostic[]>, ctx: AddNoqaContext): Promise<number> {
  let count = 0;
  for (const rel of [...run.requested].sort()) {
    const text = run.texts.get(rel);
    const diags = (byFile.get(rel) ?? []).filter((d) => !ctx.wanted || ctx.wanted(rel, d));
    if (text === undefined || diags.length === 0) continue;
    const display = ctx.display(path.join(run.root, rel));
    const plan = planNoqa(text, diags, rel);
    const nb = run.notebook(rel);
    const lines = nb ? new LineIndex(text) : null;
    for (const { line, codes } of plan.impossible) {
      const cell = nb && lines ? nb.codeCellAt(lines.lineStart(line)) : null;
      const where = cell ? `cell ${cell.cell}:line ${line + 1 - cell.startLine}` : String(line + 1);
      ctx.warn(
        isScriptPath(rel)
          ? `${display}:${where}: cannot add \`// normlint-disable-next-line ${codes.join(', ')}\`: the line starts inside a string, template literal or comment, or in JSX children`
          : `${display}:${where}: cannot add \`# noqa: ${codes.join(', ')}\`: the line ends inside a string or with a \`\\\` continuation`,
      );
    }
    if (!plan.edits.length) continue;
    const after = applyEdits(text, plan.edits);
    const engine = await ctx.engine();
    if (!reparsesAsWell(text, after, (t) => engine.countParseErrors(t, rel))) {
      ctx.warn(`${display}: noqa directives not added: the result would have more syntax errors than the original`);
      continue;
    }
    try {
      run.setText(rel, after);
    } catch (e) {
      ctx.warn(`${display}: noqa directives not added: ${(e as Error).message}`);
      continue;
    }
    count += plan.edits.length;
  }
  return count;
}
