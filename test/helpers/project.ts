/**
 * Test helpers that drive the engine the way the CLI does: analyze every file, lint the
 * project, apply suppressions. Used by the rule fixture tests.
 */
import { Notebook } from '../../linter/src/notebook/notebook';
import fs from 'node:fs';
import path from 'node:path';
import { Engine } from '../../linter/src/core/engine';
import type { Diagnostic } from '../../linter/src/core/diagnostic';
import type { FileConfig } from '../../linter/src/core/engine';
import { DEFAULT_RULE_OPTIONS, type RuleOptions } from '../../linter/src/core/rule';
import { RULES } from '../../linter/src/rules/index';
import { applySuppressions } from '../../linter/src/core/suppression';
import { LineIndex } from '../../linter/src/core/line-index';

import { loadGrammars } from './grammars';

let enginePromise: Promise<Engine> | null = null;

/** One engine per test process (loading the WASM grammars takes ~100 ms). */
export function testEngine(): Promise<Engine> {
  enginePromise ??= Engine.create(loadGrammars());
  return enginePromise;
}

/** Every rule enabled, default severities, the default rule options overridden by `options`. */
export function allRulesConfig(options: Partial<RuleOptions> = {}): FileConfig {
  return { enabled: new Set(RULES.map((r) => r.code)), severity: {}, options: { ...DEFAULT_RULE_OPTIONS, ...options } };
}

/** Lints an in-memory project (`{ 'pkg/model.py': '...' }`) with all rules enabled. */
export async function lintFiles(files: Record<string, string>, options: Partial<RuleOptions> = {}): Promise<Diagnostic[]> {
  const engine = await testEngine();
  const facts = Object.entries(files).map(([p, text]) => engine.analyze({ path: p, text }));
  const cfg = allRulesConfig(options);
  const diags = engine.lint(facts, { configFor: () => cfg, textOf: (p) => files[p] });
  const out: Diagnostic[] = [];
  for (const f of facts) {
    const mine = diags.filter((d) => d.file === f.path);
    out.push(...applySuppressions(mine, f.suppressions, files[f.path], cfg.enabled, { file: f.path, rules: RULES }));
  }
  return out;
}

/** A file's text as the engine sees it: a notebook's program (`Notebook.program`), else the file. */
function engineText(abs: string): string {
  const text = fs.readFileSync(abs, 'utf8');
  return abs.endsWith('.ipynb') ? Notebook.parse(text).program : text;
}

/** TypeScript and JavaScript sources (TensorFlow.js code): `.ts .mts .cts .tsx .js .mjs .cjs .jsx`. */
const SCRIPT_FILE = /\.(?:[cm]?[jt]s|[jt]sx)$/;

/** Reads a fixture: a `.py`, `.ipynb`, TypeScript or JavaScript file, or a directory of files (a project). */
export function readFixture(p: string): Record<string, string> {
  if (fs.statSync(p).isFile()) return { [path.basename(p)]: engineText(p) };
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules') walk(abs);
      } else if (/\.(py|ipynb)$/.test(e.name) || (SCRIPT_FILE.test(e.name) && !/\.d\.[cm]?ts$/.test(e.name))) {
        out[path.relative(p, abs).split(path.sep).join('/')] = engineText(abs);
      }
    }
  };
  walk(p);
  return out;
}

/** 1-based line of an offset. */
export function lineOf(text: string, offset: number): number {
  return new LineIndex(text).lineOf(offset) + 1;
}

/**
 * Expectations written in a fixture: `# expect: NL001` (or `# expect: NL001, NL003`) at the end
 * of the line the finding is reported on; `// expect: NL001` in TypeScript and JavaScript files.
 * Returns `file:line:CODE` strings.
 */
export function expectations(files: Record<string, string>): string[] {
  const out: string[] = [];
  for (const [p, text] of Object.entries(files)) {
    const marker = SCRIPT_FILE.test(p)
      ? /\/\/\s*expect:\s*([A-Z]{2}\d{3}(?:\s*,\s*[A-Z]{2}\d{3})*)/
      : /#\s*expect:\s*([A-Z]{2}\d{3}(?:\s*,\s*[A-Z]{2}\d{3})*)/;
    text.split('\n').forEach((line, i) => {
      const m = marker.exec(line);
      if (m) for (const c of m[1].split(',')) out.push(`${p}:${i + 1}:${c.trim()}`);
    });
  }
  return out.sort();
}

/** Findings as `file:line:CODE` strings. */
export function findings(files: Record<string, string>, diags: Diagnostic[]): string[] {
  return diags.map((d) => `${d.file}:${lineOf(files[d.file], d.span.start)}:${d.code}`).sort();
}
