/**
 * Suppression comments in TypeScript/JavaScript files (`.ts .tsx .mts .cts .js .mjs .cjs .jsx`),
 * ESLint-style, and the language-aware entry points that pick them or Python's `# noqa`
 * (`suppression.ts`) by path.
 *
 * - `// normlint-disable-next-line NL003` suppresses those rules on the next line;
 *   `// normlint-disable-line NL003` on its own line. Codes (`NL003`) and rule names
 *   (`bias-before-norm`) are separated by commas and/or spaces; without any, every rule is
 *   suppressed. A block comment works too (`/* normlint-disable-line NL003 *\/`) if it does not
 *   span lines. Text after ` -- ` is a description, not a code
 *   (`// normlint-disable-next-line NL003 -- reason`).
 * - `/* normlint-disable NL003 *\/` (or `// normlint-disable NL003`) disables the rules (every
 *   rule without codes) from its line to the end of the file or to the line of a later
 *   `/* normlint-enable NL003 *\/`; `normlint-enable` without codes ends every open range.
 *   Ranges work by whole lines: the lines of both comments count as in and out respectively.
 * - The directive must start the comment (`// TODO normlint-disable-line` is not one).
 *   A comment that starts like one but is not (`normlint-disable-line NL99x`, an unknown
 *   `normlint-disabled`, Python's `normlint: disable=`) is invalid: it suppresses nothing and
 *   the CLI warns, like a malformed `# noqa:`.
 *
 * The next-line and line forms become {@link NoqaDirective}s (`form` set, `line` = the line they
 * apply to), ranges become {@link FileDirective}s with `fromLine`/`toLine` (and `except` for the
 * codes a partial `normlint-enable` re-enabled), so {@link applySuppressions} and NL000 handle
 * both languages.
 *
 * Scanning is lexical (see {@link lexScript}): comments, string literals, template literals
 * with nested `${…}` substitutions, and regular expression literals (a `/` after an operand is
 * a division). Known limits: JSX text is read as code (a quote in it ends at the line's end),
 * and a regex right after `)` or `}` (`if (x) /re/.test(s)`) is read as a division. Files
 * without `normlint` anywhere are not scanned at all.
 *
 * Units: spans are UTF-16 code-unit offsets into the text; lines are 0-based. Pure; plain JSON.
 */
import type { Edit, Span } from './diagnostic';
import { LineIndex } from './line-index';
import { isScriptPath } from './source-kind';
import type { DirectiveCode, FileDirective, LexicalSpans, NoqaTextFacts, Suppressions } from './suppression';
import {
  emptySuppressions,
  fileDirectiveCovers,
  noqaAddCodesEdit,
  noqaTextFacts,
  scanSuppressions,
  sortDirectiveCodes,
} from './suppression';

// ---------------------------------------------------------------------------------------------
// Lexing

/** Keywords after which a `/` starts a regular expression (they end no expression). */
const REGEX_AFTER_KEYWORDS = new Set([
  'return', 'typeof', 'instanceof', 'in', 'of', 'new', 'delete', 'void', 'throw', 'case', 'do',
  'else', 'yield', 'await', 'extends',
]);

const LINE_TERMINATOR_RE = /[\n\r\u2028\u2029]/g;
const IDENT_RE = /#?(?:[\p{ID_Continue}$\u200c\u200d]|\\u(?:[0-9A-Fa-f]{4}|\{[0-9A-Fa-f]+\}))+/uy;
const NUMBER_RE = /(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?[\p{ID_Continue}$]*/uy;

function isLineTerminator(c: number): boolean {
  return c === 10 || c === 13 || c === 0x2028 || c === 0x2029;
}

function isWhitespace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12 || c === 0xa0 || c === 0xfeff || (c > 0x7f && /\s/.test(String.fromCharCode(c)));
}

/**
 * The comments and literals of a TypeScript/JavaScript text, lexically (no parse).
 *
 * - `comments`: every `//` comment (to the end of its line, terminator excluded) and `/* *\/`
 *   comment (through its `*\/`, or to the end of the text when unterminated);
 * - `strings`: every string literal (from its quote through the closing one; an unterminated
 *   one ends at its line's end) and every text chunk of a template literal (from the backtick
 *   or the `}` that closes a substitution, through the closing backtick or the `${`).
 *
 * A `/` starts a regular expression literal when the previous token ends no expression (an
 * operator, an opening bracket, a keyword like `return`/`typeof`/`case`, or nothing); a
 * "regex" that does not close on its line is taken for a division after all. A leading `#!`
 * line is skipped. Never throws.
 */
