/**
 * What identifies a finding across edits that move it: its rule code and the code on its line
 * (comments dropped, whitespace normalized), never its row. `--baseline` matches on it, and
 * SARIF output carries a hash of it as a partial fingerprint.
 */
import crypto from 'node:crypto';
import { LineIndex } from '../core/line-index';
import { findComments } from '../core/suppression';

/** The code of each line of one text, computed on demand. */
export class LineSources {
  private index: LineIndex | null = null;
  private comments: Array<{ start: number; end: number }> | null = null;
  private readonly memo = new Map<number, string>();

  /** @param text the text the findings' spans refer to (UTF-16 offsets). */
  constructor(readonly text: string) {}

  /**
   * The code on the line holding UTF-16 `offset` (the row a `# noqa` for a finding starting
   * there goes on): the line without its `#` comment (string literals are respected), runs of
   * whitespace collapsed to one space, trimmed. Empty for a comment-only or blank line.
   */
  sourceAt(offset: number): string {
    const index = (this.index ??= new LineIndex(this.text));
    const line = index.lineOf(offset);
    const known = this.memo.get(line);
    if (known !== undefined) return known;
    const start = index.lineStart(line);
    let end = index.lineEnd(line);
    const comments = (this.comments ??= findComments(this.text));
    // Binary search for a comment starting on this line (comments are sorted by offset).
    let lo = 0;
    let hi = comments.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (comments[mid].start < start) lo = mid + 1;
      else hi = mid;
    }
    if (lo < comments.length && comments[lo].start < end) end = comments[lo].start;
    const source = this.text.slice(start, end).replace(/\s+/g, ' ').trim();
    this.memo.set(line, source);
    return source;
  }
}

/**
 * A stable hash of a finding's identity (16 hex digits): sha256 of the rule code and the
 * line's code ({@link LineSources.sourceAt}). Findings of the same rule on identical lines share it.
 */
export function sourceHash(code: string, source: string): string {
  return crypto.createHash('sha256').update(`${code}\n${source}`).digest('hex').slice(0, 16);
}
