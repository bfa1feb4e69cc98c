/**
 * Rule metadata and the options every rule can read. A rule is one concept across frameworks
 * (see `shared/spec/RULES.md`); its code is stable public API.
 */
import type { Severity } from './diagnostic';

/** Whether a rule can offer a fix: always, for some findings, or never (Ruff's FixAvailability). */
export type FixAvailability = 'always' | 'sometimes' | 'never';

/** Static description of a rule (no behaviour). */
export interface RuleMeta {
  /** `NL` + three digits. Never renumbered or reused. */
  code: string;
  /** kebab-case name of the bad pattern, e.g. `missing-eval`. */
  name: string;
  /** One-line summary for listings and SARIF `shortDescription`. */
  summary: string;
  /** Default severity (a rule may report a different one per finding, e.g. NL004's batch of 1). */
  severity: Severity;
  fix: FixAvailability;
  /** Enabled unless selected explicitly (`false` for rules that are off by default). */
  enabledByDefault: boolean;
  /** Frameworks whose facts the rule reads. */
  frameworks: Array<'pytorch' | 'keras' | 'tfjs'>;
}

/**
 * Options that rules read, resolved for one file from config files and flags.
 * Keys mirror `[tool.normlint]` (kebab-case there, camelCase here).
 */
export interface RuleOptions {
  /** NL004: per-device batch sizes below this are reported (default 16). */
  minBatchSize: number;
  /** NL004: report a training DataLoader with BatchNorm and no `drop_last` (default true). */
  checkDropLast: boolean;
  /** When true, modules whose construction cannot be resolved are assumed to carry BatchNorm. */
  assumeUnknownModulesNormalize: boolean;
}

export const DEFAULT_RULE_OPTIONS: RuleOptions = {
  minBatchSize: 16,
  checkDropLast: true,
  assumeUnknownModulesNormalize: false,
};

/** Base URL of the rule documentation pages; a rule's page is `${DOCS_BASE_URL}/NL001.md`. */
export const DOCS_BASE_URL = 'https://github.com/normlint/normlint/blob/main/docs/rules';

/** The documentation URL of a rule. */
export function ruleUrl(code: string): string {
  return `${DOCS_BASE_URL}/${code}.md`;
}
