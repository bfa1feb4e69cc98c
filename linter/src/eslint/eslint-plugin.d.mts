/**
 * Type declarations of `normlint/eslint-plugin` (dist/eslint-plugin.mjs), copied to
 * dist/eslint-plugin.d.mts by scripts/eslint-build.mjs. Keep in sync with
 * linter/src/eslint/plugin.ts (`NormlintEslintPlugin`, `NormlintSettings`).
 *
 * @example
 * ```js
 * // eslint.config.mjs
 * import normlint from 'normlint/eslint-plugin';
 * export default [normlint.configs.recommended];
 * ```
 */
import type { ESLint, Linter, Rule } from 'eslint';

/**
 * `settings.normlint` in an ESLint config: the options of `[tool.normlint]` (camelCase), shared
 * by every normlint rule of the files the config applies to.
 */
export interface NormlintSettings {
  /** NL004 (and NL006's small-batch note): per-device batch sizes below this are reported. Default 16. */
  minBatchSize?: number;
  /** NL004: report a training loader with BatchNorm and no `drop_last`. Default true. */
  checkDropLast?: boolean;
  /** Modules whose construction cannot be resolved are assumed to carry BatchNorm. Default false. */
  assumeUnknownModulesNormalize?: boolean;
}

/** normlint's ESLint plugin (ESLint 9 flat config). */
export interface NormlintEslintPlugin extends ESLint.Plugin {
  meta: { name: 'normlint'; version: string; namespace: 'normlint' };
  /** One rule per normlint rule, keyed by rule name (`missing-eval`, `bias-before-norm`...). */
  rules: Record<string, Rule.RuleModule>;
  configs: {
    /**
     * A flat config for TypeScript and JavaScript files (`**\/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}`)
     * enabling every normlint rule that is on by default and can report TensorFlow.js code.
     */
    recommended: Linter.Config;
  };
}

/** The plugin, with its engine already loaded. */
declare const plugin: NormlintEslintPlugin;
export default plugin;
