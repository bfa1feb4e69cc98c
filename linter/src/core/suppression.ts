/**
 * Suppression comments in Python files: `# noqa` directives on a line and file-level
 * `# normlint: disable=...` directives; and NL000 `unused-noqa` (Ruff's RUF100), which also
 * checks the TypeScript/JavaScript directives of `suppression-script.ts` (mapped onto the same
 * types: `normlint-disable-next-line`/`normlint-disable-line` onto {@link NoqaDirective} with
 * a `form`, `normlint-disable`…`normlint-enable` ranges onto {@link FileDirective} with
 * `fromLine`/`toLine`).
 *
 * - `# noqa: NL001, NL002` (or `# noqa: missing-eval`, codes separated by commas and/or
 *   spaces; `noqa` in any case; `#noqa:NL001` too) suppresses those rules on its line: the line
 *   of a diagnostic's `span.start`. A bare `# noqa` suppresses everything on the line. The
 *   directive may follow other comment text (`# type: ignore  # noqa: NL003`). Codes of other
 *   tools (`E501`) may share the directive; they are kept and never reported.
 * - `# normlint: disable=NL003,NL004` on a comment-only line (anywhere in the file) disables
 *   those rules for the whole file; `# normlint: disable` alone disables every rule.
 * - A code in a `# noqa:` list that refers to an enabled normlint rule and suppressed nothing on
 *   its line (or appears twice) is reported as NL000 `unused-noqa` with a safe fix that removes
 *   the code, or the whole directive when nothing else remains. A bare `# noqa` is never
 *   reported (other linters share it), nor are codes of rules that are not enabled, nor
 *   directives that name NL000 itself.
 *
 * Scanning is lexical, not a parse: a small state machine over the text skips string literals
 * (single, double and triple quoted, with backslash escapes) and treats a `#` outside them as
 * the start of a comment. Known limits: a Python 3.12 f-string that reuses its own quote inside
 * a replacement field (`f"{d["k"]}"`) can desynchronize the scan until the next string;
 * a `# noqa` after a multi-line string applies to the line it is on (Ruff maps it to the
 * string's lines), and files without `noqa`/`normlint` anywhere are not scanned at all.
 *
 * Units: spans are UTF-16 code-unit offsets into the text; `line` is 0-based.
 * Everything here is pure and plain JSON (the engine caches `Suppressions` in `FileFacts`).
 */
import type { Diagnostic, Edit, Severity, Span } from './diagnostic';
import { compareDiagnostics } from './diagnostic';
import type { RuleMeta } from './rule';
import { LineIndex } from './line-index';

/** A code or rule name as written in a directive, e.g. `NL001`, `missing-eval`, `E501`. */
export interface DirectiveCode {
  /** The token as written (case preserved). */
  text: string;
  span: Span;
}

/**
 * A directive that suppresses findings on one line: a Python `# noqa`, or (with `form`) a
 * TypeScript/JavaScript `// normlint-disable-next-line` or `// normlint-disable-line`.
 */
export interface NoqaDirective {
  /**
   * 0-based line the directive applies to: its own line for `# noqa` and
   * `normlint-disable-line`, the line after the comment for `normlint-disable-next-line`.
   */
  line: number;
  /** The listed codes, or `'all'` for a bare `# noqa` (a script directive without codes). */
  codes: DirectiveCode[] | 'all';
  /**
   * Python: from the directive's `#` through `noqa` or the last code. Script: from the
   * comment's `//` or `/*` through the directive keyword or the last code.
   */
  span: Span;
  /** Offset of the `#` (script: `//` or `/*`) that starts the comment holding the directive (≤ `span.start`). */
  commentStart: number;
  /**
   * Set for TypeScript/JavaScript directives only: `'next-line'` for
   * `normlint-disable-next-line` (the comment is on `line - 1`), `'line'` for
   * `normlint-disable-line`. A script directive is the whole comment (from `commentStart` to
   * `commentEnd`); unlike a bare `# noqa`, one without codes is reported by NL000 when it
   * suppresses nothing.
   */
  form?: 'next-line' | 'line';
  /** Script directives: offset just past the comment (past `*\/` for a block comment, the line end for `//`). */
  commentEnd?: number;
}

