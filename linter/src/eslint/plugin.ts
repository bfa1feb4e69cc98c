/**
 * normlint as an ESLint plugin (`normlint/eslint-plugin`): one ESLint rule per normlint rule,
 * all fed by ONE engine run per file.
 *
 * - Rule ids are the normlint rule names: `normlint/missing-eval`, `normlint/bias-before-norm`...
 *   (NL000 `unused-noqa` included).
 * - The first normlint rule that runs on a file lints the file's text on its own
 *   (`single-file.ts`: every normlint rule enabled, the file's `noqa` directives applied); the
 *   result is memoized on ESLint's `SourceCode` object, which every rule of that file shares,
 *   and each ESLint rule reports the findings of its own code. ESLint's configuration decides
 *   which of them are shown and how (rule on/off, `"warn"`/`"error"`, `eslint-disable`).
 * - Safe fixes are ESLint fixes (`--fix`); unsafe fixes and alternative fixes are suggestions.
 * - The rule options of `[tool.normlint]` (`min-batch-size`, `check-drop-last`,
 *   `assume-unknown-modules-normalize`) are shared settings, `settings.normlint`, because more
 *   than one rule and the shared engine run read them (see {@link NormlintSettings}).
 *
 * This module is synchronous: it receives a ready {@link Engine} (whose grammars load
 * asynchronously). `load.ts` creates the engine; the bundle (`dist/eslint-plugin.mjs`, built by
 * `scripts/eslint-build.mjs`) awaits it at top level before exporting the plugin.
 */
import type { ESLint, Linter, Rule, SourceCode } from 'eslint';
import type { Diagnostic, Fix, Severity } from '../core/diagnostic';
import type { Engine } from '../core/engine';
import { ruleUrl, type RuleMeta, type RuleOptions } from '../core/rule';
import { RULES } from '../rules/index';
import { VERSION } from '../version';
import { lintSingleFile } from './single-file';

/** The plugin's namespace: rule ids are `normlint/<rule name>`. */
export const PLUGIN_NAMESPACE = 'normlint';

/** The files `configs.recommended` applies to: TypeScript and JavaScript, JSX included. */
export const RECOMMENDED_FILES: readonly string[] = ['**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}'];

/**
 * `settings.normlint` in an ESLint config: the options of `[tool.normlint]` (camelCase), for
 * every normlint rule of the files the config applies to.
 *
 * @example
 * ```js
 * export default [{ settings: { normlint: { minBatchSize: 8 } } }];
 * ```
 */
export interface NormlintSettings {
  /** NL004 (and NL006's small-batch note): per-device batch sizes below this are reported. Default 16. */
  minBatchSize?: number;
  /** NL004: report a training loader with BatchNorm and no `drop_last`. Default true. */
  checkDropLast?: boolean;
  /** Modules whose construction cannot be resolved are assumed to carry BatchNorm. Default false. */
  assumeUnknownModulesNormalize?: boolean;
}

/** The plugin object: ESLint 9 flat-config plugin with its `recommended` config. */
export interface NormlintEslintPlugin extends ESLint.Plugin {
  meta: { name: 'normlint'; version: string; namespace: 'normlint' };
  /** One rule per normlint rule, keyed by rule name (`missing-eval`). */
  rules: Record<string, Rule.RuleModule>;
  configs: {
    /**
     * A flat config for TypeScript and JavaScript files enabling every normlint rule that is on
     * by default and can report TensorFlow.js code.
     */
    recommended: Linter.Config;
  };
}

/** Message ids of every normlint ESLint rule (the text is normlint's own message or fix title). */
const MESSAGES = { finding: '{{message}}', fix: '{{title}}' } as const;
type MessageId = keyof typeof MESSAGES;

/** ESLint severity of a normlint severity in `configs.recommended`. */
export function eslintSeverity(severity: Severity): 'error' | 'warn' {
  return severity === 'error' ? 'error' : 'warn';
}

/**
 * Whether `configs.recommended` turns a rule on: enabled by default, and able to report
 * TensorFlow.js code (`frameworks` lists `tfjs`); rules that read only PyTorch or Keras facts
 * exist in the plugin but would never fire on the files that config covers.
 */
export function isRecommended(meta: RuleMeta): boolean {
  return meta.enabledByDefault && meta.frameworks.includes('tfjs');
}

/**
 * Reads and validates `settings.normlint`.
 * @throws Error naming the bad key when the settings are not {@link NormlintSettings}.
 */
export function readSettings(settings: Record<string, unknown> | undefined): Partial<RuleOptions> {
  const raw = settings?.[PLUGIN_NAMESPACE];
  if (raw === undefined || raw === null) return {};
  const where = `settings.${PLUGIN_NAMESPACE}`;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`normlint: \`${where}\` must be an object`);
  const out: Partial<RuleOptions> = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    switch (key) {
      case 'minBatchSize':
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
          throw new Error(`normlint: \`${where}.minBatchSize\` must be an integer >= 1, got ${JSON.stringify(value)}`);
        }
        out.minBatchSize = value;
        break;
      case 'checkDropLast':
      case 'assumeUnknownModulesNormalize':
        if (typeof value !== 'boolean') throw new Error(`normlint: \`${where}.${key}\` must be a boolean, got ${JSON.stringify(value)}`);
        out[key] = value;
        break;
      default:
        throw new Error(
          `normlint: unknown key \`${where}.${key}\` (expected minBatchSize, checkDropLast or assumeUnknownModulesNormalize)`,
        );
    }
  }
  return out;
}

