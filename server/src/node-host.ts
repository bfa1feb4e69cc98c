/**
 * The language server's {@link Host} on Node: files through `node:fs`, folder walks and config
 * files exactly as the CLI does them (`linter/src/cli/`), grammars from `<package>/grammars/`.
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { SelectionFlags } from '../../linter/src/core/config';
import { RULES } from '../../linter/src/rules/index';
import { ConfigResolver } from '../../linter/src/cli/config-files';
import { walkPythonFiles } from '../../linter/src/cli/project';
import { readSource } from '../../linter/src/cli/source';
import { readGrammars } from '../../linter/src/cli/env';
import type { Configs, Host, ReadResult } from './host';

/** The file system path of a `file:` URI, or null for other schemes. */
export function uriToPath(uri: string): string | null {
  if (!uri.startsWith('file:')) return null;
  try {
    return fileURLToPath(uri);
  } catch {
    return null;
  }
}

/** The `file:` URI of an absolute path. */
export function pathToUri(p: string): string {
  return pathToFileURL(p).href;
}

class NodeConfigs implements Configs {
  constructor(readonly resolver: ConfigResolver) {}

  fileConfig(uri: string) {
    return this.resolver.fileConfig(uriToPath(uri) ?? uri);
  }

  problems() {
    return this.resolver.configProblems.map((p) => ({ uri: pathToUri(p.abs), line: p.line, ...(p.column != null ? { column: p.column } : {}), message: p.message }));
  }
}

/** The Node host. */
export const nodeHost: Host = {
  readFile(uri: string): ReadResult {
    const abs = uriToPath(uri);
    if (abs === null) return { ok: false, reason: 'not a file: URI' };
    const r = readSource(abs, abs);
    return r.ok ? { ok: true, text: r.file.text, notebook: r.file.notebook } : { ok: false, reason: r.reason };
  },

  listPythonFiles(rootUri: string, configs: Configs): string[] {
    const root = uriToPath(rootUri);
    if (root === null) return [];
    return walkPythonFiles(root, (configs as NodeConfigs).resolver).files.map(pathToUri);
  },

  createConfigs(rootUri: string, flags: SelectionFlags): Configs {
    const root = uriToPath(rootUri) ?? process.cwd();
    return new NodeConfigs(new ConfigResolver(RULES, flags, root));
  },

  relativePath(rootUri: string, uri: string): string | null {
    const root = uriToPath(rootUri);
    const abs = uriToPath(uri);
    if (root === null || abs === null) return null;
    const rel = path.relative(root, abs);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return null;
    return rel.split(path.sep).join('/');
  },

  uriOf(rootUri: string, rel: string): string {
    return pathToUri(path.join(uriToPath(rootUri) ?? '/', ...rel.split('/')));
  },

  looseRoot(uri: string): string {
    const abs = uriToPath(uri);
    return abs === null ? uri.slice(0, uri.lastIndexOf('/')) : pathToUri(path.dirname(abs));
  },

  async grammars() {
    return readGrammars();
  },

  rssBytes(): number | null {
    return process.memoryUsage.rss();
  },
};
