/**
 * The one place where normlint's offsets become LSP positions and back.
 *
 * Units: normlint offsets are UTF-16 code-unit offsets into the document text (what
 * web-tree-sitter reports for a tree parsed from a JS string). LSP positions are
 * `{ line: 0-based, character: UTF-16 code units from the line start }` (the protocol's default
 * `utf-16` position encoding, the only one this server announces). So the conversion is a line
 * lookup, never a re-encoding; line terminators are `\n`, `\r\n` and `\r`, as in both Python
 * and LSP.
 */
import type { Position, Range } from 'vscode-languageserver';
import type { Span } from '../../linter/src/core/diagnostic';
import { LineIndex } from '../../linter/src/core/line-index';

/** Offsets ↔ positions for one text. Build once per text version. */
export class PositionMap {
  private readonly lines: LineIndex;

  constructor(readonly text: string) {
    this.lines = LineIndex.of(text);
  }

  /** The LSP position of a UTF-16 offset (clamped to the text). */
  position(offset: number): Position {
    const off = Math.max(0, Math.min(offset, this.text.length));
    const line = this.lines.lineOf(off);
    return { line, character: off - this.lines.lineStart(line) };
  }

  /** The LSP range of a span. */
  range(span: Span): Range {
    return { start: this.position(span.start), end: this.position(span.end) };
  }

  /**
   * The UTF-16 offset of an LSP position. As the protocol says, a character past the end of
   * the line means the line's end, and a line past the last one means the end of the text.
   */
  offset(pos: Position): number {
    if (pos.line >= this.lines.lineCount) return this.text.length;
    if (pos.line < 0) return 0;
    const start = this.lines.lineStart(pos.line);
    return Math.min(start + Math.max(0, pos.character), this.lines.lineEnd(pos.line));
  }

  /** 0-based line of an offset. */
  lineOf(offset: number): number {
    return this.lines.lineOf(offset);
  }

  /** The text of a 0-based line without its terminator, and where it starts and ends. */
  line(line: number): { text: string; start: number; end: number } {
    return { text: this.lines.lineText(line), start: this.lines.lineStart(line), end: this.lines.lineEnd(line) };
  }
}

/** The last few position maps, by text (a typing burst converts against the text it just analyzed). */
const recent: PositionMap[] = [];

/** A {@link PositionMap} for `text`, reused while the same string is converted again. */
export function positionMapOf(text: string): PositionMap {
  for (const m of recent) if (m.text === text) return m;
  const m = new PositionMap(text);
  recent.unshift(m);
  if (recent.length > 4) recent.pop();
  return m;
}
