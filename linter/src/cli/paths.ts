/** Path helpers shared by the CLI (the engine only sees project-relative `/` paths). */
import path from 'node:path';

/** `p` with `/` separators. */
export function toPosix(p: string): string {
  return path.sep === '/' ? p : p.split(path.sep).join('/');
}

/**
 * `abs` relative to `base` with `/` separators (`''` when equal), or `null` when `abs` is not
 * inside `base`.
 */
export function relativeInside(base: string, abs: string): string | null {
  const rel = path.relative(base, abs);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return null;
  return toPosix(rel);
}

/** How the CLI names a file: relative to `cwd` when inside it, else absolute. */
export function displayPath(abs: string, cwd: string): string {
  const rel = relativeInside(cwd, abs);
  return rel ? rel : toPosix(abs);
}

/** Whether `p` is `dir` or lies inside it (absolute paths). */
export function isUnder(dir: string, p: string): boolean {
  return p === dir || p.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);
}
