/**
 * The last step of linting, per file, shared by the CLI and the language server: keep the
 * findings of enabled rules with the configured severity, apply suppression comments (adding
 * NL000 for unused ones) and collect the file's warnings (invalid directives, syntax errors,
 * files too large to analyze).
 */
import type { Diagnostic } from '../core/diagnostic';
import type { FileConfig, FileFacts } from '../core/engine';
import type { RuleMeta } from '../core/rule';
import { applySuppressions } from '../core/suppression';
import { LineIndex } from '../core/line-index';

/** A problem with a file that is not a finding (printed by the CLI as a warning). */
export interface FileWarning {
  /** Project-relative path. */
  file: string;
  /** 1-based line. */
  line: number;
  message: string;
  /** What kind of problem (the language server shows syntax errors differently). */
  kind: 'directive' | 'syntax' | 'skipped';
}

/**
 * Finalizes the engine's findings in one file.
 *
 * @param raw the engine's diagnostics in `facts.path` (any order).
 * @param text the text `facts` was computed from (spans and directives refer to it).
 * @param registry every rule (names in `# noqa: missing-eval` resolve against it).
 */
export function finalizeFile(
  facts: FileFacts,
  raw: readonly Diagnostic[],
  fc: FileConfig,
  text: string,
  registry: readonly RuleMeta[],
): { diagnostics: Diagnostic[]; warnings: FileWarning[] } {
  const own = raw.filter((d) => fc.enabled.has(d.code)).map((d) => (fc.severity[d.code] ? { ...d, severity: fc.severity[d.code] } : d));
  const diagnostics = applySuppressions(own, facts.suppressions, text, fc.enabled, { file: facts.path, rules: registry, severity: fc.severity });
  const warnings: FileWarning[] = facts.suppressions.invalid.map((inv) => ({
    file: facts.path,
    line: inv.line + 1,
    message: `invalid suppression directive: ${inv.message}`,
    kind: 'directive',
  }));
  if (facts.ir && facts.ir.errors.length > 0) {
    const first = Math.min(...facts.ir.errors.map((e) => e.start));
    const n = facts.ir.errors.length;
    warnings.push({
      file: facts.path,
      line: LineIndex.of(text).lineOf(first) + 1,
      message: `syntax error (${n} error node${n === 1 ? '' : 's'}); normlint checked the code that parses`,
      kind: 'syntax',
    });
  } else if (facts.skipped === 'parse-failed' || facts.skipped === 'too-large') {
    warnings.push({
      file: facts.path,
      line: 1,
      message: facts.skipped === 'too-large' ? 'file too large to analyze; skipped' : 'could not be parsed; skipped',
      kind: 'skipped',
    });
  }
  return { diagnostics, warnings };
}
