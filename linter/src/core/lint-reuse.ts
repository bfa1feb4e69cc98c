/**
 * Incremental linting across edits of one file (the language server's keystrokes): the model's
 * analysis of the module-level definitions an edit cannot affect is kept, and only the edited
 * definitions and those depending on them are analyzed again.
 *
 * A lint given a {@link LintReuse} compares its files with the previous lint's. When exactly one
 * Python file changed, in module-level `def`/`class` statements only (the lowering of open
 * documents reuses the objects of untouched statements, so "changed" is object identity), the
 * file's module-level statements are split (see `model/python/slice.ts`): the changed
 * definitions and their dependents on one side, everything else, every other file included, on
 * the other. The other side's model (the "rest") is built once and kept while edits stay within
 * the same definitions; each lint builds the dependents' model and runs the rules over both.
 *
 * The union of both sides' findings is the whole run's when the split holds, which the models
 * check as they run (`PyTorchModel.splitConflict`, `sliceViolation`): the rest never resolved a
 * name bound by the dependents; no method the rest analyzed alone was called by the dependents;
 * the dependents neither used nor changed an object created at module scope (both sides have
 * their own copy of it, a whole run one, with every root's uses); Keras' image data format flag
 * is the same on both sides; both together stay within a whole run's step budget; and the
 * dependents hold no facts a whole run joins across its roots (train/eval modes, training
 * steps, loaders, DDP, optimizers, Keras freezing). Otherwise the lint is a whole run, as it is
 * whenever anything else changed (configuration, other files, the set of files, module-level
 * code, a definition's name). An edit that changes no statement keeps the last models.
 * Checked against whole lints after random keystrokes in real projects (see
 * `test/unit/lint-reuse.test.ts`).
 */
import type { FileConfig, LintOptions } from './engine';
import type { PyFile, Stmt } from '../model/python/ir';
import { PyTorchModel } from '../model/python/interp';
import type { ProjectIndex } from '../model/python/project';
import { definedName, definitionsIn, dependentsOf, type RootSlice } from '../model/python/slice';

/** The kept side of a split: the model of everything the edited definitions cannot affect. */
interface RestModel {
  model: PyTorchModel;
  /** The split file. */
  file: string;
  /** That file's module-level statements when the model was built. */
  body: readonly Stmt[];
  /** Indexes (into `body`) of the edited definitions and their dependents: the other side. */
  dependents: ReadonlySet<number>;
  /** Why the split did not hold for this partition (then edits within it lint whole), or null. */
  conflict: string | null;
}

/**
 * What a lint with a {@link LintReuse} did (tests and the benchmark read it): `'full'`, one whole
 * run; `'split'`, a split with both sides analyzed; `'split-reused'`, the dependents analyzed and
 * the rest kept; `'reused'`, no statement changed (an edit of comments, blank lines or
 * whitespace between statements): the previous lint's models kept.
 */
export type LintKind = 'full' | 'split' | 'split-reused' | 'reused';

/**
 * State kept between the lints of one project by a caller that lints it again after each edit
 * (one per language-server workspace folder). Create with `new LintReuse()` and pass the same
 * object as `LintOptions.reuse` to every `Engine.lint` of that project.
 */
export class LintReuse {
  /** @internal The previous lint's inputs. */
  last: {
    files: ReadonlyMap<string, PyFile>;
    configs: ReadonlyMap<string, FileConfig>;
    lazyPaths: readonly string[];
    unknown: boolean;
  } | null = null;
  /** @internal */
  rest: RestModel | null = null;
  /** @internal The previous lint's models (one whole model, or the two sides of a split). */
  models: readonly PyTorchModel[] = [];
  /** What the last lint did. */
  lastKind: LintKind | null = null;
  /** Why the last lint was whole (what kept it from being split), or null when it was not. */
  whyWhole: string | null = null;

  /** @internal Records a lint's inputs and the kept side of its split. */
  record(inputs: ReadonlyArray<{ path: string; ir: PyFile }>, opts: LintOptions, unknown: boolean, models: readonly PyTorchModel[], rest: RestModel | null, kind: LintKind): void {
    this.models = models;
    this.last = {
      files: new Map(inputs.map((f) => [f.path, f.ir])),
      configs: new Map(inputs.map((f) => [f.path, opts.configFor(f.path)])),
      lazyPaths: opts.lazy?.paths ?? [],
      unknown,
    };
    this.rest = rest;
    this.lastKind = kind;
  }
}

/** Below this many module-level definitions a file is linted whole (a split saves nothing). */
const MIN_DEFINITIONS = 4;

/**
 * The two models of a split lint, `[dependents, rest]`, analyzed, or null when this lint must
 * be whole (see the module comment). Records nothing: the engine calls `LintReuse.record`.
 */
