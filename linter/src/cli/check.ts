/**
 * `normlint check`: discover projects and files, lint (with caches and worker threads), apply
 * suppressions, fix, and report.
 *
 * Exit codes: 0 no findings (or all fixed; always after `--add-noqa` and `--write-baseline`),
 * 1 findings remain that no `--baseline` absorbs (or `--diff` has fixes to show), 2 usage/config
 * errors (an unusable baseline file included) or an internal error. Files that cannot be read,
 * are binary, too large or not UTF-8 are skipped with a warning on stderr and do not change
 * the exit code.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import type { Diagnostic } from '../core/diagnostic';
import { compareDiagnostics } from '../core/diagnostic';
import type { RuleMeta } from '../core/rule';
import { Engine } from '../core/engine';
import type { SelectionFlags } from '../core/config';
import { UNUSED_NOQA } from '../core/suppression';
import { applyEdits, fixApplies, reparsesAsWell, selectFixes } from '../core/apply-fixes';
import { ConfigFileError, ConfigResolver } from './config-files';
import { projectRootFor, walkPythonFiles } from './project';
import { displayPath, isUnder, toPosix } from './paths';
import { ProjectRun } from './project-run';
import type { SourceFile } from './source';
import type { Notebook } from '../notebook/notebook';
import { Analyzer } from './analyzer';
import { Progress } from './progress';
import { writeFileAtomic } from './write';
import { buildStamp, colorsFor, readGrammars, VERSION } from './env';
import { ReportedFile, plural, type ReportInput, type ReportItem } from './report/common';
import { renderSummary, renderText } from './report/text';
import { renderJson } from './report/json';
import { renderSarif } from './report/sarif';
import { renderGithub } from './report/github';
import { renderJunit } from './report/junit';
import { readRuleDocs } from './rule-command';
import { Baseline, BaselineError, BaselineKeys, renderBaseline, writeBaselineFile } from './baseline';
import { addNoqaDirectives } from './add-noqa';
import { renderStatisticsJson, renderStatisticsText } from './report/statistics';

/** Output formats of `check`. */
export type OutputFormat = 'text' | 'json' | 'sarif' | 'github' | 'junit';

/** Options of `normlint check` (selectors already validated). */
export interface CheckOptions extends SelectionFlags {
  paths: string[];
  fix: boolean;
  unsafeFixes: boolean;
  diff: boolean;
  statistics: boolean;
  /** `--add-noqa`: suppress every current finding with a `# noqa` directive (not with `fix`/`diff`). */
  addNoqa?: boolean;
  /** `--baseline FILE` (as given, relative to `cwd`): findings recorded there are not reported. */
  baseline?: string;
  /** `--write-baseline FILE` (as given, relative to `cwd`): record the findings there instead of reporting them. */
  writeBaseline?: string;
  outputFormat: OutputFormat;
  quiet: boolean;
  cache: boolean;
  threads: number;
  explicitThreads: boolean;
  config?: string;
  /**
   * Print what each project's (last) lint did to stderr, one line per project:
   * `normlint-stats: {"root": ..., ...RunStats, "at": ms since start}` (`NORMLINT_DEBUG_STATS=1`;
   * for tests and benchmarks).
   */
  debugStats?: boolean;
  /**
   * Wait for the workers' analysis ahead of need before each lint (`NORMLINT_DEBUG_SETTLE_AHEAD=1`;
   * a testing aid, see `ProjectRunContext.settleAhead`).
   */
  settleAhead?: boolean;
  /**
   * With workers, leave every file to them (the main thread redoes only what a failed worker
   * left): a testing aid, set with `NORMLINT_DEBUG_WORKER_EXIT_AFTER` (see `worker.ts`).
   */
  workersOnly?: boolean;
}

/** Where `check` writes and what it considers the current directory. */
export interface CheckIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  cwd: string;
}

/** Rounds of fix → re-lint before giving up (Ruff uses 100 per file; re-linting a project costs more). */
export const MAX_FIX_ROUNDS = 10;

/** The rule registry the CLI uses: the engine's rules plus NL000 (when not registered already). */
export function fullRegistry(rules: readonly RuleMeta[]): RuleMeta[] {
  const plain = rules.map((r) => ({
    code: r.code,
    name: r.name,
    summary: r.summary,
    severity: r.severity,
    fix: r.fix,
    enabledByDefault: r.enabledByDefault,
    frameworks: r.frameworks,
  }));
  return plain.some((r) => r.code === UNUSED_NOQA.code) ? plain : [UNUSED_NOQA, ...plain];
}

