/**
 * One file linted on its own, as the ESLint plugin needs it: analyze, lint with every rule
 * enabled, finalize (suppression comments, NL000). Pure apart from the engine it is given: no
 * file system, no config files (ESLint's configuration decides which findings are reported).
 */
import type { Diagnostic } from '../core/diagnostic';
import type { Engine, FileConfig } from '../core/engine';
import { DEFAULT_RULE_OPTIONS, type RuleOptions } from '../core/rule';
import { RULES } from '../rules/index';
import { finalizeFile } from '../project/finalize';
import { isSeedText } from '../model/python/prefilter';

/** Text of a suppression directive (`# noqa`, `# normlint: disable`, `// normlint-disable-line`...). */
const DIRECTIVE_TEXT = /noqa|normlint/i;

/** The configuration of a single-file run: every rule enabled, default severities, `options`. */
export function allRulesConfig(options: Partial<RuleOptions> = {}): FileConfig {
  return { enabled: new Set(RULES.map((r) => r.code)), severity: {}, options: { ...DEFAULT_RULE_OPTIONS, ...options } };
}

/**
 * Lints `text` as a project of one file, `path`, with every rule enabled.
 *
 * The file's suppression comments apply (`noqa` directives and file-level `disable`
 * directives), and unused `noqa` codes are reported as NL000, exactly as `normlint check`
 * finalizes a file. Nothing outside the file is read, so facts that come from other files
 * (a model class imported from another module, a helper defined elsewhere) are unknown and
 * the rules stay silent about them. Texts that the project pre-filter would not analyze
 * (`isSeedText`) and that hold no suppression directive are not parsed at all.
 *
 * @param path the file's name: its extension picks the language (`.py`, `.ts`, `.tsx`, `.js`...);
 *   a path the engine does not analyze gives no findings.
 * @param text the file's text; spans of the result are UTF-16 offsets into it.
 * @returns the findings in `path`, sorted by position, with the rules' default severities, and
 *   the engine's internal errors (bugs in normlint: the analysis concerned was dropped).
 */
export function lintSingleFile(
  engine: Engine,
  path: string,
  text: string,
  options: Partial<RuleOptions> = {},
): { diagnostics: Diagnostic[]; internalErrors: string[] } {
  // The project pre-filter: a file that is not a seed cannot produce a finding on its own, and
  // one without directives no NL000 either (most files ESLint sees never touch a model).
  if (!isSeedText(text, path) && !DIRECTIVE_TEXT.test(text)) return { diagnostics: [], internalErrors: [] };
  const facts = engine.analyze({ path, text });
  if (!facts.ir) return { diagnostics: [], internalErrors: [] };
  const config = allRulesConfig(options);
  const raw = engine.lint([facts], {
    configFor: () => config,
    textOf: (p) => {
      if (p !== path) throw new Error(`normlint: single-file run asked for another file: ${p}`);
      return text;
    },
  });
  const own = raw.filter((d) => d.file === path);
  return { diagnostics: finalizeFile(facts, own, config, text, RULES).diagnostics, internalErrors: [...engine.lastErrors] };
}
