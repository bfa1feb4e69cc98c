/**
 * Baselines (`normlint check --baseline FILE`, `--write-baseline FILE`): adopt normlint on a
 * codebase with existing findings by recording them once, so that only new findings are
 * reported (and fail CI) from then on.
 *
 * The file is JSON, sorted so that it diffs well in version control:
 *
 * ```json
 * {
 *   "version": 1,
 *   "findings": [
 *     { "path": "cifar/evaluate.py", "code": "NL001", "source": "outputs = model(inputs)", "count": 1 }
 *   ]
 * }
 * ```
 *
 * A finding is identified by its file (relative to the baseline file's directory, `/`
 * separators), its rule code, and the code on its line ({@link LineSources.sourceAt}: without the
 * comment, whitespace normalized), never by its row: lines inserted above, a re-indented block,
 * or a comment added to the line do not make a recorded finding new. `count` is how many
 * findings had that key when the baseline was written; a key absorbs at most that many (in
 * file order), so a copy of a baselined bad line is still reported.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Diagnostic } from '../core/diagnostic';
import { LineSources } from './fingerprint';
import { toPosix } from './paths';
import { writeFileAtomic } from './write';

/** The format version written (and the only one read). */
export const BASELINE_VERSION = 1;

/** One key of a baseline file with its count. */
export interface BaselineEntry {
  /** The file, relative to the baseline file's directory, `/`-separated. */
  path: string;
  /** Rule code, e.g. `NL001`. */
  code: string;
  /** The code on the finding's line (see {@link LineSources.sourceAt}). */
  source: string;
  /** How many findings have this key (≥ 1). */
  count: number;
}

/** A baseline file that cannot be used (unreadable, not JSON, wrong shape or version). */
export class BaselineError extends Error {}

/** A finding as baselines see it: its absolute file, rule code, and line's code. */
export interface BaselineFinding {
  abs: string;
  code: string;
  source: string;
}

/** Computes {@link BaselineFinding}s, sharing each file's line sources between its findings. */
export class BaselineKeys {
  private readonly files = new Map<string, LineSources>();

  /**
   * @param abs the finding's file (absolute).
   * @param text the text its span refers to (`null`: unknown, the line's code is then empty).
   */
  of(abs: string, text: string | null, diag: Diagnostic): BaselineFinding {
    let lines = this.files.get(abs);
    if (!lines) this.files.set(abs, (lines = new LineSources(text ?? '')));
    return { abs, code: diag.code, source: lines.sourceAt(diag.span.start) };
  }
}

function keyOf(rel: string, code: string, source: string): string {
  return JSON.stringify([rel, code, source]);
}

/** A baseline read from disk, matching findings against its counts. */
export class Baseline {
  private readonly remaining = new Map<string, number>();
  /** The counts as read. */
  private readonly initial: ReadonlyMap<string, number>;
  private readonly dir: string;

  /**
   * @param file the baseline file (absolute).
   * @param entries its entries (keys may repeat; their counts add up).
   */
  constructor(readonly file: string, readonly entries: readonly BaselineEntry[]) {
    this.dir = path.dirname(file);
    for (const e of entries) {
      const k = keyOf(e.path, e.code, e.source);
      this.remaining.set(k, (this.remaining.get(k) ?? 0) + e.count);
    }
    this.initial = new Map(this.remaining);
  }

  /**
   * Read and validate a baseline file.
   * @param file absolute path.
   * @param shown how to name the file in error messages.
   * @throws BaselineError naming `shown` when the file cannot be read or is not a version-1 baseline.
   */
  static read(file: string, shown: string = file): Baseline {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new BaselineError(`${shown}: cannot read the baseline file (${err.code ?? err.message})`);
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (e) {
      throw new BaselineError(`${shown}: not a normlint baseline: invalid JSON (${(e as Error).message})`);
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      throw new BaselineError(`${shown}: not a normlint baseline: expected an object with "version" and "findings"`);
    }
    const obj = data as Record<string, unknown>;
    if (obj.version !== BASELINE_VERSION) {
      throw new BaselineError(
        `${shown}: unsupported baseline version ${JSON.stringify(obj.version ?? null)} (this normlint reads version ${BASELINE_VERSION})`,
      );
    }
    if (!Array.isArray(obj.findings)) throw new BaselineError(`${shown}: not a normlint baseline: "findings" must be an array`);
    const entries: BaselineEntry[] = obj.findings.map((raw: unknown, i: number) => {
      const e = raw as Record<string, unknown> | null;
      const ok =
        typeof e === 'object' &&
        e !== null &&
        typeof e.path === 'string' &&
        typeof e.code === 'string' &&
        typeof e.source === 'string' &&
        typeof e.count === 'number' &&
        Number.isInteger(e.count) &&
        e.count >= 1;
      if (!ok) {
        throw new BaselineError(`${shown}: findings[${i}]: expected {"path": string, "code": string, "source": string, "count": integer ≥ 1}`);
      }
      return { path: e.path as string, code: e.code as string, source: e.source as string, count: e.count as number };
    });
    return new Baseline(file, entries);
  }

