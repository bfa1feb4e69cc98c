/**
 * What normlint knows about each normalization layer construction: its resolved configuration
 * and the train/eval facts of the modules that contain it. The language server shows it in
 * hovers and code lenses (and BN Lab simulates it).
 */
import type { Span } from '../../core/diagnostic';
import type { LayerKind } from '../frameworks/pytorch';
import type { PyTorchModel } from './interp';
import { modesOf } from './interp';
import type { Mode, ModeInfo } from './facts';
import { constOf, objsOf, type Obj, type Val } from './values';
import { tfjsLiteral, tfjsOptionName } from '../frameworks/tfjs';

/** Layer kinds reported (the normalization layers). */
const NORM_KINDS: ReadonlySet<LayerKind> = new Set<LayerKind>(['batchnorm', 'groupnorm', 'instancenorm', 'layernorm']);

/** One constructor argument as normlint resolved it. */
export interface LayerArg {
  name: string;
  /**
   * Python source of the value: the constant when every construction at the site agrees
   * (`0.1`, `True`, `None`; the framework's default as its docs write it when not given), else the
   * written expression with the constants normlint resolved (`planes ∈ {64, 128}`), else the
   * expression alone, else `?`.
   */
  value: string;
  /** The constant value when it resolved to one. */
  constant?: number | string | boolean | null;
  /** True when the argument is not written and the framework's default applies. */
  defaulted: boolean;
}

/** A place where a module containing the layer is trained or run for inference. */
export interface LayerUse {
  kind: 'train-step' | 'inference';
  /** Project-relative path. */
  file: string;
  /** The training step (`loss.backward()`, `optimizer.step()`) or the forward call. */
  span: Span;
  /** Possible modes of the module there (`bneval`: BatchNorm layers set to eval one by one). */
  modes: Mode[];
}

/** A normalization layer construction (`nn.BatchNorm2d(64, momentum=0.01)`). */
export interface LayerReport {
  /** Project-relative path. */
  file: string;
  /** The constructor call (`nn.BatchNorm2d(...)`, `layers.BatchNormalization(...)`), UTF-16 code-unit offsets. */
  span: Span;
  /** Qualified class name, e.g. `torch.nn.BatchNorm2d`, `keras.layers.BatchNormalization` (Keras names are canonical: `tf.keras.layers.X` → `keras.layers.X`). */
  q: string;
  kind: LayerKind;
  /**
   * Spatial dimensions of the expected input: 1 → `[N, C, L]` (or `[N, C]`), 2 → `[N, C, H, W]`,
   * 3 → `[N, C, D, H, W]`; null when the layer adapts to any input (Keras normalization layers,
   * which normalize `axis`, by default the channels of channels-last `[N, ..., C]` data).
   */
  dims: number | null;
  /** Constructor arguments in signature order (`device`/`dtype` left out; for Keras the arguments that matter to normalization: `axis`, `momentum`, `epsilon`, `center`, `scale`, `synchronized`). */
  args: LayerArg[];
  /**
   * BatchNorm momentum in both conventions: `torch` is PyTorch's weight of the new batch
   * (`running = (1 − m)·running + m·batch`, default 0.1); `keras` is the Keras/TensorFlow.js
   * decay (`moving = m·moving + (1 − m)·batch`, default 0.99), i.e. `1 − torch`. Both null when
   * `momentum=None` (cumulative average, PyTorch only) or unknown; `cumulative` tells which. Null
   * for other kinds. A Keras layer's own `momentum` is the `keras` value.
   * Source: torch.nn.BatchNorm2d docs (PyTorch 2.x), keras.layers.BatchNormalization docs (Keras 3).
   */
  momentum: { torch: number | null; keras: number | null; cumulative: boolean } | null;
  /** Where modules containing this layer are trained or run for inference. */
  uses: LayerUse[];
  /**
   * The layer feeding this one (a conv or linear right before it, in an `nn.Sequential` or
   * `keras.Sequential`, in `forward()`/`call()` or a functional chain), with whether it has a bias
   * (`bias=True` is PyTorch's default, `use_bias=True` Keras'; null if unknown).
   */
  producer: { q: string; file: string; span: Span; bias: boolean | null } | null;
  /** Training batch sizes normlint resolved for modules containing this layer (DataLoaders, Keras `fit`/`tf.data` batches that train them), ascending. */
  batchSizes: number[];
  /**
   * The framework of the layer. TensorFlow.js layers are `keras` (tfjs-layers is Keras's port:
   * same semantics) with `lang: 'ts'`.
   */
  framework: 'pytorch' | 'keras';
  /**
   * The language of the file: `ts` for TypeScript/JavaScript (TensorFlow.js), where `args` use
   * tfjs's camelCase option names and JavaScript literals (`true`, `null`).
   */
  lang: 'python' | 'ts';
}

