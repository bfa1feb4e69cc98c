/**
 * `normlint rule NL001` (or a rule name) prints the rule's documentation, `docs/rules/NL001.md`
 * as shipped in the package; `normlint rule --all` lists every rule.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RuleMeta } from '../core/rule';
import { ruleUrl } from '../core/rule';
import { suggest } from '../core/config';
import { PACKAGE_ROOT } from './env';

/** Options of `normlint rule`. */
export interface RuleCommandOptions {
  rule?: string;
  all: boolean;
  outputFormat: 'text' | 'json';
}

/**
 * A rule's documentation page as shipped with normlint (`docs/rules/NL001.md`, Markdown), or
 * null when it is not there (an installation without the docs). Never throws.
 */
export function readRuleDocs(code: string): string | null {
  if (!/^[A-Z]+[0-9]+$/.test(code)) return null;
  try {
    return fs.readFileSync(path.join(PACKAGE_ROOT, 'docs', 'rules', `${code}.md`), 'utf8');
  } catch {
    return null;
  }
}

/**
 * Run `normlint rule`.
 * @returns `{ stdout, stderr, code }`: what to print and the exit code (2 for an unknown rule).
 */
export function runRule(opts: RuleCommandOptions, registry: readonly RuleMeta[]): { stdout: string; stderr: string; code: number } {
  const sorted = [...registry].sort((a, b) => a.code.localeCompare(b.code));
  if (opts.all) {
    if (opts.outputFormat === 'json') {
      return { stdout: JSON.stringify(sorted.map((r) => ({ ...r, url: ruleUrl(r.code) })), null, 2) + '\n', stderr: '', code: 0 };
    }
    const nameWidth = Math.max(...sorted.map((r) => r.name.length));
    const lines = sorted.map(
      (r) =>
        `${r.code}  ${r.name.padEnd(nameWidth)}  ${r.severity.padEnd(7)}  ${r.fix === 'never' ? '   ' : '[*]'}  ${r.summary}${r.enabledByDefault ? '' : ' (off by default)'}`,
    );
    return { stdout: lines.join('\n') + '\n', stderr: '', code: 0 };
  }
  if (!opts.rule) return { stdout: '', stderr: 'error: a rule code or name is required (or `--all`)\n', code: 2 };
  const wanted = opts.rule.trim();
  const rule = sorted.find((r) => r.code === wanted.toUpperCase() || r.name === wanted.toLowerCase());
  if (!rule) {
    const hint = suggest(wanted, sorted.flatMap((r) => [r.code, r.name]));
    return { stdout: '', stderr: `error: unknown rule \`${wanted}\`${hint ? ` (did you mean \`${hint}\`?)` : ''}\n`, code: 2 };
  }
  const docs = readRuleDocs(rule.code) ?? `# ${rule.name} (${rule.code})\n\n${rule.summary}\n\nSee ${ruleUrl(rule.code)}\n`;
  if (opts.outputFormat === 'json') {
    return { stdout: JSON.stringify({ ...rule, url: ruleUrl(rule.code), explanation: docs }, null, 2) + '\n', stderr: '', code: 0 };
  }
  return { stdout: docs.endsWith('\n') ? docs : docs + '\n', stderr: '', code: 0 };
}