/**
 * A directive that disables rules for a range of lines: a Python file-level
 * `# normlint: disable=...` (the whole file: `fromLine` and `toLine` unset), or one segment of
 * a TypeScript/JavaScript `normlint-disable` … `normlint-enable` range.
 */
export interface FileDirective {
  /** 0-based line of the directive's comment. */
  line: number;
  /** The listed codes, or `'all'` for a directive without codes. */
  codes: DirectiveCode[] | 'all';
  span: Span;
  /** First 0-based line the directive covers (inclusive); unset: from the start of the file. */
  fromLine?: number;
  /** 0-based line where the directive stops applying (exclusive); unset: to the end of the file. */
  toLine?: number;
  /**
   * Codes re-enabled by a `normlint-enable NL003` inside the range (as written there): the
   * directive does not apply to them. Matched like `codes` (a code or a rule name).
   */
  except?: DirectiveCode[];
}

/** A comment that looks like a directive but cannot be used (the CLI warns about it). */
export interface InvalidDirective {
  /** 0-based line. */
  line: number;
  span: Span;
  /** Why, e.g. "expected a comma-separated list of codes after `# noqa:`". */
  message: string;
}

/** All suppression directives of one file (plain JSON, sorted by position). */
export interface Suppressions {
  noqa: NoqaDirective[];
  file: FileDirective[];
  invalid: InvalidDirective[];
}

/** Metadata of NL000 `unused-noqa`, the engine's own rule (reported by {@link applySuppressions}). */
export const UNUSED_NOQA: RuleMeta = {
  code: 'NL000',
  name: 'unused-noqa',
  summary: 'A `# noqa` directive names a normlint rule that reports nothing on its line.',
  severity: 'info',
  fix: 'always',
  enabledByDefault: true,
  frameworks: ['pytorch', 'keras', 'tfjs'],
};

/** An empty {@link Suppressions} value. */
export function emptySuppressions(): Suppressions {
  return { noqa: [], file: [], invalid: [] };
}

/** Comments and string literals of a text, found by {@link lexComments}. */
export interface LexicalSpans {
  /** Every `#` comment outside string literals, `[start, end)` with end = end of line. */
  comments: Span[];
  /** Every string literal (prefix letters excluded), from its opening to past its closing quote(s). */
  strings: Span[];
}

/** Offsets `[start, end)` of every `#` comment outside string literals (end = end of line). */
export function findComments(text: string): Span[] {
  return lexComments(text).comments;
}

/**
 * The comments and string literals of a Python text, lexically (no parse; see the module
 * comment for the limits). An unterminated single-quoted string ends at its line's end; an
 * unterminated triple-quoted one at the end of the text.
 */