function pySource(v: number | string | boolean | null): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'string') return JSON.stringify(v);
  // Python's float repr switches to exponent notation below 1e-4 (`1e-05`, two-digit exponent).
  if (v !== 0 && Math.abs(v) < 1e-4) return v.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  return String(v);
}

/** A constant as JavaScript writes it (TensorFlow.js files). */
function jsSource(v: number | string | boolean | null): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return String(v);
}

/** Numbers in numeric order, before other constants in their source order. */
function compareConstants(a: number | string | boolean | null, b: number | string | boolean | null): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Producers by file, offset, class and bias (see `layerReportsOf`). */
function compareProducers(a: NonNullable<LayerReport['producer']>, b: NonNullable<LayerReport['producer']>): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  if (a.span.start !== b.span.start) return a.span.start - b.span.start;
  if (a.q !== b.q) return a.q < b.q ? -1 : 1;
  return String(a.bias).localeCompare(String(b.bias));
}

function modeList(info: ModeInfo): Mode[] {
  return [...modesOf(info)].sort();
}

/**
 * The normalization layers of the model, one report per construction site (a helper that
 * builds the same layer for several modules gives one report), sorted by file and offset.
 *
 * @param text the text of a project file (to quote unresolved argument expressions).
 */
export function layerReports(model: PyTorchModel, text: (path: string) => string): LayerReport[] {
  return layerReportsOf([model], text);
}

/**
 * {@link layerReports} of the models of one run together (both sides of a split lint): a site's
 * report merges the layers every model built there, and its uses, producer and batch sizes from
 * every model, in order.
 */