export function lexScript(text: string): LexicalSpans {
  const comments: Span[] = [];
  const strings: Span[] = [];
  const n = text.length;
  /** Per open `${` substitution (innermost last): how many `{` opened inside it are unclosed. */
  const substitutions: number[] = [];
  /** Whether the previous token ends an expression (then a `/` divides). */
  let afterOperand = false;
  /** Whether the previous token is `.` (a keyword after it is a property name). */
  let afterDot = false;

  /** Lex template text from `from` (past the backtick or `}` at `chunkStart`); returns where code resumes. */
  const templateText = (chunkStart: number, from: number): number => {
    let j = from;
    while (j < n) {
      const c = text.charCodeAt(j);
      if (c === 92 /* \ */) {
        j += 2;
      } else if (c === 96 /* ` */) {
        strings.push({ start: chunkStart, end: j + 1 });
        afterOperand = true;
        return j + 1;
      } else if (c === 36 /* $ */ && text.charCodeAt(j + 1) === 123 /* { */) {
        strings.push({ start: chunkStart, end: j + 2 });
        substitutions.push(0);
        afterOperand = false;
        return j + 2;
      } else {
        j++;
      }
    }
    strings.push({ start: chunkStart, end: n });
    afterOperand = true;
    return n;
  };

  /** End of the string literal opened at `i`. */
  const stringEnd = (i: number): number => {
    const quote = text.charCodeAt(i);
    let j = i + 1;
    while (j < n) {
      const c = text.charCodeAt(j);
      if (c === 92 /* \ */) {
        // An escape; `\` + CRLF is one line continuation.
        j += text.charCodeAt(j + 1) === 13 && text.charCodeAt(j + 2) === 10 ? 3 : 2;
      } else if (c === quote) {
        return j + 1;
      } else if (c === 10 || c === 13) {
        return j; // unterminated: ends at the line's end
      } else {
        j++;
      }
    }
    return n;
  };

  /** End of the regex literal opened at `i`, or -1 when it does not close on its line. */
  const regexEnd = (i: number): number => {
    let j = i + 1;
    let inClass = false;
    while (j < n) {
      const c = text.charCodeAt(j);
      if (isLineTerminator(c)) return -1;
      if (c === 92 /* \ */) {
        if (j + 1 < n && isLineTerminator(text.charCodeAt(j + 1))) return -1;
        j += 2;
        continue;
      }
      if (c === 91 /* [ */) inClass = true;
      else if (c === 93 /* ] */) inClass = false;
      else if (c === 47 /* / */ && !inClass) {
        j++;
        IDENT_RE.lastIndex = j;
        const flags = IDENT_RE.exec(text);
        return flags ? j + flags[0].length : j;
      }
      j++;
    }
    return -1;
  };

  let i = 0;
  if (text.startsWith('#!')) {
    LINE_TERMINATOR_RE.lastIndex = 0;
    i = LINE_TERMINATOR_RE.exec(text)?.index ?? n;
  }
  while (i < n) {
    const c = text.charCodeAt(i);
    if (isWhitespace(c)) {
      i++;
      continue;
    }
    const next = text.charCodeAt(i + 1);
    if (c === 47 /* / */ && next === 47) {
      LINE_TERMINATOR_RE.lastIndex = i;
      const end = LINE_TERMINATOR_RE.exec(text)?.index ?? n;
      comments.push({ start: i, end });
      i = end;
      continue;
    }
    if (c === 47 /* / */ && next === 42 /* * */) {
      const close = text.indexOf('*/', i + 2);
      const end = close < 0 ? n : close + 2;
      comments.push({ start: i, end });
      i = end;
      continue;
    }
    const dot = afterDot;
    afterDot = false;
    if (c === 47 /* / */) {
      const end = afterOperand ? -1 : regexEnd(i);
      if (end > 0) {
        // A regex literal (not recorded: it cannot span lines, nor hold a comment).
        i = end;
        afterOperand = true;
      } else {
        i++;
        afterOperand = false;
      }
      continue;
    }
    if (c === 34 /* " */ || c === 39 /* ' */) {
      const end = stringEnd(i);
      strings.push({ start: i, end });
      i = end;
      afterOperand = true;
      continue;
    }
    if (c === 96 /* ` */) {
      i = templateText(i, i + 1);
      continue;
    }
    if (c === 123 /* { */) {
      if (substitutions.length) substitutions[substitutions.length - 1]++;
      i++;
      afterOperand = false;
      continue;
    }
    if (c === 125 /* } */) {
      const top = substitutions.length - 1;
      if (top >= 0 && substitutions[top] === 0) {
        substitutions.pop();
        i = templateText(i, i + 1);
        continue;
      }
      if (top >= 0) substitutions[top]--;
      i++;
      afterOperand = true;
      continue;
    }
    if (c === 41 /* ) */ || c === 93 /* ] */) {
      i++;
      afterOperand = true;
      continue;
    }
    if ((c >= 48 && c <= 57) || (c === 46 /* . */ && next >= 48 && next <= 57)) {
      NUMBER_RE.lastIndex = i;
      const m = NUMBER_RE.exec(text);
      i += m ? m[0].length : 1;
      afterOperand = true;
      continue;
    }
    IDENT_RE.lastIndex = i;
    const word = IDENT_RE.exec(text);
    if (word) {
      i += word[0].length;
      afterOperand = dot || !REGEX_AFTER_KEYWORDS.has(word[0]);
      continue;
    }
    if (c === 46 /* . */ && !text.startsWith('...', i)) afterDot = true;
    i += c === 46 && text.startsWith('...', i) ? 3 : 1;
    afterOperand = false;
  }
  return { comments, strings };
}