/**
 * Run `normlint check`.
 * @returns the exit code.
 */
export async function runCheck(opts: CheckOptions, io: CheckIo, rules: readonly RuleMeta[]): Promise<number> {
  const err = (msg: string): void => {
    io.stderr.write(`${colorsFor(io.stderr).red(colorsFor(io.stderr).bold('error'))}: ${msg}\n`);
  };
  const warn = (msg: string): void => {
    if (!opts.quiet) io.stderr.write(`${colorsFor(io.stderr).yellow(colorsFor(io.stderr).bold('warning'))}: ${msg}\n`);
  };
  const registry = fullRegistry(rules);
  let configs: ConfigResolver;
  try {
    configs = new ConfigResolver(registry, opts, io.cwd, opts.config);
  } catch (e) {
    if (e instanceof ConfigFileError) {
      for (const m of e.errors) err(m);
      return 2;
    }
    throw e;
  }

  // Baselines are read up front: an unusable file is an error before any work. An existing
  // `--write-baseline` file must be a baseline too (its entries for files this run does not
  // check are kept), so that a typo never overwrites an unrelated file.
  const baselineKeys = new BaselineKeys();
  let baseline: Baseline | null = null;
  let previousBaseline: Baseline | null = null;
  try {
    if (opts.baseline) baseline = Baseline.read(path.resolve(io.cwd, opts.baseline), opts.baseline);
  } catch (e) {
    if (!(e instanceof BaselineError)) throw e;
    err(e.message);
    return 2;
  }
  if (opts.writeBaseline && fs.existsSync(path.resolve(io.cwd, opts.writeBaseline))) {
    try {
      previousBaseline = Baseline.read(path.resolve(io.cwd, opts.writeBaseline), opts.writeBaseline);
    } catch (e) {
      if (!(e instanceof BaselineError)) throw e;
      err(`${e.message}; not overwritten`);
      return 2;
    }
  }

  // Requested paths, grouped by project.
  const projects = new Map<string, { dirs: string[]; files: string[] }>();
  for (const p of opts.paths.length ? opts.paths : ['.']) {
    const abs = path.resolve(io.cwd, p);
    let st: fs.Stats;
    try {
      st = fs.statSync(abs);
    } catch {
      err(`${p}: No such file or directory`);
      return 2;
    }
    const root = projectRootFor(abs, st.isDirectory(), io.cwd);
    let entry = projects.get(root);
    if (!entry) projects.set(root, (entry = { dirs: [], files: [] }));
    (st.isDirectory() ? entry.dirs : entry.files).push(abs);
  }

  // Discover files (this also discovers and validates the config files on the way). Outer
  // projects first: a file requested through an outer project (`check . sub/` where `sub` has
  // its own pyproject.toml) is reported (and fixed) once, by the first project that claims it.
  const plans: Array<{ root: string; files: string[]; requested: Set<string> }> = [];
  const claimed = new Set<string>();
  for (const [root, req] of [...projects].sort(([a], [b]) => a.length - b.length)) {
    const walked = walkPythonFiles(root, configs);
    const all = new Set(walked.files);
    // A path asked for inside an ignored or excluded directory brings that directory's files
    // along (as context, and as requested files when under a requested directory).
    const extra = new Set<string>();
    for (const r of [...req.dirs, ...req.files]) for (const p of walked.pruned) if (isUnder(p, r)) extra.add(p);
    for (const p of extra) for (const f of walkPythonFiles(p, configs, true).files) all.add(f);
    for (const f of req.files) all.add(f);
    const requested = new Set<string>();
    for (const f of all) {
      if (claimed.has(f) || !(req.files.includes(f) || req.dirs.some((d) => isUnder(d, f)))) continue;
      claimed.add(f);
      requested.add(toPosix(path.relative(root, f)));
    }
    plans.push({ root, files: [...all].sort(), requested });
  }
  // An invalid config file is an error when it governs a checked file; one found only while
  // walking the project for context (`check proj` run from a folder whose `other/` has a broken
  // normlint.toml) is reported and skipped (its directory's files use the config above it).
  if (configs.configErrors.length) {
    const requestedAbs = plans.flatMap((p) => [...p.requested].map((r) => path.join(p.root, r)));
    const problems = configs.configProblems;
    const governs = (i: number): boolean => {
      const dir = path.dirname(problems[i].abs);
      return requestedAbs.some((f) => isUnder(dir, f));
    };
    const fatal = configs.configErrors.filter((_, i) => governs(i));
    if (fatal.length) {
      for (const m of fatal) err(m);
      return 2;
    }
    for (const m of configs.configErrors) warn(`${m} (config ignored: it applies to no checked file)`);
  }

  const display = (abs: string): string => displayPath(abs, io.cwd);

  let enginePromise: Promise<Engine> | null = null;
  const engine = (): Promise<Engine> =>
    (enginePromise ??= Promise.resolve().then(() => Engine.create(readGrammars())));
  const progress = new Progress(io.stderr, Boolean(io.stderr.isTTY) && !opts.quiet);
  const analyzer = new Analyzer({
    threads: opts.threads,
    explicitThreads: opts.explicitThreads,
    engine,
    grammars: readGrammars,
    onProgress: (done, total) => progress.update(done, total),
    mainTakesNoJobs: opts.workersOnly,
  });
  const flagsKey = JSON.stringify([opts.select, opts.extendSelect, opts.ignore, opts.config ?? null]);
  const stamp = buildStamp();

  let internalError = false;
  let fixedTotal = 0;
  let noqaAdded = 0;
  const items: ReportItem[] = [];
  const patches: string[] = [];
  try {
    for (const plan of plans) {
      const rels = plan.files.map((abs) => toPosix(path.relative(plan.root, abs)));
      const run = new ProjectRun(plan.root, rels, plan.requested, {
        registry,
        configs,
        analyzer,
        engine,
        stamp,
        flagsKey,
        cache: opts.cache,
        onSkip: (abs, reason) => warn(`${display(abs)}: ${reason}`),
        afterAnalysis: () => progress.clear(),
        settleAhead: opts.settleAhead,
      });
      let byFile: Map<string, Diagnostic[]>;
      try {
        byFile = await run.lint();
        if (opts.fix || opts.diff || opts.addNoqa) {
          if (opts.addNoqa) {
            // `--add-noqa` changes the texts like `--fix` does; the loop below writes them.
            const wanted = (rel: string, d: Diagnostic): boolean =>
              !baseline?.absorb(baselineKeys.of(path.join(plan.root, rel), run.texts.get(rel) ?? null, d));
            noqaAdded += await addNoqaDirectives(run, byFile, { engine, warn, display, wanted });
          } else {
            const fixed = await fixLoop(run, byFile, { unsafeFixes: opts.unsafeFixes, engine, warn, display, baseline });
            byFile = fixed.byFile;
            fixedTotal += fixed.count;
          }
          for (const [rel, text] of run.texts) {
            const src = run.source(rel)!;
            if (text === src.text) continue;
            if (opts.diff) {
              patches.push(...filePatches(display(src.abs), src, text, run.notebook(rel)));
            } else {
              try {
                writeFileAtomic(src.abs, run.bytesFor(rel), src.mode, src.hash);
              } catch (e) {
                err(`${display(src.abs)}: cannot write fixes: ${(e as Error).message}`);
                internalError = true;
              }
            }
          }
        }
      } catch (e) {
        err(`internal error while checking ${display(plan.root)}: ${(e as Error).stack ?? String(e)}`);
        internalError = true;
        continue;
      }
      // (`at`: milliseconds since the process started.)
      if (opts.debugStats) io.stderr.write(`normlint-stats: ${JSON.stringify({ root: display(plan.root), ...run.stats, at: Math.round(performance.now()) })}\n`);
      for (const w of run.warnings) {
        if (!plan.requested.has(w.file)) continue;
        const abs = path.join(plan.root, w.file);
        // In a notebook, the program line as `cell N:line R` (what findings show).
        const nb = run.notebook(w.file);
        const text = nb ? run.texts.get(w.file) : undefined;
        let where = String(w.line);
        if (nb && text !== undefined) {
          const rf = new ReportedFile(abs, display(abs), text, nb);
          const cell = nb.codeCellAt(rf.index.lineStart(w.line - 1));
          if (cell) where = `cell ${cell.cell}:line ${rf.displayRow(w.line - 1)}`;
        }
        warn(`${display(abs)}:${where}: ${w.message}`);
      }
      for (const e of run.internalErrors) {
        err(`internal error (the rest of the project was checked; please report it): ${e}`);
        internalError = true;
      }

      const files = new Map<string, ReportedFile>();
      const fileOf = (rel: string): ReportedFile => {
        let f = files.get(rel);
        if (!f) {
          const abs = path.join(plan.root, rel);
          files.set(rel, (f = new ReportedFile(abs, display(abs), run.texts.get(rel) ?? null, run.notebook(rel) ?? null)));
        }
        return f;
      };
      for (const [rel, diags] of byFile) {
        if (!plan.requested.has(rel)) continue;
        for (const diag of diags) {
          items.push({ diag, file: fileOf(rel), related: diag.related.map((info) => ({ info, file: fileOf(info.file) })) });
        }
      }
    }
  } finally {
    progress.clear();
    await analyzer.close();
  }
  for (const e of analyzer.errors) {
    err(`internal error: ${e}`);
    internalError = true;
  }
  if (plans.every((p) => p.requested.size === 0)) warn('No Python files found under the given path(s)');

  items.sort(
    (a, b) => (a.file.display < b.file.display ? -1 : a.file.display > b.file.display ? 1 : compareDiagnostics(a.diag, b.diag)),
  );

  if (opts.addNoqa) {
    if (!opts.quiet) io.stderr.write(`Added ${plural(noqaAdded, 'noqa directive')}.\n`);
    return internalError ? 2 : 0;
  }
  // The files this run covered: those it checked, and any other (deleted) file under a
  // requested directory. A baseline's entries for other files are left alone.
  const checked = new Set(plans.flatMap((p) => [...p.requested].map((rel) => path.join(p.root, rel))));
  const requestedDirs = [...projects.values()].flatMap((p) => p.dirs);
  const covered = (abs: string): boolean => checked.has(abs) || (!fs.existsSync(abs) && requestedDirs.some((d) => isUnder(d, abs)));
  if (opts.writeBaseline) {
    const file = path.resolve(io.cwd, opts.writeBaseline);
    const findings = items.map((i) => baselineKeys.of(i.file.abs, i.file.text, i.diag));
    try {
      writeBaselineFile(file, renderBaseline(findings, file, previousBaseline?.entriesOutside(covered) ?? []));
    } catch (e) {
      err(`${opts.writeBaseline}: cannot write the baseline: ${(e as Error).message}`);
      return 2;
    }
    if (!opts.quiet) io.stderr.write(`Wrote ${plural(findings.length, 'finding')} to ${opts.writeBaseline}.\n`);
    return internalError ? 2 : 0;
  }
  if (baseline) {
    // Every output format, `--statistics` and the exit code see only what the baseline does not absorb.
    const kept = items.filter((i) => !baseline.absorb(baselineKeys.of(i.file.abs, i.file.text, i.diag)));
    items.length = 0;
    for (const i of kept) items.push(i);
    const gone = baseline.unmatched(covered);
    if (gone) warn(`${opts.baseline}: ${plural(gone, 'finding')} recorded in the baseline no longer ${gone === 1 ? 'occurs' : 'occur'}; \`--write-baseline ${opts.baseline}\` removes them`);
  }
  const input: ReportInput = { items, unsafeFixes: opts.unsafeFixes, rules: registry, version: VERSION, cwd: io.cwd };
  const c = colorsFor(io.stdout);

  if (opts.diff) {
    io.stdout.write(patches.join(''));
    if (!opts.quiet) {
      io.stderr.write(fixedTotal ? `Would fix ${plural(fixedTotal, 'error')}.\n` : 'No errors would be fixed.\n');
    }
    return internalError ? 2 : fixedTotal > 0 ? 1 : 0;
  }

  let out = '';
  if (opts.statistics) {
    out = opts.outputFormat === 'json' ? renderStatisticsJson(input) : renderStatisticsText(input);
  } else {
    switch (opts.outputFormat) {
      case 'json':
        out = renderJson(input);
        break;
      case 'sarif':
        out = renderSarif(input, { ruleDocs: readRuleDocs });
        break;
      case 'github':
        out = renderGithub(input);
        break;
      case 'junit':
        out = renderJunit(input);
        break;
      default:
        out = renderText(input, c);
    }
  }
  if (opts.outputFormat === 'text' && !opts.quiet) {
    if (fixedTotal) out += `Fixed ${plural(fixedTotal, 'error')}.\n`;
    // "All checks passed!" only when the checks ran.
    if (items.length || (!fixedTotal && !internalError)) out += renderSummary(input, c);
  }
  io.stdout.write(out);
  return internalError ? 2 : items.length ? 1 : 0;
}

