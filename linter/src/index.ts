/**
 * normlint's public API (an API boundary): the pure engine.
 *
 * Architecture invariant: nothing under `linter/src/{core,parse,model,rules}` touches the file
 * system, the network or `vscode*`; adapters (CLI, language server) read files and hand the
 * engine grammar bytes and texts.
 *
 * Pipeline: `Engine.analyze` (per file: parse, lower to the Python IR, scan suppression
 * comments; pure and cacheable by content hash, safe to run in worker threads) → `Engine.lint`
 * (per project: build the cross-file model, loading other project files on demand, run the
 * enabled rules, sort). The adapter picks the files to analyze (`isSeedText` helps), applies
 * suppressions (`applySuppressions`) and reports.
 */
export type { Diagnostic, Fix, Edit, Span, Severity, Applicability, RelatedInfo } from './core/diagnostic';
export type { RuleMeta, RuleOptions } from './core/rule';
export { DEFAULT_RULE_OPTIONS, ruleUrl } from './core/rule';
export { Engine } from './core/engine';
export type { Grammars, FileInput, FileFacts, LintOptions, FileConfig } from './core/engine';
export { RULES, ruleByCode } from './rules/index';
export { isSeedText } from './model/python/prefilter';
export { applySuppressions, scanSuppressions } from './core/suppression';
export { scanScriptSuppressions, scanSuppressionsFor, noqaTextFactsFor, noqaAddEditFor, noqaAddCodesEditFor } from './core/suppression-script';