// ---------------------------------------------------------------------------------------------
// Scanning

const DIRECTIVE_RE = /normlint-(disable-next-line|disable-line|disable|enable)(?=\s|$)/y;
const DIRECTIVE_LIKE_RE = /normlint\s*[-:]/iy;
const DESCRIPTION_RE = /\s-{2,}(?:\s|$)/g;
const CODE_TOKEN_RE = /^(?:[A-Za-z]+[0-9]+|[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)+)$/;
const EXAMPLE = '`// normlint-disable-next-line NL001, bias-before-norm -- reason`';

/** An open `normlint-disable` range while scanning. */
interface OpenRange {
  line: number;
  codes: DirectiveCode[] | 'all';
  span: Span;
  fromLine: number;
  except: DirectiveCode[];
}

/**
 * Find the suppression directives of a TypeScript/JavaScript text (see the module comment for
 * the syntax and the scanner's limits). Returns an empty result without lexing when the text
 * does not mention `normlint`. Never throws.
 *
 * @returns `noqa`: next-line/line directives (`form` set; `line` = the 0-based line they apply
 *   to); `file`: `normlint-disable` ranges (`fromLine` inclusive, `toLine` exclusive or unset =
 *   end of file), one entry per stretch between partial `normlint-enable`s; `invalid`:
 *   comments that look like directives but are not usable. Spans are UTF-16 offsets.
 */
