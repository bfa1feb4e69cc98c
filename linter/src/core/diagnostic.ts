/**
 * Diagnostics, fixes and edits: the data every rule produces and every adapter consumes.
 *
 * Units: every offset in this module is a **UTF-16 code-unit offset** into the JavaScript
 * string that holds the file's text (the unit web-tree-sitter's `startIndex` uses when it
 * parses a JS string). Adapters convert exactly once: the CLI to 1-based line/column, the
 * language server to LSP positions.
 */

/** How bad a finding is (see `shared/spec/RULES.md`, "Severity"). */
export type Severity = 'error' | 'warning' | 'info';

/**
 * Fix applicability, following Ruff: a `safe` fix keeps behaviour except for the bug and is
 * applied by `--fix`; an `unsafe` fix may change behaviour and needs `--unsafe-fixes` (editors
 * always offer it); `display` is shown but never applied automatically.
 */
export type Applicability = 'safe' | 'unsafe' | 'display';

/** A half-open range `[start, end)` of UTF-16 code-unit offsets into a file's text. */
export interface Span {
  start: number;
  end: number;
}

/** Replace the text in `[start, end)` with `content` (UTF-16 code-unit offsets). */
export interface Edit extends Span {
  content: string;
}

/** A fix: a title, an applicability and non-overlapping edits to one file. */
export interface Fix {
  /** Imperative title shown in editors and in `--diff`, e.g. "Set `bias=False` on `self.conv1`". */
  title: string;
  applicability: Applicability;
  /** Edits to the diagnostic's own file, sorted by `start`, non-overlapping. */
  edits: Edit[];
}

/** A location in another place (maybe another file) that explains a diagnostic. */
export interface RelatedInfo {
  /** Project-relative path with `/` separators. */
  file: string;
  span: Span;
  message: string;
}

/** One finding. */
export interface Diagnostic {
  /** Rule code, e.g. `NL001` (stable public API). `NL000` is the engine itself. */
  code: string;
  /** Rule name in kebab-case, e.g. `missing-eval`. */
  name: string;
  severity: Severity;
  message: string;
  /** Project-relative path with `/` separators. */
  file: string;
  span: Span;
  related: RelatedInfo[];
  /** Primary fix; editors also show `alternatives`. */
  fix: Fix | null;
  /** Further fixes an editor may offer (never applied by the CLI). */
  alternatives?: Fix[];
}

/** Compare diagnostics for stable output: file, then start offset, then code. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  if (a.span.start !== b.span.start) return a.span.start - b.span.start;
  return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
}

/** Items (diagnostics, layer reports...) grouped by their project-relative `file`, in order. */
export function groupByFile<T extends { file: string }>(items: readonly T[]): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const item of items) {
    const list = m.get(item.file);
    if (list) list.push(item);
    else m.set(item.file, [item]);
  }
  return m;
}
