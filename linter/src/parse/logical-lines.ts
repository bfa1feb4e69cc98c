/**
 * Python's logical lines, read from the text alone (no parse): which physical lines continue a
 * statement (open brackets, an open string, a `\` continuation). Used to find IPython syntax in
 * notebook cells (only at the start of a logical line) and line breaks that Python rejects but
 * tree-sitter's error recovery reads as whitespace.
 *
 * Units: offsets are UTF-16 code units into the text given.
 */
import type { Span } from '../core/diagnostic';

/** Where a line of Python leaves the next one: open brackets, an open string, a `\` continuation. */
export interface LogicalState {
  depth: number;
  /** The quote of a string still open (`'`, `"`, `'''`, `"""`), or null. */
  quote: string | null;
  continued: boolean;
}

/**
 * Advances `st` over one line (with its line ending).
 * @returns the index in `line` where its code ends: a comment's `#`, or the line ending.
 */
export function scanLine(line: string, st: LogicalState): number {
  const end = line.replace(/\r?\n$/, '').length;
  let i = 0;
  let codeEnd = end;
  while (i < end) {
    const ch = line[i];
    if (st.quote !== null) {
      if (ch === '\\') i += 2;
      else if (line.startsWith(st.quote, i)) {
        i += st.quote.length;
        st.quote = null;
      } else i++;
      continue;
    }
    if (ch === '#') {
      codeEnd = i;
      break;
    }
    if (ch === '"' || ch === "'") {
      st.quote = line.startsWith(ch.repeat(3), i) ? ch.repeat(3) : ch;
      i += st.quote.length;
      continue;
    }
    if (ch === '(' || ch === '[' || ch === '{') st.depth++;
    else if ((ch === ')' || ch === ']' || ch === '}') && st.depth > 0) st.depth--;
    i++;
  }
  // A backslash before the line ending continues the logical line (inside a string too).
  st.continued = end > 0 && line[end - 1] === '\\';
  // A one-quote string does not span lines (unless continued).
  if (st.quote !== null && st.quote.length === 1 && !st.continued) st.quote = null;
  return codeEnd;
}

/** Characters of the operators that end with `=`. */
const OPERATOR_CHARS = '=+-*/%&|^@<>!:';

/** A line whose code may end with `=` (before a comment): the cheap test before a scan. */
const MAY_DANGLE = /=[ \t]*(?:#[^\n]*)?\r?$/m;

/**
 * Statements cut after an `=` (`x = ` with the value left out, a notebook exercise's
 * `model = # TODO`): a logical line that ends with `=` outside brackets and strings is a syntax
 * error in Python, but tree-sitter-python (0.25) reads the line break after an operator as
 * whitespace and parses `x = \ny = f()` as `x = y = f()` with no error node, or reports the error
 * lines later. Returns the span of each such operator (`=`, `+=`, `:=`...).
 */
export function danglingAssignments(text: string): readonly Span[] {
  // The parser, the lowering and an open document ask about the same text in turn: one scan.
  if (last && last.text === text) return last.spans;
  const none = !MAY_DANGLE.test(text);
  const spans = none ? [] : scanDangling(text);
  last = { text, spans, none };
  return spans;
}

/**
 * The last text scanned and its result (see {@link danglingAssignments}); `none`: no line of it
 * may dangle (the pre-test failed).
 */
let last: { text: string; spans: readonly Span[]; none: boolean } | null = null;

/**
 * Tells {@link danglingAssignments} that `next` is `prev` with one change, whose new text is
 * `[start, end)` of `next` (UTF-16 code units). Whether a line may dangle (ends with `=` before
 * a comment) depends on that line alone: when no line of `prev` may (its last scan said so) and
 * no line of `next` that the change touches may, `next` has none either, and the next question
 * about it is answered without reading the whole text (a keystroke in a large file).
 */
export function danglingAfterChange(prev: string, next: string, start: number, end: number): void {
  if (!last || !last.none || last.text !== prev) return;
  const lines = linesAround(next, start, end);
  if (MAY_DANGLE.test(next.slice(lines.start, lines.end))) return;
  last = { text: next, spans: [], none: true };
}

/**
 * The lines of `text` that `[start, end)` touches: from the start of the first through the end
 * of the last, its line break excluded (UTF-16 code units).
 */
export function linesAround(text: string, start: number, end: number): Span {
  const nl = text.indexOf('\n', end);
  return { start: start > 0 ? text.lastIndexOf('\n', start - 1) + 1 : 0, end: nl < 0 ? text.length : nl };
}

function scanDangling(text: string): Span[] {
  const out: Span[] = [];
  const st: LogicalState = { depth: 0, quote: null, continued: false };
  let pos = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const next = nl < 0 ? text.length : nl + 1;
    const line = text.slice(pos, next);
    const inString = st.quote !== null;
    const codeEnd = scanLine(line, st);
    if (!inString && st.depth === 0 && st.quote === null && !st.continued) {
      let k = codeEnd - 1;
      while (k >= 0 && (line[k] === ' ' || line[k] === '\t')) k--;
      if (k >= 0 && line[k] === '=') {
        // The whole operator (`=`, `+=`, `**=`, `:=`, `==`...).
        let b = k;
        while (b > 0 && OPERATOR_CHARS.includes(line[b - 1])) b--;
        out.push({ start: pos + b, end: pos + k + 1 });
      }
    }
    pos = next;
  }
  return out;
}

/**
 * `text` with the operators of {@link danglingAssignments} replaced by spaces (same length, so
 * every offset stays valid): what the parser reads, so that `x = ` left in a notebook exercise
 * parses as the statement `x` and the code after it is not swallowed by an error node; the
 * operators are reported as syntax errors instead (see `lowerPython`).
 */
export function maskDangling(text: string, spans: readonly Span[] = danglingAssignments(text)): string {
  if (spans.length === 0) return text;
  let out = '';
  let at = 0;
  for (const s of spans) {
    out += text.slice(at, s.start) + ' '.repeat(s.end - s.start);
    at = s.end;
  }
  return out + text.slice(at);
}
