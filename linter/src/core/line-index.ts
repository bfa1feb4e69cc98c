/**
 * Offsets ↔ lines for one text.
 *
 * Units: offsets are **UTF-16 code-unit offsets** (the core's unit, see `diagnostic.ts`);
 * `line` is 0-based. {@link LineIndex.rowColumn} converts to what the CLI prints (and Ruff's JSON
 * uses): a 1-based row and a 1-based column counted in **Unicode code points**.
 *
 * Line terminators are Python's: `\n`, `\r\n` and a lone `\r`.
 */

/** A 1-based row and a 1-based column counted in Unicode code points (Ruff's `location`). */
export interface RowColumn {
  row: number;
  column: number;
}

/** Start offsets of the lines of a text, with conversions. Build once per text. */
export class LineIndex {
  /** UTF-16 offset of the first character of each line; `starts[0] === 0`. */
  readonly starts: readonly number[];

  private static readonly recent: LineIndex[] = [];

  /**
   * The index of `text`, shared with the last few callers that asked for an equal text: the
   * language server indexes each keystroke's text in several steps (suppressions, syntax-error
   * lines, positions), and a 5,000-line text costs about 0.3 ms to index.
   */
  static of(text: string): LineIndex {
    for (const li of LineIndex.recent) if (li.text === text) return li;
    const li = new LineIndex(text);
    LineIndex.recent.unshift(li);
    if (LineIndex.recent.length > 4) LineIndex.recent.pop();
    return li;
  }

  constructor(readonly text: string) {
    const starts = [0];
    const re = /\r\n?|\n/g;
    for (let m = re.exec(text); m; m = re.exec(text)) starts.push(m.index + m[0].length);
    this.starts = starts;
  }

  /** Number of lines (a text ending with a terminator has an empty last line). */
  get lineCount(): number {
    return this.starts.length;
  }

  /** The 0-based line that contains `offset` (clamped to the text). */
  lineOf(offset: number): number {
    const s = this.starts;
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** UTF-16 offset of the start of 0-based `line`. */
  lineStart(line: number): number {
    return this.starts[Math.max(0, Math.min(line, this.starts.length - 1))];
  }

  /** UTF-16 offset of the end of 0-based `line`, before its terminator. */
  lineEnd(line: number): number {
    if (line + 1 >= this.starts.length) return this.text.length;
    let end = this.starts[line + 1];
    if (this.text.charCodeAt(end - 1) === 10 /* \n */) end--;
    if (this.text.charCodeAt(end - 1) === 13 /* \r */) end--;
    return end;
  }

  /** End of 0-based `line` including its terminator (the next line's start, or the text's end). */
  lineEndWithTerminator(line: number): number {
    return line + 1 < this.starts.length ? this.starts[line + 1] : this.text.length;
  }

  /** The text of 0-based `line`, without its terminator. */
  lineText(line: number): string {
    return this.text.slice(this.lineStart(line), this.lineEnd(line));
  }

  /** 1-based row and 1-based code-point column of a UTF-16 `offset` (clamped to the text). */
  rowColumn(offset: number): RowColumn {
    const off = Math.max(0, Math.min(offset, this.text.length));
    const line = this.lineOf(off);
    return { row: line + 1, column: codePointLength(this.text, this.starts[line], off) + 1 };
  }
}

/** Number of Unicode code points in `text.slice(start, end)` (a surrogate pair counts once). */
export function codePointLength(text: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    // A high surrogate followed by a low surrogate is one code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}
