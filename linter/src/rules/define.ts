/**
 * The rule framework: a rule is its metadata plus a `check` over the project model's facts.
 * Rules are pure: they read facts and texts, never the file system, never config files, never
 * other rules.
 */
import type { Diagnostic, Edit, Fix, RelatedInfo, Severity, Span } from '../core/diagnostic';
import type { FileConfig } from '../core/engine';
import type { RuleMeta } from '../core/rule';
import type { PyTorchModel } from '../model/python/interp';
import type { Site } from '../model/python/values';

/** What a rule reports; code, name and default severity come from its metadata. */
export interface Report {
  site: Site;
  /** Defaults to `site.span`. */
  span?: Span;
  message: string;
  severity?: Severity;
  related?: Array<{ site: Site; message: string }>;
  fix?: Fix | null;
  alternatives?: Fix[];
}

export interface RuleContext {
  model: PyTorchModel;
  /** The text of a project file (the one its facts were built from). */
  text(path: string): string;
  /** The configuration of a project file (options such as `minBatchSize`). */
  config(path: string): FileConfig;
  report(r: Report): void;
}

export interface Rule {
  meta: RuleMeta;
  check(ctx: RuleContext): void;
}

/** Identity helper that types a rule definition. */
export function defineRule(rule: Rule): Rule {
  return rule;
}

/** Converts a report into a diagnostic of `meta`. */
export function toDiagnostic(meta: RuleMeta, r: Report): Diagnostic {
  // Spans are copied: diagnostics outlive the IR they come from (open documents shift it in place).
  const related: RelatedInfo[] = (r.related ?? []).map((x) => ({ file: x.site.file.path, span: { start: x.site.span.start, end: x.site.span.end }, message: x.message }));
  const span = r.span ?? r.site.span;
  return {
    code: meta.code,
    name: meta.name,
    severity: r.severity ?? meta.severity,
    message: r.message,
    file: r.site.file.path,
    span: { start: span.start, end: span.end },
    related,
    fix: r.fix ?? null,
    ...(r.alternatives && r.alternatives.length ? { alternatives: r.alternatives } : {}),
  };
}

/** The leading whitespace of the line containing `offset`. */
export function indentAt(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const m = /^[ \t]*/.exec(text.slice(lineStart));
  return m ? m[0] : '';
}

/** The offset of the start of the line containing `offset`. */
export function lineStartOf(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** An edit inserting whole line(s) `lines` (without trailing newline) before the line of `offset`, indented like it. */
export function insertLinesBefore(text: string, offset: number, lines: string[]): Edit {
  const start = lineStartOf(text, offset);
  const indent = indentAt(text, offset);
  return { start, end: start, content: lines.map((l) => `${indent}${l}\n`).join('') };
}

/** An edit inserting whole line(s) after the last line of `span`, indented like its first line. */
export function insertLinesAfter(text: string, span: Span, lines: string[]): Edit {
  const nl = text.indexOf('\n', Math.max(span.start, span.end - 1));
  const at = nl < 0 ? text.length : nl + 1;
  const indent = indentAt(text, span.start);
  const prefix = nl < 0 ? '\n' : '';
  return { start: at, end: at, content: prefix + lines.map((l) => `${indent}${l}\n`).join('') };
}

/** The source text of a span. */
export function slice(text: string, span: Span): string {
  return text.slice(span.start, span.end);
}