export function planSplit(
  reuse: LintReuse,
  inputs: ReadonlyArray<{ path: string; ir: PyFile }>,
  opts: LintOptions,
  unknown: boolean,
  newIndex: () => ProjectIndex,
): { models: readonly PyTorchModel[]; rest: RestModel | null; kind: Exclude<LintKind, 'full'> } | null {
  reuse.whyWhole = null;
  const whole = (why: string): null => {
    reuse.whyWhole = why;
    return null;
  };
  const last = reuse.last;
  if (!last) return whole('no earlier lint');
  if (last.unknown !== unknown || last.files.size !== inputs.length) return whole('other files or options');
  const lazyPaths = opts.lazy?.paths ?? [];
  if (lazyPaths.length !== last.lazyPaths.length || lazyPaths.some((p, i) => p !== last.lazyPaths[i])) return whole('other files');
  // Files whose IR is new; those whose module-level statements are all the same objects (an
  // edit of comments or whitespace between statements) changed nothing the models read.
  let changed: { path: string; ir: PyFile } | null = null;
  const moved: Array<{ path: string; ir: PyFile }> = [];
  for (const f of inputs) {
    const was = last.files.get(f.path);
    if (!was || last.configs.get(f.path) !== opts.configFor(f.path)) return whole('other files or configuration');
    if (was === f.ir) continue;
    if (sameStatements(was.body, f.ir.body)) {
      moved.push(f);
      continue;
    }
    if (changed) return whole('several files changed');
    changed = f;
  }
  if (!changed) {
    if (reuse.models.length === 0 || !reuse.models.every((m) => sameLoads(m.index, opts))) return whole('a file loaded on demand changed');
    for (const m of reuse.models) for (const f of moved) m.index.file(f.path)?.refresh(f.ir);
    return { models: reuse.models, rest: reuse.rest, kind: 'reused' };
  }
  if (changed.ir.lang === 'ts') return whole('TypeScript/JavaScript (lowered whole)');
  const body = changed.ir.body;
  /** Indexes of the definitions that differ from `base`; null when other statements differ. */
  const differing = (base: readonly Stmt[]): number[] | null => {
    if (base.length !== body.length) return null;
    const out: number[] = [];
    for (let i = 0; i < body.length; i++) {
      if (body[i] === base[i]) continue;
      const name = definedName(body[i]);
      if (name === null || name !== definedName(base[i]) || body[i].k !== base[i].k) return null;
      out.push(i);
    }
    return out;
  };

  // The kept rest, if the edits since it was built stay within its other side.
  let rest = reuse.rest && reuse.rest.file === changed.path ? reuse.rest : null;
  if (rest) {
    const d = differing(rest.body);
    if (!d || d.some((i) => !rest!.dependents.has(i)) || !sameLoads(rest.model.index, opts)) rest = null;
  }
  if (rest?.conflict) return whole(rest.conflict);
  let dependents: ReadonlySet<number>;
  if (rest) dependents = rest.dependents;
  else {
    const d = differing(last.files.get(changed.path)!.body);
    if (!d || d.length === 0) return whole('module-level code or a definition\'s name changed');
    const deps = dependentsOf(body, d);
    if (!deps) return whole('module-level code uses an edited definition');
    let definitions = 0;
    for (const s of body) if (definedName(s) !== null) definitions++;
    if (definitions < MIN_DEFINITIONS) return whole('few definitions');
    if (deps.size * 2 > definitions) return whole('most definitions depend on the edited ones');
    dependents = deps;
  }
  const stmts = new Set<Stmt>();
  for (const i of dependents) stmts.add(body[i]);
  const slice = (side: RootSlice['side']): RootSlice => ({ file: changed!.path, dependents: stmts, side, defs: side === 'rest' ? definitionsIn(stmts) : new Set() });
  const reused = rest !== null;
  if (rest) {
    for (const f of [changed, ...moved]) rest.model.index.file(f.path)?.refresh(f.ir);
  } else {
    const model = new PyTorchModel(newIndex(), { assumeUnknownModulesNormalize: unknown, roots: slice('rest') }).run();
    rest = { model, file: changed.path, body, dependents, conflict: null };
  }
  const own = new PyTorchModel(newIndex(), { assumeUnknownModulesNormalize: unknown, roots: slice('dependents') }).run();
  const conflict = rest.model.splitConflict(own);
  if (conflict) {
    // Edits within the same definitions would meet it again: lint them whole.
    reuse.rest = { ...rest, conflict };
    return whole(conflict);
  }
  return { models: [own, rest.model], rest, kind: reused ? 'split-reused' : 'split' };
}

/** Whether two statement lists hold the same statement objects. */
function sameStatements(a: readonly Stmt[], b: readonly Stmt[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Whether the files a kept model (and the rules over it) loaded on demand are unchanged; loads
 * each again through this lint's loader, so the caller knows this lint covers them.
 */
function sameLoads(index: ProjectIndex, opts: LintOptions): boolean {
  for (const f of index.loadedOnDemand()) {
    if (opts.lazy?.load(f.path)?.ir !== f.ir) return false;
  }
  return true;
}