export function layerReportsOf(models: readonly PyTorchModel[], text: (path: string) => string): LayerReport[] {
  const bySite = new Map<string, Obj[]>();
  const modelOf = new Map<Obj, PyTorchModel>();
  for (const model of models) {
    for (const layer of model.layers) {
      if (!layer.site || !layer.spec || !NORM_KINDS.has(layer.spec.kind)) continue;
      modelOf.set(layer, model);
      const key = `${layer.site.file.path}:${layer.site.span.start}:${layer.site.span.end}`;
      const objs = bySite.get(key);
      if (objs) objs.push(layer);
      else bySite.set(key, [layer]);
    }
  }
  if (bySite.size === 0) return [];

  // Which modules contain which layers (a module contains what it created, its attributes and children).
  const containsMemo = new Map<Obj, Set<Obj>>();
  const containedIn = (root: Obj): Set<Obj> => {
    let set = containsMemo.get(root);
    if (set) return set;
    set = new Set<Obj>();
    containsMemo.set(root, set);
    const stack = [root];
    while (stack.length) {
      const o = stack.pop()!;
      if (set.has(o)) continue;
      set.add(o);
      if (o.kind === 'loader' || o.kind === 'optimizer' || o.kind === 'trainer') continue;
      stack.push(...o.children, ...o.created);
      for (const vals of o.attrs.values()) stack.push(...objsOf(vals));
    }
    return set;
  };

  const out: LayerReport[] = [];
  for (const objs of bySite.values()) {
    // Nothing in a report depends on the order the run built the site's layers in (the two
    // sides of a split build them in another order than a whole run): the layer shown is the
    // one whose class comes first by name (a site whose class is a parameter, `norm_layer(c)`,
    // builds several), the written expression the first by text, the producer the first in the
    // file.
    const layer = objs.reduce((best, o) => ((o.q ?? '') < (best.q ?? '') ? o : best));
    const spec = layer.spec!;
    const site = layer.site!;
    const ts = site.file.ir.lang === 'ts';
    const source = ts ? jsSource : pySource;
    const args: LayerArg[] = [];
    for (const p of spec.params) {
      if (p.name === '*' || p.name === 'device' || p.name === 'dtype') continue;
      const shownName = ts ? tfjsOptionName(p.name) : p.name;
      const all = objs.map((o) => modelOf.get(o)!.argOf(o, p.name));
      const a = all[objs.indexOf(layer)];
      let written: string | null = null;
      for (const x of all) {
        const w = x.expr ? text(site.file.path).slice(x.expr.span.start, x.expr.span.end) : null;
        if (w !== null && (written === null || w < written)) written = w;
      }
      if (all.every((x) => x.defaulted) && p.def !== undefined) {
        const def = ts ? tfjsLiteral(p.def).replace(/^"(.*)"$/, "'$1'") : p.def;
        args.push({ name: shownName, value: def, ...(constOf(a.value) !== undefined ? { constant: constOf(a.value) } : {}), defaulted: true });
        continue;
      }
      // The constant of each construction at this site (a helper building `BatchNorm2d(planes)`
      // for planes = 64, 128, ...): one value when they agree, else the expression and the values.
      const consts = all.map((x) => constOf(x.value as Val[]));
      const distinct = [...new Set(consts.filter((x) => x !== undefined))].sort(compareConstants).map((x) => source(x!));
      const c = consts.every((x) => x !== undefined && x === consts[0]) ? consts[0] : undefined;
      let value: string;
      if (c !== undefined) value = source(c);
      else if (distinct.length > 0) {
        const shown = distinct.length > 6 ? [...distinct.slice(0, 6), '…'] : distinct;
        value = `${written ?? '?'} ∈ {${shown.join(', ')}}`;
      } else value = written ?? '?';
      args.push({ name: shownName, value, ...(c !== undefined ? { constant: c } : {}), defaulted: false });
    }
    let momentum: LayerReport['momentum'] = null;
    if (spec.kind === 'batchnorm') {
      const m = args.find((a) => a.name === 'momentum');
      const other = (x: number): number => +(1 - x).toPrecision(12);
      if (m?.constant === null && spec.framework === 'pytorch') momentum = { torch: null, keras: null, cumulative: true };
      else if (typeof m?.constant === 'number') {
        momentum = spec.framework === 'keras' ? { torch: other(m.constant), keras: m.constant, cumulative: false } : { torch: m.constant, keras: other(m.constant), cumulative: false };
      } else momentum = { torch: null, keras: null, cumulative: false };
    }
    const uses: LayerUse[] = [];
    const seen = new Set<string>();
    const add = (kind: LayerUse['kind'], root: Obj, s: { file: { path: string }; span: Span }, info: ModeInfo): void => {
      const inside = containedIn(root);
      if (!objs.some((o) => inside.has(o))) return;
      const key = `${kind}|${s.file.path}|${s.span.start}`;
      if (seen.has(key)) return;
      seen.add(key);
      uses.push({ kind, file: s.file.path, span: { ...s.span }, modes: modeList(info) });
    };
    for (const model of models) {
      for (const f of model.steps.values()) add('train-step', f.obj, f.site, f.mode);
      for (const f of model.inference.values()) add('inference', f.obj, f.site, f.mode);
    }
    uses.sort((a, b) => (a.file !== b.file ? (a.file < b.file ? -1 : 1) : a.span.start - b.span.start));
    let producer: LayerReport['producer'] = null;
    for (const p of models.flatMap((m) => m.pairs)) {
      if (!objs.includes(p.consumer) || p.how === 'reshaped' || !p.producer.site || !p.producer.spec) continue;
      // A Keras producer with its own activation (`Dense(64, activation="relu")`) is not "right before" the norm.
      if (p.producer.spec.framework === 'keras' && p.how !== 'direct') continue;
      if (p.producer.spec.kind !== 'conv' && p.producer.spec.kind !== 'convtranspose' && p.producer.spec.kind !== 'linear') continue;
      const bias = constOf(modelOf.get(p.consumer)!.argOf(p.producer, p.producer.spec.biasParam ?? 'bias').value);
      const cand = { q: p.producer.q ?? '', file: p.producer.site.file.path, span: { ...p.producer.site.span }, bias: typeof bias === 'boolean' ? bias : null };
      if (!producer || compareProducers(cand, producer) < 0) producer = cand;
    }
    const batchSizes = new Set<number>();
    for (const loader of models.flatMap((m) => m.loaders)) {
      if (![...loader.trains].some((m) => objs.some((o) => containedIn(m).has(o)))) continue;
      for (const v of loader.batchSize) if (v.t === 'const' && typeof v.v === 'number' && Number.isInteger(v.v) && v.v > 0) batchSizes.add(v.v);
    }
    out.push({
      file: site.file.path,
      span: { ...site.span },
      q: layer.q ?? '',
      kind: spec.kind,
      dims: spec.dims,
      args,
      momentum,
      uses,
      producer,
      batchSizes: [...batchSizes].sort((a, b) => a - b),
      framework: spec.framework,
      lang: ts ? 'ts' : 'python',
    });
  }
  return out.sort((a, b) => (a.file !== b.file ? (a.file < b.file ? -1 : 1) : a.span.start - b.span.start));
}