/**
 * Unified diffs of a fixed file: one patch for a source file; for a notebook, one patch per
 * changed code cell, headed `path:cell N` (the JSON around the cells is not shown).
 */
function filePatches(display: string, src: SourceFile, text: string, notebook: Notebook | undefined): string[] {
  const opts = { headerOptions: FILE_HEADERS_ONLY };
  if (!src.notebook || !notebook) return [createTwoFilesPatch(display, display, src.text, text, undefined, undefined, opts)];
  const out: string[] = [];
  for (const before of src.notebook.cells) {
    const after = notebook.cell(before.cell);
    if (!after || after.source === before.source) continue;
    const name = `${display}:cell ${before.cell}`;
    const withEol = (s: string): string => (s === '' || s.endsWith('\n') ? s : s + '\n');
    out.push(createTwoFilesPatch(name, name, withEol(before.source), withEol(after.source), undefined, undefined, opts));
  }
  return out;
}

/**
 * Apply fixes in rounds (Ruff's loop): choose non-overlapping applicable fixes per requested
 * file, apply them in memory, re-lint the project, and repeat until nothing changes or
 * {@link MAX_FIX_ROUNDS} rounds ran. A file whose fixed text would have more syntax-error spans
 * than before keeps its text (a warning says so). Findings a `--baseline` absorbs keep their
 * code: they are not reported, so they are not fixed either.
 */
