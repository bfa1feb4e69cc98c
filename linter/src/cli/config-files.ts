/**
 * Discovery of config files and per-file configuration for the CLI.
 *
 * Like Ruff, the nearest config to a file wins (no merging up the hierarchy): in each directory
 * from the file's upward, `normlint.toml` first, then a `pyproject.toml` that has a
 * `[tool.normlint]` table. `--config PATH` replaces discovery for every file; its relative
 * patterns (`exclude`, `per-file-ignores`) are then relative to the current directory.
 */
import fs from 'node:fs';
import path from 'node:path';
import ignore from 'ignore';
import type { RuleMeta } from '../core/rule';
import { displayPath, relativeInside } from './paths';
import type { FileConfig } from '../core/engine';
import { formatConfigError, parseConfig, resolveFileConfig, type ConfigError, type NormlintConfig, type SelectionFlags } from '../core/config';

/** Directories and files never walked unless `exclude` replaces this list (Ruff's defaults plus ours). */
export const DEFAULT_EXCLUDE: readonly string[] = [
  '.bzr', '.direnv', '.eggs', '.git', '.git-rewrite', '.hg', '.ipynb_checkpoints', '.mypy_cache', '.nox', '.pants.d',
  '.pyenv', '.pytest_cache', '.pytype', '.ruff_cache', '.normlint_cache', '.svn', '.tox', '.venv', '.vscode',
  '__pypackages__', '_build', 'buck-out', 'dist', 'node_modules', 'site-packages', 'venv',
];

/** A loaded config file and the directory its relative patterns are relative to. */
export interface LoadedConfig {
  config: NormlintConfig;
  /** Absolute path of the config file. */
  file: string;
  /** Base directory for `exclude` and `per-file-ignores`. */
  baseDir: string;
  /** The file's text (part of the whole-run cache key). */
  text: string;
}

/** Thrown when config files are invalid; `errors` are already formatted (`file:line: message`). */
export class ConfigFileError extends Error {
  constructor(readonly errors: string[]) {
    super(errors.join('\n'));
  }
}

/** Finds and caches configs per directory, and resolves {@link FileConfig}s. */
export class ConfigResolver {
  private readonly byDir = new Map<string, LoadedConfig | null>();
  private readonly explicit: LoadedConfig | null;
  private readonly errors: string[] = [];
  private readonly located: Array<ConfigError & { abs: string }> = [];
  private readonly fileConfigs = new Map<string, FileConfig>();
  private readonly excludeMatchers = new Map<LoadedConfig | null, ReturnType<typeof ignore>>();

  /**
   * @param registry all rules (selectors are validated against it).
   * @param flags CLI selection flags (applied after the config).
   * @param cwd the current directory (display names of config files are relative to it).
   * @param configPath `--config PATH`, if given.
   * @throws ConfigFileError when `configPath` is missing or invalid.
   */
  constructor(
    private readonly registry: readonly RuleMeta[],
    private readonly flags: SelectionFlags,
    private readonly cwd: string,
    configPath?: string,
  ) {
    if (configPath !== undefined) {
      const abs = path.resolve(cwd, configPath);
      let text: string;
      try {
        text = fs.readFileSync(abs, 'utf8');
      } catch (e) {
        throw new ConfigFileError([`${configPath}: cannot read config file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`]);
      }
      const display = this.display(abs);
      const r = parseConfig(text, display, registry);
      if (!r.ok) throw new ConfigFileError(r.errors.map(formatConfigError));
      if (!r.config) throw new ConfigFileError([`${display}: no \`[tool.normlint]\` table in this pyproject.toml`]);
      this.explicit = { config: r.config, file: abs, baseDir: cwd, text };
    } else {
      this.explicit = null;
    }
  }

  private display(abs: string): string {
    return displayPath(abs, this.cwd);
  }

  /** Errors found so far in discovered config files (formatted). */
  get configErrors(): readonly string[] {
    return this.errors;
  }

  /** Errors found so far in discovered config files, with the config file's absolute path. */
  get configProblems(): ReadonlyArray<ConfigError & { abs: string }> {
    return this.located;
  }

  /** Every config file used so far, sorted by path (for cache keys). */
  usedConfigs(): LoadedConfig[] {
    const all = new Set<LoadedConfig>();
    if (this.explicit) all.add(this.explicit);
    for (const c of this.byDir.values()) if (c) all.add(c);
    return [...all].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  }

  private loadDir(dir: string): LoadedConfig | null {
    for (const name of ['normlint.toml', 'pyproject.toml']) {
      const file = path.join(dir, name);
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      if (name === 'pyproject.toml' && !text.includes('normlint')) continue;
      const r = parseConfig(text, this.display(file), this.registry);
      if (!r.ok) {
        this.errors.push(...r.errors.map(formatConfigError));
        this.located.push(...r.errors.map((e) => ({ ...e, abs: file })));
        return null;
      }
      if (r.config) return { config: r.config, file, baseDir: dir, text };
    }
    return null;
  }

  /** The config that applies to files in `dir` (absolute): `--config`, or the nearest one. */
  configForDir(dir: string): LoadedConfig | null {
    if (this.explicit) return this.explicit;
    const chain: string[] = [];
    let d = dir;
    let found: LoadedConfig | null | undefined;
    for (;;) {
      found = this.byDir.get(d);
      if (found !== undefined) break;
      chain.push(d);
      found = this.loadDir(d);
      if (found) break;
      const parent = path.dirname(d);
      if (parent === d) break;
      d = parent;
    }
    for (const c of chain) this.byDir.set(c, found ?? null);
    return found ?? null;
  }

  /** Whether `abs` (a file, or a directory when `isDir`) is excluded by `exclude`/`extend-exclude`. */
  isExcluded(abs: string, isDir: boolean): boolean {
    const loaded = this.configForDir(isDir ? abs : path.dirname(abs));
    let matcher = this.excludeMatchers.get(loaded);
    if (!matcher) {
      matcher = ignore().add([...(loaded?.config.exclude ?? DEFAULT_EXCLUDE), ...(loaded?.config.extendExclude ?? [])]);
      this.excludeMatchers.set(loaded, matcher);
    }
    const base = loaded?.baseDir ?? path.parse(abs).root;
    const rel = relativeInside(base, abs);
    if (!rel) {
      // Outside the config's directory: only base names can match (e.g. `.venv`).
      return matcher.ignores(path.basename(abs) + (isDir ? '/' : ''));
    }
    return matcher.ignores(rel + (isDir ? '/' : ''));
  }

  /** The resolved configuration of the file at `abs`. */
  fileConfig(abs: string): FileConfig {
    let fc = this.fileConfigs.get(abs);
    if (fc) return fc;
    const loaded = this.configForDir(path.dirname(abs));
    const layers = loaded ? [{ config: loaded.config, relPath: relativeInside(loaded.baseDir, abs) ?? undefined }] : [];
    // Files sharing a config and no per-file-ignores share one FileConfig.
    const shareKey = loaded && loaded.config.perFileIgnores.length === 0 ? `config:${loaded.file}` : loaded ? null : 'config:';
    if (shareKey) fc = this.fileConfigs.get(shareKey);
    if (!fc) {
      fc = resolveFileConfig(layers, this.flags, this.registry);
      if (shareKey) this.fileConfigs.set(shareKey, fc);
    }
    this.fileConfigs.set(abs, fc);
    return fc;
  }
}
