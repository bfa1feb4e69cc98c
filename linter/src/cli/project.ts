/**
 * Projects and file discovery for the CLI.
 *
 * A project root is the nearest directory, upward from a requested path, that holds
 * `pyproject.toml`, `setup.py`, `setup.cfg` or `.git`. Every `.py` file of the project is
 * analyzed (cross-file facts need them); only findings in the requested paths are reported.
 *
 * Walking respects `.gitignore` files (in the walked directories and their ancestors up to the
 * enclosing git repository, plus `.git/info/exclude`) and the config's `exclude`; ignored
 * directories are never entered. Files named explicitly on the command line are always
 * checked, even when excluded (like Ruff without `--force-exclude`); so are directories named
 * explicitly, where only the `.gitignore` files inside them then apply. Symbolic links to
 * directories are not followed.
 */
import fs from 'node:fs';
import path from 'node:path';
import ignore from 'ignore';
import type { ConfigResolver } from './config-files';
import { relativeInside } from './paths';
import { isSourcePath } from '../core/source-kind';

const PROJECT_MARKERS = ['pyproject.toml', 'setup.py', 'setup.cfg', '.git'];

/** The nearest ancestor of `dir` (inclusive) holding a project marker, or `null`. */
export function findProjectRoot(dir: string): string | null {
  let d = path.resolve(dir);
  for (;;) {
    if (PROJECT_MARKERS.some((m) => fs.existsSync(path.join(d, m)))) return d;
    const parent = path.dirname(d);
    if (parent === d) return null;
    d = parent;
  }
}

/**
 * The project root for a requested path: the nearest marker directory; without one, the
 * current directory when the path is inside it, else the path's own directory.
 */
export function projectRootFor(abs: string, isDir: boolean, cwd: string): string {
  const dir = isDir ? abs : path.dirname(abs);
  const root = findProjectRoot(dir);
  if (root) return root;
  return relativeInside(cwd, dir) !== null ? cwd : dir;
}

/** One `.gitignore`-like file: its rules and the directory they are relative to. */
interface IgnoreFile {
  base: string;
  matcher: ReturnType<typeof ignore>;
}

function readIgnoreFile(file: string, base: string): IgnoreFile | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  return { base, matcher: ignore().add(text) };
}

/** Whether the `.gitignore` stack (outermost first) ignores `abs`; deeper files take precedence. */
function gitIgnored(stack: readonly IgnoreFile[], abs: string, isDir: boolean): boolean {
  for (let i = stack.length - 1; i >= 0; i--) {
    const { base, matcher } = stack[i];
    const rel = relativeInside(base, abs);
    if (!rel) continue;
    const r = matcher.test(rel + (isDir ? '/' : ''));
    if (r.ignored) return true;
    if (r.unignored) return false;
  }
  return false;
}

/** The ignore files that apply above `dir`: `.gitignore`s from the enclosing git repository's root down to `dir`'s parent. */
function ancestorIgnores(dir: string): IgnoreFile[] {
  const chain: string[] = [];
  let d = path.dirname(dir);
  let gitRoot: string | null = fs.existsSync(path.join(dir, '.git')) ? dir : null;
  while (!gitRoot) {
    chain.unshift(d);
    if (fs.existsSync(path.join(d, '.git'))) gitRoot = d;
    const parent = path.dirname(d);
    if (parent === d) break;
    d = parent;
  }
  if (!gitRoot) return [];
  const stack: IgnoreFile[] = [];
  const info = readIgnoreFile(path.join(gitRoot, '.git', 'info', 'exclude'), gitRoot);
  if (info) stack.push(info);
  if (gitRoot === dir) return stack;
  for (const a of chain) {
    const f = readIgnoreFile(path.join(a, '.gitignore'), a);
    if (f) stack.push(f);
  }
  return stack;
}

/** Result of {@link walkPythonFiles}. */
export interface WalkResult {
  /** Absolute paths of the `.py` files and Jupyter notebooks (`.ipynb`) found, sorted. */
  files: string[];
  /** Directories that were not entered because they are ignored or excluded. */
  pruned: string[];
}

/**
 * All `.py` files and notebooks (`.ipynb`) under `dir` (absolute) that are neither git-ignored
 * nor excluded by config.
 * `dir` itself is not tested against the ignore rules (it was asked for).
 *
 * @param insideExcluded `dir` was named on the command line but is itself ignored or excluded
 *   (or lies inside such a directory): every rule from outside it would match everything in
 *   it, so only the `.gitignore` files inside `dir` apply.
 */
export function walkPythonFiles(dir: string, configs: ConfigResolver, insideExcluded = false): WalkResult {
  const files: string[] = [];
  const pruned: string[] = [];
  const visit = (d: string, stack: IgnoreFile[]): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    const own = entries.some((e) => e.name === '.gitignore') ? readIgnoreFile(path.join(d, '.gitignore'), d) : null;
    const here = own ? [...stack, own] : stack;
    for (const e of entries) {
      const abs = path.join(d, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        try {
          const st = fs.statSync(abs);
          isFile = st.isFile();
          isDir = false; // never follow links to directories (cycles)
        } catch {
          continue;
        }
      }
      if (isDir) {
        if (gitIgnored(here, abs, true) || (!insideExcluded && configs.isExcluded(abs, true))) {
          pruned.push(abs);
          continue;
        }
        visit(abs, here);
      } else if (isFile && (isSourcePath(e.name))) {
        if (gitIgnored(here, abs, false) || (!insideExcluded && configs.isExcluded(abs, false))) continue;
        files.push(abs);
      }
    }
  };
  visit(dir, insideExcluded ? [] : ancestorIgnores(dir));
  files.sort();
  return { files, pruned };
}