export function scanScriptSuppressions(text: string): Suppressions {
  const result = emptySuppressions();
  if (!/normlint/i.test(text)) return result;
  let index: LineIndex | null = null;
  const open: OpenRange[] = [];
  const closeRange = (r: OpenRange, toLine: number | undefined): void => {
    if (toLine !== undefined && toLine <= r.fromLine) return;
    const f: FileDirective = { line: r.line, codes: r.codes, span: r.span, fromLine: r.fromLine };
    if (toLine !== undefined) f.toLine = toLine;
    if (r.except.length) f.except = [...r.except];
    result.file.push(f);
  };

  for (const comment of lexScript(text).comments) {
    const block = text.startsWith('/*', comment.start);
    const closed = block && comment.end - comment.start >= 4 && text.startsWith('*/', comment.end - 2);
    const bodyStart = comment.start + 2;
    const body = text.slice(bodyStart, closed ? comment.end - 2 : comment.end);
    if (!/normlint/i.test(body)) continue;
    const lead = /^\s*/.exec(body)![0].length;
    DIRECTIVE_LIKE_RE.lastIndex = lead;
    if (!DIRECTIVE_LIKE_RE.test(body)) continue; // prose that mentions normlint
    index ??= LineIndex.of(text);
    const line = index.lineOf(comment.start);
    const whole = { start: comment.start, end: comment.end };
    const invalid = (message: string): void => {
      result.invalid.push({ line, span: whole, message });
    };

    DIRECTIVE_RE.lastIndex = lead;
    const m = DIRECTIVE_RE.exec(body);
    if (!m) {
      const word = /^\S+/.exec(body.slice(lead))![0].replace(/\*\/$/, '');
      invalid(
        /^normlint\s*:/i.test(body.slice(lead))
          ? '`# normlint: disable=` is Python syntax; in TypeScript/JavaScript write `/* normlint-disable NL001 */` or `// normlint-disable-next-line NL001`'
          : `unknown directive \`${word}\` (expected \`normlint-disable-next-line\`, \`normlint-disable-line\`, \`normlint-disable\` or \`normlint-enable\`, then a space)`,
      );
      continue;
    }
    const kind = m[1] as 'disable-next-line' | 'disable-line' | 'disable' | 'enable';
    const afterKeyword = lead + m[0].length;
    DESCRIPTION_RE.lastIndex = afterKeyword;
    const description = DESCRIPTION_RE.exec(body);
    const listEnd = description ? description.index : body.length;

    const codes: DirectiveCode[] = [];
    const bad: string[] = [];
    const tokenRe = /[^\s,]+/g;
    tokenRe.lastIndex = afterKeyword;
    for (let t = tokenRe.exec(body); t && t.index < listEnd; t = tokenRe.exec(body)) {
      if (CODE_TOKEN_RE.test(t[0])) codes.push({ text: t[0], span: { start: bodyStart + t.index, end: bodyStart + t.index + t[0].length } });
      else bad.push(t[0]);
    }
    if (bad.length) {
      invalid(`\`${bad[0]}\` is not a rule code or name in \`normlint-${kind}\` (e.g. ${EXAMPLE})`);
      continue;
    }
    const listed: DirectiveCode[] | 'all' = codes.length ? codes : 'all';
    const span = { start: comment.start, end: codes.length ? codes[codes.length - 1].span.end : bodyStart + afterKeyword };

    if (kind === 'disable-next-line' || kind === 'disable-line') {
      if (index.lineOf(comment.end) !== line) {
        invalid(`a \`normlint-${kind}\` comment must not span lines`);
        continue;
      }
      result.noqa.push({
        line: kind === 'disable-line' ? line : line + 1,
        codes: listed,
        span,
        commentStart: comment.start,
        form: kind === 'disable-line' ? 'line' : 'next-line',
        commentEnd: comment.end,
      });
    } else if (kind === 'disable') {
      open.push({ line, codes: listed, span, fromLine: line, except: [] });
    } else if (listed === 'all') {
      for (const r of open) closeRange(r, line);
      open.length = 0;
    } else {
      // A partial enable: each open range stops here and goes on without these codes.
      const keys = (list: DirectiveCode[]): string[] => list.map((c) => c.text.toUpperCase());
      for (let k = open.length - 1; k >= 0; k--) {
        const r = open[k];
        closeRange(r, line);
        r.fromLine = line;
        r.except = [...r.except, ...listed];
        const off = new Set(keys(r.except));
        if (r.codes !== 'all' && keys(r.codes).every((c) => off.has(c))) open.splice(k, 1);
      }
    }
  }
  for (const r of open) closeRange(r, undefined);
  result.file.sort((a, b) => a.span.start - b.span.start || (a.fromLine ?? 0) - (b.fromLine ?? 0));
  return result;
}

// ---------------------------------------------------------------------------------------------
// Language dispatch

/**
 * Whether `path` gets the TypeScript/JavaScript directives: the script paths of `source-kind.ts`,
 * and declaration files. Everything else (Python, notebooks, unknown paths such as a notebook
 * cell's URI) gets Python's `# noqa`.
 */
function usesScriptDirectives(path: string): boolean {
  return isScriptPath(path) || /\.d\.[mc]?ts$/i.test(path);
}

/**
 * The suppression directives of a file's text, by its path: {@link scanScriptSuppressions} for
 * TypeScript/JavaScript paths, `scanSuppressions` (Python `# noqa`) for every other path.
 *
 * @param path the file's path or URI (only its extension matters).
 */
export function scanSuppressionsFor(path: string, text: string): Suppressions {
  return usesScriptDirectives(path) ? scanScriptSuppressions(text) : scanSuppressions(text);
}

/**
 * The {@link NoqaTextFacts} of a text (its directives, comments and literals, line index), by
 * path; pass them to several {@link noqaAddCodesEditFor} calls on the same text.
 */
export function noqaTextFactsFor(path: string, text: string): NoqaTextFacts {
  if (!usesScriptDirectives(path)) return noqaTextFacts(text);
  return { supp: scanScriptSuppressions(text), lex: lexScript(text), index: LineIndex.of(text) };
}

/**
 * The edit that suppresses `code` on 0-based `line` (the editor's "Disable NLxxx for this
 * line"), by path; see {@link noqaAddCodesEditFor}.
 */
export function noqaAddEditFor(path: string, text: string, line: number, code: string): Edit | null {
  return noqaAddCodesEditFor(path, text, line, [code]);
}

