/**
 * What the language server needs from its platform: files, folders, configuration files and
 * the grammar bytes. `node-host.ts` implements it on Node's file system; a web-worker build
 * would implement it over the editor's file system API. The rest of `server/src/` imports no
 * Node-only module.
 */
import type { FileConfig, Grammars } from '../../linter/src/core/engine';
import type { SelectionFlags } from '../../linter/src/core/config';
import type { Notebook } from '../../linter/src/notebook/notebook';

/** A problem in a config file, located for a diagnostic. */
export interface ConfigProblem {
  /** URI of the config file. */
  uri: string;
  /** 1-based line, null when it cannot be located. */
  line: number | null;
  /** 1-based column (TOML syntax errors). */
  column?: number;
  message: string;
}

/** Config files of one workspace folder, resolved with the editor's selection settings. */
export interface Configs {
  /** The configuration of the file at `uri` (nearest config file wins, then the settings). */
  fileConfig(uri: string): FileConfig;
  /** Problems found in the config files read so far. */
  problems(): ConfigProblem[];
}

/**
 * Result of reading a source file. For a Jupyter notebook (`.ipynb`), `text` is the notebook's
 * Python program (`Notebook.program`, what the engine analyzes) and `notebook` the parsed
 * notebook (its JSON text is `notebook.raw`); otherwise `notebook` is null or absent.
 */
export type ReadResult = { ok: true; text: string; notebook?: Notebook | null } | { ok: false; reason: string };

export interface Host {
  /**
   * Reads a source file (UTF-8; binary, invalid UTF-8 and files over the size limit are refused
   * with a reason). A notebook is read as its program; one that is not an nbformat 4 Python
   * notebook is refused.
   */
  readFile(uri: string): ReadResult;
  /**
   * Python files (`.py`, `.pyi`) and Jupyter notebooks (`.ipynb`) of a folder, as URIs,
   * honouring `.gitignore` and the config's `exclude`.
   */
  listPythonFiles(rootUri: string, configs: Configs): string[];
  /** Loads the config files of a folder (lazily, as files are resolved). */
  createConfigs(rootUri: string, flags: SelectionFlags): Configs;
  /** The path of `uri` relative to `rootUri` with `/` separators (decoded), or null when outside. */
  relativePath(rootUri: string, uri: string): string | null;
  /** The URI of a project-relative path. */
  uriOf(rootUri: string, rel: string): string;
  /** The folder URI a loose file (outside every workspace folder) is analyzed in. */
  looseRoot(uri: string): string;
  /** web-tree-sitter's runtime and the Python grammar. */
  grammars(): Promise<Grammars>;
  /** Resident set size in bytes, if the platform can tell. */
  rssBytes(): number | null;
}

/** Is `rel` a config file normlint reads? */
export function isConfigFile(rel: string): boolean {
  return /(^|\/)(normlint|pyproject)\.toml$/.test(rel);
}
