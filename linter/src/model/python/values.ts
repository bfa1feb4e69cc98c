/**
 * Abstract values of the Python model: what an expression may evaluate to.
 *
 * The interpreter (`interp.ts`) is set-valued: an expression evaluates to `Val[]`, the
 * possible values (an empty array means "unknown"). Objects (`Obj`) stand for module instances,
 * layers, data loaders, optimizers and symbolic parameters; they are allocated once per
 * creation site and evaluation context, so re-running a loop body yields the same objects.
 */
import type { Span } from '../../core/diagnostic';
import type { CallExpr, ClassDef, FuncDef } from './ir';
import type { LayerSpec } from '../frameworks/pytorch';
import type { ProjectFile } from './project';

/** A place in the project. */
export interface Site {
  file: ProjectFile;
  span: Span;
}

/** A project class. */
export interface ClassRef {
  file: ProjectFile;
  def: ClassDef;
}

/** What a module carries, transitively. `unknown` when some part could not be resolved. */
export interface Carry {
  batchnorm: boolean;
  dropout: boolean;
  /** Some part of the module could not be resolved (an unknown factory or a loaded checkpoint). */
  unknown: boolean;
  /**
   * A BatchNorm that sees one value per channel per example, so a batch of one raises in
   * training: BatchNorm1d (on `[N, C]`), or a BatchNorm2d/3d on 1×1 maps (`Obj.onOneByOne`).
   */
  batchnorm1d: boolean;
  /**
   * Some BatchNorm keeps running statistics (`track_running_stats=True`, the default): only
   * those behave differently in eval mode.
   */
  batchnormTracked: boolean;
  /** Some BatchNorm is not already a SyncBatchNorm (what DDP needs converted). */
  batchnormUnsynced: boolean;
  /**
   * Some unsynced BatchNorm is a project subclass with its own `forward` (timm's
   * `BatchNormAct2d` applies an activation): `convert_sync_batchnorm` replaces it with a plain
   * SyncBatchNorm and drops what the subclass adds.
   */
  batchnormCustom: boolean;
}

export type ObjKind =
  /** A `torch.nn` or Keras layer, container or functional model (`spec` set; `spec.framework` tells which). */
  | 'layer'
  /** An instance of a project class (`cls` set). */
  | 'instance'
  /** A model built by a known or unknown factory (`factory` set): torchvision, timm, `keras.applications`. */
  | 'factory'
  /** `torch.utils.data.DataLoader(...)`, a `tf.data.Dataset`, a Keras dataset utility or `fit(batch_size=...)`. */
  | 'loader'
  /** A `torch.optim` optimizer or a GradScaler. */
  | 'optimizer'
  /** A Lightning Trainer. */
  | 'trainer'
  /** A symbolic object: a parameter or a module global seen from inside a function (`sym` set). */
  | 'sym'
  /** An object from outside the project we know nothing about (`torch.load(...)` of a whole module). */
  | 'opaque';

