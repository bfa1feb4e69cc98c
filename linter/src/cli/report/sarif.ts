/**
 * SARIF 2.1.0 output (`--output-format sarif`) for code-scanning tools.
 *
 * One run; `tool.driver.rules` lists every rule (id, name, descriptions, `helpUri`, default
 * level); results carry `ruleId`/`ruleIndex`, `level` (error/warning/note), the location,
 * `relatedLocations` and `fixes`. Columns count Unicode code points (`columnKind`), so they
 * match the text and JSON formats. Paths inside the current directory are relative to
 * `%SRCROOT%` (the current directory); others are absolute `file:` URIs.
 *
 * GitHub code scanning ("SARIF support for code scanning") reads a subset; what it needs is
 * there: each rule has `shortDescription`, `fullDescription` (at most 1024 characters),
 * `help.text` and `help.markdown` (the rule's documentation page), `helpUri`,
 * `defaultConfiguration.level` and `properties.tags`/`precision`/`problem.severity` (no
 * `security-severity`: these are not security findings); each result has one location, a
 * message that links its related locations (`[text](id)`: GitHub shows related locations
 * only when the message embeds them), and `partialFingerprints["normlint/v1"]`: a hash of the
 * rule and the code on the finding's line, numbered among equal ones in the file, so an alert
 * survives lines moving. `primaryLocationLineHash` is left to the `upload-sarif` action, which
 * computes it from the checkout (a value of ours would not match its algorithm). Run normlint
 * from the repository root so that relative `uri`s are repository paths.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Severity } from '../../core/diagnostic';
import { DOCS_BASE_URL, ruleUrl } from '../../core/rule';
import { detectLineEnding, normalizeEol } from '../../core/apply-fixes';
import type { ReportInput, ReportedFile } from './common';
import { relativeInside } from '../paths';
import { LineSources, sourceHash } from '../fingerprint';

/** Options of {@link toSarif}. */
export interface SarifOptions {
  /** A rule's documentation (Markdown), or null when unavailable (then the summary and URL are the help). */
  ruleDocs?: (code: string) => string | null;
}

/** GitHub code scanning's limit on `shortDescription` and `fullDescription` (characters). */
export const SARIF_DESCRIPTION_MAX = 1024;

/** The partial-fingerprint key of normlint's own fingerprint. */
export const FINGERPRINT_KEY = 'normlint/v1';

/** `s` cut to `max` code units (with an ellipsis when cut, never splitting a surrogate pair). */
function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  let cut = max - 1;
  if (/[\uD800-\uDBFF]/.test(s[cut - 1] ?? '')) cut--;
  return s.slice(0, cut) + '…';
}

/** The first paragraph under `## What it does` of a rule page, on one line (null if absent). */
export function whatItDoes(markdown: string): string | null {
  const m = /^##\s+What it does\s*$/m.exec(markdown);
  if (!m) return null;
  const rest = markdown.slice(m.index + m[0].length).replace(/^\s+/, '');
  const para = rest.split(/\r?\n\s*\r?\n/)[0] ?? '';
  const text = para.replace(/\s+/g, ' ').trim();
  return text && !text.startsWith('#') ? text : null;
}

/**
 * A rule page with its relative links (`[NL002](NL002.md)`) made absolute, so they work where
 * code scanning shows the help.
 */