async function fixLoop(
  run: ProjectRun,
  initial: Map<string, Diagnostic[]>,
  ctx: { unsafeFixes: boolean; engine: () => Promise<Engine>; warn: (msg: string) => void; display: (abs: string) => string; baseline: Baseline | null },
): Promise<{ byFile: Map<string, Diagnostic[]>; count: number }> {
  const warn = ctx.warn;
  let byFile = initial;
  let count = 0;
  const refused = new Set<string>();
  for (let round = 0; ; round++) {
    let changed = false;
    for (const rel of [...run.requested].sort()) {
      if (refused.has(rel) || !run.texts.has(rel)) continue;
      let diags = byFile.get(rel) ?? [];
      if (ctx.baseline && diags.length > 0) {
        // Findings the baseline absorbs are not reported, so their fixes are not applied either
        // (keys from this round's text: earlier fixes may have moved lines).
        const abs = path.join(run.root, rel);
        const keys = new BaselineKeys();
        const text = run.texts.get(rel) ?? null;
        const absorbed = ctx.baseline.absorbedOf(diags, (d) => keys.of(abs, text, d));
        if (absorbed.size > 0) diags = diags.filter((d) => !absorbed.has(d));
      }
      const sel = selectFixes(diags, (a) => fixApplies(a, ctx.unsafeFixes));
      if (!sel.edits.length) continue;
      const before = run.texts.get(rel)!;
      const display = ctx.display(path.join(run.root, rel));
      if (round >= MAX_FIX_ROUNDS) {
        warn(`${display}: fixes did not converge after ${MAX_FIX_ROUNDS} rounds; some fixable findings remain`);
        refused.add(rel);
        continue;
      }
      let after: string;
      try {
        after = applyEdits(before, sel.edits);
      } catch (e) {
        warn(`${display}: fixes skipped: ${(e as Error).message}`);
        refused.add(rel);
        continue;
      }
      const engine = await ctx.engine();
      if (!reparsesAsWell(before, after, (t) => engine.countParseErrors(t, rel))) {
        warn(`${display}: fixes skipped: the fixed code would have more syntax errors than the original`);
        refused.add(rel);
        continue;
      }
      try {
        run.setText(rel, after, sel.edits);
      } catch (e) {
        warn(`${display}: fixes skipped: ${(e as Error).message}`);
        refused.add(rel);
        continue;
      }
      count += sel.applied.length;
      changed = true;
    }
    if (!changed) return { byFile, count };
    byFile = await run.lint();
  }
}