export interface Obj {
  id: number;
  kind: ObjKind;
  /** Qualified name of the external class or factory (`torch.nn.BatchNorm2d`, `torchvision.models.resnet50`). */
  q?: string;
  spec?: LayerSpec;
  cls?: ClassRef;
  /** The creation call (layers, instances, loaders...). */
  site?: Site;
  call?: CallExpr;
  /** Environment of the creation call, to resolve its arguments later. */
  env?: Env;
  /**
   * Keywords bound by the `functools.partial` the object was created through
   * (`partial(nn.BatchNorm2d, momentum=0.01)(c)`, Keras `partial(Conv2D, use_bias=False)`):
   * arguments the creation call does not write.
   */
  partialKw?: { kwargs: ReadonlyMap<string, Val[]>; call?: CallExpr; file?: ProjectFile };
  /** Attributes assigned in `__init__` and later (`self.bn = ...`). */
  attrs: Map<string, Val[]>;
  /** Members of a container (`nn.Sequential`, `ModuleList`, `ModuleDict`) in order. */
  children: Obj[];
  /** Every object created while constructing this one (transitively through helpers). */
  created: Obj[];
  /** Factory result: what the table says it carries (null for an unknown factory). */
  factoryCarry?: { batchnorm: boolean; dropout: boolean } | null;
  /** Symbolic root (`param:0`, `global:model`) and attribute path. */
  sym?: { root: string; path: string[]; parent?: Obj };
  /** Memoized carry. */
  carry?: Carry;
  /** The last `.train()`/`.eval()` applied while constructing (e.g. in an `__init__`). */
  constructMode?: { mode: 'train' | 'eval' | 'bneval' | 'entry' | 'unknown'; site: Site | null; how: 'explicit' };
  /** Weights were loaded during construction (`load_state_dict`, pretrained factory). */
  weightsLoaded?: boolean;
  /**
   * A BatchNorm2d/3d that normalizes 1×1 maps: in a Sequential after a global pooling to size 1
   * (`nn.AdaptiveAvgPool2d(1)`) with only 1×1 convolutions and activations between (the
   * image-pooling branch of DeepLabV3's ASPP). Like BatchNorm1d on `[N, C]`, it sees one value
   * per channel per example, so a batch of one raises in training.
   */
  onOneByOne?: boolean;
}

/** A tensor flowing through `forward()`: which layer produced it, and how directly. */
export interface TensorVal {
  t: 'tensor';
  /** The last layer applied, or null when unknown or produced by something else. */
  producer: Obj | null;
  /**
   * `direct`: the producer's output unchanged; `preserving`: changed only by ops that keep the
   * channel count and dimensionality (activations, dropout); `reshaped`: layout ops (permute,
   * transpose, view) since.
   */
  how: 'direct' | 'preserving' | 'reshaped';
  /** Every layer on the path so far (for "is this on the sequence path", NL005). */
  path: Obj[];
  /**
   * Keras: the tensor flows inside a model definition (it comes from `keras.Input`, from the
   * input of a Keras layer's `call()`, or out of a Keras layer), not through a training or
   * inference loop over data (NL008).
   */
  inModel?: boolean;
  /** The call site (`path:offset`) of the layer call that produced it, when called by name. */
  at?: string;
  /** How many times a name was read to get this tensor, counted as the body runs. */
  reads?: number;
  /** {@link reads} when a layer was last applied to this tensor in forward() (see {@link reusedAfterLayer}). */
  readsAtLayer?: number;
  /** A variable still held this tensor after the statement that applied that layer to it. */
  liveAfterLayer?: boolean;
}

/**
 * Whether a layer's output also goes somewhere besides the layer applied to it in forward():
 * read again after that layer took it, while a variable still held it on that path
 * (`d = conv(x); y = bn(d); ...; return y + d`, or `return bn(d) + d`). A read on another path
 * (after `if use_bn: x = bn(x)` joins with the path without it) is not a reuse: there, the
 * assignment replaced the variable's tensor. (NL003: a bias that also reaches a residual is not
 * cancelled.)
 */
export function reusedAfterLayer(t: TensorVal): boolean {
  return !!t.liveAfterLayer && (t.reads ?? 0) > (t.readsAtLayer ?? 0);
}

/** A mutable Python list/tuple being built (`layers = []; layers.append(...)`). */
export interface SeqVal {
  t: 'seq';
  items: Val[][];
  /** Creation site, for identity. */
  key: string;
}