export function absoluteLinks(markdown: string): string {
  return markdown.replace(/\]\((?![a-z][a-z0-9+.-]*:|#)([^)\s]+)\)/gi, (_, target: string) => `](${new URL(target, `${DOCS_BASE_URL}/`).href})`);
}

/** Escape `\`, `[` and `]` for the text of an embedded link (SARIF §3.11.6). */
function linkText(s: string): string {
  return s.replace(/[\\[\]]/g, (c) => `\\${c}`);
}

/**
 * A result's message with its related locations embedded as links (`[text](id)`), which is
 * how GitHub shows them. Brackets in the message that would read as a link are escaped.
 */
function messageWithLinks(message: string, related: ReadonlyArray<{ id: number; text: string }>): string {
  const base = message.replace(/\[([^\]]*)\](?=\()/g, (_, inner: string) => `\\[${inner}\\]`);
  if (!related.length) return base;
  return `${base} (related: ${related.map((r) => `[${linkText(r.text)}](${r.id})`).join(', ')})`;
}

const SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

function level(s: Severity): 'error' | 'warning' | 'note' {
  return s === 'info' ? 'note' : s;
}

function artifactLocation(file: ReportedFile, cwd: string): { uri: string; uriBaseId?: string } {
  const rel = relativeInside(cwd, file.abs);
  if (rel) return { uri: rel.split('/').map(encodeURIComponent).join('/'), uriBaseId: '%SRCROOT%' };
  return { uri: pathToFileURL(file.abs).href };
}

function region(file: ReportedFile, span: { start: number; end: number }): Record<string, number> {
  // In a notebook: the place in the .ipynb JSON text (what code scanning shows).
  const { start, end } = file.locateInFile(span);
  return { startLine: start.row, startColumn: start.column, endLine: end.row, endColumn: end.column };
}

/** The SARIF log as a plain object. */
export function toSarif(input: ReportInput, options: SarifOptions = {}): Record<string, unknown> {
  const rules = [...input.rules].sort((a, b) => a.code.localeCompare(b.code));
  const ruleIndex = new Map(rules.map((r, i) => [r.code, i]));
  const lineSources = new Map<string, LineSources>();
  const seen = new Map<string, number>();
  const results = input.items.map(({ diag, file, related }) => {
    let lines = lineSources.get(file.abs);
    if (!lines) lineSources.set(file.abs, (lines = new LineSources(file.text ?? '')));
    const hash = sourceHash(diag.code, lines.sourceAt(diag.span.start));
    const nth = (seen.get(`${file.abs}\0${hash}`) ?? 0) + 1;
    seen.set(`${file.abs}\0${hash}`, nth);
    const result: Record<string, unknown> = {
      ruleId: diag.code,
      level: level(diag.severity),
      message: { text: messageWithLinks(diag.message, related.map((r, i) => ({ id: i + 1, text: r.info.message }))) },
      partialFingerprints: { [FINGERPRINT_KEY]: `${hash}:${nth}` },
      locations: [{ physicalLocation: { artifactLocation: artifactLocation(file, input.cwd), region: region(file, diag.span) } }],
    };
    const idx = ruleIndex.get(diag.code);
    if (idx !== undefined) result.ruleIndex = idx;
    if (related.length) {
      result.relatedLocations = related.map((r, i) => ({
        id: i + 1,
        physicalLocation: { artifactLocation: artifactLocation(r.file, input.cwd), region: region(r.file, r.info.span) },
        message: { text: r.info.message },
      }));
    }
    if (file.notebook) {
      // Where the finding is in the notebook as a user sees it (the region is in the JSON).
      const at = file.locate(diag.span);
      result.properties = { cell: at.cell, cellLocation: at.start };
    }
    // A fix to a notebook cannot be expressed as a replacement of the JSON text's characters
    // (its content would need JSON escaping): notebooks carry no SARIF fixes.
    if (diag.fix && diag.fix.edits.length && !file.notebook) {
      const eol = detectLineEnding(file.text ?? '');
      result.fixes = [
        {
          description: { text: diag.fix.title },
          artifactChanges: [
            {
              artifactLocation: artifactLocation(file, input.cwd),
              replacements: diag.fix.edits.map((e) => ({
                deletedRegion: region(file, e),
                insertedContent: { text: normalizeEol(e.content, eol) },
              })),
            },
          ],
        },
      ];
      result.properties = { applicability: diag.fix.applicability };
    }
    return result;
  });
  const srcroot = pathToFileURL(input.cwd.endsWith(path.sep) ? input.cwd : input.cwd + path.sep).href;
  return {
    $schema: SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'normlint',
            version: input.version,
            semanticVersion: input.version,
            informationUri: 'https://github.com/normlint/normlint',
            rules: rules.map((r) => {
              const raw = options.ruleDocs?.(r.code) ?? null;
              const docs = raw && absoluteLinks(raw);
              const help = docs ?? `${r.summary}\n\nDocumentation: ${ruleUrl(r.code)}\n`;
              return {
                id: r.code,
                name: r.name,
                shortDescription: { text: truncate(r.summary, SARIF_DESCRIPTION_MAX) },
                fullDescription: { text: truncate((docs && whatItDoes(docs)) ?? r.summary, SARIF_DESCRIPTION_MAX) },
                help: { text: help, markdown: help },
                helpUri: ruleUrl(r.code),
                defaultConfiguration: { level: level(r.severity), enabled: r.enabledByDefault },
                properties: {
                  // GitHub: tags filter alerts; precision sorts them (normlint reports only what it
                  // resolved: "precision first"); problem.severity is the non-security severity.
                  tags: ['normalization', ...r.frameworks, r.severity === 'info' ? 'maintainability' : 'correctness'],
                  precision: 'high',
                  'problem.severity': r.severity === 'info' ? 'recommendation' : r.severity,
                  fix: r.fix,
                  frameworks: r.frameworks,
                },
              };
            }),
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { uri: srcroot } },
        columnKind: 'unicodeCodePoints',
        results,
      },
    ],
  };
}

/** Render SARIF output. */
export function renderSarif(input: ReportInput, options: SarifOptions = {}): string {
  return JSON.stringify(toSarif(input, options), null, 2) + '\n';
}
