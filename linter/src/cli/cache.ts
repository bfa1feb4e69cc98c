/**
 * The on-disk cache, `.normlint_cache/` at the project root (with a `.gitignore` of `*` and a
 * `CACHEDIR.TAG`, like Ruff's).
 *
 * - `facts/<xx>/<key>.json`: one file's {@link FileFacts}, keyed by sha256(build stamp + the
 *   file's content hash); valid for any path with the same content.
 * - `runs/<slot>.json`: a whole run's diagnostics (after suppression) for a project, stored
 *   under a slot per (build, flags, config) with the full key inside (build, flags, config
 *   texts, every project file's path and content hash). A warm rerun of an unchanged project
 *   reads this one file and nothing else.
 *
 * Writes are atomic (temp file + rename); unreadable, corrupt or stale entries are misses; a
 * cache directory that cannot be created disables the cache silently.
 */
import type { FileWarning } from '../project/finalize';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import type { FileFacts } from '../core/engine';
import type { Diagnostic } from '../core/diagnostic';

/** Name of the cache directory at a project root. */
export const CACHE_DIR_NAME = '.normlint_cache';

/** A malformed suppression directive (kept with a run so warm runs warn too). */
/** A file warning as cached with a run (see `project/finalize.ts`). */
export type DirectiveWarning = FileWarning;

/** A stored whole-run result. */
export interface RunEntry {
  key: string;
  diagnostics: Diagnostic[];
  warnings: DirectiveWarning[];
  /**
   * Files outside the key that the result depends on (loaded on demand to resolve names), as
   * (project-relative path, content hash): the entry is valid only while they are unchanged.
   */
  deps?: Array<[string, string]>;
}

/** sha256 hex of the parts, separated by NUL. */
export function hashParts(parts: readonly string[]): string {
  const h = crypto.createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex');
}

/**
 * Write `text` to `file` atomically (temp file + rename), creating the directory; failures are
 * ignored (a cache write is best effort).
 */
export function writeTextAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  } catch {
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* nothing to clean */
    }
  }
}

/** {@link writeTextAtomic} of `JSON.stringify(value)`. */
export function writeJsonAtomic(file: string, value: unknown): void {
  writeTextAtomic(file, JSON.stringify(value));
}

/** Read/write access to one project's cache (a no-op when disabled). */
export class Cache {
  private readonly dir: string;
  private ready: boolean | null = null;

  /**
   * @param root the project root.
   * @param enabled `false` for `--no-cache`.
   * @param stamp the build stamp (version + build), part of every key.
   */
  constructor(root: string, readonly enabled: boolean, private readonly stamp: string) {
    this.dir = path.join(root, CACHE_DIR_NAME);
  }

  private init(): boolean {
    if (this.ready !== null) return this.ready;
    if (!this.enabled) return (this.ready = false);
    try {
      fs.mkdirSync(this.dir, { recursive: true });
      const gi = path.join(this.dir, '.gitignore');
      if (!fs.existsSync(gi)) fs.writeFileSync(gi, '# Automatically created by normlint.\n*\n');
      const tag = path.join(this.dir, 'CACHEDIR.TAG');
      if (!fs.existsSync(tag)) {
        fs.writeFileSync(tag, 'Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by normlint.\n');
      }
      this.ready = true;
    } catch {
      this.ready = false;
    }
    return this.ready;
  }

  private readJson<T>(file: string): T | null {
    if (!this.enabled) return null;
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
    } catch {
      return null;
    }
  }

  private writeJson(file: string, value: unknown): void {
    if (this.init()) writeJsonAtomic(file, value);
  }

  /** The facts key of a file's content hash. */
  factsKey(contentHash: string): string {
    return hashParts([this.stamp, contentHash]);
  }

  /**
   * Where the facts for `key` are stored, or `null` when the cache is off or unusable. Whoever
   * analyzes the file (a worker thread, or the main thread) writes it with {@link writeJsonAtomic}.
   */
  factsPathForWrite(key: string): string | null {
    return this.init() ? this.factsFile(key) : null;
  }

  private factsFile(key: string): string {
    return path.join(this.dir, 'facts', key.slice(0, 2), `${key.slice(2)}.json`);
  }

  /**
   * Whether facts are stored for `key` (without reading them: they may still turn out corrupt).
   * Always false when the cache is off.
   */
  hasFacts(key: string): boolean {
    return this.enabled && fs.existsSync(this.factsFile(key));
  }

  /** Cached facts for `key`, re-labelled with `relPath`, or `null`. */
  getFacts(key: string, relPath: string): FileFacts | null {
    const facts = this.readJson<FileFacts>(this.factsFile(key));
    if (!facts || typeof facts !== 'object' || !('suppressions' in facts)) return null;
    facts.path = relPath;
    return facts;
  }

  private runFile(slot: string): string {
    return path.join(this.dir, 'runs', `${slot}.json`);
  }

  /** The stored result of a whole run when `key` matches, else `null`. */
  getRun(slot: string, key: string): RunEntry | null {
    const entry = this.readJson<RunEntry>(this.runFile(slot));
    return entry && entry.key === key && Array.isArray(entry.diagnostics) && Array.isArray(entry.warnings) ? entry : null;
  }

  /** Store a whole run's result. */
  putRun(slot: string, entry: RunEntry): void {
    this.writeJson(this.runFile(slot), entry);
  }
}