/** The engine path of an ESLint file name: its base name (a single-file project). */
export function enginePath(filename: string): string {
  const parts = filename.split(/[\\/]/);
  return parts[parts.length - 1] || filename;
}

/**
 * A memo of the single-file runs, keyed by ESLint's `SourceCode` object (one per file and fix
 * pass, shared by every rule of that pass), then by file name and options.
 */
class RunCache {
  private readonly runs = new WeakMap<object, Map<string, Diagnostic[]>>();

  constructor(private readonly engine: Engine) {}

  /** The findings of every normlint rule in the file `context` lints (computed once). */
  findings(context: Rule.RuleContext): Diagnostic[] {
    const sourceCode = context.sourceCode;
    const options = readSettings(context.settings as Record<string, unknown> | undefined);
    const key = `${context.filename}\0${JSON.stringify(options)}`;
    let byKey = this.runs.get(sourceCode);
    if (!byKey) this.runs.set(sourceCode, (byKey = new Map()));
    let found = byKey.get(key);
    if (!found) {
      const run = lintSingleFile(this.engine, enginePath(context.filename), sourceCode.text, options);
      // Bugs in normlint: the analysis concerned was dropped, the rest completed (the CLI
      // prints them the same way, as errors on stderr).
      for (const e of run.internalErrors) {
        process.emitWarning(`${context.filename}: ${e}`, {
          type: 'NormlintInternalError',
          code: 'NORMLINT_INTERNAL_ERROR',
          detail: 'normlint checked the rest of the file; please report it',
        });
      }
      found = run.diagnostics;
      byKey.set(key, found);
    }
    return found;
  }
}

/** A fix's edits as ESLint fix operations (UTF-16 offsets are ESLint's range unit too). */
function fixOps(fix: Fix): (fixer: Rule.RuleFixer) => Rule.Fix[] {
  return (fixer) => fix.edits.map((e) => fixer.replaceTextRange([e.start, e.end], e.content));
}

/** The ESLint report of a normlint finding. */
function toReport(d: Diagnostic, sourceCode: SourceCode): Rule.ReportDescriptor {
  const safe = d.fix && d.fix.applicability === 'safe' && d.fix.edits.length > 0 ? d.fix : null;
  const offered = [...(d.fix && d.fix !== safe ? [d.fix] : []), ...(d.alternatives ?? [])].filter((f) => f.edits.length > 0);
  return {
    loc: { start: sourceCode.getLocFromIndex(d.span.start), end: sourceCode.getLocFromIndex(d.span.end) },
    messageId: 'finding' satisfies MessageId,
    data: { message: d.message },
    ...(safe ? { fix: fixOps(safe) } : {}),
    ...(offered.length > 0
      ? { suggest: offered.map((f) => ({ messageId: 'fix' satisfies MessageId, data: { title: f.title }, fix: fixOps(f) })) }
      : {}),
  };
}

/** The ESLint rule of one normlint rule. */
function eslintRule(meta: RuleMeta, runs: RunCache): Rule.RuleModule {
  const fixes = meta.fix !== 'never';
  return {
    meta: {
      type: meta.severity === 'info' ? 'suggestion' : 'problem',
      docs: { description: meta.summary, url: ruleUrl(meta.code), recommended: isRecommended(meta) },
      // RuleMeta says whether a rule can fix, not with which applicability: every fixing rule
      // declares both (a safe fix is an ESLint fix, an unsafe or alternative one a suggestion).
      ...(fixes ? { fixable: 'code' as const, hasSuggestions: true } : {}),
      schema: [],
      messages: { ...MESSAGES },
    },
    create(context) {
      return {
        Program(): void {
          for (const d of runs.findings(context)) {
            if (d.code === meta.code) context.report(toReport(d, context.sourceCode));
          }
        },
      };
    },
  };
}

/**
 * Builds the ESLint plugin over a ready engine (synchronous; see `load.ts` for the engine).
 *
 * @param engine an engine created with every grammar (`Engine.create(readGrammars())`).
 * @param rules the rules to expose (default: every normlint rule, `RULES`).
 */
export function createPlugin(engine: Engine, rules: readonly RuleMeta[] = RULES): NormlintEslintPlugin {
  const runs = new RunCache(engine);
  const plugin: NormlintEslintPlugin = {
    meta: { name: 'normlint', version: VERSION, namespace: PLUGIN_NAMESPACE },
    rules: Object.fromEntries(rules.map((m) => [m.name, eslintRule(m, runs)])),
    configs: { recommended: {} },
  };
  plugin.configs.recommended = {
    name: `${PLUGIN_NAMESPACE}/recommended`,
    files: [...RECOMMENDED_FILES],
    plugins: { [PLUGIN_NAMESPACE]: plugin },
    rules: Object.fromEntries(rules.filter(isRecommended).map((m) => [`${PLUGIN_NAMESPACE}/${m.name}`, eslintSeverity(m.severity)])),
  };
  return plugin;
}