export type Val =
  | { t: 'ext'; q: string }
  | { t: 'mod'; file: ProjectFile }
  | { t: 'cls'; cls: ClassRef }
  | { t: 'fn'; file: ProjectFile; def: FuncDef; cls?: ClassRef; self?: Obj }
  | { t: 'obj'; obj: Obj }
  /**
   * A constant. `soft`: only a default (an `argparse` default the command line may override):
   * good for "the batch size is 8 unless overridden", never for pruning a branch.
   */
  | { t: 'const'; v: number | string | boolean | null; soft?: boolean }
  /** `open`: may hold keys besides `entries` (from a `**` splat or an `update()` normlint could not read). */
  | { t: 'dict'; entries: Map<string, Val[]>; open?: boolean }
  /** `functools.partial(fn, k=v...)`: `call` is the `partial(...)` call, in `file`. */
  | { t: 'partial'; fn: Val[]; kwargs: ReadonlyMap<string, Val[]>; call?: CallExpr; file?: ProjectFile }
  | { t: 'argparse'; defaults: Map<string, Val[]> }
  | SeqVal
  | TensorVal;

/** A local environment: variable name → possible values. */
export type Env = Map<string, Val[]>;

/** A stable key for a value (for deduplication and memo keys). */
export function valKey(v: Val): string {
  switch (v.t) {
    case 'ext': return `e:${v.q}`;
    case 'mod': return `m:${v.file.path}`;
    case 'cls': return `c:${v.cls.file.path}:${v.cls.def.span.start}`;
    case 'fn': return `f:${v.file.path}:${v.def.span.start}:${v.self ? v.self.id : ''}`;
    case 'obj': return `o:${v.obj.id}`;
    case 'const': return `k:${typeof v.v}:${String(v.v)}`;
    case 'seq': return `s:${v.key}`;
    case 'tensor': return `t:${v.producer ? v.producer.id : '-'}:${v.how}${v.at === undefined ? '' : `@${v.at}`}`;
    case 'dict': return `d${v.open ? '+' : ''}:${[...v.entries.keys()].join(',')}`;
    case 'partial': return `p:${v.fn.map(valKey).join('|')}`;
    case 'argparse': return 'a';
  }
}

/**
 * A value set with more possibilities than this is treated as unknown (empty): it keeps loops
 * that accumulate values (`s = s + x`, a growing list of candidates) from blowing up.
 */
export const MAX_VALUES = 32;

/** Union of value sets, deduplicated by `valKey`; unknown (empty) past {@link MAX_VALUES}. */
export function union(a: Val[], b: Val[]): Val[] {
  if (a.length === 0 || a === b) return b;
  if (b.length === 0) return a;
  // Identical values are found without building keys (most unions add nothing new).
  let seen: Set<string> | null = null;
  let out: Val[] | null = null;
  for (const v of b) {
    if ((out ?? a).includes(v)) continue;
    seen ??= new Set(a.map(valKey));
    const k = valKey(v);
    if (seen.has(k)) continue;
    seen.add(k);
    out ??= a.slice();
    out.push(v);
    if (out.length > MAX_VALUES) return [];
  }
  return out ?? a;
}

/**
 * Copies the entries of the dicts among `vals` into `into` (a `**splat` or an `update()`
 * argument); returns false when they may bring keys it cannot list: the value is not exactly
 * one dict, or that dict is open.
 */
export function mergeDict(into: Map<string, Val[]>, vals: Val[]): boolean {
  if (vals.length !== 1 || vals[0].t !== 'dict') return false;
  for (const [k, x] of vals[0].entries) into.set(k, x);
  return !vals[0].open;
}

/** The longest string constant tracked (longer ones are unknown). */
export const MAX_STRING = 256;

/** The single constant of a value set, or undefined when it is not exactly one constant. */
export function constOf(vals: Val[]): number | string | boolean | null | undefined {
  if (vals.length !== 1) return undefined;
  const v = vals[0];
  return v.t === 'const' ? v.v : undefined;
}

/** Like `constOf`, but undefined for soft constants (argparse defaults): for branch conditions. */
export function hardConstOf(vals: Val[]): number | string | boolean | null | undefined {
  if (vals.length !== 1) return undefined;
  const v = vals[0];
  return v.t === 'const' && !v.soft ? v.v : undefined;
}

/** The objects in a value set. */
export function objsOf(vals: Val[]): Obj[] {
  const out: Obj[] = [];
  for (const v of vals) if (v.t === 'obj') out.push(v.obj);
  return out;
}
