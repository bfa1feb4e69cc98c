/**
 * Applying fixes to a text (pure): choose non-overlapping fixes the way Ruff does, apply their
 * edits keeping the file's line endings, and guard against results that parse worse.
 *
 * Units: edit offsets are UTF-16 code-unit offsets into the text the diagnostics were computed
 * on (the text as decoded, without a UTF-8 BOM; the CLI re-adds the BOM when it writes).
 */
import type { Applicability, Diagnostic, Edit, Fix } from './diagnostic';

/** The line terminator a text uses (its first one; `\n` when it has none). */
export function detectLineEnding(text: string): '\n' | '\r\n' | '\r' {
  const m = /\r\n|\n|\r/.exec(text);
  return m ? (m[0] as '\n' | '\r\n' | '\r') : '\n';
}

/** Rewrite the line terminators inside `content` (written with `\n` by rules) to `eol`. */
export function normalizeEol(content: string, eol: '\n' | '\r\n' | '\r'): string {
  return content.replace(/\r\n|\n|\r/g, eol);
}

/** Which applicabilities `--fix` applies: safe fixes, plus unsafe ones with `--unsafe-fixes`. */
export function fixApplies(applicability: Applicability, unsafeFixes: boolean): boolean {
  return applicability === 'safe' || (unsafeFixes && applicability === 'unsafe');
}

function overlaps(a: Edit, b: Edit): boolean {
  if (a.start === a.end && b.start === b.end) return a.start === b.start;
  if (a.start === a.end) return a.start > b.start && a.start < b.end;
  if (b.start === b.end) return b.start > a.start && b.start < a.end;
  return a.start < b.end && b.start < a.end;
}

/** Result of {@link selectFixes}. */
export interface FixSelection {
  /** Diagnostics whose fix is applied (including duplicates of an applied fix). */
  applied: Diagnostic[];
  /** The edits to apply, sorted by `start`, non-overlapping. */
  edits: Edit[];
}

function sameFix(a: Fix, b: Fix): boolean {
  return (
    a.edits.length === b.edits.length &&
    a.edits.every((e, i) => e.start === b.edits[i].start && e.end === b.edits[i].end && e.content === b.edits[i].content)
  );
}

/**
 * Choose the fixes of one file's diagnostics to apply in one round: those `applies` accepts,
 * in order of their first edit (then code), skipping any fix that overlaps an already chosen
 * one (it is retried in the next round, after a re-lint, like Ruff). A fix identical to a
 * chosen one counts as applied too.
 */
export function selectFixes(diags: readonly Diagnostic[], applies: (a: Applicability) => boolean): FixSelection {
  const candidates = diags
    .filter((d): d is Diagnostic & { fix: Fix } => d.fix !== null && d.fix.edits.length > 0 && applies(d.fix.applicability))
    .sort((a, b) => a.fix.edits[0].start - b.fix.edits[0].start || a.code.localeCompare(b.code));
  const applied: Diagnostic[] = [];
  const chosen: Fix[] = [];
  const edits: Edit[] = [];
  for (const d of candidates) {
    if (chosen.some((f) => sameFix(f, d.fix))) {
      applied.push(d);
      continue;
    }
    if (d.fix.edits.some((e) => edits.some((x) => overlaps(e, x)))) continue;
    chosen.push(d.fix);
    applied.push(d);
    edits.push(...d.fix.edits);
  }
  edits.sort((a, b) => a.start - b.start || a.end - b.end);
  return { applied, edits };
}

/**
 * Apply non-overlapping `edits` to `text`. Line terminators in each edit's content are
 * rewritten to the file's own (a CRLF file stays CRLF).
 *
 * @throws RangeError when edits overlap or fall outside the text.
 */
export function applyEdits(text: string, edits: readonly Edit[]): string {
  const eol = detectLineEnding(text);
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  const parts: string[] = [];
  let pos = 0;
  for (const e of sorted) {
    if (e.start < pos || e.end < e.start || e.end > text.length) {
      throw new RangeError(`edit [${e.start}, ${e.end}) overlaps another edit or lies outside the text (length ${text.length})`);
    }
    parts.push(text.slice(pos, e.start), normalizeEol(e.content, eol));
    pos = e.end;
  }
  parts.push(text.slice(pos));
  return parts.join('');
}

/**
 * The re-parse guard: a fixed text may be written only if it has no more syntax-error spans
 * than the original.
 *
 * @param countParseErrors counts error spans (the engine's `countParseErrors`).
 */
export function reparsesAsWell(original: string, fixed: string, countParseErrors: (text: string) => number): boolean {
  return countParseErrors(fixed) <= countParseErrors(original);
}