export function lexComments(text: string): LexicalSpans {
  const out: Span[] = [];
  const strings: Span[] = [];
  const special = /[#'"]/g;
  let i = 0;
  const n = text.length;
  while (i < n) {
    special.lastIndex = i;
    const m = special.exec(text);
    if (!m) break;
    i = m.index;
    const ch = text[i];
    if (ch === '#') {
      let end = i;
      while (end < n && text[end] !== '\n' && text[end] !== '\r') end++;
      out.push({ start: i, end });
      i = end;
      continue;
    }
    // A string literal: triple-quoted strings run to the matching triple quote; others end at
    // the matching quote or (unterminated, an error Python reports) at an unescaped newline.
    const triple = text.startsWith(ch + ch + ch, i);
    let j = i + (triple ? 3 : 1);
    for (;;) {
      if (j >= n) break;
      const c = text[j];
      if (c === '\\') {
        j += 2;
        continue;
      }
      if (c === ch) {
        if (!triple) {
          j++;
          break;
        }
        if (text.startsWith(ch + ch + ch, j)) {
          j += 3;
          break;
        }
      } else if (!triple && (c === '\n' || c === '\r')) {
        break;
      }
      j++;
    }
    strings.push({ start: i, end: Math.min(j, n) });
    i = j;
  }
  return { comments: out, strings };
}

const NOQA_RE = /#\s*noqa(?![A-Za-z0-9_-])/gi;
const FILE_RE = /#\s*normlint\s*:\s*disable(?![A-Za-z0-9_-])/iy;
const SEP_RE = /[\s,]*/y;
/** A code (`NL001`, `E501`) or a kebab-case rule name with at least one hyphen (`missing-eval`). */
const TOKEN_RE = /(?:[A-Za-z]+[0-9]+|[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)+)(?![A-Za-z0-9_-])/y;

/**
 * Parse a list of codes in a comment's text `body` from `pos` (separators: commas and
 * whitespace). Spans are offset by `base` (the comment's offset in the file); `end` is the
 * body offset after the last code (`pos` when there is none).
 */
function parseCodes(body: string, pos: number, base: number): { codes: DirectiveCode[]; end: number } {
  const codes: DirectiveCode[] = [];
  let p = pos;
  let last = pos;
  for (;;) {
    SEP_RE.lastIndex = p;
    SEP_RE.exec(body);
    const q = SEP_RE.lastIndex;
    TOKEN_RE.lastIndex = q;
    const m = TOKEN_RE.exec(body);
    if (!m) break;
    codes.push({ text: m[0], span: { start: base + q, end: base + q + m[0].length } });
    p = last = q + m[0].length;
  }
  return { codes, end: last };
}

/**
 * Find the suppression directives of a Python file's text (see the module comment for the
 * syntax and the scanner's limits). Never throws.
 */
export function scanSuppressions(text: string): Suppressions {
  return scanSuppressionsLexed(text).suppressions;
}

/**
 * {@link scanSuppressions}, with the comments it scanned: null when the text mentions neither
 * `noqa` nor `normlint` (then it has no directive and its comments were not looked for). For
 * incremental re-scanning (see {@link shiftSuppressions}).
 */
export function scanSuppressionsLexed(text: string): { suppressions: Suppressions; comments: Span[] | null } {
  const result = emptySuppressions();
  if (!/noqa|normlint/i.test(text)) return { suppressions: result, comments: null };
  const comments = findComments(text);
  let index: LineIndex | null = null;
  for (const comment of comments) {
    // Everything below works on the comment's own text; `base` maps its offsets to the file's.
    const base = comment.start;
    const body = text.slice(comment.start, comment.end);
    if (!/noqa|normlint/i.test(body)) continue;
    index ??= LineIndex.of(text);
    const line = index.lineOf(base);
    const wholeComment = { start: base, end: comment.end };

    FILE_RE.lastIndex = 0;
    const fileMatch = FILE_RE.exec(body);
    if (fileMatch) {
      const ownLine = text.slice(index.lineStart(line), base).trim() === '';
      const eq = /\s*=\s*/y;
      eq.lastIndex = fileMatch[0].length;
      const hasEq = eq.exec(body) !== null;
      const parsed = parseCodes(body, hasEq ? eq.lastIndex : fileMatch[0].length, base);
      if (!ownLine) {
        result.invalid.push({ line, span: wholeComment, message: 'a file-level `# normlint: disable` directive must be on a line of its own' });
      } else if (hasEq && parsed.codes.length === 0) {
        result.invalid.push({ line, span: wholeComment, message: 'expected a comma-separated list of codes after `# normlint: disable=`' });
      } else {
        result.file.push({
          line,
          codes: parsed.codes.length ? parsed.codes : 'all',
          span: { start: base, end: base + (parsed.codes.length ? parsed.end : fileMatch[0].length) },
        });
      }
      continue;
    }

    NOQA_RE.lastIndex = 0;
    const m = NOQA_RE.exec(body);
    if (!m) continue;
    const start = base + m.index;
    const afterNoqa = m.index + m[0].length;
    const colon = /\s*:/y;
    colon.lastIndex = afterNoqa;
    if (colon.exec(body)) {
      const parsed = parseCodes(body, colon.lastIndex, base);
      if (parsed.codes.length === 0) {
        result.invalid.push({
          line,
          span: { start, end: comment.end },
          message: 'expected a comma-separated list of codes after `# noqa:` (e.g. `# noqa: NL001, NL002`)',
        });
        continue;
      }
      result.noqa.push({ line, codes: parsed.codes, span: { start, end: base + parsed.end }, commentStart: base });
    } else {
      result.noqa.push({ line, codes: 'all', span: { start, end: base + afterNoqa }, commentStart: base });
    }
  }
  return { suppressions: result, comments };
}

/**
 * Whether replacing `[start, end)` of a Python `text` by `inserted` leaves its comments and
 * string literals where they were (moved by the length change) and the comments' text as it
 * was: neither the removed nor the inserted text holds a character the lexer decides on (`#`,
 * quotes, backslash, line terminators), the edit does not follow a backslash (which escapes the
 * next character), and it neither touches a comment nor precedes one on the same line
 * (`comments`: the text's comments as {@link scanSuppressionsLexed} found them; a comment's end
 * counts, typing there extends it; and a file-level directive must be alone on its line).
 * Then the directives are those of `text`, moved (see {@link shiftSuppressions}), on the same lines.
 */
export function editKeepsSuppressions(text: string, start: number, end: number, inserted: string, comments: readonly Span[]): boolean {
  const lexical = /[#'"\\\r\n]/;
  if (lexical.test(inserted) || lexical.test(text.slice(start, end))) return false;
  if (start > 0 && text.charCodeAt(start - 1) === 92 /* \ */) return false;
  // Comments are sorted: binary search the first one ending at or after `start`.
  let lo = 0;
  let hi = comments.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (comments[mid].end < start) lo = mid + 1;
    else hi = mid;
  }
  if (lo >= comments.length) return true;
  // Untouched, and not later on the edit's line (a file-level directive must be alone on its line).
  const next = comments[lo];
  return next.start > end && /[\r\n]/.test(text.slice(end, next.start));
}

/**
 * Directives (and comment spans) moved for an edit at `[at, oldEnd)` that changed the length by
 * `delta` and kept them (see {@link editKeepsSuppressions}): offsets at or after `oldEnd` move,
 * lines stay. Returns new objects (the old ones may still be in use).
 */
export function shiftSuppressions(
  s: { suppressions: Suppressions; comments: Span[] | null },
  oldEnd: number,
  delta: number,
): { suppressions: Suppressions; comments: Span[] | null } {
  const off = (o: number): number => (o >= oldEnd ? o + delta : o);
  const span = (x: Span): Span => ({ start: off(x.start), end: off(x.end) });
  const codes = (c: DirectiveCode[] | 'all'): DirectiveCode[] | 'all' => (c === 'all' ? c : c.map((d) => ({ text: d.text, span: span(d.span) })));
  const sup = s.suppressions;
  return {
    suppressions: {
      noqa: sup.noqa.map((d) => ({
        ...d,
        codes: codes(d.codes),
        span: span(d.span),
        commentStart: off(d.commentStart),
        ...(d.commentEnd !== undefined ? { commentEnd: off(d.commentEnd) } : {}),
      })),
      file: sup.file.map((d) => ({ ...d, codes: codes(d.codes), span: span(d.span), ...(d.except ? { except: d.except.map((e) => ({ text: e.text, span: span(e.span) })) } : {}) })),
      invalid: sup.invalid.map((d) => ({ ...d, span: span(d.span) })),
    },
    comments: s.comments && s.comments.map(span),
  };
}

/** Options of {@link applySuppressions}. */
export interface ApplySuppressionsOptions {
  /** The file's path as the diagnostics spell it (used for NL000 findings). */
  file: string;
  /** Rule codes and names, to resolve names in directives (`# noqa: missing-eval`). */
  rules?: ReadonlyArray<Pick<RuleMeta, 'code' | 'name'>>;
  /** Per-code severity overrides (applied to NL000 findings). */
  severity?: Readonly<Record<string, Severity>>;
}

function tokenMatches(token: string, d: Diagnostic): boolean {
  return token.toUpperCase() === d.code || token.toLowerCase() === d.name;
}

function matchesAny(codes: DirectiveCode[] | 'all', d: Diagnostic): boolean {
  return codes === 'all' || codes.some((c) => tokenMatches(c.text, d));
}

/** Whether a {@link FileDirective} covers 0-based `line` (a Python one covers every line). */
export function fileDirectiveCovers(f: FileDirective, line: number): boolean {
  return (f.fromLine === undefined || line >= f.fromLine) && (f.toLine === undefined || line < f.toLine);
}

/** How NL000 messages and fix titles name a directive: `noqa` or `normlint-disable-next-line`... */
function directiveLabel(d: NoqaDirective): string {
  return d.form ? `normlint-disable-${d.form}` : 'noqa';
}

/**
 * `list` deduplicated (case-insensitively, first spelling kept) and sorted case-insensitively:
 * how the "add a directive" edits write their codes.
 */
export function sortDirectiveCodes(list: readonly string[]): string[] {
  const key = (c: string): string => c.toUpperCase();
  const seen = new Set<string>();
  const out: string[] = [];
  for (const c of list) {
    if (seen.has(key(c))) continue;
    seen.add(key(c));
    out.push(c);
  }
  return out.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/**
 * Drop the diagnostics that suppression directives cover and add NL000 `unused-noqa` findings
 * (when `NL000` is in `enabledCodes` and not disabled where the directive is).
 *
 * A diagnostic is covered (on the 0-based line of its `span.start`) by a {@link FileDirective}
 * whose line range holds that line, that names its rule (or every rule) and does not re-enable
 * it (`except`); or by a {@link NoqaDirective} for that line naming its rule (or every rule).
 * NL000 reports, per line directive, the listed codes of enabled rules that suppressed nothing
 * (or are listed twice); a TypeScript/JavaScript directive without codes is reported when it
 * suppressed nothing (a bare Python `# noqa` never is).
 *
 * @param diags diagnostics of ONE file, before suppression.
 * @param supp the file's directives ({@link scanSuppressions}, or `scanScriptSuppressions`).
 * @param text the file's text (the one `supp` and the spans refer to).
 * @param enabledCodes codes of the rules enabled for this file; only these count as "unused".
 * @returns the remaining diagnostics plus NL000 findings, sorted by position.
 */
export function applySuppressions(
  diags: readonly Diagnostic[],
  supp: Suppressions,
  text: string,
  enabledCodes: ReadonlySet<string>,
  options: ApplySuppressionsOptions,
): Diagnostic[] {
  if (supp.noqa.length === 0 && supp.file.length === 0) return [...diags];
  const index = LineIndex.of(text);
  const fileDisabled = (d: Diagnostic, line: number): boolean =>
    supp.file.some((f) => fileDirectiveCovers(f, line) && matchesAny(f.codes, d) && !f.except?.some((c) => tokenMatches(c.text, d)));
  const byLine = new Map<number, NoqaDirective[]>();
  for (const n of supp.noqa) {
    const list = byLine.get(n.line);
    if (!list) byLine.set(n.line, [n]);
    // One `# noqa` per line (the first); script directives for a line all count.
    else if (n.form || list.every((x) => x.form)) list.push(n);
  }
  /** Per directive: which of its code tokens suppressed something (index -1: a directive without codes). */
  const used = new Map<NoqaDirective, Set<number>>();
  const markUsed = (directive: NoqaDirective, i: number): void => {
    let set = used.get(directive);
    if (!set) used.set(directive, (set = new Set()));
    set.add(i);
  };

  const kept: Diagnostic[] = [];
  for (const d of diags) {
    const line = index.lineOf(d.span.start);
    if (fileDisabled(d, line)) continue;
    let suppressed = false;
    for (const directive of byLine.get(line) ?? []) {
      const i = directive.codes === 'all' ? -1 : directive.codes.findIndex((c) => tokenMatches(c.text, d));
      if (directive.codes === 'all' || i >= 0) {
        markUsed(directive, i);
        suppressed = true;
        break;
      }
    }
    if (!suppressed) kept.push(d);
  }

  const nameToCode = new Map<string, string>();
  for (const r of options.rules ?? []) nameToCode.set(r.name, r.code);
  nameToCode.set(UNUSED_NOQA.name, UNUSED_NOQA.code);
  const codeOf = (token: string): string =>
    /^[A-Za-z]+[0-9]+$/.test(token) ? token.toUpperCase() : (nameToCode.get(token.toLowerCase()) ?? token);
  const fileDisabledCode = (code: string, line: number): boolean =>
    supp.file.some(
      (f) =>
        fileDirectiveCovers(f, line) &&
        (f.codes === 'all' || f.codes.some((c) => codeOf(c.text) === code)) &&
        !f.except?.some((c) => codeOf(c.text) === code),
    );

  if (enabledCodes.has(UNUSED_NOQA.code)) {
    for (const directive of supp.noqa) {
      if (!(byLine.get(directive.line) ?? []).includes(directive)) continue;
      // NL000 is reported where the directive is written (a next-line directive: the line above).
      if (fileDisabledCode(UNUSED_NOQA.code, index.lineOf(directive.span.start))) continue;
      const label = directiveLabel(directive);
      const usedSet = used.get(directive) ?? new Set<number>();
      if (directive.codes === 'all') {
        // A bare `# noqa` is shared with other linters; a script directive is normlint's own.
        if (!directive.form || usedSet.size > 0) continue;
        kept.push({
          code: UNUSED_NOQA.code,
          name: UNUSED_NOQA.name,
          severity: options.severity?.[UNUSED_NOQA.code] ?? UNUSED_NOQA.severity,
          message: `Unused \`${label}\` directive (no finding to suppress on ${directive.form === 'next-line' ? 'the next line' : 'its line'})`,
          file: options.file,
          span: { ...directive.span },
          related: [],
          fix: { title: `Remove unused \`${label}\` directive`, applicability: 'safe', edits: [noqaRemovalEdit(text, index, directive, new Set())] },
        });
        continue;
      }
      const codes = directive.codes;
      if (codes.some((c) => codeOf(c.text) === UNUSED_NOQA.code)) continue;
      const unused: number[] = [];
      const duplicated: number[] = [];
      const seen = new Set<string>();
      codes.forEach((c, i) => {
        const code = codeOf(c.text);
        const dup = seen.has(code);
        seen.add(code);
        if (usedSet.has(i) || !enabledCodes.has(code) || fileDisabledCode(code, directive.line)) return;
        (dup ? duplicated : unused).push(i);
      });
      if (unused.length === 0 && duplicated.length === 0) continue;
      const parts: string[] = [];
      const list = (ix: number[]): string => ix.map((i) => `\`${codes[i].text}\``).join(', ');
      if (unused.length) parts.push(`unused: ${list(unused)}`);
      if (duplicated.length) parts.push(`duplicated: ${list(duplicated)}`);
      const remove = new Set([...unused, ...duplicated]);
      const edit = noqaRemovalEdit(text, index, directive, remove);
      kept.push({
        code: UNUSED_NOQA.code,
        name: UNUSED_NOQA.name,
        severity: options.severity?.[UNUSED_NOQA.code] ?? UNUSED_NOQA.severity,
        message: `Unused \`${label}\` directive (${parts.join('; ')})`,
        file: options.file,
        span: { ...directive.span },
        related: [],
        fix: {
          title: remove.size === codes.length ? `Remove unused \`${label}\` directive` : `Remove unused codes from the \`${label}\` directive`,
          applicability: 'safe',
          edits: [edit],
        },
      });
    }
  }
  return kept.sort(compareDiagnostics);
}

/**
 * The edit that removes the codes at `remove` (indices into `directive.codes`) from a `# noqa:`
 * directive, or the whole directive when none remain (Ruff's RUF100 fix):
 * - `x = f()  # noqa: NL001` → `x = f()`; a comment-only line is deleted with its terminator;
 * - `# noqa: NL001 reason` → `# reason`; `# note  # noqa: NL001` → `# note`;
 * - `# noqa: E501, NL001` → `# noqa: E501`.
 *
 * A TypeScript/JavaScript directive (with `form`) is the whole comment: the remaining codes are
 * rewritten in place (`// normlint-disable-line NL001, NL003 -- why` → `// normlint-disable-line
 * NL003 -- why`), or, when none remain (or it has none), the comment goes: with its line when
 * it is alone on it, else with the whitespace that separates it from the code.
 */
export function noqaRemovalEdit(text: string, index: LineIndex, directive: NoqaDirective, remove: ReadonlySet<number>): Edit {
  const codes = directive.codes === 'all' ? [] : directive.codes;
  const keep = codes.filter((_, i) => !remove.has(i));
  if (directive.form) {
    if (keep.length > 0) {
      return { start: codes[0].span.start, end: codes[codes.length - 1].span.end, content: keep.map((c) => c.text).join(', ') };
    }
    return scriptCommentRemovalEdit(text, index, directive.commentStart, directive.commentEnd ?? index.lineEnd(index.lineOf(directive.commentStart)));
  }
  if (keep.length > 0) {
    // Re-render the directive with the remaining codes, keeping how `# noqa` itself was written.
    const head = text.slice(directive.span.start, codes[0].span.start).replace(/\s*$/, '');
    return { ...directive.span, content: `${head} ${keep.map((c) => c.text).join(', ')}` };
  }
  const line = directive.line;
  const lineStart = index.lineStart(line);
  const lineEnd = index.lineEnd(line);
  const before = text.slice(lineStart, directive.span.start);
  const after = text.slice(directive.span.end, lineEnd);
  const atCommentStart = directive.commentStart === directive.span.start;
  if (atCommentStart && after.trim() === '') {
    if (before.trim() === '') {
      // A comment-only line: delete the line with its terminator.
      return { start: lineStart, end: index.lineEndWithTerminator(line), content: '' };
    }
    // Trailing comment after code: delete it with the whitespace before it.
    return { start: lineStart + before.replace(/\s+$/, '').length, end: lineEnd, content: '' };
  }
  if (atCommentStart) {
    // `# noqa: NL001 reason` → `# reason` (or `# noqa: X  # other` → `# other`).
    const rest = after.replace(/^\s+/, '');
    const restStart = lineEnd - rest.length;
    return { start: directive.span.start, end: restStart, content: rest.startsWith('#') ? '' : '# ' };
  }
  // Text before the directive in the same comment: delete the directive and whitespace before it.
  const trimmedBefore = before.replace(/\s+$/, '');
  return { start: lineStart + trimmedBefore.length, end: directive.span.end, content: '' };
}

/**
 * The edit that deletes a one-line script comment `[start, end)`: its whole line when nothing
 * else is on it; `f(); // c` → `f();`; `/* c *\/ f();` → `f();`; `a /* c *\/ b` → `a b`.
 */
function scriptCommentRemovalEdit(text: string, index: LineIndex, start: number, end: number): Edit {
  const line = index.lineOf(start);
  const lineStart = index.lineStart(line);
  const lineEnd = Math.max(index.lineEnd(index.lineOf(end)), end);
  const before = text.slice(lineStart, start);
  const after = text.slice(end, lineEnd);
  const codeBefore = before.replace(/\s+$/, '');
  const codeAfter = after.replace(/^\s+/, '');
  if (codeBefore.trim() === '' && codeAfter === '') {
    return { start: lineStart, end: index.lineEndWithTerminator(index.lineOf(end)), content: '' };
  }
  if (codeAfter === '') return { start: lineStart + codeBefore.length, end: lineEnd, content: '' };
  if (codeBefore.trim() === '') return { start, end: lineEnd - codeAfter.length, content: '' };
  // Code on both sides: keep them apart with one space unless a bracket or separator does it.
  const glue = /[([{]$/.test(codeBefore) || /^[)\]},;]/.test(codeAfter) ? '' : ' ';
  return { start: lineStart + codeBefore.length, end: lineEnd - codeAfter.length, content: glue };
}

/** Precomputed facts about a text, shared by several {@link noqaAddCodesEdit} calls on it. */
export interface NoqaTextFacts {
  supp: Suppressions;
  lex: LexicalSpans;
  index: LineIndex;
}

/** The {@link NoqaTextFacts} of `text`. */
export function noqaTextFacts(text: string): NoqaTextFacts {
  return { supp: scanSuppressions(text), lex: lexComments(text), index: LineIndex.of(text) };
}

/**
 * The edit that makes `# noqa` cover `code` on 0-based `line` (the editor's "Disable NLxxx for
 * this line"); see {@link noqaAddCodesEdit}.
 */
export function noqaAddEdit(text: string, line: number, code: string, supp: Suppressions = scanSuppressions(text)): Edit | null {
  return noqaAddCodesEdit(text, line, [code], { supp, lex: lexComments(text), index: LineIndex.of(text) });
}

/**
 * The edit that makes a `# noqa` directive on 0-based `line` cover every code of `codes`
 * (`normlint check --add-noqa`, and the editor's "Disable NLxxx for this line"). The directive's
 * codes end up deduplicated and sorted (case-insensitively); codes already there, other tools'
 * included, are kept:
 * - `x = f()  # noqa: NL003, E501` + NL001 → `x = f()  # noqa: E501, NL001, NL003`;
 * - `x = f()  # note` → `x = f()  # noqa: NL001 # note` (Ruff's `--add-noqa` placement);
 * - `x = f()` → `x = f()  # noqa: NL001, NL003`.
 *
 * @param codes rule codes (`NL001`); compared with the directive's tokens case-insensitively.
 * @param facts the text's suppressions, comments and strings, and line index (computed when omitted).
 * @returns null when the line already suppresses every code (or everything, a bare `# noqa`),
 *   or when a comment cannot end the line: it ends inside a string literal (a multi-line
 *   string goes on) or with a `\` continuation. The caller should still check that the result
 *   parses as well.
 */
export function noqaAddCodesEdit(text: string, line: number, codes: readonly string[], facts: NoqaTextFacts = noqaTextFacts(text)): Edit | null {
  const { supp, lex, index } = facts;
  const key = (c: string): string => c.toUpperCase();
  const sorted = sortDirectiveCodes;
  const directive = supp.noqa.find((n) => n.line === line);
  if (directive) {
    if (directive.codes === 'all') return null;
    const present = new Set(directive.codes.map((c) => key(c.text)));
    const missing = codes.filter((c) => !present.has(key(c)));
    if (missing.length === 0) return null;
    const first = directive.codes[0];
    const last = directive.codes[directive.codes.length - 1];
    return { start: first.span.start, end: last.span.end, content: sorted([...directive.codes.map((c) => c.text), ...missing]).join(', ') };
  }
  const list = sorted(codes);
  if (list.length === 0) return null;
  const start = index.lineStart(line);
  const end = index.lineEnd(line);
  const comment = lex.comments.find((c) => c.start >= start && c.start < end);
  if (comment) return { start: comment.start, end: comment.start, content: `# noqa: ${list.join(', ')} ` };
  if (lex.strings.some((s) => s.start < end && s.end > end)) return null;
  const body = text.slice(start, end);
  if (/\\\s*$/.test(body)) return null;
  const trimmed = body.replace(/\s+$/, '');
  return { start: start + trimmed.length, end, content: `${trimmed.length > 0 ? '  ' : ''}# noqa: ${list.join(', ')}` };
}
