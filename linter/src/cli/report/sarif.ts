/**
 * SARIF 2.1.0 output (`--output-format sarif`) for code-scanning tools.
 *
 * One run; `tool.driver.rules` lists every rule (id, name, descriptions, `helpUri`, default
 * level); results carry `ruleId`/`ruleIndex`, `level` (error/warning/note), the location,
 * `relatedLocations` and `fixes`. Columns count Unicode code points (`columnKind`), so they
 * match the text and JSON formats. Paths inside the current directory are relative to
 * `%SRCROOT%` (the current directory); others are absolute `file:` URIs.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Severity } from '../../core/diagnostic';
import { ruleUrl } from '../../core/rule';
import { detectLineEnding, normalizeEol } from '../../core/apply-fixes';
import type { ReportInput, ReportedFile } from './common';
import { relativeInside } from '../paths';

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
  const { start, end } = file.locate(span);
  return { startLine: start.row, startColumn: start.column, endLine: end.row, endColumn: end.column };
}

/** The SARIF log as a plain object. */
export function toSarif(input: ReportInput): Record<string, unknown> {
  const rules = [...input.rules].sort((a, b) => a.code.localeCompare(b.code));
  const ruleIndex = new Map(rules.map((r, i) => [r.code, i]));
  const results = input.items.map(({ diag, file, related }) => {
    const result: Record<string, unknown> = {
      ruleId: diag.code,
      level: level(diag.severity),
      message: { text: diag.message },
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
    if (diag.fix && diag.fix.edits.length) {
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
            rules: rules.map((r) => ({
              id: r.code,
              name: r.name,
              shortDescription: { text: r.summary },
              fullDescription: { text: r.summary },
              helpUri: ruleUrl(r.code),
              defaultConfiguration: { level: level(r.severity), enabled: r.enabledByDefault },
              properties: { fix: r.fix, frameworks: r.frameworks },
            })),
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
export function renderSarif(input: ReportInput): string {
  return JSON.stringify(toSarif(input), null, 2) + '\n';
}