/**
 * The edit that suppresses every code of `codes` on 0-based `line` (`normlint check
 * --add-noqa`, the editor's quick fix), by path. Python: `noqaAddCodesEdit` (a `# noqa` on the
 * line). TypeScript/JavaScript, with the codes deduplicated and sorted case-insensitively:
 * - a `normlint-disable-next-line` (else a `normlint-disable-line` on the line) that lists
 *   codes gets the missing ones: `// normlint-disable-next-line NL003` + NL001 →
 *   `// normlint-disable-next-line NL001, NL003`;
 * - else a new `// normlint-disable-next-line NL001, NL003` line goes above `line`, indented
 *   like it, with the line terminator of the text (`\r\n` in a CRLF file). Insertions are at
 *   line starts, so the edits of several lines (even consecutive ones) apply together.
 *
 * Codes are compared with the directives' tokens case-insensitively (a rule name such as
 * `bias-before-norm` does not count as `NL003`).
 *
 * @param facts the text's facts ({@link noqaTextFactsFor} with the same path; computed when omitted).
 * @returns null when the line already suppresses every code (a directive for the line without
 *   codes or listing them all, or a `normlint-disable` range covering them), or when no
 *   comment line can go above it: its start is inside a string, template literal or block
 *   comment, or (`.tsx`/`.jsx`) it looks like JSX children, where a `//` line would be text.
 *   The caller should still check that the result parses as well.
 */
export function noqaAddCodesEditFor(
  path: string,
  text: string,
  line: number,
  codes: readonly string[],
  facts: NoqaTextFacts = noqaTextFactsFor(path, text),
): Edit | null {
  if (!usesScriptDirectives(path)) return noqaAddCodesEdit(text, line, codes, facts);
  const { supp, lex, index } = facts;
  const key = (c: string): string => c.toUpperCase();
  const onLine = supp.noqa.filter((d) => d.line === line);
  const covered = (code: string): boolean =>
    onLine.some((d) => d.codes === 'all' || d.codes.some((c) => key(c.text) === key(code))) ||
    supp.file.some(
      (f) =>
        fileDirectiveCovers(f, line) &&
        (f.codes === 'all' || f.codes.some((c) => key(c.text) === key(code))) &&
        !f.except?.some((c) => key(c.text) === key(code)),
    );
  const missing = sortDirectiveCodes(codes.filter((c) => !covered(c)));
  if (missing.length === 0) return null;

  const existing = onLine.find((d) => d.form === 'next-line' && d.codes !== 'all') ?? onLine.find((d) => d.form === 'line' && d.codes !== 'all');
  if (existing && existing.codes !== 'all') {
    const list = existing.codes;
    return {
      start: list[0].span.start,
      end: list[list.length - 1].span.end,
      content: sortDirectiveCodes([...list.map((c) => c.text), ...missing]).join(', '),
    };
  }

  // A BOM stays first: the first line's directive goes after it.
  const start = index.lineStart(line) + (line === 0 && text.charCodeAt(0) === 0xfeff ? 1 : 0);
  const inside = (s: Span): boolean => s.start < start && start < s.end;
  if (lex.strings.some(inside) || lex.comments.some(inside)) return null;
  const lineText = text.slice(start, index.lineEnd(line));
  if (/\.[jt]sx$/i.test(path) && looksLikeJsxChild(text, index, line, lineText)) return null;
  const indent = /^[ \t]*/.exec(lineText)![0];
  const eol = lineTerminatorFor(text, index, line);
  return { start, end: start, content: `${indent}// normlint-disable-next-line ${missing.join(', ')}${eol}` };
}

/** The terminator of `line`, else the text's first one, else `\n`. */
function lineTerminatorFor(text: string, index: LineIndex, line: number): string {
  const own = text.slice(index.lineEnd(line), index.lineEndWithTerminator(line));
  if (own) return own;
  return /\r\n?|\n/.exec(text)?.[0] ?? '\n';
}

/**
 * Whether a `.tsx`/`.jsx` line may be JSX children (where a `//` line would be rendered as
 * text), conservatively: it starts with `<` or `{`, or the previous non-blank line ends with a
 * tag's `>` (not `=>`), starts with `<`, or is a `{…}` expression container.
 */
function looksLikeJsxChild(text: string, index: LineIndex, line: number, lineText: string): boolean {
  if (/^\s*[<{]/.test(lineText)) return true;
  for (let l = line - 1; l >= 0; l--) {
    const prev = index.lineText(l).trim();
    if (prev === '') continue;
    return (prev.endsWith('>') && !prev.endsWith('=>')) || prev.startsWith('<') || (prev.startsWith('{') && prev.endsWith('}'));
  }
  return false;
}