  /** The baseline's path for a file (relative to the baseline's directory, `/`-separated). */
  relative(abs: string): string {
    return toPosix(path.relative(this.dir, abs));
  }

  /**
   * Whether the baseline absorbs `f`: its key has a count left, which this call uses up. Call
   * it once per finding, in report order.
   */
  absorb(f: BaselineFinding): boolean {
    const k = keyOf(this.relative(f.abs), f.code, f.source);
    const left = this.remaining.get(k) ?? 0;
    if (left <= 0) return false;
    this.remaining.set(k, left - 1);
    return true;
  }

  /**
   * Which of `findings` the baseline would absorb if they were matched in this order against
   * the counts as read (not as {@link absorb} has used them up), using up nothing: for choosing
   * the findings of one file whose fixes `--fix` and `--diff` apply. Keys hold the file, so the
   * findings of one file are matched exactly as the report matches them.
   */
  absorbedOf<T>(findings: readonly T[], key: (f: T) => BaselineFinding): Set<T> {
    const used = new Map<string, number>();
    const out = new Set<T>();
    for (const f of findings) {
      const b = key(f);
      const k = keyOf(this.relative(b.abs), b.code, b.source);
      const n = used.get(k) ?? 0;
      if (n >= (this.initial.get(k) ?? 0)) continue;
      used.set(k, n + 1);
      out.add(f);
    }
    return out;
  }

  /** The absolute path of an entry's file. */
  absolute(entry: Pick<BaselineEntry, 'path'>): string {
    return path.resolve(this.dir, ...entry.path.split('/'));
  }

  /**
   * The entries of files a run did not cover: what rewriting the baseline after a partial run keeps.
   * @param covered whether the run covered a file (absolute path): checked it, or would have (a deleted file under a checked directory).
   */
  entriesOutside(covered: (abs: string) => boolean): BaselineEntry[] {
    return this.entries.filter((e) => !covered(this.absolute(e)));
  }

  /** How many recorded findings of the files a run covered nothing absorbed (see {@link entriesOutside}). */
  unmatched(covered: (abs: string) => boolean): number {
    let n = 0;
    for (const [k, left] of this.remaining) if (left > 0 && covered(this.absolute({ path: (JSON.parse(k) as string[])[0] }))) n += left;
    return n;
  }
}

/**
 * The baseline file's text for `findings` (sorted entries, two-space JSON, final newline).
 * @param file where it will be written (absolute): paths are relative to its directory.
 * @param keep entries of an existing baseline to keep as they are (files this run did not check).
 */
export function renderBaseline(findings: readonly BaselineFinding[], file: string, keep: readonly BaselineEntry[] = []): string {
  const dir = path.dirname(file);
  const counts = new Map<string, BaselineEntry>();
  const add = (e: BaselineEntry): void => {
    const k = keyOf(e.path, e.code, e.source);
    const known = counts.get(k);
    if (known) known.count += e.count;
    else counts.set(k, { ...e });
  };
  for (const e of keep) add(e);
  for (const f of findings) add({ path: toPosix(path.relative(dir, f.abs)), code: f.code, source: f.source, count: 1 });
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  const entries = [...counts.values()].sort((a, b) => cmp(a.path, b.path) || cmp(a.code, b.code) || cmp(a.source, b.source));
  return JSON.stringify({ version: BASELINE_VERSION, findings: entries }, null, 2) + '\n';
}

/**
 * Write a baseline file atomically (keeping an existing file's mode; 0644 for a new one).
 * @throws Error (from the file system) when it cannot be written.
 */
export function writeBaselineFile(file: string, text: string): void {
  let mode = 0o644;
  try {
    mode = fs.statSync(file).mode & 0o7777;
  } catch {
    /* a new file */
  }
  writeFileAtomic(file, Buffer.from(text, 'utf8'), mode);
}
