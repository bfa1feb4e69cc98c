/**
 * The PyTorch model of a project: an abstract interpreter over the Python IR.
 *
 * It answers, across files: which objects are modules and what they carry (BatchNorm,
 * Dropout), which layer feeds which (Sequential order and `forward()` data flow), and the
 * train/eval mode of every module at every forward call and training step.
 *
 * How:
 * - Expressions evaluate to sets of abstract values (`values.ts`). Objects are allocated once
 *   per creation site and context.
 * - Construction ("construct" purpose): calls to project classes and functions are evaluated
 *   with their arguments bound (memoized, depth-limited), so `_make_layer(block, ...)`,
 *   `norm_layer = nn.BatchNorm2d if norm_layer is None` and `conv_bn(...)` helpers resolve.
 * - Mode flow ("flow" purpose): each module body and each function is analyzed once,
 *   flow-sensitively: branches join, loops iterate to a fixed point, `with torch.no_grad()`
 *   and `@torch.no_grad()` mark inference. Parameters and module globals are symbolic objects
 *   whose mode on entry is `entry`; a function's summary (requirements, exit modes, freezes)
 *   is applied at every call site, where `entry` is replaced by the caller's mode.
 *
 * Precision first: anything the interpreter cannot resolve evaluates to "unknown" (an empty
 * value set) and the rules stay silent on it.
 */
import { kerasMethodName, TFJS_GRADIENT_FUNCTIONS } from '../frameworks/tfjs';
import { snakeCase } from '../ts/lower';
import type { Span } from '../../core/diagnostic';
import type { CallExpr, ClassDef, Expr, FuncDef, ImportFact, Keyword, Param, PyFile, Stmt } from './ir';
import type { GradOff } from './facts';
import { ProjectIndex, type ProjectFile, type Binding } from './project';
import { namesIn, namesReadBy, type RootSlice } from './slice';
import {
  type Carry, type ClassRef, type Env, type Obj, type ObjKind, type SeqVal, type Site, type TensorVal, type Val,
  MAX_STRING, constOf, hardConstOf, mergeDict, objsOf, union, valKey,
} from './values';
import type {
  DdpFact, ForcedTrainingFact, FrozenBaseCallFact, InferenceInTrainingFact, FrozenTrainFact, InferenceFact, InferenceKind, LayerPair, LightningTrainerFact, LoaderFact, Mode, ModeInfo,
  ModeSource, SequenceNormFact, TrainStepFact,
} from './facts';
import {
  DATALOADER, DATALOADER_PARAMS, DATASET_SIZES, DDP_WRAPPERS, EXTERNAL_PACKAGES, EXPORT_CALLS, LIGHTNING_BASES, LIGHTNING_TRAINERS, MODULE_BASES,
  MODULE_WRAPPERS, NO_GRAD_CONTEXTS, SELF_RETURNING_METHODS, SYNC_BN_CONVERTERS, WHOLE_MODULE_LOADERS,
  TORCH_LAYERS, canonicalTorchName, torchLayer, type LayerSpec, type ParamSpec,
} from '../frameworks/pytorch';
import { factoryCarry, kerasApplicationCarry, timmCarry, torchvisionFactoryByName } from '../frameworks/factories';
import {
  DATASET_KEEPS_BATCH, FIT_BATCH_INDEX, KERAS_BASES, KERAS_BATCHED_DATASETS, KERAS_GENERATOR_FLOWS, KERAS_INPUT, KERAS_LAYER_NAMES, KERAS_PRESERVING,
  isKerasName, kerasLayer,
} from '../frameworks/keras';

const MAX_CONSTRUCT_DEPTH = 8;
const MAX_LOOP_ITERATIONS = 4;
/** A list built by `append` in loops stops growing here (the layers of a deep network fit). */
const MAX_SEQ_ITEMS = 512;
/** Upper bound on evaluated statements per project, so pathological inputs stay linear. */
const MAX_STEPS = 2_000_000;

const EVAL_FN_NAME = /^(eval|evaluate|evaluation|validate|validation|valid|val|test|testing|predict|prediction|infer|inference|run_eval|run_inference|do_eval|eval_.+|evaluate_.+|validate_.+|valid_.+|val_.+|predict_.+|infer_.+|inference_.+|test_model|test_epoch)$/i;
/**
 * Keras inference hooks and serving functions, besides {@link EVAL_FN_NAME}: a `training=True`
 * call there runs inference with batch statistics (`test_step`/`predict_step` are what
 * `evaluate()`/`predict()` run; the TensorFlow 2 quickstart's `test_step` is a plain function).
 */
const KERAS_EVAL_FN_NAME = /^(test_step|predict_step|eval_step|val_step|valid_step|validation_step|evaluate_step|serve|serving_fn|serving_default|serve_fn)$/;
/** Calls that train a Keras model by hand (a custom training loop): `training=True` around them is training. */
const KERAS_TRAIN_CALLS = new Set(['apply_gradients', 'gradient', 'minimize', 'train_on_batch', 'fit']);
const PREDICT_METHODS = /^(predict|predict_proba|infer|inference|generate|sample|classify|detect|segment|forward_test)$/;
const PRESERVING_FUNCS = /^(torch\.nn\.functional\.(relu|relu6|leaky_relu|gelu|silu|elu|selu|celu|mish|hardswish|hardsigmoid|sigmoid|tanh|softplus|dropout\d?d?|alpha_dropout)|torch\.(relu|sigmoid|tanh)|tensorflow\.(nn\.)?(relu|relu6|elu|selu|gelu|silu|swish|leaky_relu|sigmoid|tanh|softplus|dropout)|tensorflow\.math\.(sigmoid|tanh)|keras\.(activations|ops)\.(relu|relu6|elu|selu|gelu|silu|swish|leaky_relu|sigmoid|tanh|softplus|mish|hard_swish))$/;
const RESHAPE_METHODS = /^(permute|transpose|view|reshape|contiguous|flatten|squeeze|unsqueeze|t)$/;

/** A function summary: what calling it does to its symbolic objects. */
interface Summary {
  /** Inference and training facts on symbolic objects, resolved at each call site. */
  infer: InferenceFact[];
  steps: TrainStepFact[];
  /** NL002 (Keras, TensorFlow.js): calls of symbolic models in inference mode inside a gradient computation. */
  inferTrain: InferenceInTrainingFact[];
  frozenTrains: Array<{ obj: Obj; site: Site; stmtSpan: Span; receiver: string }>;
  /** Mode of each symbolic object on exit (sources may include `entry`). */
  exit: Map<Obj, ModeInfo>;
  freezes: Array<{ obj: Obj; site: Site }>;
  /** Objects whose weights were loaded or trained here. */
  weighted: Set<Obj>;
  converted: Set<Obj>;
  hasStep: boolean;
  /** Objects returned, with their modes on return. */
  returns: Array<{ obj: Obj; mode: ModeInfo }>;
  /** DDP wraps of symbolic objects (`def wrap(model): return DDP(model)`), resolved at each call (NL006). */
  ddp: DdpFact[];
  /**
   * Calls of symbolic models without a `training` argument outside any gradient computation:
   * NL002 facts where the function is called inside one (a loss helper under the tape).
   */
  plainCalls: InferenceInTrainingFact[];
  /**
   * Forward passes of symbolic models outside any inference context of the function (a helper
   * `compute_accuracy(model, loader)` calling `model(x)`): inference where the caller runs the
   * function in one (under `torch.no_grad()`, after training...), see `applySummary`.
   */
  forwards: Array<{ obj: Obj; site: Site; mode: ModeInfo }>;
}

/** The flow state at a program point. */
interface State {
  env: Env;
  modes: Map<Obj, ModeInfo>;
  /** Autograd is off here, and by what (see `GradOff`); false when it is on. */
  noGrad: false | GradOff;
  /** Objects forwarded with autograd since the last training step. */
  forwarded: Set<Obj>;
  /** Objects whose parameters were frozen on some path to this point, with where. */
  frozen: Map<Obj, Site>;
  /** Objects frozen on every path to this point (NL010 needs certainty; NL002 only a possibility). */
  frozenAll: Set<Obj>;
  /**
   * Objects with meaningful weights on this path: loaded (`load_state_dict`, `torch.load`,
   * a factory with `weights=`/`pretrained=True`) or trained. A fresh, untrained module run
   * under `no_grad` or in a `test()` function is a smoke test, not inference (NL001).
   */
  weighted: Set<Obj>;
  /** Objects trained (forwarded into a training step) on this path. */
  trained: Set<Obj>;
  converted: Set<Obj>;
  /**
   * Which of the collections above (bits of {@link OWN}) this state may change in place. The
   * others may be shared with other states (copies and joins share unchanged collections):
   * change them through {@link own}, which copies on the first write. `env` is always owned.
   */
  own: number;
}

/** The copy-on-write collections of a {@link State}. */
type SharedKey = 'modes' | 'forwarded' | 'frozen' | 'frozenAll' | 'weighted' | 'trained' | 'converted';
const OWN: Record<SharedKey, number> = { modes: 1, forwarded: 2, frozen: 4, frozenAll: 8, weighted: 16, trained: 32, converted: 64 };
const SHARED_KEYS = Object.keys(OWN) as SharedKey[];

/**
 * A copy of a map. `new Map(m)` goes through the iterator protocol and allocates an entry array
 * per element (V8 11 / Node 20); flow states copy maps on every branch, loop and call.
 */
function copyMap<K, V>(m: ReadonlyMap<K, V>): Map<K, V> {
  const out = new Map<K, V>();
  m.forEach((v, k) => out.set(k, v));
  return out;
}

/** A copy of a set (see {@link copyMap}). */
function copySet<T>(s: ReadonlySet<T>): Set<T> {
  const out = new Set<T>();
  s.forEach((v) => out.add(v));
  return out;
}

/** One of a state's collections, made its own first (copied if it may be shared). */
function own<K extends SharedKey>(st: State, k: K): State[K] {
  if (!(st.own & OWN[k])) {
    const c = st[k] as Map<unknown, unknown> | Set<unknown>;
    (st as unknown as Record<string, unknown>)[k] = c instanceof Map ? copyMap(c) : copySet(c);
    st.own |= OWN[k];
  }
  return st[k];
}

/** The keyword arguments of a call without any (shared: read-only, as every `kw` is once built). */
const NO_KWARGS: ReadonlyMap<string, Val[]> = new Map();

const NO_SITES: ReadonlySet<string> = new Set();

/** Never changed: new states start with these (see {@link own}). */
const NO_MODES: ReadonlyMap<Obj, ModeInfo> = new Map();
const NO_FROZEN: ReadonlyMap<Obj, Site> = new Map();
const NO_OBJS: ReadonlySet<Obj> = new Set();

/** Per-body analysis context. */
interface Ctx {
  file: ProjectFile;
  purpose: 'construct' | 'flow';
  fn: FuncDef | null;
  cls: ClassRef | null;
  /** Object under construction (`self` in `__init__`), to collect `created`. */
  building: Obj | null;
  depth: number;
  /** Memo key of this evaluation (object allocation is per site and key). */
  key: string;
  returns: Val[];
  /** Flow purpose only. */
  summary: Summary | null;
  evalNamed: boolean;
  lightningStep: boolean;
  /** Offset after which no training step appears in this body (for "after training"). */
  /**
   * Enclosing loops: `bodyAt`, the IR object whose `start` is the offset of the body's first
   * statement (open documents move it with the text), and the loaders they iterate.
   */
  loops: Array<{ span: Span; bodyAt: { readonly start: number }; loaders: Obj[] }>;
  /** Enclosing `with`/loop statements at this body's top level, for the NL001 fix insertion point. */
  topStmt: Stmt | null;
  /** Forward-analysis: current loop nesting id for NL005 time-step loops. */
  loopIds: number[];
  /** Gradient accumulation in this body: an optimizer step under `if ... % ...:`. */
  accumulation: boolean;
  /** Offsets of the training steps in this body (syntactic, including calls to training functions). */
  stepOffsets: number[];
  /** States at `return` statements (the function's exit states besides falling off the end). */
  exitStates: State[];
  /** While evaluating `return <call>` in a flow summary: skip constructing the result. */
  skipConstruct: boolean;
  /** Keras: nesting depth of `with tf.GradientTape()` blocks around the current point. */
  tape: number;
  /**
   * TensorFlow.js: nesting depth of gradient closures that train every trainable variable
   * (`optimizer.minimize(f)` / `tf.variableGrads(f)` without a `varList`): a model called there
   * with `{training: false}` is itself trained in inference mode.
   */
  allVars: number;
  /** Keras: an inference hook or evaluation function by name (`test_step`, `evaluate`...). */
  kerasEvalNamed: boolean;
  /** Keras: the body trains by hand (`tape.gradient`, `apply_gradients`, `fit`), so `training=True` there is training. */
  kerasTrains: boolean;
  /** Tensors layers were applied to in the current statement (see `settleLayerInputs`); null when none. */
  layerInputs: TensorVal[] | null;
  /** The statements being executed, outermost first (see `fixAnchor`). */
  stmts: Stmt[];
  /**
   * Per enclosing `with tf.GradientTape()`: the models whose variables its `tape.gradient(...)`
   * calls differentiate (`student.trainable_variables` → `student`), or null when unknown (see
   * `tapeSources`, `trainedUnderTape`).
   */
  tapeSources: Array<Expr[] | null>;
}

function modeInfo(mode: Mode, site: Site | null, how: ModeSource['how']): ModeInfo {
  return { sources: [{ mode, site, how }], stepSinceSet: false };
}

function joinInfo(a: ModeInfo | undefined, b: ModeInfo | undefined): ModeInfo | undefined {
  if (!a) return b;
  if (!b) return a;
  const sources = a.sources.slice();
  for (const s of b.sources) {
    if (!sources.some((x) => x.mode === s.mode && x.site?.span.start === s.site?.span.start && x.site?.file === s.site?.file)) {
      sources.push(s);
    }
  }
  return { sources, stepSinceSet: a.stepSinceSet || b.stepSinceSet };
}

function infoKey(i: ModeInfo | undefined): string {
  if (!i) return '';
  return i.sources.map((s) => `${s.mode}@${s.site?.file.path}:${s.site?.span.start}`).sort().join(',') + (i.stepSinceSet ? '!' : '');
}

/** The modes an object may be in. */
export function modesOf(info: ModeInfo): Set<Mode> {
  return new Set(info.sources.map((s) => s.mode));
}

export interface ModelOptions {
  /** Report on modules whose construction cannot be resolved. */
  assumeUnknownModulesNormalize: boolean;
  /** Analyze only one side of a split of a file's module-level statements (incremental linting). */
  roots?: RootSlice;
}

/** The analyzed project: facts for the rules. */
export class PyTorchModel {
  readonly index: ProjectIndex;
  readonly layers: Obj[] = [];
  readonly pairs: LayerPair[] = [];
  readonly sequenceNorms: SequenceNormFact[] = [];
  readonly inference = new Map<string, InferenceFact>();
  readonly steps = new Map<string, TrainStepFact>();
  readonly frozenTrains = new Map<string, FrozenTrainFact>();
  readonly loaders: LoaderFact[] = [];
  readonly ddp = new Map<string, DdpFact>();
  readonly lightning: LightningTrainerFact[] = [];
  /** Objects handed to an optimizer (`optim.SGD(model.parameters())`); null when some optimizer's parameters are unknown. */
  optimized: Set<Obj> | null = new Set();
  /** Module classes (nn.Module subclasses) of the project. */
  readonly moduleClasses: ClassRef[] = [];
  /** NL008 (Keras): `training=True` forced inside a model definition, by call site. */
  readonly forcedTraining = new Map<string, ForcedTrainingFact>();
  /** NL008 (Keras): frozen models (`trainable = False`) called without `training=` in a model definition. */
  readonly frozenBaseCalls: FrozenBaseCallFact[] = [];
  /**
   * NL002 (Keras, TensorFlow.js): a model or layer called in inference mode (no `training`, or
   * through `predict()`) inside a gradient computation (`with tf.GradientTape()`, the closure of
   * `optimizer.minimize(...)` / `tf.variableGrads(...)`), by call site.
   */
  readonly inferenceInTraining = new Map<string, InferenceInTrainingFact>();
  /**
   * Some project file changes or reads Keras' global image data format
   * (`set_image_data_format`, `image_data_format()`): a conv's default `data_format` is then not
   * known to be channels-last.
   */
  kerasDataFormatConfigured = false;
  /** Keras objects set `trainable = False`, with where. */
  private readonly kerasFrozen = new Map<Obj, { site: Site; fn: FuncDef | null }>();
  /** Keras calls inside a model definition without a `training` argument (joined with `kerasFrozen` after the run). */
  private readonly kerasPlainCalls: Array<{ obj: Obj; site: Site; call: CallExpr; fn: FuncDef | null }> = [];
  /** The output of a Keras `Sequential` so far (what the next `model.add(layer)` is applied to). */
  private readonly kerasSeqOut = new Map<Obj, Val[]>();
  private readonly isKerasMemo = new Map<ClassDef, boolean | 'pending'>();

  private nextId = 1;
  private steps_ = 0;
  private readonly objMemo = new Map<ProjectFile | null, Map<number, Map<ObjKind, Map<string, Obj>>>>();
  private readonly summaries = new Map<FuncDef, Summary | 'pending'>();
  private readonly constructMemo = new Map<string, Val[] | 'pending'>();
  private readonly globalMemo = new Map<string, Val[] | 'pending'>();
  private readonly symMemo = new Map<string, Obj>();
  private readonly pairKeys = new Set<string>();
  private readonly isModuleMemo = new Map<ClassDef, boolean | 'pending'>();
  private loopCounter = 0;
  private readonly relevantMemo = new Map<FuncDef | Stmt[], boolean | 'pending'>();
  private readonly moduleEnvs = new Map<ProjectFile, Env | 'pending'>();
  private readonly buildMemo = new Map<FuncDef, boolean | 'pending'>();
  private readonly globalCache = new Map<ProjectFile, Map<string, Val[]>>();
  private readonly layerKeys = new Set<number>();
  private readonly loaderByObj = new Map<Obj, LoaderFact>();
  /** Loaders whose batch size is a parameter of the function that builds them (see `bindLoaderBatchSize`); `vals` null: unknown. */
  private readonly loaderParams = new Map<LoaderFact, { sym: Obj; vals: Val[] | null }>();
  private readonly opts: ModelOptions;

  constructor(index: ProjectIndex, opts: ModelOptions) {
    this.index = index;
    this.opts = opts;
  }

  /**
   * Internal errors caught while analyzing (a bug in normlint, never the user's code): the
   * analysis of that body is dropped and the rest goes on.
   */
  readonly internalErrors: string[] = [];

  private guard(what: string, f: () => void): void {
    try {
      f();
    } catch (e) {
      this.internalErrors.push(`${what}: ${(e as Error).stack ?? String(e)}`);
    }
  }

  /** Runs every analysis. Call once. */
  run(): this {
    for (const f of this.index.files) {
      this.guard(f.path, () => {
        if (!this.kerasDataFormatConfigured && mentionsDataFormat(f.ir.body)) this.kerasDataFormatConfigured = true;
        for (const c of this.classesOf(this.rootsOf(f))) {
          const ref = { file: f, def: c };
          if (this.isModuleClass(ref)) this.moduleClasses.push(ref);
        }
      });
    }
    // Module bodies first (they are the entry points), then every function not reached.
    if (this.opts.roots?.side !== 'dependents') for (const f of this.index.files) this.guard(f.path, () => this.analyzeModuleBody(f));
    // A function no analyzed code calls can only produce findings about objects it builds or
    // loads itself (its parameters and globals stay symbolic): skip the ones that build none.
    for (const f of this.index.files) {
      this.forEachFunction(f, this.rootsOf(f), null, (def, cls) => {
        this.guard(`${f.path}: ${def.name}()`, () => {
          // Keras inference hooks (`test_step`) run when Keras calls them: analyze them even if nothing in the project does.
          if (this.summaries.has(def) || this.mayBuild(def, f) || (KERAS_EVAL_FN_NAME.test(heuristicName(def, f)) && hasForcedTrainingCall(def.body))) this.summaryOf(f, def, cls);
        });
      });
    }
    // Structure: a generic instance of every module class and its forward() data flow, and
    // every other body that constructs layers or project modules (helpers such as `conv_bn`,
    // module-level `nn.Sequential`s, factories such as `vgg11_bn()` that nothing calls)
    // evaluated once with its parameters' defaults.
    for (const ref of this.moduleClasses) this.guard(`${ref.file.path}: class ${ref.def.name}`, () => this.analyzeForward(ref));
    for (const f of this.index.files) {
      const roots = this.rootsOf(f);
      if (roots.length === 0) continue;
      // (Module-level code is a root of the 'rest' side of a split only.)
      if (this.opts.roots?.side !== 'dependents') this.guard(f.path, () => this.moduleEnv(f));
      this.forEachFunction(f, roots, null, (def, cls) => {
        // A module class's `__init__` and `forward` ran with its generic instance; its other
        // methods only when something called them (a projector built lazily, byol-pytorch's
        // `_get_projector`, is evaluated here like a helper function).
        if (cls && this.isModuleClass(cls) && (def.name === '__init__' || def.name === 'forward' || this.evaluated.has(def))) return;
        if (this.summaries.get(def) && this.relevantMemo.get(def)) return;
        this.guard(`${f.path}: ${def.name}()`, () => {
          if (constructsLayers(def.body) || this.mayBuild(def, f)) {
            this.genericRoots.push({ def, method: cls !== null && this.isModuleClass(cls) });
            this.evalFunctionBody(def, cls, cls ? [[]] : [], new Map(), 1, null, 'generic');
          }
        });
      });
    }
    this.guard('keras frozen models', () => this.joinFrozenCalls());
    return this;
  }

  /**
   * The module-level statements of `file` that are roots of this run: all of them, or one side
   * of `ModelOptions.roots` (see `RootSlice`).
   */
  private rootsOf(file: ProjectFile): readonly Stmt[] {
    const r = this.opts.roots;
    if (!r) return file.ir.body;
    if (file.path !== r.file) return r.side === 'rest' ? file.ir.body : [];
    return file.ir.body.filter((s) => r.dependents.has(s) === (r.side === 'dependents'));
  }

  /**
   * Functions evaluated as roots with their parameters' defaults (the structure phase), in order;
   * `method`: a method of a module class (skipped there when something evaluated it).
   */
  private readonly genericRoots: Array<{ def: FuncDef; method: boolean }> = [];

  /**
   * Why a `'rest'` run of a split (`ModelOptions.roots`) does not hold: the name it resolved to
   * a definition of the other side; null when it holds so far.
   */
  sliceViolation: string | null = null;

  /**
   * Whether the two sides of a split, analyzed apart, may find other facts than one whole run
   * (see `RootSlice`): the `'rest'` side (this model) reached the other's definitions, or
   * evaluated a function with its defaults that a whole run would skip because the other side
   * evaluated it; the `'dependents'` side used or changed an object created at module scope
   * (each side has its own copy, a whole run one with every root's uses); the sides disagree on
   * Keras' image data format; together they spend more steps than a whole run may; or the
   * `'dependents'` side holds facts that a whole run joins across roots (modes, training steps,
   * loaders, DDP, optimizers, Keras freezing and training flags) or that rules read
   * project-wide (the optimizers' parameters).
   * @returns the reason, or null when the union of both sides' findings is the whole run's.
   */
  splitConflict(dependents: PyTorchModel): string | null {
    if (this.sliceViolation) return this.sliceViolation;
    if (dependents.sharedUse) return dependents.sharedUse;
    // Read by the rules for every Keras layer: this side's value is from when it was built.
    if (dependents.kerasDataFormatConfigured !== this.kerasDataFormatConfigured) return 'Keras\' image data format is set or read elsewhere now';
    // A whole run stops where its one step budget runs out.
    if (this.steps_ + dependents.steps_ > MAX_STEPS) return 'the analysis budget is spent';
    // The structure phase's skip tests (see `run`), with what the other side adds.
    for (const { def, method } of this.genericRoots) {
      const d = dependents;
      if ((method && d.evaluated.has(def)) || ((d.summaries.get(def) || this.summaries.get(def)) && (d.relevantMemo.get(def) || this.relevantMemo.get(def)))) {
        return `${def.name}() is called by the edited definitions`;
      }
    }
    const d = dependents;
    if (d.inference.size || d.steps.size || d.frozenTrains.size || d.ddp.size || d.loaders.length || d.lightning.length || d.forcedTraining.size ||
      d.inferenceInTraining.size || d.kerasFrozen.size || d.kerasPlainCalls.length || d.optimized === null || d.optimized.size) return 'mode facts';
    // (This side's own optimizers, Keras freezing and loader batch sizes concern only objects it
    // reached, never the dependents': it resolved none of their names.)
    return null;
  }

  /** Where each layer is applied to a tensor (forward(), call(), functional chains), by call site. */
  private readonly layerCalls = new Map<Obj, Set<string>>();

  /** Per producing layer: the call sites whose output a forward() layer took, with that layer. */
  private readonly consumed = new Map<Obj, Array<{ at: string; consumer: Obj }>>();

  private noteLayerCall(obj: Obj, at: string): void {
    this.noteShared(obj, 'a layer created at module scope is called by the edited definitions');
    let sites = this.layerCalls.get(obj);
    if (!sites) this.layerCalls.set(obj, (sites = new Set()));
    sites.add(at);
  }

  /**
   * The call sites where a layer is called by name (not through a container). More than one
   * is a shared layer (the same weights on two inputs, a Siamese branch).
   */
  layerCallSites(obj: Obj): ReadonlySet<string> {
    return this.layerCalls.get(obj) ?? NO_SITES;
  }

  /** Which layers took the output of `producer`'s call at `at` in forward()/call() (see `layerCallSites`). */
  consumersAt(producer: Obj, at: string): Obj[] {
    return (this.consumed.get(producer) ?? []).filter((c) => c.at === at).map((c) => c.consumer);
  }

  /** Whether a Keras or TensorFlow.js model or layer was frozen (`trainable = False`) somewhere. */
  isKerasFrozen(obj: Obj): boolean {
    return this.kerasFrozen.has(obj);
  }

  /** NL008: the calls of frozen Keras models (`trainable = False`) without `training=` inside a model definition. */
  private joinFrozenCalls(): void {
    const seen = new Set<string>();
    for (const c of this.kerasPlainCalls) {
      const frozen = this.kerasFrozen.get(c.obj);
      // Only a call that the freeze precedes in the same body (the fine-tuning model built
      // where the base is frozen): a model-building function called from elsewhere may build
      // a base that is never frozen, even when the interpreter shares its object.
      if (!frozen || frozen.fn !== c.fn || frozen.site.file !== c.site.file || frozen.site.span.start > c.site.span.start) continue;
      const at = frozen.site;
      const k = `${c.site.file.path}:${c.site.span.start}:${c.obj.id}`;
      if (seen.has(k)) continue;
      seen.add(k);
      this.frozenBaseCalls.push({ site: c.site, call: c.call, obj: c.obj, frozenAt: at });
    }
  }

  // ---------------------------------------------------------------------------------------
  // Classes and carries

  private classesOf(body: readonly Stmt[], out: ClassDef[] = []): ClassDef[] {
    for (const s of body) {
      if (s.k === 'class') {
        out.push(s.def);
        this.classesOf(s.def.body, out);
      } else if (s.k === 'if' || s.k === 'try') {
        this.classesOf(s.k === 'if' ? [...s.body, ...s.orelse] : [...s.body, ...s.handlers.flatMap((h) => h.body)], out);
      }
    }
    return out;
  }

  /** Calls `f` on every function and method of `file` defined at module or class level. */
  private forEachFunction(file: ProjectFile, body: readonly Stmt[], cls: ClassRef | null, f: (def: FuncDef, cls: ClassRef | null) => void): void {
    for (const s of body) {
      if (s.k === 'func') f(s.def, cls);
      else if (s.k === 'class') this.forEachFunction(file, s.def.body, { file, def: s.def }, f);
      else if (s.k === 'if') {
        this.forEachFunction(file, s.body, cls, f);
        this.forEachFunction(file, s.orelse, cls, f);
      }
    }
  }

  /** Base classes of a project class, resolved. */
  private basesOf(ref: ClassRef): Val[][] {
    return ref.def.bases.map((b) => this.evalIn(b, ref.file));
  }

  /** True when the class derives (transitively) from `nn.Module` or a Lightning module. */
  isModuleClass(ref: ClassRef): boolean {
    const memo = this.isModuleMemo.get(ref.def);
    if (memo === 'pending') return false;
    if (memo !== undefined) return memo;
    this.isModuleMemo.set(ref.def, 'pending');
    let result = false;
    for (const vals of this.basesOf(ref)) {
      for (const v of vals) {
        if (v.t === 'ext' && (MODULE_BASES.has(canonicalTorchName(v.q)) || torchLayer(v.q) || KERAS_BASES.has(v.q) || kerasLayer(v.q))) result = true;
        if (v.t === 'cls' && this.isModuleClass(v.cls)) result = true;
      }
    }
    this.isModuleMemo.set(ref.def, result);
    return result;
  }

  /** True when the class derives (transitively) from a Keras `Model`, `Layer` or layer class: its forward pass is `call()`. */
  isKerasClass(ref: ClassRef): boolean {
    const memo = this.isKerasMemo.get(ref.def);
    if (memo === 'pending') return false;
    if (memo !== undefined) return memo;
    this.isKerasMemo.set(ref.def, 'pending');
    let result = false;
    for (const vals of this.basesOf(ref)) {
      for (const v of vals) {
        if (v.t === 'ext' && (KERAS_BASES.has(v.q) || kerasLayer(v.q))) result = true;
        if (v.t === 'cls' && this.isKerasClass(v.cls)) result = true;
      }
    }
    this.isKerasMemo.set(ref.def, result);
    return result;
  }

  /**
   * Is this a Keras object: a Keras layer or model, a `keras.applications` model, an instance
   * of a Keras subclass (or `self` inside one)? Keras objects have no train/eval mode: each
   * call's `training` flag decides, so the PyTorch mode facts never apply to them.
   */
  isKeras(o: Obj): boolean {
    if (o.kind === 'layer') return o.spec?.framework === 'keras';
    if (o.kind === 'factory') return !!o.q && isKerasName(o.q);
    if ((o.kind === 'instance' || o.kind === 'sym') && o.cls) return this.isKerasClass(o.cls);
    return false;
  }

  /** The generic instance of a module class (constructed with its parameters' defaults), as the structure analysis sees it. */
  private genericInstance(ref: ClassRef): Obj {
    const site: Site = { file: ref.file, span: ref.def.nameSpan };
    const self = this.alloc('instance', site, 'generic', { cls: ref });
    if (!self.attrs.has('__built__')) {
      self.attrs.set('__built__', []);
      this.runInit(self, ref, [], new Map(), 1);
    }
    return self;
  }

  /** True when the class derives from a Lightning module. */
  isLightningClass(ref: ClassRef, seen = new Set<ClassDef>()): boolean {
    if (seen.has(ref.def)) return false;
    seen.add(ref.def);
    for (const vals of this.basesOf(ref)) {
      for (const v of vals) {
        if (v.t === 'ext' && LIGHTNING_BASES.has(v.q)) return true;
        if (v.t === 'cls' && this.isLightningClass(v.cls, seen)) return true;
      }
    }
    return false;
  }

  /**
   * Class-level assignments of a project class (and its project bases), in order: the fields of
   * a dataclass, or class attributes. Values are the default expressions (null for a bare
   * annotation).
   */
  classFields(ref: ClassRef, seen = new Set<ClassDef>()): Map<string, Expr | null> {
    const out = new Map<string, Expr | null>();
    if (seen.has(ref.def)) return out;
    seen.add(ref.def);
    for (const vals of this.basesOf(ref)) for (const v of vals) if (v.t === 'cls') for (const [k, e] of this.classFields(v.cls, seen)) out.set(k, e);
    for (const s of ref.def.body) {
      if (s.k !== 'assign' || s.op) continue;
      for (const t of s.targets) if (t.k === 'name') out.set(t.id, s.value);
    }
    return out;
  }

  /** A method of a project class or its project bases (MRO approximated depth-first). */
  findMethod(ref: ClassRef, name: string, seen?: Set<ClassDef>): { def: FuncDef; cls: ClassRef } | null {
    if (seen?.has(ref.def)) return null;
    for (const s of ref.def.body) if (s.k === 'func' && s.def.name === name) return { def: s.def, cls: ref };
    if (ref.def.bases.length === 0) return null;
    seen ??= new Set();
    seen.add(ref.def);
    for (const vals of this.basesOf(ref)) {
      for (const v of vals) if (v.t === 'cls') {
        const m = this.findMethod(v.cls, name, seen);
        if (m) return m;
      }
    }
    return null;
  }

  /**
   * What an object carries, transitively (BatchNorm, Dropout). Layers carry what they are;
   * containers and project instances what they contain or created; factories what the table
   * says; symbolic and opaque objects are unknown.
   */
  carry(obj: Obj, seen = new Set<Obj>()): Carry {
    if (obj.carry) return obj.carry;
    const c: Carry = { batchnorm: false, dropout: false, unknown: false, batchnorm1d: false, batchnormTracked: false, batchnormUnsynced: false, batchnormCustom: false };
    if (seen.has(obj)) return c;
    seen.add(obj);
    switch (obj.kind) {
      case 'layer':
        if (obj.spec?.kind === 'batchnorm') {
          c.batchnorm = true;
          c.batchnorm1d = obj.spec.dims === 1 || !!obj.onOneByOne;
          c.batchnormTracked = constOf(this.argOf(obj, 'track_running_stats').value) !== false;
          c.batchnormUnsynced = obj.q !== 'torch.nn.SyncBatchNorm';
        }
        if (obj.spec?.kind === 'dropout') c.dropout = true;
        break;
      case 'factory':
        if (obj.factoryCarry) {
          c.batchnorm = obj.factoryCarry.batchnorm;
          c.batchnormTracked = obj.factoryCarry.batchnorm;
          c.batchnormUnsynced = obj.factoryCarry.batchnorm;
          c.dropout = obj.factoryCarry.dropout;
        } else c.unknown = true;
        break;
      case 'sym':
      case 'opaque':
        c.unknown = true;
        break;
      case 'instance': {
        const bn = obj.cls ? this.batchNormBase(obj.cls) : null;
        if (bn) {
          c.batchnorm = true;
          c.batchnorm1d = bn.dims === 1;
          c.batchnormTracked = bn.tracked;
          c.batchnormUnsynced = !bn.synced;
          c.batchnormCustom = !bn.synced && bn.customForward;
        }
        break;
      }
      default:
        break;
    }
    const parts = [...obj.children, ...obj.created];
    for (const vals of obj.attrs.values()) parts.push(...objsOf(vals));
    // A slice of a module's submodules keeps its stem (BatchNorm), not surely its head (Dropout).
    const head = obj.q !== 'modules-slice-of';
    for (const p of parts) {
      if (p.kind === 'loader' || p.kind === 'optimizer' || p.kind === 'trainer') continue;
      const pc = this.carry(p, seen);
      c.batchnorm ||= pc.batchnorm;
      c.dropout ||= head && pc.dropout;
      c.batchnorm1d ||= pc.batchnorm1d;
      c.batchnormTracked ||= pc.batchnormTracked;
      c.batchnormUnsynced ||= pc.batchnormUnsynced;
      c.batchnormCustom ||= pc.batchnormCustom;
      if (p.kind !== 'sym') c.unknown ||= pc.unknown;
    }
    if (seen.size === 1 || obj.kind !== 'instance') obj.carry = c;
    return c;
  }

  private readonly bnBaseMemo = new Map<ClassDef, BatchNormBase | null | 'pending'>();

  /**
   * A project class that is a BatchNorm layer: it derives (through project classes) from
   * `nn.BatchNorm1d/2d/3d`, `nn.SyncBatchNorm` or `nn.modules.batchnorm._BatchNorm` (timm's
   * `BatchNormAct2d`, detectron2's `NaiveSyncBatchNorm`, a `BatchNorm2d` with other defaults).
   * Precision first, it is not one when a class of the chain overrides `train()` (it may keep
   * itself in eval mode), is named as frozen, or overrides `forward()` without calling
   * `super().forward(...)` or a `batch_norm(...)` that depends on `self.training` (a forward
   * that always uses the running statistics behaves the same in both modes). Synced: the chain
   * has `nn.SyncBatchNorm` or a class named `*Sync*`. Tracked unless a `super().__init__(...)`
   * of the chain passes `track_running_stats=False`.
   */
  private batchNormBase(ref: ClassRef): BatchNormBase | null {
    const memo = this.bnBaseMemo.get(ref.def);
    if (memo === 'pending') return null;
    if (memo !== undefined) return memo;
    this.bnBaseMemo.set(ref.def, 'pending');
    let found: BatchNormBase | null = null;
    const own = ref.def.body;
    const method = (name: string): FuncDef | null => {
      for (const s of own) if (s.k === 'func' && s.def.name === name) return s.def;
      return null;
    };
    const fwd = method('forward');
    const customForward = !!fwd;
    const veto = method('train') !== null || /frozen/i.test(ref.def.name) || (fwd !== null && !forwardUsesBatchStats(fwd));
    if (!veto) {
      for (const vals of this.basesOf(ref)) {
        for (const v of vals) {
          let b: BatchNormBase | null = null;
          if (v.t === 'ext') {
            const q = canonicalTorchName(v.q);
            const spec = torchLayer(q);
            if ((spec?.kind === 'batchnorm' && spec.framework !== 'keras') || q === 'torch.nn._BatchNorm') {
              b = { dims: spec?.dims ?? null, synced: q === 'torch.nn.SyncBatchNorm', tracked: true, customForward: false };
            }
          } else if (v.t === 'cls') b = this.batchNormBase(v.cls);
          if (b) found ??= b;
        }
      }
      if (found) {
        const init = method('__init__');
        found = {
          dims: found.dims,
          synced: found.synced || /sync/i.test(ref.def.name),
          tracked: found.tracked && !(init && passesUntracked(init)),
          customForward: found.customForward || customForward,
        };
      }
    }
    this.bnBaseMemo.set(ref.def, found);
    return found;
  }

  /** Does this object (maybe) carry BatchNorm, honouring `assume-unknown-modules-normalize`. */
  carriesBatchNorm(obj: Obj): boolean {
    const c = this.carry(obj);
    return c.batchnorm || (c.unknown && this.opts.assumeUnknownModulesNormalize && obj.kind !== 'sym');
  }

  /**
   * Does training `obj` normalize with batch statistics somewhere: it carries BatchNorm
   * ({@link carriesBatchNorm}) outside the Keras sub-models frozen with `trainable = False`,
   * whose BatchNormalization layers Keras runs in inference mode (TensorFlow ≥ 2.0, Keras
   * BatchNormalization docs: "setting `layer.trainable = False` ... the layer will run in
   * inference mode"). TensorFlow.js keeps normalizing a frozen layer with batch statistics in
   * `fit()` (measured with tfjs 4.22), so there frozen parts count. The freeze is not
   * flow-sensitive: a base unfrozen again for fine-tuning still counts as frozen.
   */
  trainsBatchNorm(obj: Obj): boolean {
    if (!this.carriesBatchNorm(obj)) return false;
    if (this.kerasFrozen.size === 0 || obj.site?.file.ir.lang === 'ts' || !this.isKeras(obj)) return true;
    return this.batchNormOutsideFrozen(obj, new Set());
  }

  private batchNormOutsideFrozen(obj: Obj, seen: Set<Obj>): boolean {
    if (seen.has(obj) || this.kerasFrozen.has(obj)) return false;
    seen.add(obj);
    if (obj.kind === 'layer' && obj.spec?.kind === 'batchnorm') return true;
    if (obj.kind === 'factory') {
      if (obj.factoryCarry ? obj.factoryCarry.batchnorm : this.opts.assumeUnknownModulesNormalize) return true;
    }
    if (obj.kind === 'opaque' && this.opts.assumeUnknownModulesNormalize) return true;
    const parts = [...obj.children, ...obj.created];
    for (const vals of obj.attrs.values()) parts.push(...objsOf(vals));
    return parts.some((p) => p.kind !== 'loader' && p.kind !== 'optimizer' && p.kind !== 'trainer' && this.batchNormOutsideFrozen(p, seen));
  }

  /** Does this object carry a BatchNorm that is not already a SyncBatchNorm (NL006)? */
  carriesUnsyncedBatchNorm(obj: Obj): boolean {
    const c = this.carry(obj);
    return (c.batchnorm && c.batchnormUnsynced) || (c.unknown && this.opts.assumeUnknownModulesNormalize && obj.kind !== 'sym');
  }

  /** Does this object carry a BatchNorm whose eval mode differs from training (running statistics tracked)? */
  carriesModeDependentBatchNorm(obj: Obj): boolean {
    const c = this.carry(obj);
    return (c.batchnorm && c.batchnormTracked) || (c.unknown && this.opts.assumeUnknownModulesNormalize && obj.kind !== 'sym');
  }

  /**
   * A constructor argument of a layer object, by the PyTorch signature: the keyword or
   * positional argument expression if written, its possible values (evaluated in the
   * creation environment), and whether the default applies.
   */
  argOf(obj: Obj, name: string): { expr: Expr | null; keyword: Keyword | null; value: Val[]; defaulted: boolean; viaPartial?: boolean } {
    const call = obj.call;
    const spec = obj.spec;
    if (!call || !spec || !obj.site) return { expr: null, keyword: null, value: [], defaulted: false };
    const kw = call.kwargs.find((k) => k.name === name) ?? null;
    // Bound by the `functools.partial` the layer was created through (the call's own keywords
    // win); its keyword is the expression when the partial is written in the layer's file.
    const bound = kw ? undefined : obj.partialKw?.kwargs.get(name);
    if (bound) {
      const pk = obj.partialKw?.file === obj.site.file ? obj.partialKw.call?.kwargs.find((k) => k.name === name) ?? null : null;
      return { expr: pk?.value ?? null, keyword: pk, value: bound, defaulted: false, viaPartial: true };
    }
    const idx = spec.params.findIndex((p) => p.name === name);
    const star = spec.params.findIndex((p) => p.name === '*');
    let expr: Expr | null = kw ? kw.value : null;
    if (!expr && idx >= 0 && idx < call.args.length && (star < 0 || idx < star)) {
      if (call.args.slice(0, idx + 1).some((a) => a.k === 'star')) return { expr: null, keyword: null, value: [], defaulted: false };
      expr = call.args[idx];
    }
    if (!expr) {
      if (call.doubleStar.length > 0 || call.args.some((a) => a.k === 'star')) return { expr: null, keyword: null, value: [], defaulted: false };
      const def = idx >= 0 ? spec.params[idx].def : undefined;
      return { expr: null, keyword: null, value: def === undefined ? [] : parseDefault(def), defaulted: def !== undefined };
    }
    const ctx = this.newCtx(obj.site.file, 'construct', null, null, MAX_CONSTRUCT_DEPTH, 'arg');
    const st = this.newState();
    if (obj.env) st.env = copyMap(obj.env);
    return { expr, keyword: kw, value: this.evalExpr(expr, ctx, st), defaulted: false };
  }

  // ---------------------------------------------------------------------------------------
  // Objects

  /**
   * The object allocated at a site (file and start offset) for a kind and evaluation key: the
   * same one every time (objects are per site and key, so loops and repeated calls converge).
   */
  /**
   * Nesting depth of evaluations at module scope (a module body run for its globals, a module-
   * level or class-level value): the objects they create are shared by every root of the run.
   */
  private moduleDepth = 0;
  /** Objects created at module scope (see {@link moduleDepth}). */
  private readonly moduleScoped = new Set<Obj>();
  /**
   * On the `'dependents'` side of a split: what its roots did to an object created at module
   * scope (used a module-level or class-level layer, changed such an object), which a whole run
   * would join with the other side's uses of the same object; null when nothing.
   */
  private sharedUse: string | null = null;

  /** Records a use by this side's roots of an object shared at module scope (see {@link sharedUse}). */
  private noteShared(obj: Obj | null | undefined, what: string): void {
    if (this.sharedUse === null && this.moduleDepth === 0 && obj && this.opts.roots?.side === 'dependents' && this.moduleScoped.has(obj)) this.sharedUse = what;
  }

  private alloc(kind: ObjKind, site: Site | undefined, key: string, init: Partial<Obj> = {}): Obj {
    // Nested maps (file → offset → kind → key) rather than one concatenated string key: this
    // runs for every object and is on the keystroke path of the language server.
    let byStart = this.objMemo.get(site?.file ?? null);
    if (!byStart) this.objMemo.set(site?.file ?? null, (byStart = new Map()));
    const start = site ? site.span.start : -1;
    let byKind = byStart.get(start);
    if (!byKind) byStart.set(start, (byKind = new Map()));
    let byKey = byKind.get(kind);
    if (!byKey) byKind.set(kind, (byKey = new Map()));
    const hit = byKey.get(key);
    if (hit) return hit;
    const obj: Obj = { id: this.nextId++, kind, site, attrs: new Map(), children: [], created: [], ...init };
    byKey.set(key, obj);
    if (this.moduleDepth > 0) this.moduleScoped.add(obj);
    return obj;
  }

  /** The symbolic object for a root (`param:name`, `global:name`) and attribute path. */
  private sym(fnKey: string, root: string, path: string[], parent?: Obj): Obj {
    const k = `${fnKey}|${root}|${path.join('.')}`;
    let o = this.symMemo.get(k);
    if (!o) {
      o = { id: this.nextId++, kind: 'sym', attrs: new Map(), children: [], created: [], sym: { root, path, parent } };
      this.symMemo.set(k, o);
    }
    return o;
  }

  // ---------------------------------------------------------------------------------------
  // Name resolution

  /** Evaluates an expression in a module's top-level context (construct purpose). */
  evalIn(e: Expr, file: ProjectFile): Val[] {
    if (isNameChain(e)) {
      // A name or attribute chain (`nn.Module`, a base class, a field's default) reads the state
      // but never writes it: one shared context per file and one empty state serve every such
      // evaluation (this runs for every base class of every class lookup).
      let ctx = this.moduleCtxs.get(file);
      if (!ctx) this.moduleCtxs.set(file, (ctx = this.newCtx(file, 'construct', null, null, 0, 'module')));
      return this.evalExpr(e, ctx, this.readOnlyState);
    }
    const ctx = this.newCtx(file, 'construct', null, null, 0, 'module');
    this.moduleDepth++;
    try {
      return this.evalExpr(e, ctx, this.newState());
    } finally {
      this.moduleDepth--;
    }
  }

  private readonly moduleCtxs = new Map<ProjectFile, Ctx>();
  /** Empty, and never written: see {@link evalIn}. */
  private readonly readOnlyState: State = this.newState();

  private newCtx(file: ProjectFile, purpose: Ctx['purpose'], fn: FuncDef | null, cls: ClassRef | null, depth: number, key: string): Ctx {
    return {
      file, purpose, fn, cls, building: null, depth, key, returns: [], summary: null,
      evalNamed: false, lightningStep: false, loops: [], topStmt: null, loopIds: [], skipConstruct: false, stepOffsets: [], exitStates: [], accumulation: false,
      tape: 0, allVars: 0, kerasEvalNamed: false, kerasTrains: false, layerInputs: null, tapeSources: [], stmts: [],
    };
  }

  private newState(): State {
    const objs = NO_OBJS as Set<Obj>;
    return {
      env: new Map(), modes: NO_MODES as Map<Obj, ModeInfo>, noGrad: false, forwarded: objs,
      frozen: NO_FROZEN as Map<Obj, Site>, frozenAll: objs, weighted: objs, trained: objs, converted: objs, own: 0,
    };
  }

  /** How many module bodies this model ran for their globals (see {@link moduleEnv}; for tests). */
  moduleBodiesRun = 0;

  /**
   * The values of a module's globals after running its body once (construct purpose), so
   * module-level setup such as `parser.add_argument(...)`, `layers.append(...)` or
   * `CFG["batch_size"] = 8` is seen by the functions that read those globals. Null while the
   * module is being run (an import cycle): callers then evaluate single bindings.
   */
  private moduleEnv(file: ProjectFile): Env | null {
    const memo = this.moduleEnvs.get(file);
    if (memo === 'pending') return null;
    if (memo) return memo;
    this.moduleEnvs.set(file, 'pending');
    this.moduleBodiesRun++;
    const ctx = this.newCtx(file, 'construct', null, null, 1, `module:${file.path}`);
    const st = this.newState();
    this.moduleDepth++;
    try {
      this.execBlock(file.ir.body, ctx, st);
    } finally {
      this.moduleDepth--;
    }
    this.moduleEnvs.set(file, st.env);
    return st.env;
  }

  /** Resolves a module-level name of `file` (imports, classes, functions, module constants). */
  resolveGlobal(file: ProjectFile, name: string, seen?: Set<string>): Val[] {
    if (!seen) {
      let perFile = this.globalCache.get(file);
      if (!perFile) this.globalCache.set(file, (perFile = new Map()));
      const hit = perFile.get(name);
      if (hit) return hit;
      const v = this.resolveGlobalUncached(file, name, new Set());
      // Cache only settled answers (not while a module body or binding is being evaluated),
      // and answers no evaluation state changes: a class, a function, an import of a framework
      // or of a module the project does not have (most lookups while a module body runs).
      if (this.moduleEnvs.get(file) !== 'pending' || this.settledBinding(file, name)) perFile.set(name, v);
      return v;
    }
    return this.resolveGlobalUncached(file, name, seen);
  }

  /** Whether what `file` binds `name` to is fixed by the project's files alone (see {@link resolveGlobal}). */
  private settledBinding(file: ProjectFile, name: string): boolean {
    const binds = file.bindings.get(name);
    if (!binds || file.starImports.length > 0) return false;
    for (const b of binds) {
      if (b.k === 'assign') return false;
      if (b.k !== 'import' || b.imp.name === null) continue; // (`import a.b` is a module or a framework name)
      const abs = this.index.absoluteModule(b.imp, file);
      if (abs === null || (b.imp.level === 0 && EXTERNAL_PACKAGES.has(abs.split('.')[0]))) continue;
      // `from m import x` of a project module: what `m` binds `x` to (see `resolveBinding`).
      if (this.importedModule(b.imp, abs, file)) return false;
    }
    return true;
  }

  /**
   * The value of a module-level name of `file` that {@link plainAssigns} finds bound once to a
   * constant or a name chain, computed without running the module body: what that run would
   * leave in the name. Null when the name is not such a binding, or when its value could hold an
   * object or a container (which the module body's run creates and may change, and which a
   * split's sides must not share: see `splitConflict`).
   */
  private settledAssignValue(file: ProjectFile, name: string, depth = 0): Val[] | null {
    const value = plainAssigns(file.ir).get(name);
    if (!value || depth > 3) return null;
    let vals: Val[];
    if (isNameChain(value)) {
      const hv = this.settledName(file, value, name, depth);
      if (!hv) return null;
      // Attributes only of framework names and project modules (a class attribute may construct).
      if (value.k === 'name') vals = hv;
      else if (hv.every((v) => v.t === 'ext' || v.t === 'mod')) vals = this.evalIn(value, file);
      else return null;
    } else if (isLiteralConst(value)) vals = this.evalIn(value, file);
    else if (value.k === 'call' && value.doubleStar.length === 0 && isNameChain(value.fn) && value.args.every(isLiteralData) && value.kwargs.every((k) => isLiteralData(k.value))) {
      // A standard-library type factory on literals (`Outputs = namedtuple("Outputs", ["a", "b"])`).
      const hv = this.settledName(file, value.fn, name, depth);
      if (!hv || !hv.every((v) => v.t === 'ext')) return null;
      const fv = value.fn.k === 'name' ? hv : this.evalIn(value.fn, file);
      if (!fv.every((v) => v.t === 'ext' && PLAIN_TYPE_FACTORIES.has(v.q))) return null;
      vals = this.evalIn(value, file);
    } else return null;
    return vals.every((v) => v.t === 'ext' || v.t === 'mod' || v.t === 'cls' || v.t === 'const' || (v.t === 'fn' && !v.self && !v.cls)) ? vals : null;
  }

  /**
   * The value of the head name of chain `e` in `file` when it is fixed without running the module
   * body: a settled binding, or another plain assignment (an alias of an alias); null otherwise,
   * or when it is `name` itself.
   */
  private settledName(file: ProjectFile, e: Expr, name: string, depth: number): Val[] | null {
    while (e.k === 'attr') e = e.obj;
    if (e.k !== 'name' || e.id === name) return null;
    const b = file.bindings.get(e.id);
    if (!b || b.length === 0) return null;
    if (this.settledBinding(file, e.id)) {
      const v = this.resolveGlobal(file, e.id);
      // Several bindings (`if`/`else` variants, `try`/`except` imports): the module body's run
      // gives the one its flow reaches, resolution the union of all; the same only when each
      // gives the same value (a concatenation of modules importing `namedtuple` twice).
      if (b.length === 1) return v;
      const keys = b.map((x) => this.resolveBinding(file, x, new Set()).map(valKey).sort().join('|'));
      return keys.every((k) => k === keys[0]) ? v : null;
    }
    return b.length === 1 && b[0].k === 'assign' && file.starImports.length === 0 ? this.settledAssignValue(file, e.id, depth + 1) : null;
  }

  /** The project module a `from` import (or star import) of `file` reads, `abs` its absolute name. */
  private importedModule(imp: ImportFact, abs: string, file: ProjectFile): ProjectFile | undefined {
    return this.index.module(abs, imp.level === 0 ? file : undefined) ?? (imp.level > 0 ? this.index.module(abs) : undefined);
  }

  private resolveGlobalUncached(file: ProjectFile, name: string, seen: Set<string>): Val[] {
    const key = `${file.path}|${name}`;
    if (seen.has(key)) return [];
    seen.add(key);
    const binds0 = file.bindings.get(name);
    if (binds0 && binds0.some((b) => b.k === 'assign')) {
      // The dependents side of a split runs no module body for itself (the other side runs them
      // all): a constant or an alias is read without running this one.
      if (this.opts.roots?.side === 'dependents' && binds0.length === 1 && !this.moduleEnvs.has(file)) {
        const v = this.settledAssignValue(file, name);
        if (v) return v;
      }
      const env = this.moduleEnv(file);
      const v = env?.get(name);
      if (v) return v;
    }
    const binds = file.bindings.get(name);
    if (!binds) return this.resolveStar(file, name, seen) ?? (BUILTINS.has(name) ? [{ t: 'ext', q: `builtins.${name}` }] : []);
    let out: Val[] = [];
    for (const b of binds) out = union(out, this.resolveBinding(file, b, seen));
    return out;
  }

  /**
   * What `file` binds `name` to through its star imports (`from m import *`, TypeScript
   * `export * from './m'`), or null when none provides it. As in Python, the last star import
   * that provides the name wins. A project module provides the names listed in a literal
   * `__all__`, else its public names (no leading `_`; every name for TypeScript), its own star
   * imports included. A framework module provides the names its tables know
   * (`from torch.nn import *` gives `BatchNorm2d`, `from keras.layers import *` gives
   * `BatchNormalization`): other names are not guessed, so a builtin or a name from an
   * earlier star import is never mistaken for a framework one.
   */
  private resolveStar(file: ProjectFile, name: string, seen: Set<string>): Val[] | null {
    const stars = file.starImports;
    if (stars.length === 0) return null;
    const key = `${file.path}|*${name}`;
    if (seen.has(key)) return null;
    seen.add(key);
    for (let i = stars.length - 1; i >= 0; i--) {
      const imp = stars[i];
      const abs = this.index.absoluteModule(imp, file);
      if (abs === null) continue;
      if (imp.level === 0 && EXTERNAL_PACKAGES.has(abs.split('.')[0])) {
        const q = canonicalTorchName(`${abs}.${name}`);
        if (isFrameworkExport(q)) return [{ t: 'ext', q }];
        continue;
      }
      const target = this.importedModule(imp, abs, file);
      if (!target || target === file || !this.starExports(target, name)) continue;
      const v = target.bindings.has(name) ? this.resolveGlobal(target, name, seen) : this.resolveStar(target, name, seen);
      if (v && v.length > 0) return v;
    }
    return null;
  }

  /** Whether `from <target> import *` may bind `name` (see {@link resolveStar}). */
  private starExports(target: ProjectFile, name: string): boolean {
    const all = literalAll(target);
    if (all) return all.has(name);
    return target.ir.lang === 'ts' || !name.startsWith('_');
  }

  private resolveBinding(file: ProjectFile, b: Binding, seen: Set<string>): Val[] {
    switch (b.k) {
      case 'class':
      case 'func': {
        const r = this.opts.roots;
        if (r && r.side === 'rest' && this.sliceViolation === null && r.defs.has(b.def)) this.sliceViolation = `${file.path}: ${b.def.name} resolved`;
        return b.k === 'class' ? [{ t: 'cls', cls: { file, def: b.def } }] : [{ t: 'fn', file, def: b.def }];
      }
      case 'assign': {
        const k = `${file.path}|=${b.target.span.start}`;
        const memo = this.globalMemo.get(k);
        if (memo === 'pending') return [];
        if (memo) return memo;
        this.globalMemo.set(k, 'pending');
        const v = this.evalIn(b.value, file);
        this.globalMemo.set(k, v);
        return v;
      }
      case 'import': {
        const imp = b.imp;
        const abs = this.index.absoluteModule(imp, file);
        if (abs === null) return [];
        // Frameworks are facts from tables, even when their sources are part of the project
        // (a checkout of torchvision): `from torch import nn` is always `torch.nn`.
        if (imp.level === 0 && EXTERNAL_PACKAGES.has(abs.split('.')[0])) {
          if (imp.name === null) return [{ t: 'ext', q: canonicalTorchName(imp.asname ? abs : abs.split('.')[0]) }];
          return [{ t: 'ext', q: canonicalTorchName(`${abs}.${imp.name}`) }];
        }
        if (imp.name === null) {
          // `import a.b.c` binds `a`; `import a.b as m` binds `a.b`.
          const modName = imp.asname ? abs : abs.split('.')[0];
          const target = this.index.module(modName, imp.level === 0 ? file : undefined);
          return target ? [{ t: 'mod', file: target }] : [{ t: 'ext', q: canonicalTorchName(modName) }];
        }
        const target = this.importedModule(imp, abs, file);
        if (target) {
          if (target.bindings.has(imp.name)) return this.resolveGlobal(target, imp.name, seen);
          const sub = this.index.module(`${abs}.${imp.name}`);
          if (sub) return [{ t: 'mod', file: sub }];
          // A star import inside the target may provide it.
          return this.resolveStar(target, imp.name, seen) ?? [];
        }
        if (imp.level > 0) return [];
        return [{ t: 'ext', q: canonicalTorchName(`${abs}.${imp.name}`) }];
      }
    }
  }

  private lookup(name: string, ctx: Ctx, st: State): Val[] {
    const local = st.env.get(name);
    if (local) return local;
    if (ctx.fn) {
      // Inside a function, module-level objects are symbolic globals (their mode comes from the caller).
      const g = this.resolveGlobal(ctx.file, name);
      if (ctx.purpose === 'flow' && g.some((v) => v.t === 'obj' && isModuleLike(v.obj))) {
        return [{ t: 'obj', obj: this.sym(this.fnKey(ctx), `global:${name}`, []) }];
      }
      return g;
    }
    return this.resolveGlobal(ctx.file, name);
  }

  private fnKey(ctx: Ctx): string {
    return ctx.fn ? `${ctx.file.path}:${ctx.fn.span.start}` : `${ctx.file.path}:<module>`;
  }

  // ---------------------------------------------------------------------------------------
  // Expressions

  evalExpr(e: Expr, ctx: Ctx, st: State): Val[] {
    switch (e.k) {
      case 'name': {
        const v = this.lookup(e.id, ctx, st);
        for (let i = 0; i < v.length; i++) {
          const t = v[i];
          if (t.t === 'tensor') t.reads = (t.reads ?? 0) + 1;
        }
        return v;
      }
      case 'num':
        return [{ t: 'const', v: e.value }];
      case 'str':
        return e.value.length > MAX_STRING ? [] : [{ t: 'const', v: e.value }];
      case 'bool':
        return [{ t: 'const', v: e.value }];
      case 'none':
        return [{ t: 'const', v: null }];
      case 'attr':
        return this.evalAttr(e, ctx, st);
      case 'call':
        return this.evalCall(e, ctx, st);
      case 'bin': {
        const l = this.evalExpr(e.left, ctx, st);
        const r = this.evalExpr(e.right, ctx, st);
        const a = constOf(l);
        const b = constOf(r);
        const soft = isSoft(l) || isSoft(r);
        if (typeof a === 'number' && typeof b === 'number') {
          const v = arith(e.op, a, b);
          return v === undefined ? [] : [{ t: 'const', v, soft }];
        }
        if (typeof a === 'string' && typeof b === 'string' && e.op === '+') return a.length + b.length > MAX_STRING ? [] : [{ t: 'const', v: a + b }];
        if (e.op === '+' && l.length === 1 && r.length === 1 && l[0].t === 'seq' && r[0].t === 'seq') {
          return [this.newSeq(`${ctx.file.path}:${e.span.start}:${ctx.key}`, [...l[0].items, ...r[0].items], ctx)];
        }
        const tens = [...l, ...r].filter((v): v is TensorVal => v.t === 'tensor');
        // Keras residuals (`x = x + shortcut`) keep the layers of both paths (what a functional model contains).
        if (tens.some((t) => t.inModel)) return [tensor(null, 'direct', mergePaths(tens), true)];
        // PyTorch: no producer (a sum is no layer's output, for NL003/NL011), but the layers of
        // both operands stay on the path: a residual `x + attn(x)` is still on the attention
        // path (NL005's post-norm transformer block).
        if (tens.length > 0) return [tensor(null, 'direct', mergePaths(tens))];
        return [];
      }
      case 'unary': {
        const v = this.evalExpr(e.operand, ctx, st);
        const c = constOf(v);
        if (e.op === '-' && typeof c === 'number') return [{ t: 'const', v: -c }];
        if (e.op === '+' && typeof c === 'number') return [{ t: 'const', v: c }];
        if (e.op === 'not' && c !== undefined) return [{ t: 'const', v: !truthy(c) }];
        return [];
      }
      case 'boolop': {
        const l = this.evalExpr(e.left, ctx, st);
        const r = this.evalExpr(e.right, ctx, st);
        const a = hardConstOf(l);
        if (a !== undefined) {
          if (e.op === 'and') return truthy(a) ? r : l;
          return truthy(a) ? l : r;
        }
        return union(l, r);
      }
      case 'compare': {
        const vals = e.operands.map((o) => this.evalExpr(o, ctx, st));
        if (e.ops.length === 1) {
          const a = constOf(vals[0]);
          const b = constOf(vals[1]);
          if (a !== undefined && b !== undefined) {
            const r = compare(e.ops[0], a, b);
            if (r !== undefined) return [{ t: 'const', v: r, soft: isSoft(vals[0]) || isSoft(vals[1]) }];
          }
          // `x is None` where x is known to be a non-None object/class (not a parameter or
          // global: a symbolic object may be None, as `gpu` in `if gpu is not None:`).
          if ((e.ops[0] === 'is' || e.ops[0] === 'is not') && b === null && vals[0].length > 0 && vals[0].every((v) => v.t !== 'const' && !(v.t === 'obj' && v.obj.kind === 'sym'))) {
            return [{ t: 'const', v: e.ops[0] === 'is not' }];
          }
        }
        return [];
      }
      case 'list':
      case 'tuple':
      case 'set': {
        const items = e.elts.map((x) => (x.k === 'star' ? this.evalExpr(x.value, ctx, st) : this.evalExpr(x, ctx, st)));
        const flat: Val[][] = [];
        e.elts.forEach((x, i) => {
          const v = items[i];
          if (x.k === 'star') {
            const seqs = v.filter((s): s is SeqVal => s.t === 'seq');
            if (seqs.length === 1) flat.push(...seqs[0].items);
          } else flat.push(v);
        });
        return [this.newSeq(`${ctx.file.path}:${e.span.start}:${ctx.key}`, flat, ctx)];
      }
      case 'dict': {
        const entries = new Map<string, Val[]>();
        let open = false;
        e.keys.forEach((k, i) => {
          const v = this.evalExpr(e.values[i], ctx, st);
          if (k === null) open = !mergeDict(entries, v) || open;
          else if (k.k === 'str') entries.set(k.value, v);
          else open = true;
        });
        return [open ? { t: 'dict', entries, open } : { t: 'dict', entries }];
      }
      case 'subscript': {
        const o = this.evalExpr(e.obj, ctx, st);
        const idx = constOf(this.evalExpr(e.index, ctx, st));
        let out: Val[] = [];
        for (const v of o) {
          if (v.t === 'seq' && typeof idx === 'number') {
            const item = v.items[idx < 0 ? v.items.length + idx : idx];
            if (item) out = union(out, item);
          } else if (v.t === 'dict' && typeof idx === 'string') {
            const item = v.entries.get(idx);
            if (item) out = union(out, item);
          } else if (v.t === 'obj' && v.obj.kind === 'layer' && typeof idx === 'number') {
            const c = v.obj.children[idx < 0 ? v.obj.children.length + idx : idx];
            if (c) out = union(out, [{ t: 'obj', obj: c }]);
          } else if (v.t === 'tensor') out = union(out, [tensor(v.producer, 'reshaped', dropSequence(v.path), v.inModel)]);
          else if (v.t === 'obj' && isSubmodules(v.obj) && keepsStem(e.index)) {
            // The first submodules: the stem's BatchNorm, not always the classifier's Dropout.
            out = union(out, [{ t: 'obj', obj: this.alloc('opaque', { file: ctx.file, span: e.span }, ctx.key, { q: 'modules-slice-of', children: v.obj.children }) }]);
          }
        }
        return out;
      }
      case 'cond': {
        const t = hardConstOf(this.evalExpr(e.test, ctx, st));
        if (t !== undefined) return truthy(t) ? this.evalExpr(e.body, ctx, st) : this.evalExpr(e.orelse, ctx, st);
        return union(this.evalExpr(e.body, ctx, st), this.evalExpr(e.orelse, ctx, st));
      }
      case 'lambda':
        return [];
      case 'star':
        return this.evalExpr(e.value, ctx, st);
      case 'other':
        for (const p of e.parts) this.evalExpr(p, ctx, st);
        return [];
    }
  }

  private newSeq(key: string, items: Val[][], ctx: Ctx): SeqVal {
    const seq: SeqVal = { t: 'seq', items, key };
    this.recordSequence(items, ctx, null);
    return seq;
  }

  private evalAttr(e: Extract<Expr, { k: 'attr' }>, ctx: Ctx, st: State): Val[] {
    const base = this.evalExpr(e.obj, ctx, st);
    let out: Val[] = [];
    for (const v of base) {
      switch (v.t) {
        case 'ext':
          out = union(out, [{ t: 'ext', q: canonicalTorchName(`${v.q}.${e.attr}`) }]);
          break;
        case 'dict':
          // TypeScript/JavaScript objects: `models.encoder` reads the `encoder` property (also
          // how `const {encoder} = createModels()` is lowered).
          if (ctx.file.ir.lang === 'ts') {
            const entry = v.entries.get(e.attr);
            if (entry) out = union(out, entry);
          }
          break;
        case 'mod':
          out = union(out, this.resolveGlobal(v.file, e.attr));
          if (!v.file.bindings.has(e.attr)) {
            const sub = this.index.module(`${v.file.moduleNames[0]}.${e.attr}`);
            if (sub) out = union(out, [{ t: 'mod', file: sub }]);
          }
          break;
        case 'cls': {
          const m = this.findMethod(v.cls, e.attr);
          if (m) out = union(out, [{ t: 'fn', file: m.cls.file, def: m.def, cls: m.cls }]);
          else {
            const field = this.classFields(v.cls).get(e.attr);
            if (field) out = union(out, this.evalIn(field, v.cls.file));
          }
          break;
        }
        case 'obj': {
          const o = v.obj;
          const a = o.attrs.get(e.attr);
          if (a) out = union(out, a);
          else if (o.kind === 'instance' && o.cls) {
            const m = this.findMethod(o.cls, e.attr);
            if (m) out = union(out, [{ t: 'fn', file: m.cls.file, def: m.def, cls: m.cls, self: o }]);
            else {
              // A class attribute (`batch_size = 8` in the class body).
              const field = this.classFields(o.cls).get(e.attr);
              if (field) out = union(out, this.evalIn(field, o.cls.file));
            }
          } else if (o.kind === 'sym' && ctx.purpose === 'flow' && !METHOD_LIKE.has(e.attr)) {
            const m = o.cls ? this.findMethod(o.cls, e.attr) : null;
            if (m) out = union(out, [{ t: 'fn', file: m.cls.file, def: m.def, cls: m.cls, self: o }]);
            else out = union(out, [{ t: 'obj', obj: this.sym(this.fnKey(ctx), o.sym!.root, [...o.sym!.path, e.attr], o) }]);
          } else if ((o.kind === 'layer' || o.kind === 'factory') && e.attr === 'module') {
            out = union(out, [v]);
          } else if (KERAS_GRAPH_ENDS.has(e.attr) && (o.kind === 'factory' || o.kind === 'layer') && this.isKeras(o)) {
            // A Keras model's symbolic input/output (`keras.Model(base.input, head(base.output))`,
            // transfer learning on a `keras.applications` model): a tensor of a functional
            // model whose path holds the whole model.
            out = union(out, [tensor(null, 'direct', e.attr.startsWith('output') ? [o] : [], true)]);
          }
          if (e.attr === 'module' && (o.kind === 'instance' || o.kind === 'factory' || o.kind === 'opaque')) out = union(out, [v]);
          break;
        }
        case 'argparse': {
          const d = v.defaults.get(e.attr);
          if (d) out = union(out, d);
          break;
        }
        case 'tensor':
          break;
        default:
          break;
      }
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------
  // Calls

  private argVals(call: CallExpr, ctx: Ctx, st: State): { pos: Val[][]; kw: ReadonlyMap<string, Val[]> } {
    const pos: Val[][] = [];
    for (const a of call.args) {
      if (a.k === 'star') {
        const v = this.evalExpr(a.value, ctx, st);
        const seqs = v.filter((s): s is SeqVal => s.t === 'seq');
        const parts = v.filter((x) => x.t === 'obj' && isSubmodules(x.obj));
        if (seqs.length === 1) pos.push(...seqs[0].items);
        // `nn.Sequential(*list(resnet.children())[:-2])`: the submodules, as one member that
        // carries what the module carries (BatchNorm in a torchvision trunk).
        else if (parts.length > 0) pos.push(parts);
        else pos.push([]);
      } else pos.push(this.evalExpr(a, ctx, st));
    }
    if (call.kwargs.length === 0 && call.doubleStar.length === 0) return { pos, kw: NO_KWARGS };
    const kw = new Map<string, Val[]>();
    for (const k of call.kwargs) kw.set(k.name, this.evalExpr(k.value, ctx, st));
    for (const d of call.doubleStar) {
      for (const v of this.evalExpr(d, ctx, st)) if (v.t === 'dict') for (const [k, x] of v.entries) kw.set(k, x);
    }
    return { pos, kw };
  }

  /** Whether every `**splat` of a call is one dict known in full (see `mergeDict`). */
  private splatsClosed(call: CallExpr, ctx: Ctx, st: State): boolean {
    return call.doubleStar.every((d) => mergeDict(new Map(), this.evalExpr(d, ctx, st)));
  }

  evalCall(call: CallExpr, ctx: Ctx, st: State): Val[] {
    if (++this.steps_ > MAX_STEPS) return [];
    const site: Site = { file: ctx.file, span: call.span };
    if (call.fn.k === 'attr' && call.fn.obj.k === 'call' && call.fn.obj.fn.k === 'name' && call.fn.obj.fn.id === 'super') {
      return this.superCall(call, call.fn.attr, ctx, st, site);
    }
    if (this.runsGradientClosure(call, ctx, st)) return [];
    if (call.fn.k === 'attr') {
      // TensorFlow.js methods under their Keras names (`fitDataset` → `fit`).
      const method = ctx.file.ir.lang === 'ts' ? kerasMethodName(call.fn.attr) : call.fn.attr;
      const recv = this.evalExpr(call.fn.obj, ctx, st);
      const handled = this.evalMethodCall(call, method, recv, ctx, st, site);
      if (handled) return handled;
    }
    const fns = this.evalExpr(call.fn, ctx, st);
    const { pos, kw } = this.argVals(call, ctx, st);
    let out: Val[] = [];
    for (const f of fns) out = union(out, this.callValue(f, call, pos, kw, ctx, st, site));
    if (fns.length === 0 && [...pos, ...kw.values()].some((vs) => vs.some((v) => v.t === 'tensor'))) {
      out = [tensor(null, 'direct', [], [...pos, ...kw.values()].some((vs) => vs.some((v) => v.t === 'tensor' && !!v.inModel)))];
    }
    return out;
  }

  /**
   * A call that runs a closure at once, in the caller's flow: `tf.tidy(() => {...})`
   * (TensorFlow.js), and the calls that differentiate a closure, which therefore runs a training step:
   * `optimizer.minimize(() => {...})` (TensorFlow.js; also Keras's `optimizer.minimize(loss_fn,
   * var_list)` with a callable loss) and `tf.variableGrads(f)`/`tf.grads(f)`/... (TensorFlow.js).
   * The closure's body runs here, in the caller's flow (a closure sees the caller's variables),
   * as if inside `with tf.GradientTape()`. False when the call is none of these or its first
   * argument is not a project function.
   */
  private runsGradientClosure(call: CallExpr, ctx: Ctx, st: State): boolean {
    if (call.args.length === 0) return false;
    const isMinimize = ctx.purpose === 'flow' && call.fn.k === 'attr' && call.fn.attr === 'minimize';
    let tape = isMinimize;
    if (!isMinimize) {
      if (ctx.file.ir.lang !== 'ts') return false;
      const fn = this.evalExpr(call.fn, ctx, st);
      tape = ctx.purpose === 'flow' && fn.some((v) => v.t === 'ext' && TFJS_GRADIENT_FUNCTIONS.has(v.q));
      // `tf.tidy(() => ...)` runs its closure at once (no gradient).
      if (!tape && !fn.some((v) => v.t === 'ext' && v.q === 'tfjs.tidy')) return false;
    }
    // `minimize(f, returnCost?, varList?)`, `tf.variableGrads(f, varList?)` (TensorFlow.js 4.22):
    // without a `varList`, every trainable variable trains.
    const varListAt = isMinimize ? 2 : 1;
    const allVars = tape && ctx.file.ir.lang === 'ts' && call.args.length <= varListAt && call.kwargs.length === 0;
    const arg0 = call.args[0];
    const required = (ps: readonly Param[]): boolean => ps.some((p) => p.default === null && p.kind === 'plain');
    let body: () => void;
    if (arg0.k === 'lambda') {
      // An expression-bodied closure (`() => loss(model.apply(x))`): its body, here.
      if (required(arg0.params)) return false;
      body = () => void this.evalExpr(arg0.body, ctx, st);
    } else {
      const fns = this.evalExpr(arg0, ctx, st).filter((v): v is Extract<Val, { t: 'fn' }> => v.t === 'fn');
      // Only a closure defined in this body (a hoisted arrow function or a local `def`).
      const local = fns.filter((f) => f.file === ctx.file && (!ctx.fn || (f.def.span.start >= ctx.fn.span.start && f.def.span.end <= ctx.fn.span.end)));
      if (local.length !== 1 || required(local[0].def.params)) return false;
      body = () => {
        const saved = { returns: ctx.returns, exitStates: ctx.exitStates };
        ctx.returns = [];
        ctx.exitStates = [];
        try {
          const exited = this.execBlock(local[0].def.body, ctx, st);
          const exits = exited ? ctx.exitStates : [...ctx.exitStates, st];
          if (exits.length > 0) assignState(st, exits.reduce((a, b) => joinState(a, b)));
        } finally {
          ctx.returns = saved.returns;
          ctx.exitStates = saved.exitStates;
        }
      };
    }
    if (isMinimize) this.evalExpr(call.fn.k === 'attr' ? call.fn.obj : call.fn, ctx, st);
    for (const a of call.args.slice(1)) this.evalExpr(a, ctx, st);
    if (tape) ctx.tape++;
    if (allVars) ctx.allVars++;
    try {
      body();
    } finally {
      if (tape) ctx.tape--;
      if (allVars) ctx.allVars--;
    }
    return true;
  }

  /** `super().method(...)` inside a method of a project class: the first base that defines it. */
  private superCall(call: CallExpr, method: string, ctx: Ctx, st: State, site: Site): Val[] {
    const { pos, kw } = this.argVals(call, ctx, st);
    const cls = ctx.cls;
    const selfName = ctx.fn?.params[0]?.name;
    if (!cls || !selfName) return [];
    const self = st.env.get(selfName) ?? [];
    for (const vals of this.basesOf(cls)) {
      for (const b of vals) {
        // `class ConvBNReLU(nn.Sequential)` calling `super().__init__(conv, bn, relu)`
        // (torchvision's Conv2dNormActivation, DeepLabV3's ASPPPooling): its submodules.
        if (b.t === 'ext' && method === '__init__' && ctx.purpose === 'construct' && (pos.length > 0 || kw.size > 0)) {
          const q = canonicalTorchName(b.q);
          if (torchLayer(q)?.kind !== 'container') continue;
          for (const so of objsOf(self)) if (so.children.length === 0) so.children = this.containerChildren(q, pos, kw, ctx, site);
          return [];
        }
        if (b.t !== 'cls') continue;
        const m = this.findMethod(b.cls, method);
        if (!m) continue;
        let out: Val[] = [];
        for (const so of objsOf(self)) {
          if (method === '__init__' && ctx.purpose === 'construct') {
            this.evalFunctionBody(m.def, m.cls, [[{ t: 'obj', obj: so }], ...pos], kw, ctx.depth + 1, so, `init:${so.id}:${m.cls.def.span.start}`);
          } else {
            out = union(out, this.callFunction({ t: 'fn', file: m.cls.file, def: m.def, cls: m.cls, self: so }, call, pos, kw, ctx, st, site));
          }
        }
        return out;
      }
    }
    return [];
  }

  private callValue(f: Val, call: CallExpr, pos: Val[][], kw: ReadonlyMap<string, Val[]>, ctx: Ctx, st: State, site: Site): Val[] {
    switch (f.t) {
      case 'ext':
        return this.callExternal(f.q, call, pos, kw, ctx, st, site);
      case 'cls':
        return this.instantiate(f.cls, call, pos, kw, ctx, st, site);
      case 'fn':
        return this.callFunction(f, call, pos, kw, ctx, st, site);
      case 'partial': {
        let out: Val[] = [];
        const merged = new Map([...f.kwargs, ...kw]);
        for (const g of f.fn) out = union(out, this.callValue(g, call, pos, merged, ctx, st, site));
        // Layers created here read the partial's keywords as arguments (see `argOf`).
        if (f.kwargs.size > 0) for (const o of objsOf(out)) if (o.kind === 'layer' && o.call === call) o.partialKw = { kwargs: f.kwargs, call: f.call, file: f.file };
        return out;
      }
      case 'obj': {
        // Calling an instance of a plain class runs its `__call__` (a predictor wrapper);
        // calling a module runs its forward pass.
        const o = f.obj;
        if (o.kind === 'instance' && o.cls && !this.isModuleClass(o.cls)) {
          const m = this.findMethod(o.cls, '__call__');
          return m ? this.callFunction({ t: 'fn', file: m.cls.file, def: m.def, cls: m.cls, self: o }, call, pos, kw, ctx, st, site) : [];
        }
        return this.forwardCall(o, call, pos, ctx, st, site, 'call', kw);
      }
      default:
        return [];
    }
  }

  /**
   * A layer or model just constructed (PyTorch or Keras): listed once among the layers, recorded
   * as created by the module being built, and in training mode from here on (a new module's mode).
   */
  private constructed(obj: Obj, site: Site, ctx: Ctx, st: State): Val[] {
    if (!this.layerKeys.has(obj.id)) {
      this.layerKeys.add(obj.id);
      this.layers.push(obj);
    }
    this.recordCreated(obj, ctx);
    if (ctx.purpose === 'flow') this.setMode(st, obj, modeInfo('train', site, 'construct'));
    return [{ t: 'obj', obj }];
  }

  /**
   * The submodules an `nn.Sequential`/`nn.ModuleList`/`nn.ModuleDict` is built with (a
   * Sequential's consecutive pairs recorded), for the container itself or for a subclass's
   * `super().__init__(...)`.
   */
  private containerChildren(q: string, pos: Val[][], kw: ReadonlyMap<string, Val[]>, ctx: Ctx, site: Site): Obj[] {
    const kids: Obj[] = [];
    const addKid = (vals: Val[]): void => {
      for (const o of objsOf(vals)) if (!kids.includes(o)) kids.push(o);
    };
    if (q.endsWith('Sequential')) {
      // The members in order, unknown ones included (`nn.PixelShuffle(2)` between a conv and a
      // BatchNorm makes them not adjacent, even though it is nothing the model tracks).
      const order: Val[][] = [];
      const member = (vals: Val[]): void => {
        addKid(vals);
        order.push(vals);
      };
      for (const a of pos) {
        // nn.Sequential(OrderedDict([('conv', ...), ...]))
        const seqs = a.filter((v): v is SeqVal => v.t === 'seq');
        if (seqs.length === 1 && seqs[0].items.every((it) => it.some((x) => x.t === 'seq'))) {
          for (const pair of seqs[0].items) for (const p of pair) if (p.t === 'seq' && p.items[1]) member(p.items[1]);
        } else member(a);
      }
      for (const vals of kw.values()) member(vals);
      this.recordSequence(order, ctx, site);
    } else {
      for (const a of [...pos, ...kw.values()]) {
        for (const v of a) {
          if (v.t === 'seq') for (const it of v.items) addKid(it);
          if (v.t === 'dict') for (const it of v.entries.values()) addKid(it);
        }
      }
    }
    return kids;
  }

  private recordCreated(obj: Obj, ctx: Ctx): void {
    this.noteShared(ctx.building, 'an object created at module scope is changed by the edited definitions');
    if (ctx.building && ctx.building !== obj && !ctx.building.created.includes(obj)) ctx.building.created.push(obj);
  }

  private callExternal(qRaw: string, call: CallExpr, pos: Val[][], kw: ReadonlyMap<string, Val[]>, ctx: Ctx, st: State, site: Site): Val[] {
    let q = canonicalTorchName(qRaw);
    // A torchvision model by name: `get_model("resnet50", weights=...)`,
    // `torch.hub.load("pytorch/vision", "resnet50", pretrained=True)`; the other arguments go
    // to the factory.
    if (q === 'torchvision.models.get_model' || q === 'torch.hub.load') {
      const hub = q === 'torch.hub.load';
      const repo = hub ? constOf(pos[0] ?? kw.get('repo_or_dir') ?? []) : 'pytorch/vision';
      const name = constOf((hub ? pos[1] ?? kw.get('model') : pos[0] ?? kw.get('name')) ?? []);
      const named = typeof repo === 'string' && /^pytorch\/vision(:[\w.-]+)?$/.test(repo) && typeof name === 'string' ? torchvisionFactoryByName(name) : null;
      if (named) q = named;
    }
    if (isKerasName(q) || q.startsWith('tensorflow.data.')) {
      const k = this.kerasExternal(q, call, pos, kw, ctx, st, site);
      if (k) return k;
    }
    const spec = torchLayer(q);
    if (spec) {
      const obj = this.alloc('layer', site, ctx.key, { q, spec, call });
      // The creation environment, captured once (a memoized object keeps its first one).
      obj.env ??= argEnv(call, st.env);
      obj.site = site;
      if (spec.kind === 'container') {
        obj.children = this.containerChildren(q, pos, kw, ctx, site);
        // Built from pretrained parts (`nn.Sequential(*list(resnet.children())[:-1])` of a
        // model made with weights): its weights are those, not random ones.
        if (obj.children.some((k) => k.weightsLoaded || (isSubmodules(k) && k.children.some((c) => c.weightsLoaded)))) obj.weightsLoaded = true;
      }
      return this.constructed(obj, site, ctx, st);
    }
    if (q === DATALOADER || q === 'torch.utils.data.dataloader.DataLoader') {
      const obj = this.alloc('loader', site, ctx.key, { q, call });
      if (!this.loaderByObj.has(obj)) {
        const bsIdx = DATALOADER_PARAMS.findIndex((p) => p.name === 'batch_size');
        const bsKw = call.kwargs.find((k) => k.name === 'batch_size') ?? null;
        // `**kwargs` may pass a `batch_sampler` (then the batch size is not this call's), unless
        // every splat is a dict known in full, or `batch_size` is written out (with a
        // `batch_sampler`, DataLoader only accepts the default batch size).
        const splatSampler = call.doubleStar.length > 0 && !bsKw && call.args.length <= bsIdx && !this.splatsClosed(call, ctx, st);
        const batchSize = kw.get('batch_size') ?? pos[bsIdx] ?? (call.args.length <= bsIdx && !kw.has('batch_sampler') ? [{ t: 'const', v: 1 }] : []);
        const datasetLen = objsOf(pos[0] ?? kw.get('dataset') ?? []).map((o) => constOf(o.attrs.get('__len__') ?? [])).find((n) => typeof n === 'number');
        const fact: LoaderFact = {
          obj, site, call, batchSize, batchSizeArg: bsKw, batchSizeSpan: bsKw?.span ?? null, framework: 'pytorch', datasetLength: typeof datasetLen === 'number' ? datasetLen : null,
          dropLast: kw.get('drop_last') ?? pos[DATALOADER_PARAMS.findIndex((p) => p.name === 'drop_last')] ?? null,
          hasBatchSampler: kw.has('batch_sampler') || splatSampler,
          customCollate: customCollate(kw.get('collate_fn') ?? pos[DATALOADER_PARAMS.findIndex((p) => p.name === 'collate_fn')]),
          trains: new Set(), accumulation: false,
        };
        this.loaders.push(fact);
        this.loaderByObj.set(obj, fact);
      }
      return [{ t: 'obj', obj }];
    }
    const sizes = DATASET_SIZES[q.replace(/^torchvision\.datasets\.[a-z_]+\./, 'torchvision.datasets.')];
    if (sizes) {
      // A torchvision dataset of known size (`train=True` is the default split).
      const trainArg = constOf(kw.get('train') ?? []);
      const split = constOf(kw.get('split') ?? []);
      const key = typeof split === 'string' ? split : trainArg === false ? 'test' : trainArg === true || !kw.has('train') ? 'train' : undefined;
      const n = key !== undefined ? sizes[key] : undefined;
      const obj = this.alloc('opaque', site, ctx.key, { q });
      if (n !== undefined) obj.attrs.set('__len__', [{ t: 'const', v: n }]);
      return [{ t: 'obj', obj }];
    }
    if (q.startsWith('torch.optim.') && !q.startsWith('torch.optim.lr_scheduler') && !q.startsWith('torch.optim.swa_utils')) {
      const obj = this.alloc('optimizer', site, ctx.key, { q });
      this.noteOptimized([...pos, ...kw.values()]);
      return [{ t: 'obj', obj }];
    }
    if (q === 'torch.cuda.amp.GradScaler' || q === 'torch.amp.GradScaler') {
      return [{ t: 'obj', obj: this.alloc('optimizer', site, ctx.key, { q }) }];
    }
    if (DDP_WRAPPERS.has(q) || MODULE_WRAPPERS.has(q)) {
      const inner = pos[0] ?? kw.get('module') ?? [];
      if (DDP_WRAPPERS.has(q) && ctx.purpose === 'flow') {
        for (const o of objsOf(inner)) this.noteDdp(o, call, ctx, st, site);
      }
      return inner.filter((v) => v.t === 'obj');
    }
    if (SYNC_BN_CONVERTERS.has(q)) {
      const inner = pos[0] ?? kw.get('module') ?? [];
      for (const o of objsOf(inner)) {
        own(st, 'converted').add(o);
        for (const fact of this.ddp.values()) if (fact.obj === o && !fact.converted && !fact.convertedAfter) fact.convertedAfter = site;
      }
      return inner.filter((v) => v.t === 'obj');
    }
    if (WHOLE_MODULE_LOADERS.has(q)) {
      const obj = this.alloc('opaque', site, ctx.key, { q });
      if (ctx.purpose === 'flow') this.setMode(st, obj, modeInfo('train', site, 'load'));
      own(st, 'weighted').add(obj);
      return [{ t: 'obj', obj }];
    }
    if (q === 'copy.deepcopy') {
      const src = objsOf(pos[0] ?? []);
      return src.map((o) => {
        const c = this.alloc(o.kind === 'sym' ? 'opaque' : o.kind, site, ctx.key, { q: o.q, spec: o.spec, cls: o.cls, factoryCarry: o.factoryCarry });
        c.attrs = o.attrs;
        c.children = o.children;
        c.created = o.created;
        if (ctx.purpose === 'flow') this.setMode(st, c, st.modes.get(o) ?? modeInfo('train', site, 'construct'));
        return { t: 'obj', obj: c } as Val;
      });
    }
    if (q === 'functools.partial') {
      return [{ t: 'partial', fn: pos[0] ?? [], kwargs: kw, call, file: site.file }];
    }
    if (q === 'argparse.ArgumentParser') {
      return [{ t: 'obj', obj: this.alloc('opaque', site, ctx.key, { q }) }];
    }
    if (q === 'timm.create_model' || q === 'timm.models.create_model') {
      const name = constOf(pos[0] ?? kw.get('model_name') ?? []);
      const obj = this.alloc('factory', site, ctx.key, { q, factoryCarry: typeof name === 'string' ? timmCarry(name) : null });
      this.recordCreated(obj, ctx);
      if (ctx.purpose === 'flow') this.setMode(st, obj, modeInfo('train', site, 'construct'));
      if (pretrainedWeights(kw)) {
        own(st, 'weighted').add(obj);
        obj.weightsLoaded = true;
      }
      return [{ t: 'obj', obj }];
    }
    if (q.startsWith('torchvision.models.')) {
      let fc = factoryCarry(q);
      if (fc?.batchnorm) {
        const frozen = frozenDetectionBackbone(q, kw);
        if (frozen === null) fc = null;
        else if (frozen) fc = { ...fc, batchnorm: false };
      }
      if (fc !== undefined) {
        const obj = this.alloc('factory', site, ctx.key, { q, factoryCarry: fc });
        this.recordCreated(obj, ctx);
        if (ctx.purpose === 'flow') this.setMode(st, obj, modeInfo('train', site, 'construct'));
        if (pretrainedWeights(kw)) {
          own(st, 'weighted').add(obj);
          obj.weightsLoaded = true;
        }
        return [{ t: 'obj', obj }];
      }
      return [];
    }
    // PyTorch-Ignite's engines set the mode themselves (its training step calls `model.train()`,
    // its evaluation step `model.eval()`): once a model is handed to one, its mode is theirs.
    if (/^ignite\.engine\.(create_supervised_(trainer|evaluator)|supervised_(training|evaluation)_step\w*)$/.test(q)) {
      if (ctx.purpose === 'flow') for (const o of objsOf([...pos, ...kw.values()].flat())) if (isModuleLike(o)) this.setMode(st, o, modeInfo('unknown', site, 'explicit'));
      return [{ t: 'obj', obj: this.alloc('opaque', site, ctx.key, { q }) }];
    }
    if (LIGHTNING_TRAINERS.has(q)) {
      const obj = this.alloc('trainer', site, ctx.key, { q, call });
      if (!this.lightning.some((l) => l.site.span.start === site.span.start && l.site.file === site.file)) {
        const strategy = constOf(kw.get('strategy') ?? []);
        const devices = constOf(kw.get('devices') ?? kw.get('gpus') ?? []);
        const nodes = constOf(kw.get('num_nodes') ?? []);
        const distributed =
          (typeof strategy === 'string' && /^ddp/.test(strategy)) &&
          (devices === undefined || devices === -1 || devices === 'auto' || (typeof devices === 'number' && devices > 1) || (typeof nodes === 'number' && nodes > 1) || typeof devices === 'string');
        const sb = constOf(kw.get('sync_batchnorm') ?? []);
        this.lightning.push({ site, call, distributed, syncBatchnorm: typeof sb === 'boolean' ? sb : kw.has('sync_batchnorm') ? null : false, fits: [] });
      }
      return [{ t: 'obj', obj }];
    }
    if (EXPORT_CALLS.has(q) && ctx.purpose === 'flow' && !legacyOnnxEvalExport(q, call)) {
      const target = objsOf(pos[0] ?? kw.get('model') ?? kw.get('mod') ?? kw.get('obj') ?? []);
      for (const o of target) this.noteInference(o, call.args[0] ?? call, 'export', ctx, st, site);
      return [];
    }
    if ((q === 'torch.set_grad_enabled' || q === 'torch.autograd.set_grad_enabled' || q === 'torch.autograd.grad_mode.set_grad_enabled') && ctx.purpose === 'flow') {
      // As a statement it switches autograd globally until switched back (as a `with` item the
      // `with` handler restores the previous state after the block).
      const on = constOf(pos[0] ?? kw.get('mode') ?? []);
      if (typeof on === 'boolean') st.noGrad = on ? false : 'set_grad_enabled';
      return [];
    }
    // `layers = list()`: an empty list, like `[]` (sgrvinod's super-resolution blocks append to it).
    if ((q === 'builtins.list' || q === 'builtins.tuple') && pos.length === 0 && kw.size === 0) {
      return [this.newSeq(`${ctx.file.path}:${call.span.start}:${ctx.key}`, [], ctx)];
    }
    // `list(model.children())`: the submodules of a module (see `modulesOf`).
    if ((q === 'builtins.list' || q === 'builtins.tuple') && pos.length === 1) {
      const parts = objsOf(pos[0]).filter(isSubmodules);
      if (parts.length > 0) return parts.map((obj) => ({ t: 'obj', obj }));
    }
    if (q === 'builtins.super') {
      return [{ t: 'ext', q: 'builtins.super()' }];
    }
    if (q === 'builtins.enumerate' || q === 'builtins.iter' || q === 'tqdm.tqdm' || q === 'tqdm.auto.tqdm' || q === 'tqdm.notebook.tqdm' || q === 'builtins.zip') {
      return pos.flat().filter((v) => v.t === 'obj');
    }
    if (q === 'builtins.int' || q === 'builtins.float') {
      const c = constOf(pos[0] ?? []);
      if (typeof c === 'number') return [{ t: 'const', v: q.endsWith('int') ? Math.trunc(c) : c }];
      if (typeof c === 'string' && c.trim() !== '' && !Number.isNaN(Number(c))) return [{ t: 'const', v: Number(c) }];
      return [];
    }
    if (q === 'builtins.dict') {
      const entries = new Map<string, Val[]>();
      const open = pos.length > 1 || (pos.length === 1 && !mergeDict(entries, pos[0])) || call.doubleStar.length > 0 && !this.splatsClosed(call, ctx, st);
      for (const [k, x] of kw) entries.set(k, x);
      return [open ? { t: 'dict', entries, open } : { t: 'dict', entries }];
    }
    if (q === 'builtins.max' || q === 'builtins.min') {
      const cs = pos.map((p) => constOf(p));
      if (cs.length >= 2 && cs.every((c) => typeof c === 'number')) {
        return [{ t: 'const', v: q.endsWith('max') ? Math.max(...(cs as number[])) : Math.min(...(cs as number[])) }];
      }
      return [];
    }
    // Tensor functions keep the producer for channel-preserving ones.
    const args = [...pos, ...kw.values()].flat();
    // TensorFlow ops take lists of tensors (`tf.concat([a, b], -1)`); PyTorch's are left as they were modelled.
    const tens = isKerasName(q) || q.startsWith('tensorflow.') ? tensorsIn(args) : args.filter((v): v is TensorVal => v.t === 'tensor');
    if (tens.length > 0) {
      // Keras graphs stay graphs through TensorFlow/Keras ops (`tf.nn.relu(x)`, `preprocess_input(inputs)`).
      const inModel = tens.some((t) => t.inModel);
      if (PRESERVING_FUNCS.test(q) && tens.length === 1) return [tensor(tens[0].producer, tens[0].how === 'direct' ? 'preserving' : tens[0].how, tens[0].path, inModel)];
      if (/^(torch|tensorflow|keras\.ops)\.(flatten|transpose|permute|reshape|squeeze|unsqueeze|expand_dims)$/.test(q) && tens.length === 1) return [tensor(tens[0].producer, 'reshaped', tens[0].path, inModel)];
      const reduces = /^(torch|tensorflow|tensorflow\.math|keras\.ops)\.(mean|sum|max|min|amax|amin|logsumexp|norm|std|var|reduce_\w+)$/.test(q);
      return [tensor(null, 'direct', reduces ? dropSequence(mergePaths(tens)) : mergePaths(tens), inModel)];
    }
    return [];
  }

  // ---------------------------------------------------------------------------------------
  // Keras

  /**
   * Keras construction: layers (and the wrappers `TimeDistributed`/`Bidirectional`),
   * `Sequential([...])`, functional `Model(inputs, outputs)`, `keras.Input`,
   * `keras.applications` models, and the datasets that batch (`tf.data`, dataset utilities).
   * Null when `q` is none of these (the caller goes on with the generic handling).
   */
  private kerasExternal(q: string, call: CallExpr, pos: Val[][], kw: ReadonlyMap<string, Val[]>, ctx: Ctx, st: State, site: Site): Val[] | null {
    if (q === KERAS_INPUT) return [tensor(null, 'direct', [], true)];
    if (q.startsWith('tensorflow.data.')) {
      // `tf.data.Dataset.from_tensor_slices(...)`, `TFRecordDataset(...)`: unbatched until `.batch(N)`.
      if (/^tensorflow\.data\.(Dataset\.\w+|TFRecordDataset|TextLineDataset|FixedLengthRecordDataset|experimental\.\w+)$/.test(q)) {
        return [{ t: 'obj', obj: this.alloc('loader', site, ctx.key, { q: 'tensorflow.data.Dataset', call }) }];
      }
      return null;
    }
    const batched = KERAS_BATCHED_DATASETS[q];
    if (batched) {
      const obj = this.alloc('loader', site, ctx.key, { q, call });
      this.kerasLoaderFact(obj, site, call, pos, kw, batched.index, batched.def);
      return [{ t: 'obj', obj }];
    }
    if (/^keras\.preprocessing\.image\.ImageDataGenerator$/.test(q)) {
      return [{ t: 'obj', obj: this.alloc('opaque', site, ctx.key, { q }) }];
    }
    const fc = kerasApplicationCarry(q);
    if (fc !== undefined) {
      const obj = this.alloc('factory', site, ctx.key, { q, factoryCarry: fc, call });
      this.recordCreated(obj, ctx);
      if (ctx.purpose === 'flow') this.setMode(st, obj, modeInfo('train', site, 'construct'));
      const w = constOf(kw.get('weights') ?? []);
      if (w !== null && (kw.has('weights') ? w !== undefined : true)) {
        // `weights="imagenet"` is the default.
        own(st, 'weighted').add(obj);
        obj.weightsLoaded = true;
      }
      return [{ t: 'obj', obj }];
    }
    const spec = kerasLayer(q);
    if (!spec) return null;
    const obj = this.alloc('layer', site, ctx.key, { q, spec, call });
    obj.env ??= argEnv(call, st.env);
    obj.site = site;
    if (spec.kind === 'container' && spec.wrapper) {
      obj.children = objsOf(pos[0] ?? kw.get('layer') ?? []).slice(0, 1);
    } else if (spec.kind === 'container') {
      // Sequential([...]) or Sequential(layers=[...]); model.add() appends later.
      const kids: Obj[] = [];
      for (const v of pos[0] ?? kw.get('layers') ?? []) if (v.t === 'seq') for (const it of v.items) for (const o of objsOf(it)) if (!kids.includes(o)) kids.push(o);
      obj.children = kids;
      this.recordSequence(kids.map((k) => [{ t: 'obj', obj: k }] as Val[]), ctx, site);
      // Data flow through the members: sequence paths (NL005) and pairs, from a symbolic input.
      this.kerasSeqOut.set(obj, this.applyKeras(obj, [tensor(null, 'direct', [], true)], ctx, site));
    } else if (spec.kind === 'model') {
      // Functional: Model(inputs, outputs): the layers on the outputs' paths.
      const outs = tensorsIn(pos[1] ?? kw.get('outputs') ?? []);
      const kids: Obj[] = [];
      for (const t of outs) for (const p of t.path) if (!kids.includes(p)) kids.push(p);
      obj.children = kids;
    }
    return this.constructed(obj, site, ctx, st);
  }

  /** A Keras batching dataset (`.batch(N)`, a dataset utility, `fit(batch_size=N)`): its batch size for NL004. */
  private kerasLoaderFact(obj: Obj, site: Site, call: CallExpr, pos: Val[][], kw: ReadonlyMap<string, Val[]>, index: number, def: number | null): void {
    if (this.loaderByObj.has(obj)) return;
    const kwArg = call.kwargs.find((k) => k.name === 'batch_size') ?? null;
    const posExpr = call.args.length > index && !call.args.slice(0, index + 1).some((a) => a.k === 'star') ? call.args[index] : null;
    const written = kwArg !== null || posExpr !== null;
    const batchSize = kw.get('batch_size') ?? (posExpr ? pos[index] : undefined) ?? (def !== null && call.doubleStar.length === 0 && !call.args.some((a) => a.k === 'star') ? [{ t: 'const', v: def } as Val] : []);
    if (!written && def === null) return;
    const fact: LoaderFact = {
      obj, site, call, batchSize, batchSizeArg: kwArg, batchSizeSpan: kwArg?.span ?? posExpr?.span ?? null, framework: 'keras',
      dropLast: null, datasetLength: null, hasBatchSampler: false, customCollate: false, trains: new Set(), accumulation: false,
    };
    this.loaders.push(fact);
    this.loaderByObj.set(obj, fact);
  }

  /** Does a Keras layer apply an activation (`Dense(64, activation="relu")`)? Unknown expressions count as yes. */
  kerasActivates(layer: Obj | null): boolean {
    if (!layer || layer.spec?.framework !== 'keras' || !layer.spec.params.some((p) => p.name === 'activation')) return false;
    if (layer.spec.kind === 'activation') return false;
    const a = this.argOf(layer, 'activation');
    if (a.defaulted) return false;
    const c = constOf(a.value);
    return !(c === null || c === 'linear');
  }

  /**
   * Keras data flow: applies a layer, wrapper, `Sequential`, functional model or subclassed
   * layer to its input tensors, recording layer pairs (NL003/NL011) and BatchNorm on a sequence
   * path (NL005). Recurrent layers output a sequence only with `return_sequences=True`.
   */
  /** A Keras layer or model called by name at `site` (not through a container): noted as an application there. */
  private applyDirect(obj: Obj, inputVals: Val[], ctx: Ctx, site: Site): Val[] {
    return this.markApplication(obj, site, this.applyKeras(obj, inputVals, ctx, site));
  }

  /** Notes that `obj` is applied at `site`, and marks the tensors it produced there with it. */
  private markApplication(obj: Obj, site: Site, out: Val[]): Val[] {
    const at = `${site.file.path}:${site.span.start}`;
    this.noteLayerCall(obj, at);
    for (const v of out) if (v.t === 'tensor' && v.producer === lastLayer(obj) && v.at === undefined) v.at = at;
    return out;
  }

  private applyKeras(obj: Obj, inputVals: Val[], ctx: Ctx, site: Site, wrapper: Obj | null = null): Val[] {
    const inputs = tensorsIn(inputVals);
    const inPath = mergePaths(inputs);
    // (Alternatives after branches join, not the tensors of a list such as `Add()([x, y])`.)
    const inT = inputVals.every((v) => v.t === 'tensor') ? singleInput(inputs) : inputs.length === 1 ? inputs[0] : null;
    const spec = obj.kind === 'layer' ? obj.spec : undefined;
    // Only tensors that come from `keras.Input` or a `call()` input are a model definition: a
    // layer called on data (a unit test, an interactive check) is not.
    const inModel = inputs.some((t) => t.inModel);
    if (!spec) return [tensor(obj.kind === 'instance' ? obj : null, 'direct', [...inPath, obj], inModel)];
    if (spec.kind === 'container' && spec.wrapper) {
      const inner = obj.children[0];
      if (!inner) return [tensor(obj, 'direct', [...inPath, obj], inModel)];
      // TimeDistributed applies the inner layer to every time step; Bidirectional runs it both ways.
      return this.applyKeras(inner, inputVals, ctx, site, obj.q === 'keras.layers.TimeDistributed' ? obj : null);
    }
    if (spec.kind === 'container') {
      let cur: Val[] = inputs.length ? inputs : [tensor(null, 'direct', [], inModel)];
      for (const c of obj.children) cur = this.applyKeras(c, cur, ctx, site);
      return cur;
    }
    if (inT?.producer) this.addForwardPair(inT, obj, ctx, site);
    if (inputs.length > 1 && inputVals.every((v) => v.t === 'tensor')) this.noteConsumed(inputs, obj);
    const path = [...inPath, obj];
    switch (spec.kind) {
      case 'batchnorm': {
        const seq = inT ? inPath.find((p) => p.spec?.kind === 'recurrent' || p.spec?.kind === 'attention') : undefined;
        if (seq && !this.sequenceNorms.some((f) => f.norm === obj && f.seq === seq)) {
          this.noteShared(obj, 'a normalization layer created at module scope is used by the edited definitions');
          this.noteShared(seq, 'a sequence layer created at module scope is used by the edited definitions');
          this.sequenceNorms.push({ norm: obj, seq, at: site, why: 'after-sequence-layer', ...(wrapper ? { wrapper } : {}) });
        }
        return [tensor(obj, 'direct', path, inModel)];
      }
      case 'activation':
      case 'dropout':
      case 'identity':
        return [tensor(inT?.producer ?? null, inT ? (inT.how === 'direct' && spec.kind !== 'identity' ? 'preserving' : inT.how) : 'direct', path, inModel)];
      case 'conv':
      case 'convtranspose':
      case 'linear':
        return [tensor(obj, this.kerasActivates(obj) ? 'preserving' : 'direct', spatialConv(obj) ? dropSequence(path) : path, inModel)];
      case 'recurrent': {
        const cell = /Cell$/.test(obj.q ?? '');
        const sequences = !cell && constOf(this.argOf(obj, 'return_sequences').value) === true;
        const out = tensor(obj, 'direct', sequences ? path : dropSequence(path), inModel);
        if (!cell && constOf(this.argOf(obj, 'return_state').value) === true) {
          const state = tensor(null, 'direct', dropSequence(path), inModel);
          return [{ t: 'seq', items: [[out], [state], [state]], key: `${site.file.path}:${site.span.start}:${obj.id}:state` }];
        }
        return [out];
      }
      case 'model':
        return [tensor(null, 'direct', path, inModel)];
      default:
        return [tensor(obj, 'direct', spec.reduces ? dropSequence(path) : path, inModel)];
    }
  }

  /**
   * A call of a Keras object (or of an unknown one with `training=True`): the data flow, and
   * the facts about its `training` flag: forced inside a model definition (NL008), a frozen
   * model called without it (NL008), `training=True` at an inference site (NL001).
   */
  /**
   * A call of a Keras subclass passing the model's own training flag: `call(self, x,
   * is_training=False)` that hands it to its layers (`self.bn(x, training=is_training)`), called
   * as `generator(noise, is_training=True)` (TensorFlow-Examples' DCGAN). Its layers get the flag.
   */
  private ownTrainingFlag(obj: Obj, call: CallExpr): boolean {
    const name = this.ownFlagName(obj);
    return !!name && call.kwargs.some((k) => k.name === name);
  }

  /** The training-flag parameter of a Keras subclass's `call()` that takes no `training` (`is_training`), else null. */
  private ownFlagName(obj: Obj): string | null {
    if (!obj.cls) return null;
    const m = this.findMethod(obj.cls, 'call');
    if (!m || m.def.params.some((p) => p.name === 'training' || p.kind === 'kwargs')) return null;
    return m.def.params.find((p) => /^(is_)?train(ing)?(_mode)?$/i.test(p.name))?.name ?? null;
  }

  private kerasCall(obj: Obj, call: CallExpr, pos: Val[][], kw: ReadonlyMap<string, Val[]>, ctx: Ctx, st: State, site: Site): Val[] {
    const flag = call.kwargs.find((k) => k.name === 'training') ?? null;
    const forced = !!flag && hardConstOf(kw.get('training') ?? []) === true;
    const inputVals = pos[0] ?? kw.get('inputs') ?? [];
    const inputs = tensorsIn(inputVals);
    const inModel = inputs.some((t) => t.inModel);
    const training = ctx.tape > 0 || ctx.kerasTrains || /^(train_step|train_on_batch)$/.test(ctx.fn?.name ?? '');
    // TensorFlow.js ignores the `training` argument of `apply()` on symbolic tensors when the
    // model runs (its executor passes its own flag: measured with tfjs 4.22), so in TypeScript
    // only an eager call inside a custom layer's `call()` bakes a flag in.
    const ts = ctx.file.ir.lang === 'ts';
    if (forced && flag && obj.kind !== 'sym' && (ts ? !!ctx.cls && ctx.fn?.name === 'call' : inModel) && !training) {
      const k = `${site.file.path}:${site.span.start}`;
      if (!this.forcedTraining.has(k)) this.forcedTraining.set(k, { site, call, obj, flag, fn: ctx.fn });
    }
    // (TensorFlow.js: `fit` updates a frozen base's BatchNorm statistics whatever its call passes.)
    if (!flag && inModel && !ts && pos.length <= 1 && obj.kind !== 'sym') this.kerasPlainCalls.push({ obj, site, call, fn: ctx.fn });
    // A training step that runs the model in inference mode: Keras and TensorFlow.js layers
    // default to inference when `training` is not passed (BatchNormalization uses its moving
    // statistics and never updates them; a `train_step` override must pass it too, as Keras's
    // guide does). An explicit `training=False` is deliberate (a frozen base, linear probing),
    // except in a TensorFlow.js closure that trains every variable (no `varList`): there the
    // model called in inference mode is the one being trained.
    const explicitOff = !!flag && hardConstOf(kw.get('training') ?? []) === false;
    if (ctx.purpose === 'flow' && ctx.tape > 0 && !inModel && (!flag || (explicitOff && ctx.allVars > 0)) && !this.ownTrainingFlag(obj, call) && this.trainedUnderTape(obj, ctx, st)) {
      const flagName = this.ownFlagName(obj);
      this.emitInferenceInTraining({ site, call, obj, receiver: exprName(call.fn) ?? 'model', fn: ctx.fn, via: [], ...(flag ? { flag } : {}), ...(flagName ? { flagName } : {}) }, ctx);
    }
    if (ctx.purpose === 'flow' && forced && flag && ctx.tape === 0) {
      const target = obj.kind === 'sym' ? this.selfSymTarget(obj, ctx) ?? obj : obj;
      let kind: InferenceKind | null = null;
      if (ctx.kerasEvalNamed && !ctx.kerasTrains && !ctx.file.isTestFile) kind = 'eval-function';
      else if (st.trained.has(target) && (!training || this.afterLastTrainCall(call, ctx))) kind = 'after-training';
      if (kind) {
        const fact: InferenceFact = {
          site, obj: target, mode: modeInfo('train', site, 'explicit'), kind, via: [], fn: ctx.fn,
          insertBefore: fixAnchor(ctx, exprName(call.fn), site.span.start), receiver: exprName(call.fn) ?? 'model', trainsAfter: false, fresh: false, trainingFlag: flag,
        };
        this.emitInference(fact, ctx);
      }
    }
    return this.applyDirect(obj, inputVals, ctx, site);
  }

  /**
   * Methods of Keras objects: `tf.data` chains (`.batch(N)` batches, `.shuffle()`/`.map()`/
   * `.prefetch()` keep the batching), `ImageDataGenerator.flow*(batch_size=N)`,
   * `Sequential.add(layer)`/`.pop()`, and `model.fit(...)` (a training step with its batches).
   * Null for anything else.
   */
  private kerasMethod(call: CallExpr, m: string, recv: Val[], objs: Obj[], ctx: Ctx, st: State, site: Site): Val[] | null {
    if (objs.length === 0) return null;
    if (objs.every((o) => o.kind === 'loader' && !!o.q && (isKerasName(o.q) || o.q.startsWith('tensorflow.data')))) {
      const { pos, kw } = this.argVals(call, ctx, st);
      if (DATASET_KEEPS_BATCH.has(m)) return recv;
      if (m === 'batch' || m === 'padded_batch' || m === 'rebatch') {
        const obj = this.alloc('loader', site, ctx.key, { q: 'tensorflow.data.Dataset.batch', call });
        this.kerasLoaderFact(obj, site, call, pos, kw, 0, null);
        return [{ t: 'obj', obj }];
      }
      if (m === 'unbatch') return [{ t: 'obj', obj: this.alloc('loader', site, ctx.key, { q: 'tensorflow.data.Dataset', call }) }];
      return [];
    }
    const flow = KERAS_GENERATOR_FLOWS[m];
    if (flow && objs.every((o) => o.kind === 'opaque' && o.q === 'keras.preprocessing.image.ImageDataGenerator')) {
      const { pos, kw } = this.argVals(call, ctx, st);
      const obj = this.alloc('loader', site, ctx.key, { q: `keras.preprocessing.image.ImageDataGenerator.${m}`, call });
      this.kerasLoaderFact(obj, site, call, pos, kw, flow.index, flow.def);
      return [{ t: 'obj', obj }];
    }
    const models = objs.filter(isModuleLike);
    if (models.length !== objs.length) return null;
    const ownMethod = models.some((o) => !!o.cls && !!this.findMethod(o.cls, m));
    if ((m === 'add' || m === 'pop') && models.every((o) => o.kind === 'layer' && o.q === 'keras.Sequential')) {
      const { pos, kw } = this.argVals(call, ctx, st);
      for (const seq of models) {
        if (m === 'pop') {
          seq.children.pop();
          this.kerasSeqOut.set(seq, [tensor(null, 'direct', [], true)]);
          continue;
        }
        for (const o of objsOf(pos[0] ?? kw.get('layer') ?? [])) {
          this.noteShared(seq, 'a model created at module scope is changed by the edited definitions');
          if (!seq.children.includes(o)) seq.children.push(o);
          this.kerasSeqOut.set(seq, this.applyKeras(o, this.kerasSeqOut.get(seq) ?? [tensor(null, 'direct', [], true)], ctx, site));
        }
      }
      return [];
    }
    if (m === 'fit' && !ownMethod && models.every((o) => this.isKeras(o) || o.kind === 'sym')) {
      const { pos, kw } = this.argVals(call, ctx, st);
      if (ctx.purpose === 'flow') {
        this.kerasFit(models, call, pos, kw, ctx, st, site);
        for (const o of models) this.runTrainStep(o, ctx, st, site);
      }
      return [];
    }
    return null;
  }

  /**
   * `fit()` on an instance of a Keras model subclass that overrides `train_step(data)`: Keras
   * runs it on every batch, so its gradient computation is followed (NL002) with `self` bound
   * to this instance, whose attributes are the sub-models it was built with
   * (`SimSiam(encoder, predictor)`, keras-io). The batch itself stays unknown.
   */
  private runTrainStep(model: Obj, ctx: Ctx, st: State, site: Site): void {
    if (model.kind !== 'instance' || !model.cls || !this.isKerasClass(model.cls)) return;
    const step = this.findMethod(model.cls, 'train_step');
    if (!step) return;
    const self: Val[] = [{ t: 'obj', obj: model }];
    this.applySummary({ t: 'fn', file: step.cls.file, def: step.def, cls: step.cls, self: model }, [self, []], NO_KWARGS, ctx, st, site, []);
  }

  /** `model.fit(x, y, batch_size=N)` or `model.fit(dataset)`: a training step of `models` with those batches (NL004). */
  private kerasFit(models: Obj[], call: CallExpr, pos: Val[][], kw: ReadonlyMap<string, Val[]>, ctx: Ctx, st: State, site: Site): void {
    const x = objsOf(pos[0] ?? kw.get('x') ?? []);
    let loaders = x.filter((o) => o.kind === 'loader' || o.kind === 'sym');
    if ((kw.has('batch_size') || pos.length > FIT_BATCH_INDEX) && !x.some((o) => o.kind === 'loader')) {
      // Arrays (Keras rejects `batch_size` with a dataset).
      const obj = this.alloc('loader', site, ctx.key, { q: 'keras.Model.fit', call });
      this.kerasLoaderFact(obj, site, call, pos, kw, FIT_BATCH_INDEX, null);
      loaders = [obj];
    }
    const receiver = call.fn.k === 'attr' ? exprName(call.fn.obj) ?? 'model' : 'model';
    for (const model of models) {
      own(st, 'weighted').add(model);
      own(st, 'trained').add(model);
      this.emitStep({
        site, obj: model, mode: this.modeOf(st, model), via: [], fn: ctx.fn, insertAt: null, receiver,
        lightning: false, accumulation: false, loaders, frozen: false, keras: true,
      }, ctx);
    }
  }

  /** `self` (or `self.sub`) inside a method of a Keras class: the class's generic instance (or its attribute). */
  private selfSymTarget(o: Obj, ctx: Ctx): Obj | null {
    if (!o.sym || !ctx.cls || !ctx.fn || !this.isKerasClass(ctx.cls)) return null;
    let root: Obj | undefined = o;
    while (root?.sym?.parent) root = root.sym.parent;
    if (!root?.sym || root.sym.root !== 'param:0') return null;
    let cur: Obj = this.genericInstance(ctx.cls);
    for (const a of o.sym.path) {
      const next = objsOf(cur.attrs.get(a) ?? []);
      if (next.length !== 1) return null;
      cur = next[0];
    }
    return cur;
  }

  /** `nn.Sequential(...)` members or a list display of layers: record consecutive pairs. */
  private recordSequence(items: Val[][], ctx: Ctx, site: Site | null): void {
    const objs = items.map((vals) => (vals.length === 1 && vals[0].t === 'obj' ? vals[0].obj : null));
    if (objs.filter((o) => o && o.kind === 'layer').length < 2) return;
    markOneByOneNorms(objs);
    for (let i = 0; i + 1 < objs.length; i++) {
      const a = objs[i];
      if (!a) continue;
      // Look through channel-preserving layers for the consumer (NL011); rules decide what counts.
      // A Keras layer with its own activation (`Dense(64, activation="relu")`) is followed by it.
      let how: LayerPair['how'] = this.kerasActivates(lastLayer(a)) ? 'preserving' : 'direct';
      for (let j = i + 1; j < objs.length; j++) {
        const b = objs[j];
        if (!b) break;
        const last = lastLayer(a);
        const first = firstLayer(b);
        if (last && first) this.addPair(last, first, how, 'sequential', site ?? first.site ?? { file: ctx.file, span: { start: 0, end: 0 } });
        const k = b.spec?.kind;
        if (k === 'activation' || k === 'dropout' || k === 'identity') {
          if (k !== 'identity') how = 'preserving';
          continue;
        }
        break;
      }
    }
  }

  /**
   * A layer applied to a tensor in forward(): the pair, and the tensor watched for reuse after
   * the statement (see {@link reusedAfterLayer}, {@link settleLayerInputs}).
   */
  private addForwardPair(input: TensorVal, consumer: Obj, ctx: Ctx, at: Site): void {
    if (!input.producer) return;
    this.noteConsumed([input], consumer);
    input.readsAtLayer = input.reads ?? 0;
    (ctx.layerInputs ??= []).push(input);
    this.addPair(input.producer, consumer, input.how, 'forward', at, input);
  }

  /**
   * A layer took these tensors (one, or alternatives after branches join: `x = dense(a)` or
   * `x = dense(x)`, then `bn(x)`): for each producer's call site, which layers its output reached.
   */
  private noteConsumed(inputs: TensorVal[], consumer: Obj): void {
    for (const t of inputs) {
      if (!t.producer || t.at === undefined) continue;
      let list = this.consumed.get(t.producer);
      this.noteShared(t.producer, 'a layer created at module scope feeds the edited definitions');
      this.noteShared(consumer, 'a layer created at module scope is fed in the edited definitions');
      if (!list) this.consumed.set(t.producer, (list = []));
      if (!list.some((c) => c.at === t.at && c.consumer === consumer)) list.push({ at: t.at, consumer });
    }
  }

  /** After a statement: the tensors layers took in it that a variable still holds are watched for later reads. */
  private settleLayerInputs(ctx: Ctx, st: State): void {
    const inputs = ctx.layerInputs!;
    ctx.layerInputs = null;
    for (const t of inputs) {
      if (t.liveAfterLayer) continue;
      if ((t.reads ?? 0) > (t.readsAtLayer ?? 0)) {
        t.liveAfterLayer = true;
        continue;
      }
      for (const vals of st.env.values()) {
        if (vals.includes(t)) {
          t.liveAfterLayer = true;
          break;
        }
      }
    }
  }

  private addPair(producer: Obj, consumer: Obj, how: LayerPair['how'], where: LayerPair['where'], at: Site, input?: TensorVal): void {
    this.noteShared(producer, 'a layer created at module scope feeds another in the edited definitions');
    this.noteShared(consumer, 'a layer created at module scope is fed in the edited definitions');
    const k = `${producer.id}>${consumer.id}`;
    if (this.pairKeys.has(k)) return;
    this.pairKeys.add(k);
    this.pairs.push(input ? { producer, consumer, how, where, at, input } : { producer, consumer, how, where, at });
  }

  private noteOptimized(args: Val[][]): void {
    const found: Obj[] = [];
    const visit = (vals: Val[]): void => {
      for (const v of vals) {
        if (v.t === 'obj' && v.obj.kind === 'opaque' && v.obj.q === 'parameters-of') found.push(...v.obj.children);
        if (v.t === 'seq') for (const it of v.items) visit(it);
        if (v.t === 'dict') for (const it of v.entries.values()) visit(it);
      }
    };
    for (const a of args) visit(a);
    if (found.length === 0) this.optimized = null;
    else if (this.optimized) for (const o of found) this.optimized.add(o);
  }

  /** Project class instantiation: evaluate `__init__` with the arguments bound. */
  private instantiate(cls: ClassRef, call: CallExpr, pos: Val[][], kw: ReadonlyMap<string, Val[]>, ctx: Ctx, st: State, site: Site): Val[] {
    if (ctx.skipConstruct) return [];
    const argKey = argsKey(pos, kw);
    const obj = this.alloc('instance', site, `${ctx.key}|${argKey}`, { cls, call });
    if (!obj.attrs.has('__built__')) {
      obj.attrs.set('__built__', []);
      this.runInit(obj, cls, pos, kw, ctx.depth + 1);
    }
    this.recordCreated(obj, ctx);
    if (ctx.purpose === 'flow') this.setMode(st, obj, modeInfo('train', site, 'construct'));
    return [{ t: 'obj', obj }];
  }

  private runInit(self: Obj, cls: ClassRef, pos: Val[][], kw: ReadonlyMap<string, Val[]>, depth: number): void {
    if (depth > MAX_CONSTRUCT_DEPTH) {
      self.created.push({ id: this.nextId++, kind: 'opaque', attrs: new Map(), children: [], created: [] });
      return;
    }
    const init = this.findMethod(cls, '__init__');
    const keras = this.isKerasClass(cls);
    if (!init && !keras) {
      // A dataclass (or NamedTuple-like class): fields are the class-level assignments, in
      // order, set from the arguments or their defaults.
      const fields = this.classFields(cls);
      let i = 0;
      for (const [name, def] of fields) {
        const v = kw.get(name) ?? (i < pos.length ? pos[i] : undefined) ?? (def ? this.evalIn(def, cls.file) : []);
        i++;
        self.attrs.set(name, v);
      }
      return;
    }
    if (init) this.evalFunctionBody(init.def, init.cls, [[{ t: 'obj', obj: self }], ...pos], kw, depth, self, `init:${self.id}`);
    // Keras layers often create their sublayers in `build(input_shape)`.
    const build = keras ? this.findMethod(cls, 'build') : null;
    if (build) this.evalFunctionBody(build.def, build.cls, [[{ t: 'obj', obj: self }], []], new Map(), depth, self, `build:${self.id}`);
  }

  /**
   * Evaluates a project function's body with its parameters bound (construct purpose) and
   * returns the possible return values. Memoized by function and argument values.
   */
  private evalFunctionBody(def: FuncDef, cls: ClassRef | null, pos: Val[][], kw: ReadonlyMap<string, Val[]>, depth: number, building: Obj | null, key: string): Val[] {
    const file = cls?.file ?? this.fileOfFunction(def);
    if (!file) return [];
    const memoKey = `${file.path}:${def.span.start}|${key}`;
    const memo = this.constructMemo.get(memoKey);
    if (memo === 'pending') return [];
    if (memo) return memo;
    if (depth > MAX_CONSTRUCT_DEPTH) return [];
    this.constructMemo.set(memoKey, 'pending');
    this.evaluated.add(def);
    const ctx = this.newCtx(file, 'construct', def, cls, depth, memoKey);
    ctx.building = building;
    const st = this.newState();
    this.bindParams(def, pos, kw, ctx, st);
    this.execBlock(def.body, ctx, st);
    this.constructMemo.set(memoKey, ctx.returns);
    return ctx.returns;
  }

  /** Functions whose body `evalFunctionBody` has evaluated (with some arguments). */
  private readonly evaluated = new Set<FuncDef>();

  private readonly fnFiles = new Map<FuncDef, ProjectFile>();
  private fnFilesIndexed = new Set<ProjectFile>();
  /** The file defining a function (indexing every loaded file's functions once). */
  private fileOfFunction(def: FuncDef): ProjectFile | undefined {
    const hit = this.fnFiles.get(def);
    if (hit) return hit;
    for (const f of this.index.loadedFiles()) {
      if (this.fnFilesIndexed.has(f)) continue;
      this.fnFilesIndexed.add(f);
      const visit = (body: Stmt[]): void => {
        for (const s of body) {
          if (s.k === 'func') {
            this.fnFiles.set(s.def, f);
            visit(s.def.body);
          } else if (s.k === 'class') visit(s.def.body);
          else if (s.k === 'if') {
            visit(s.body);
            visit(s.orelse);
          } else if (s.k === 'try') visit(s.body);
        }
      };
      visit(f.ir.body);
    }
    return this.fnFiles.get(def);
  }

  private bindParams(def: FuncDef, pos: Val[][], kw: ReadonlyMap<string, Val[]>, ctx: Ctx, st: State): void {
    let i = 0;
    for (const p of def.params) {
      if (p.kind === 'varargs') {
        st.env.set(p.name, [{ t: 'seq', items: pos.slice(i), key: `${ctx.key}:*${p.name}` }]);
        i = pos.length;
        continue;
      }
      if (p.kind === 'kwargs') {
        st.env.set(p.name, [{ t: 'dict', entries: new Map(kw) }]);
        continue;
      }
      let v: Val[] | undefined;
      if (p.kind !== 'kwonly' && i < pos.length) v = pos[i++];
      else if (kw.has(p.name)) v = kw.get(p.name);
      if (v === undefined && p.default) v = this.evalExpr(p.default, { ...ctx, fn: null }, this.newState());
      st.env.set(p.name, v ?? []);
    }
  }

  private callFunction(f: Extract<Val, { t: 'fn' }>, call: CallExpr, pos: Val[][], kw: ReadonlyMap<string, Val[]>, ctx: Ctx, st: State, site: Site): Val[] {
    const isMethod = !!f.cls && f.def.params.length > 0 && !f.def.decorators.some((d) => exprName(d) === 'staticmethod');
    const isClassMethod = f.def.decorators.some((d) => exprName(d) === 'classmethod');
    let args = pos;
    if (isMethod && f.self) args = [[{ t: 'obj', obj: f.self }], ...pos];
    else if (isClassMethod && f.cls) args = [[{ t: 'cls', cls: f.cls }], ...pos];
    // Lightning's `load_from_checkpoint` and classmethod constructors return instances.
    if (isClassMethod && f.cls && f.def.name.startsWith('load_from_checkpoint')) {
      return this.instantiate(f.cls, call, [], new Map(), ctx, st, site);
    }
    let ret: Val[] = [];
    // Bodies are evaluated for their return value, and methods under construction also for
    // the attributes they assign (`self._build_head()` in `__init__`).
    if (ctx.skipConstruct || (ctx.purpose === 'flow' && !this.mayBuild(f.def, f.cls?.file ?? this.fileOfFunction(f.def)))) {
      // The return value of a returned call is not needed (see execStmt 'return'), or the
      // function builds nothing the rules track (no modules, loaders, optimizers, argparse).
    } else if (hasReturnValue(f.def.body) || (ctx.purpose === 'construct' && f.self && f.self === ctx.building)) {
      // From a flow, each call site builds its own objects (two `build_model()` calls are two
      // models); nested construction is shared per argument values.
      const key = ctx.purpose === 'flow' ? `${site.file.path}:${site.span.start}|${argsKey(args, kw)}` : argsKey(args, kw);
      ret = this.evalFunctionBody(f.def, f.cls ?? null, args, kw, ctx.depth + 1, ctx.building, key);
    }
    if (ctx.purpose === 'flow') ret = this.applySummary(f, args, kw, ctx, st, site, ret, call);
    return ret;
  }

  // ---------------------------------------------------------------------------------------
  // Methods on values

  private evalMethodCall(call: CallExpr, m: string, recv: Val[], ctx: Ctx, st: State, site: Site): Val[] | null {
    const objs = objsOf(recv);
    // Training steps: loss.backward(), optimizer.step(), scaler.step(opt), accelerator.backward(loss).
    if (m === 'backward' || (m === 'step' && this.isOptimizerLike(call.fn, recv))) {
      this.argVals(call, ctx, st);
      if (ctx.purpose === 'flow') this.noteTrainingStep(ctx, st, site);
      return [];
    }
    const tensors = recv.filter((v): v is TensorVal => v.t === 'tensor');
    if (tensors.length > 0 && objs.length === 0) {
      this.argVals(call, ctx, st);
      const t = tensors[0];
      if (RESHAPE_METHODS.test(m)) return [tensor(t.producer, 'reshaped', mergePaths(tensors))];
      if (/^(relu|sigmoid|tanh|relu_|clone|float|half|to|cuda|cpu|detach)$/.test(m)) return [tensor(t.producer, t.how === 'direct' ? 'preserving' : t.how, mergePaths(tensors))];
      const reduces = /^(mean|sum|max|min|amax|amin|logsumexp|norm|std|var|argmax|select)$/.test(m);
      return [tensor(null, 'direct', reduces ? dropSequence(mergePaths(tensors)) : mergePaths(tensors))];
    }
    if (objs.length === 0 || objs.length !== recv.length) {
      // Seq and argparse methods.
      if (m === 'update') {
        // `kwargs.update(other)` / `kwargs.update(k=v)` (pytorch/examples' `train_kwargs.update(cuda_kwargs)`).
        const dicts = recv.filter((v): v is Extract<Val, { t: 'dict' }> => v.t === 'dict');
        if (dicts.length === 1 && recv.length === 1) {
          const { pos, kw } = this.argVals(call, ctx, st);
          const d = dicts[0];
          if (pos.length > 1 || (pos.length === 1 && !mergeDict(d.entries, pos[0]))) d.open = true;
          if (call.doubleStar.length > 0 && !this.splatsClosed(call, ctx, st)) d.open = true;
          for (const [k, x] of kw) d.entries.set(k, x);
          return [];
        }
      }
      if (m === 'append' || m === 'extend' || m === 'insert') {
        const seqs = recv.filter((v): v is SeqVal => v.t === 'seq');
        if (seqs.length === 1) {
          const { pos } = this.argVals(call, ctx, st);
          const add = m === 'insert' ? pos[1] ?? [] : pos[0] ?? [];
          if (seqs[0].items.length >= MAX_SEQ_ITEMS) return [];
          const items = seqs[0].items;
          if (m === 'extend') {
            for (const v of add) if (v.t === 'seq') items.push(...v.items);
          } else if (m === 'append') items.push(add);
          else {
            // `layers.insert(i, x)` at Python's index (negative from the end, clamped); an
            // unknown index inserts at the front.
            const i = constOf(pos[0] ?? []);
            const at = typeof i === 'number' && Number.isInteger(i) ? Math.max(0, Math.min(items.length, i < 0 ? items.length + i : i)) : 0;
            items.splice(at, 0, add);
            this.recordSequence(items.slice(Math.max(0, at - 1), at + 2), ctx, null);
            return [];
          }
          this.recordSequence(items.slice(-2), ctx, null);
          return [];
        }
      }
      return null;
    }
    // Parser objects.
    const parser = objs.find((o) => o.q === 'argparse.ArgumentParser' || o.q === 'argparse-group');
    if (parser) return this.argparseMethod(parser, call, m, ctx, st, site);
    const keras = this.kerasMethod(call, m, recv, objs, ctx, st, site);
    if (keras) return keras;
    // A plain class's own method (`Trainer().train(x, y)` of a class that holds a model): a call
    // of that method, not a module's `train()`/`to()`/... .
    if (objs.length > 0 && objs.every((o) => o.kind === 'instance' && !!o.cls && !this.isModuleClass(o.cls) && !!this.findMethod(o.cls, m))) return null;
    const moduleObjs = objs.filter(isModuleLike);
    if (moduleObjs.length === 0) {
      if (m === 'fit' && objs.some((o) => o.kind === 'trainer')) {
        const { pos, kw } = this.argVals(call, ctx, st);
        const models = objsOf(pos[0] ?? kw.get('model') ?? []);
        for (const t of objs) for (const l of this.lightning) if (l.site.span === t.site?.span || (t.site && l.site.file === t.site.file && l.site.span.start === t.site.span.start)) l.fits.push(...models);
        return [];
      }
      return null;
    }
    const { pos, kw } = this.argVals(call, ctx, st);
    if (m === 'eval' || m === 'train') {
      let mode: Mode = 'train';
      if (m === 'eval') mode = 'eval';
      else {
        const arg = pos[0] ?? kw.get('mode');
        if (arg) {
          const c = constOf(arg);
          mode = c === undefined ? 'unknown' : truthy(c) ? 'train' : 'eval';
        }
      }
      if (ctx.purpose === 'flow') {
        for (const o of moduleObjs) {
          this.setMode(st, o, modeInfo(mode, site, 'explicit'));
          if (mode === 'train') this.noteTrainCall(o, call, ctx, st, site);
        }
      } else {
        // During construction (`self.model.eval()` in a predictor's `__init__`): remembered on
        // the object, it is the mode a flow first sees it in.
        for (const o of moduleObjs) o.constructMode = { mode, site, how: 'explicit' };
      }
      return moduleObjs.map((o) => ({ t: 'obj', obj: o }));
    }
    if (SELF_RETURNING_METHODS.has(m)) {
      if (m === 'requires_grad_' && ctx.purpose === 'flow') {
        const c = constOf(pos[0] ?? kw.get('requires_grad') ?? []);
        if (c === false) for (const o of moduleObjs) this.freeze(st, o, site);
      }
      if (m === 'apply' && ctx.purpose === 'flow') {
        const fns = pos[0] ?? [];
        if (fns.some((f) => f.t === 'fn' && setsParamEval(f.def))) for (const o of moduleObjs) this.setMode(st, o, modeInfo('bneval', site, 'explicit'));
      }
      return moduleObjs.map((o) => ({ t: 'obj', obj: o }));
    }
    if (m === 'load_state_dict') {
      for (const o of moduleObjs) {
        own(st, 'weighted').add(o);
        if (ctx.purpose === 'construct') o.weightsLoaded = true;
      }
      return [];
    }
    if (m === 'parameters' || m === 'named_parameters') {
      return [{ t: 'obj', obj: this.alloc('opaque', site, ctx.key, { q: 'parameters-of', children: moduleObjs }) }];
    }
    if (m === 'modules' || m === 'named_modules' || m === 'children' || m === 'named_children') {
      return [{ t: 'obj', obj: this.alloc('opaque', site, ctx.key, { q: 'modules-of', children: moduleObjs }) }];
    }
    if (m === 'forward' || m === 'module' || PREDICT_METHODS.test(m)) {
      if (m === 'forward' || !moduleObjs.some((o) => o.kind === 'instance' && o.cls && this.findMethod(o.cls, m) && !PREDICT_METHODS.test(m))) {
        let out: Val[] = [];
        for (const o of moduleObjs) out = union(out, this.forwardCall(o, call, pos, ctx, st, site, m === 'forward' || m === 'call' ? 'call' : 'predict', kw));
        return out;
      }
    }
    if (m === 'add_module' || m === 'register_module') {
      const name = constOf(pos[0] ?? []);
      for (const o of moduleObjs) {
        this.noteShared(o, 'a module created at module scope is changed by the edited definitions');
        if (typeof name === 'string') o.attrs.set(name, pos[1] ?? []);
      }
      return [];
    }
    return null;
  }

  private isOptimizerLike(fn: Expr, recv: Val[]): boolean {
    if (objsOf(recv).some((o) => o.kind === 'optimizer')) return true;
    if (fn.k !== 'attr') return false;
    const name = exprName(fn.obj) ?? '';
    const last = name.split('.').pop() ?? '';
    return /(^|_)(optim|optimizer|opt|optimiser|scaler)s?(_\w+)?$|^(optimizer|optim|opt)\w*$/i.test(last) && !/sched/i.test(last);
  }

  private argparseMethod(parser: Obj, call: CallExpr, m: string, ctx: Ctx, st: State, site: Site): Val[] {
    const { pos, kw } = this.argVals(call, ctx, st);
    const defaults = (parser.attrs.get('__defaults__')?.[0] as Extract<Val, { t: 'argparse' }> | undefined) ?? { t: 'argparse' as const, defaults: new Map<string, Val[]>() };
    parser.attrs.set('__defaults__', [defaults]);
    if (m === 'add_argument') {
      const flags = pos.map((p) => constOf(p)).filter((c): c is string => typeof c === 'string');
      const dest = constOf(kw.get('dest') ?? []);
      const long = flags.find((f) => f.startsWith('--')) ?? flags.find((f) => !f.startsWith('-')) ?? flags[0];
      const name = typeof dest === 'string' ? dest : long ? long.replace(/^-+/, '').replace(/-/g, '_') : undefined;
      if (name) {
        const d = kw.get('default');
        const action = constOf(kw.get('action') ?? []);
        const value: Val[] = d ?? (action === 'store_true' ? [{ t: 'const', v: false }] : action === 'store_false' ? [{ t: 'const', v: true }] : [{ t: 'const', v: null }]);
        defaults.defaults.set(name, value.map((v) => (v.t === 'const' ? { ...v, soft: true } : v)));
      }
      return [];
    }
    if (m === 'add_argument_group' || m === 'add_mutually_exclusive_group') {
      const g = this.alloc('opaque', site, ctx.key, { q: 'argparse-group' });
      g.attrs = parser.attrs;
      return [{ t: 'obj', obj: g }];
    }
    if (m === 'set_defaults') {
      for (const [k, v] of kw) defaults.defaults.set(k, v);
      return [];
    }
    if (m === 'parse_args' || m === 'parse_known_args') {
      return m === 'parse_args' ? [defaults] : [{ t: 'seq', items: [[defaults], []], key: `${site.file.path}:${site.span.start}` }];
    }
    return [];
  }

  // ---------------------------------------------------------------------------------------
  // Forward calls (data flow for structure, inference for modes)

  private forwardCall(obj: Obj, call: CallExpr, pos: Val[][], ctx: Ctx, st: State, site: Site, how: 'call' | 'predict', kw: ReadonlyMap<string, Val[]> = new Map()): Val[] {
    if (obj.kind === 'loader' || obj.kind === 'optimizer' || obj.kind === 'trainer') return [];
    if (obj.q === 'parameters-of' || obj.q === 'modules-of' || obj.q?.startsWith('argparse')) return [];
    // A symbolic object with a training flag, or called inside a gradient computation (only
    // TensorFlow code has those), is a Keras/TensorFlow.js model.
    if (how === 'call' && (this.isKeras(obj) || (obj.kind === 'sym' && (hardConstOf(kw.get('training') ?? []) === true || ctx.tape > 0)))) {
      return this.kerasCall(obj, call, pos, kw, ctx, st, site);
    }
    // `model.predict(x)` of a Keras model is inference by construction (no training flag):
    // inside a gradient computation, the model trains in inference mode (NL002).
    // (Not a method of the model's own class that happens to be called `generate` or `sample`:
    // keras-io's GAN-ADA `self.generate(batch_size, training=True)` passes the flag on.)
    const ownMethod = call.fn.k === 'attr' && !!obj.cls && !!this.findMethod(obj.cls, call.fn.attr);
    if (how === 'predict' && !ownMethod && ctx.purpose === 'flow' && ctx.tape > 0 && (this.isKeras(obj) || obj.kind === 'sym')) {
      this.emitInferenceInTraining({ site, call, obj, receiver: exprName(call.fn.k === 'attr' ? call.fn.obj : call.fn) ?? 'model', fn: ctx.fn, via: [], predict: true }, ctx);
    }
    // A symbolic model called without `training` outside a gradient computation (Keras files
    // only): NL002 where a gradient computation calls this function (see `Summary.plainCalls`).
    if (how === 'call' && obj.kind === 'sym' && ctx.purpose === 'flow' && ctx.summary && ctx.tape === 0 && ctx.allVars === 0 && !kw.has('training') &&
      !call.kwargs.some((k) => k.name === 'training') && ctx.file.ir.lang !== 'ts' && mentionsKeras(ctx.file)) {
      const list = ctx.summary.plainCalls;
      if (!list.some((f) => f.obj === obj && f.site.span.start === site.span.start)) {
        list.push({ site, call, obj, receiver: exprName(call.fn) ?? 'model', fn: ctx.fn, via: [], helper: true });
      }
    }
    if (this.isKeras(obj)) return this.applyDirect(obj, pos[0] ?? [], ctx, site);
    const input = (pos[0] ?? []).filter((v): v is TensorVal => v.t === 'tensor');
    if (ctx.purpose === 'flow' && isModuleLike(obj)) {
      const kind = this.inferenceKind(obj, call, ctx, st, how === 'predict');
      if (kind) this.noteInference(obj, call.fn.k === 'attr' && how === 'predict' ? call.fn.obj : call.fn, kind, ctx, st, site);
      else {
        if (!st.noGrad) own(st, 'forwarded').add(obj);
        if (obj.kind === 'sym' && ctx.summary) {
          const list = ctx.summary.forwards;
          const i = list.findIndex((f) => f.obj === obj && f.site.span.start === site.span.start);
          const mode = this.modeOf(st, obj);
          if (i < 0) list.push({ obj, site, mode });
          else list[i] = { obj, site, mode: joinInfo(list[i].mode, mode)! };
        }
      }
    }
    // Data flow through layers.
    if (obj.kind === 'layer' && obj.spec) return this.markApplication(obj, site, this.layerForward(obj as Obj & { spec: LayerSpec }, input, ctx, site));
    if (input.length > 0 || ctx.purpose === 'construct') return [tensor(obj.kind === 'instance' ? obj : null, 'direct', input.length ? mergePaths(input) : [])];
    return [tensor(null, 'direct', [])];
  }

  /** Data flow through a PyTorch layer called in forward() (see `forwardCall`). */
  private layerForward(obj: Obj & { spec: LayerSpec }, input: TensorVal[], ctx: Ctx, site: Site): Val[] {
    {
      const inTensor = singleInput(input);
      if (inTensor?.producer && ctx.purpose === 'construct') {
        const first = firstLayer(obj) ?? obj;
        this.addForwardPair(inTensor, first, ctx, site);
      }
      if (input.length > 1 && ctx.purpose === 'construct') this.noteConsumed(input, firstLayer(obj) ?? obj);
      if (ctx.purpose === 'construct' && obj.spec.kind === 'batchnorm' && inTensor) {
        // A BatchNorm2d/3d normalizes a feature map: attention output folded back into one
        // (BoTNet-style hybrid blocks, `x + attn_out.reshape(n, c, h, w)`) is an image again.
        const seq = obj.spec.dims === 2 || obj.spec.dims === 3 ? undefined : inTensor.path.find((p) => p.spec?.kind === 'recurrent' || p.spec?.kind === 'attention');
        if (seq) {
          this.noteShared(obj, 'a normalization layer created at module scope is used by the edited definitions');
          this.noteShared(seq, 'a sequence layer created at module scope is used by the edited definitions');
          this.sequenceNorms.push({ norm: obj, seq, at: site, why: 'after-sequence-layer' });
        }
        else if (ctx.loopIds.length > 0) this.noteLoopCall(obj, ctx, site);
      }
      if (ctx.purpose === 'construct' && (obj.spec.kind === 'recurrent') && ctx.loopIds.length > 0) this.noteLoopCall(obj, ctx, site);
      const last = lastLayer(obj) ?? obj;
      let path = inTensor ? inTensor.path.slice() : [];
      for (const l of layersIn(obj)) {
        path.push(l);
        if (spatialConv(l)) path = dropSequence(path);
      }
      if (obj.spec.kind === 'activation' || obj.spec.kind === 'dropout' || obj.spec.kind === 'identity') {
        if (inTensor) return [tensor(inTensor.producer, inTensor.how === 'direct' && obj.spec.kind !== 'identity' ? 'preserving' : inTensor.how, path)];
      }
      if (obj.spec.kind === 'recurrent' || (obj.spec.kind === 'attention' && obj.q?.endsWith('MultiheadAttention'))) {
        // (output with a time axis, state without one); a cell's output is one step.
        if (obj.q?.endsWith('Cell')) return [tensor(last, 'direct', dropSequence(path))];
        return [{ t: 'seq', items: [[tensor(last, 'direct', path)], [tensor(null, 'direct', dropSequence(path))]], key: `${site.file.path}:${site.span.start}:out` }];
      }
      return [tensor(last, 'direct', path)];
    }
  }

  private readonly loopCalls = new Map<number, { norms: Array<{ obj: Obj; site: Site }>; seqs: Obj[] }>();
  private noteLoopCall(obj: Obj, ctx: Ctx, site: Site): void {
    for (const id of ctx.loopIds) {
      let e = this.loopCalls.get(id);
      if (!e) this.loopCalls.set(id, (e = { norms: [], seqs: [] }));
      if (obj.spec?.kind === 'batchnorm') e.norms.push({ obj, site });
      else e.seqs.push(obj);
      for (const n of e.norms) {
        for (const s of e.seqs) {
          if (!this.sequenceNorms.some((f) => f.norm === n.obj && f.seq === s)) {
            this.noteShared(n.obj, 'a normalization layer created at module scope is used by the edited definitions');
            this.sequenceNorms.push({ norm: n.obj, seq: s, at: n.site, why: 'time-step-loop' });
          }
        }
      }
    }
  }

  private analyzeForward(ref: ClassRef): void {
    const self = this.genericInstance(ref);
    const keras = this.isKerasClass(ref);
    const fwd = keras ? this.findMethod(ref, 'call') : this.findMethod(ref, 'forward') ?? this.findMethod(ref, 'call');
    if (!fwd) return;
    const ctx = this.newCtx(fwd.cls.file, 'construct', fwd.def, fwd.cls, 1, `fwd:${self.id}`);
    const st = this.newState();
    const params = fwd.def.params;
    params.forEach((p, i) => {
      if (i === 0) st.env.set(p.name, [{ t: 'obj', obj: self }]);
      // Keras `call(self, inputs, training=None, mask=None)`: the inputs are the model's own
      // tensors (a model definition); flags and masks are the caller's.
      else if (keras) st.env.set(p.name, p.default || p.kind !== 'plain' ? [] : [tensor(null, 'direct', [], true)]);
      else st.env.set(p.name, [tensor(null, 'direct', [])]);
    });
    this.execBlock(fwd.def.body, ctx, st);
  }

  // ---------------------------------------------------------------------------------------
  // Mode facts

  private modeOf(st: State, obj: Obj): ModeInfo {
    const m = st.modes.get(obj);
    if (m) return m;
    if (obj.kind === 'sym') {
      // A sub-object of a symbolic object inherits its parent's mode (set by `parent.eval()`).
      const parent = obj.sym?.parent;
      return parent ? this.modeOf(st, parent) : modeInfo('entry', null, 'entry');
    }
    // Built during a construction the flow did not see step by step (a helper, an `__init__`):
    // the mode set there, else training mode from construction.
    if (obj.constructMode) return { sources: [obj.constructMode], stepSinceSet: false };
    if ((obj.kind === 'instance' || obj.kind === 'factory' || obj.kind === 'layer') && obj.site) return modeInfo('train', obj.site, 'construct');
    return modeInfo('unknown', null, 'unknown');
  }

  private setMode(st: State, obj: Obj, info: ModeInfo): void {
    own(st, 'modes').set(obj, { sources: info.sources, stepSinceSet: false });
    // Children follow the parent.
    for (const [o] of st.modes) {
      if (o !== obj && this.isDescendant(o, obj)) own(st, 'modes').set(o, { sources: info.sources, stepSinceSet: false });
    }
  }

  /**
   * The attribute path from `anc` to its submodule `o` (`[]` when they are the same object,
   * `['backbone', 'layer1']` for `anc.backbone.layer1`), or null when `o` is not reached through
   * attributes (a container member, a module found only by identity) within a few levels.
   */
  private attrPath(o: Obj, anc: Obj): string[] | null {
    if (o === anc) return [];
    // Symbolic objects (a parameter's `net.backbone`) name their path from the root.
    const up: string[] = [];
    for (let c: Obj | undefined = o; c?.sym?.parent; c = c.sym.parent) {
      const name = c.sym.path[c.sym.path.length - 1];
      if (name === undefined) break;
      up.unshift(name);
      if (c.sym.parent === anc) return up;
    }
    const seen = new Set<Obj>();
    const search = (from: Obj, depth: number): string[] | null => {
      if (depth === 0 || seen.has(from)) return null;
      seen.add(from);
      for (const [name, vals] of from.attrs) {
        for (const c of objsOf(vals)) {
          if (c === o) return [name];
          const rest = search(c, depth - 1);
          if (rest) return [name, ...rest];
        }
      }
      return null;
    };
    return search(anc, 4);
  }

  private isDescendant(o: Obj, anc: Obj): boolean {
    let p = o.sym?.parent;
    while (p) {
      if (p === anc) return true;
      p = p.sym?.parent;
    }
    for (const vals of anc.attrs.values()) for (const c of objsOf(vals)) if (c === o) return true;
    return false;
  }

  /**
   * Whether a forward pass of `obj` by `call` here is inference, and why: under `no_grad` (or a
   * `@torch.no_grad()` function), in an evaluation function or through a predict-style wrapper
   * (`predict`), after the model's training in this body, or after loading weights in a body
   * that trains nothing. Null: not inference.
   */
  private inferenceKind(obj: Obj, call: CallExpr, ctx: Ctx, st: State, predict = false): InferenceKind | null {
    if (st.noGrad) return ctx.fn && gradOffByDecorators(ctx.fn.decorators) ? 'decorator' : 'no_grad';
    if ((ctx.evalNamed && !ctx.file.isTestFile) || predict) return 'eval-function';
    if (st.trained.has(obj) && call.span.start > lastStep(ctx) && ctx.loops.length === 0) return 'after-training';
    // (Weights loaded on this path, or by the constructor: `if pretrained: self.load_state_dict(...)`.)
    if (ctx.stepOffsets.length === 0 && (st.weighted.has(obj) || !!obj.weightsLoaded) && !ctx.file.isTestFile && !(ctx.summary && ctx.fn)) return 'load-and-predict';
    return null;
  }

  /**
   * @param forward - when `site` calls a function that runs the forward pass: where, and the
   *   mode there (the function may set it: `model.train(training)`).
   */
  private noteInference(obj: Obj, recvExpr: Expr, kind: InferenceKind, ctx: Ctx, st: State, site: Site, forward?: { at: Site; mode: ModeInfo }): void {
    // A `no_grad` forward of a module that the same loop trains, whose output another module
    // takes outside `no_grad` (a GAN's generator making fakes for the discriminator's step) is
    // part of training, not inference.
    if (kind === 'no_grad' && this.feedsTraining(ctx, st, exprName(recvExpr))) return;
    const fact: InferenceFact = {
      site, obj, mode: forward?.mode ?? this.modeOf(st, obj), kind, via: [], fn: ctx.fn,
      insertBefore: fixAnchor(ctx, exprName(recvExpr), site.span.start), receiver: exprName(recvExpr) ?? 'model',
      trainsAfter: lastStep(ctx) > site.span.start || ctx.loops.some((l) => l.span.start <= lastStep(ctx) && lastStep(ctx) < l.span.end),
      fresh: !st.weighted.has(obj) && !obj.weightsLoaded,
      ...(forward ? { forwardAt: forward.at } : {}),
      ...(st.noGrad && (kind === 'no_grad' || kind === 'decorator') ? { gradOff: st.noGrad } : {}),
    };
    this.emitInference(fact, ctx);
  }

  private emitInference(fact: InferenceFact, ctx: Ctx): void {
    if (fact.obj.kind === 'sym' || modesOf(fact.mode).has('entry')) {
      if (ctx.summary) {
        const list = ctx.summary.infer;
        const i = list.findIndex((f) => f.site.span.start === fact.site.span.start && f.site.file === fact.site.file && f.obj === fact.obj);
        if (i >= 0) list[i] = fact;
        else list.push(fact);
      }
      if (fact.obj.kind === 'sym') return;
    }
    const k = `${fact.site.file.path}:${fact.site.span.start}:${fact.obj.id}`;
    const prev = this.inference.get(k);
    this.inference.set(k, prev ? { ...fact, mode: joinInfo(prev.mode, fact.mode)!, via: prev.via.length ? prev.via : fact.via, fresh: prev.fresh && fact.fresh } : fact);
  }

  /**
   * Whether a model's call comes after its own training in the body being analyzed, outside
   * loops and gradient computations: a `fit`/`train_on_batch` of the same receiver before it
   * and none after it (a function that trains and then predicts: `await model.fit(...)`, then
   * `model(x, training=True)`); while a custom loop's calls stay training.
   */
  private afterLastTrainCall(call: CallExpr, ctx: Ctx): boolean {
    if (ctx.tape > 0 || ctx.loops.length > 0) return false;
    const receiver = exprName(call.fn);
    if (!receiver) return false;
    const body = ctx.fn ? ctx.fn.body : ctx.file.ir.body;
    let before = false;
    for (const c of callsIn(body)) {
      if (c.fn.k !== 'attr' || !/^(fit|fitDataset|train_on_batch|trainOnBatch)$/.test(c.fn.attr) || exprName(c.fn.obj) !== receiver) continue;
      if (c.span.end <= call.span.start) before = true;
      else return false;
    }
    return before;
  }

  /**
   * Whether the gradient computations around the current point train `obj`: some enclosing
   * `GradientTape` differentiates its variables, or one's sources are unknown. A teacher in
   * distillation, or a discriminator under the generator's tape, runs in inference mode there
   * and trains nothing (only the student's / generator's variables get gradients).
   */
  private trainedUnderTape(obj: Obj, ctx: Ctx, st: State): boolean {
    if (ctx.tapeSources.length === 0) return true;
    for (const sources of ctx.tapeSources) {
      if (sources === null) return true;
      for (const e of sources) {
        for (const root of objsOf(this.evalExpr(e, ctx, st))) if (root === obj || this.partOf(obj, root, new Set())) return true;
      }
    }
    return false;
  }

  /** `o` is `root` or one of its parts (symbolic attributes, sub-models, layers), transitively. */
  private partOf(o: Obj, root: Obj, seen: Set<Obj>): boolean {
    if (o === root) return true;
    if (seen.has(root) || seen.size > 2000) return false;
    seen.add(root);
    if (this.isDescendant(o, root)) return true;
    for (const c of root.children) if (this.partOf(o, c, seen)) return true;
    for (const vals of root.attrs.values()) for (const c of objsOf(vals)) if (this.partOf(o, c, seen)) return true;
    return false;
  }

  /**
   * See `noteInference`: the statement around the `no_grad` call assigns names that, in a loop
   * that trains and calls the receiver outside `no_grad` too, either a call of a module takes
   * outside `no_grad` (another network: `netD(fake)`), or reach a `.backward()` (through the
   * assignments of the loop body: MixMatch's guessed labels `p` → `targets_u` → `loss`, pseudo
   * labels, a self-distillation target). Inline validation (`print(model(val).mean())`,
   * accuracy kept for logging) feeds neither and stays a finding.
   */
  private feedsTraining(ctx: Ctx, st: State, receiver: string | undefined): boolean {
    let assigned: Set<string> | null = null;
    let from = 0;
    for (let k = ctx.stmts.length - 1; k >= 0 && !assigned; k--) {
      const s = ctx.stmts[k];
      if (s.k === 'assign') {
        assigned = new Set();
        from = s.span.end;
        for (const t of s.targets) targetNames(t, assigned);
      } else if (s.k === 'for' || s.k === 'while') break;
    }
    if (!assigned || assigned.size === 0) return false;
    const names = assigned;
    const mentions = (e: Expr): boolean => {
      let hit = false;
      forEachSubExpr(e, (x) => {
        if (x.k === 'name' && names.has(x.id)) hit = true;
      });
      return hit;
    };
    // Names computed from the assigned ones later in the loop body (to a fixed point; in the
    // same iteration, so a training step before an inline validation is not fed by it).
    const loop = innermostLoop(ctx);
    if (loop) {
      for (let grew = true; grew; ) {
        grew = false;
        someStmt(loop.body, (s) => {
          if (s.k === 'assign' && s.span.start >= from && s.value && mentions(s.value)) {
            for (const t of s.targets) {
              for (const n of targetNames(t)) {
                if (!names.has(n)) {
                  names.add(n);
                  grew = true;
                }
              }
            }
          }
          return false;
        });
      }
    }
    return trainedInSameLoop(ctx, receiver, (c) => {
      if (c.fn.k === 'attr' && c.fn.attr === 'backward') return c.span.start >= from && (mentions(c.fn.obj) || c.args.some(mentions));
      if (!c.args.some(mentions) && !c.kwargs.some((kw) => mentions(kw.value))) return false;
      const root = c.fn.k === 'name' ? c.fn.id : null;
      return !!root && objsOf(st.env.get(root) ?? this.lookup(root, ctx, st)).some(isModuleLike);
    });
  }

  /** Records an NL002 Keras/TensorFlow.js fact; on a symbolic object, in the summary (resolved at call sites). */
  private emitInferenceInTraining(fact: InferenceInTrainingFact, ctx: Ctx): void {
    if (fact.obj.kind === 'sym') {
      if (ctx.summary && !ctx.summary.inferTrain.some((f) => f.site.span.start === fact.site.span.start && f.site.file === fact.site.file && f.obj === fact.obj)) ctx.summary.inferTrain.push(fact);
      return;
    }
    const k = `${fact.site.file.path}:${fact.site.span.start}:${fact.obj.id}`;
    if (!this.inferenceInTraining.has(k)) this.inferenceInTraining.set(k, fact);
  }

  private noteTrainingStep(ctx: Ctx, st: State, site: Site): void {
    const accumulation = ctx.accumulation;
    const loopTop = ctx.loops[ctx.loops.length - 1];
    const fn = ctx.fn;
    const insertAt = loopTop ? loopTop.bodyAt : fn ? { get start() { return fn.bodyStart; } } : null;
    const loaders = ctx.loops.flatMap((l) => l.loaders);
    for (const obj of st.forwarded) {
      own(st, 'weighted').add(obj);
      own(st, 'trained').add(obj);
      const info = this.modeOf(st, obj);
      const fact: TrainStepFact = {
        site, obj, mode: info, via: [], fn: ctx.fn, insertAt, frozen: [...st.frozen.keys()].some((f) => f === obj || this.isDescendant(obj, f)), receiver: this.nameOf(obj, st) ?? 'model',
        lightning: ctx.lightningStep, accumulation, loaders,
      };
      this.emitStep(fact, ctx);
    }
    for (const [o, info] of st.modes) own(st, 'modes').set(o, { sources: info.sources, stepSinceSet: true });
    st.forwarded = NO_OBJS as Set<Obj>;
    st.own &= ~OWN.forwarded;
  }

  /** The source name of an object in this body (`model`, `self.model`), if it has one. */
  private nameOf(obj: Obj, st: State): string | undefined {
    for (const [n, vals] of st.env) if (vals.length === 1 && vals[0].t === 'obj' && vals[0].obj === obj) return n;
    const sym = obj.sym;
    if (!sym) return undefined;
    if (sym.parent) {
      const base = this.nameOf(sym.parent, st);
      if (base) return `${base}.${sym.path[sym.path.length - 1]}`;
    }
    return sym.root.startsWith('global:') ? [sym.root.slice(7), ...sym.path].join('.') : undefined;
  }

  /**
   * A DataLoader built in a function with one of its parameters as the batch size
   * (`def train_model(model, batch_size=1): ... DataLoader(ds, batch_size=batch_size)`, as in
   * milesial/Pytorch-UNet): each call that trains with it gives the argument, or the
   * parameter's default, as a batch size it has (the union over the calls). A call whose
   * argument is unknown makes the batch size unknown for good.
   */
  private bindLoaderBatchSize(l: Obj, def: FuncDef, file: ProjectFile, bound: ReadonlyMap<string, Val[]>): void {
    const lf = this.loaderByObj.get(l);
    if (!lf) return;
    let p = this.loaderParams.get(lf);
    if (!p) {
      const v = lf.batchSize;
      const o = v.length === 1 && v[0].t === 'obj' ? v[0].obj : null;
      if (!o || o.kind !== 'sym' || !o.sym || !o.sym.root.startsWith('param:') || o.sym.path.length > 0) return;
      p = { sym: o, vals: [] };
      this.loaderParams.set(lf, p);
    }
    const root = p.sym.sym!.root;
    if (p.vals === null || this.symMemo.get(`${file.path}:${def.span.start}|${root}|`) !== p.sym) return;
    const param = def.params[Number(root.slice('param:'.length))];
    const v = bound.get(root) ?? (param?.default ? this.evalIn(param.default, file) : undefined);
    if (!v || v.length === 0 || v.some((x) => x.t !== 'const')) {
      p.vals = null;
      lf.batchSize = [];
      return;
    }
    p.vals = union(p.vals, v);
    lf.batchSize = p.vals;
  }

  private emitStep(fact: TrainStepFact, ctx: Ctx): void {
    const symbolic = fact.obj.kind === 'sym' || modesOf(fact.mode).has('entry') || fact.loaders.some((l) => l.kind === 'sym');
    if (symbolic && ctx.summary) {
      const list = ctx.summary.steps;
      const i = list.findIndex((f) => f.site.span.start === fact.site.span.start && f.site.file === fact.site.file && f.obj === fact.obj);
      if (i >= 0) list[i] = fact;
      else list.push(fact);
    }
    if (fact.obj.kind === 'sym') return;
    for (const l of fact.loaders) {
      const lf = this.loaderByObj.get(l);
      if (lf) {
        lf.trains.add(fact.obj);
        lf.accumulation ||= fact.accumulation;
      }
    }
    const k = `${fact.site.file.path}:${fact.site.span.start}:${fact.obj.id}`;
    const prev = this.steps.get(k);
    this.steps.set(k, prev ? { ...fact, mode: joinInfo(prev.mode, fact.mode)!, via: prev.via.length ? prev.via : fact.via } : fact);
  }

  /** Records that `obj`'s parameters are frozen (requires_grad=False) from here on. */
  private freeze(st: State, obj: Obj, site: Site): void {
    own(st, 'frozen').set(obj, site);
    own(st, 'frozenAll').add(obj);
  }

  private noteTrainCall(obj: Obj, call: CallExpr, ctx: Ctx, st: State, site: Site): void {
    const stmt = ctx.topStmt;
    const receiver = call.fn.k === 'attr' ? exprName(call.fn.obj) ?? 'model' : 'model';
    if (bnEvalFollows(ctx.fn ? ctx.fn.body : ctx.file.ir.body, call.span.end, receiver)) return;
    if (obj.kind === 'sym' && ctx.summary) {
      ctx.summary.frozenTrains.push({ obj, site, stmtSpan: stmt?.span ?? call.span, receiver });
      return;
    }
    this.checkFrozenTrain(obj, st, site, stmt?.span ?? call.span, receiver, []);
  }

  private checkFrozenTrain(obj: Obj, st: State, site: Site, stmtSpan: Span, receiver: string, via: Site[]): void {
    for (const [frozen, at] of st.frozen) {
      if (!st.frozenAll.has(frozen)) continue;
      if (frozen !== obj && !this.isDescendant(frozen, obj)) continue;
      if (!this.carriesBatchNorm(frozen)) continue;
      if (obj.kind === 'instance' && obj.cls && this.overridesTrainForBn(obj.cls)) continue;
      const k = `${site.file.path}:${site.span.start}`;
      if (!this.frozenTrains.has(k)) this.frozenTrains.set(k, { site, obj, frozen, frozenAt: at, via, stmtSpan, receiver, frozenPath: this.attrPath(frozen, obj) });
    }
  }

  /** A class whose `train()` override puts BatchNorm back into eval mode (mmdet's `norm_eval`). */
  private overridesTrainForBn(cls: ClassRef): boolean {
    const m = this.findMethod(cls, 'train');
    return !!m && setsParamEval(m.def);
  }

  private noteDdp(obj: Obj, call: CallExpr, ctx: Ctx, st: State, site: Site): void {
    const arg = call.args[0] ?? call.kwargs.find((kw) => kw.name === 'module')?.value;
    const fact: DdpFact = {
      site, call, obj, converted: st.converted.has(obj), convertedAfter: null,
      // The statement itself (not `topStmt`): a wrap under `if args.distributed:` is converted there only.
      stmtSpan: ctx.stmts[ctx.stmts.length - 1]?.span ?? call.span, argText: arg && isNameChain(arg) ? exprName(arg) ?? '' : '', argSpan: arg?.span ?? null,
    };
    // A parameter (or global) wrapped in a helper: the wrap happens at each call, to the caller's object.
    if (obj.kind === 'sym' && ctx.summary) {
      if (!ctx.summary.ddp.some((f) => f.obj === obj && f.site.span.start === site.span.start)) ctx.summary.ddp.push(fact);
      return;
    }
    this.addDdp(fact);
  }

  private addDdp(fact: DdpFact): void {
    const k = `${fact.site.file.path}:${fact.site.span.start}:${fact.obj.id}`;
    if (!this.ddp.has(k)) this.ddp.set(k, fact);
  }

  // ---------------------------------------------------------------------------------------
  // Summaries

  private summaryOf(file: ProjectFile, def: FuncDef, cls: ClassRef | null): Summary | null {
    const memo = this.summaries.get(def);
    if (memo === 'pending') return null;
    if (memo) return memo;
    this.summaries.set(def, 'pending');
    // Module constructors build; they do not run models (and are the bulk of a model zoo).
    const constructor = def.name === '__init__' && !!cls && this.isModuleClass(cls);
    if (constructor || !this.isModeRelevant(def.body, file, cls, def)) {
      const empty = emptySummary();
      this.summaries.set(def, empty);
      return empty;
    }
    const summary: Summary = {
      infer: [], steps: [], inferTrain: [], frozenTrains: [], exit: new Map(), freezes: [], weighted: new Set(), converted: new Set(), hasStep: false, returns: [], ddp: [], plainCalls: [], forwards: [],
    };
    const ctx = this.newCtx(file, 'flow', def, cls, 0, `flow:${file.path}:${def.span.start}`);
    ctx.summary = summary;
    const fnName = heuristicName(def, file);
    ctx.evalNamed = EVAL_FN_NAME.test(fnName);
    ctx.kerasEvalNamed = ctx.evalNamed || KERAS_EVAL_FN_NAME.test(fnName);
    ctx.kerasTrains = trainsByHand(def.body);
    ctx.lightningStep = !!cls && /^(training_step|training_epoch_end|on_train_\w+)$/.test(def.name) && this.isLightningClass(cls);
    const st = this.newState();
    st.noGrad = gradOffByDecorators(def.decorators);
    const fk = this.fnKey(ctx);
    const isMethod = !!cls && !def.decorators.some((d) => /^(staticmethod|classmethod)$/.test(exprName(d) ?? ''));
    def.params.forEach((p, i) => {
      if (p.kind === 'varargs' || p.kind === 'kwargs') return;
      const s = this.sym(fk, `param:${i}`, []);
      // `self` of a method: its class is known, so `self.other_method()` resolves.
      if (i === 0 && isMethod) s.cls = cls!;
      st.env.set(p.name, [{ t: 'obj', obj: s }]);
    });
    this.scanSteps(def.body, ctx);
    const exited = this.execBlock(def.body, ctx, st);
    const exits = exited ? ctx.exitStates : [...ctx.exitStates, st];
    if (exits.length > 0) assignState(st, exits.reduce((a, b) => joinState(a, b)));
    // Effects on symbolic objects, and on objects created here and returned (the caller sees
    // them as its own construction-purpose objects of the same creation site).
    const returned = new Set(objsOf(ctx.returns));
    const visible = (o: Obj): boolean => o.kind === 'sym' || returned.has(o);
    for (const [o, info] of st.modes) if (o.kind === 'sym') summary.exit.set(o, info);
    for (const [o, at] of st.frozen) if (visible(o)) summary.freezes.push({ obj: o, site: at });
    for (const o of st.weighted) if (visible(o)) summary.weighted.add(o);
    for (const o of st.converted) if (visible(o)) summary.converted.add(o);
    summary.hasStep = ctx.stepOffsets.length > 0;
    for (const v of ctx.returns) if (v.t === 'obj') summary.returns.push({ obj: v.obj, mode: this.modeOf(st, v.obj) });
    this.summaries.set(def, summary);
    return summary;
  }

  /** Precomputes where the last training step of a body is (for "after training finished"). */
  private scanSteps(body: Stmt[], ctx: Ctx): void {
    for (const c of callsIn(body)) {
      if ((c.fn.k === 'attr' && (c.fn.attr === 'backward' || (c.fn.attr === 'step' && this.isOptimizerLike(c.fn, [])))) || this.isCallToStepper(c, ctx)) {
        ctx.stepOffsets.push(c.span.start);
      }
    }
    ctx.accumulation = hasAccumulation(body);
  }

  /** Does this call run a project function whose summary has a training step? */
  private isCallToStepper(c: CallExpr, ctx: Ctx): boolean {
    return this.calleeOf(c, ctx.file, ctx.cls, ctx.fn).some((v) => {
      if (v.t !== 'fn') return false;
      const file = v.cls?.file ?? this.fileOfFunction(v.def);
      return !!file && !!this.summaryOf(file, v.def, v.cls ?? null)?.hasStep;
    });
  }

  /**
   * What a call's callee names, read from the syntax without evaluating the body it sits in:
   * a function-local or module-level import, a project function or class, `self.method()`
   * inside a method of `cls`, or a dotted path through a module (`models.build`, `nn.Conv2d`).
   * Used by the cheap pre-passes (`isModeRelevant`, `mayBuild`, step scanning); empty when
   * unknown.
   */
  private calleeOf(c: CallExpr, file: ProjectFile, cls: ClassRef | null, def: FuncDef | null): Val[] {
    const name = exprName(c.fn);
    if (!name) return [];
    const [head, ...rest] = name.split('.');
    if (rest.length === 1 && cls && def && head === def.params[0]?.name) {
      const m = this.findMethod(cls, rest[0]);
      return m ? [{ t: 'fn', file: m.cls.file, def: m.def, cls: m.cls }] : [];
    }
    // A function-local import binds like a module-level one (a project module too:
    // `import models.wideresnet as models` inside FixMatch's `create_model()`).
    const local = def ? localImportsOf(def).get(head) : undefined;
    let vals = local ? this.resolveBinding(file, { k: 'import', imp: local }, new Set()) : this.resolveGlobal(file, head);
    for (const attr of rest) {
      const next: Val[] = [];
      for (const v of vals) {
        if (v.t === 'ext') next.push({ t: 'ext', q: canonicalTorchName(`${v.q}.${attr}`) });
        else if (v.t === 'mod') next.push(...this.resolveGlobal(v.file, attr));
      }
      vals = next;
    }
    return vals;
  }

  private applySummary(f: Extract<Val, { t: 'fn' }>, args: Val[][], kw: ReadonlyMap<string, Val[]>, ctx: Ctx, st: State, site: Site, ret: Val[], call?: CallExpr): Val[] {
    const file = f.cls?.file ?? this.fileOfFunction(f.def);
    if (!file) return ret;
    const s = this.summaryOf(file, f.def, f.cls ?? null);
    if (!s) return ret;
    if (s.hasStep) {
      for (const [o, info] of st.modes) own(st, 'modes').set(o, { sources: info.sources, stepSinceSet: true });
    }
    // Map each symbolic root of the callee to the caller's values.
    const bound = new Map<string, Val[]>();
    f.def.params.forEach((p, i) => {
      let v: Val[] | undefined;
      if (p.kind !== 'kwonly' && i < args.length) v = args[i];
      else if (kw.has(p.name)) v = kw.get(p.name);
      if (v) bound.set(`param:${i}`, v);
    });
    const retBySite = new Map<string, Obj[]>();
    for (const o of objsOf(ret)) if (o.site) {
      const k = `${o.site.file.path}:${o.site.span.start}`;
      retBySite.set(k, [...(retBySite.get(k) ?? []), o]);
    }
    const resolveSym = (o: Obj): Obj[] => {
      if (o.kind !== 'sym' || !o.sym) return (o.site && retBySite.get(`${o.site.file.path}:${o.site.span.start}`)) || [o];
      let base: Val[];
      if (o.sym.root.startsWith('global:')) base = this.lookup(o.sym.root.slice(7), ctx, st);
      else base = bound.get(o.sym.root) ?? [];
      let objs = objsOf(base);
      for (const a of o.sym.path) {
        const next: Obj[] = [];
        for (const b of objs) {
          if (b.kind === 'sym' && b.sym) next.push(this.sym(this.fnKey(ctx), b.sym.root, [...b.sym.path, a], b));
          else if (a === 'module') next.push(b);
          else for (const x of objsOf(b.attrs.get(a) ?? [])) next.push(x);
        }
        objs = next;
      }
      return objs;
    };
    const subst = (info: ModeInfo, target: Obj): ModeInfo => {
      if (!info.sources.some((x) => x.mode === 'entry')) return info;
      const callerInfo = this.modeOf(st, target);
      const rest = { sources: info.sources.filter((x) => x.mode !== 'entry'), stepSinceSet: info.stepSinceSet };
      return joinInfo(rest.sources.length ? rest : undefined, { ...callerInfo, stepSinceSet: callerInfo.stepSinceSet || info.stepSinceSet })!;
    };
    for (const o of s.weighted) for (const target of resolveSym(o)) own(st, 'weighted').add(target);
    for (const fact of s.infer) {
      for (const target of resolveSym(fact.obj)) {
        const fresh = fact.fresh && !st.weighted.has(target) && !target.weightsLoaded;
        this.emitInference({ ...fact, obj: target, mode: subst(fact.mode, target), via: [...fact.via, site], fresh }, ctx);
      }
    }
    // The callee's plain forward passes of a parameter, where this call is itself inference
    // (`with torch.no_grad(): acc = compute_accuracy(model, loader)`): reported at this call,
    // named as the caller passes the model, with the forward pass as related location.
    if (call && !s.hasStep && ctx.purpose === 'flow') {
      for (const fwd of s.forwards) {
        const root = fwd.obj.sym && fwd.obj.sym.path.length === 0 && /^param:\d+$/.test(fwd.obj.sym.root) ? Number(fwd.obj.sym.root.slice(6)) : -1;
        if (root < 0) continue;
        const param = f.def.params[root];
        const offset = f.self || (f.cls && f.def.decorators.some((d) => exprName(d) === 'classmethod')) ? 1 : 0;
        const argExpr = param && param.kind !== 'kwonly' && root - offset >= 0 && root - offset < call.args.length ? call.args[root - offset] : param ? call.kwargs.find((k) => k.name === param.name)?.value : undefined;
        if (!argExpr || argExpr.k === 'star' || !exprName(argExpr)) continue;
        for (const target of resolveSym(fwd.obj)) {
          if (target.kind === 'sym' || !isModuleLike(target)) continue;
          const kind = this.inferenceKind(target, call, ctx, st);
          if (kind) this.noteInference(target, argExpr, kind, ctx, st, site, { at: fwd.site, mode: subst(fwd.mode, target) });
        }
      }
    }
    for (const fact of s.inferTrain) {
      for (const target of resolveSym(fact.obj)) {
        if (target.kind !== 'sym' && !this.isKeras(target)) continue;
        // (A tape in the caller around this call may differentiate other models only.)
        if (ctx.tape > 0 && !this.trainedUnderTape(target, ctx, st)) continue;
        if (this.ownTrainingFlag(target, fact.call)) continue;
        const flagName = this.ownFlagName(target);
        this.emitInferenceInTraining({ ...fact, obj: target, via: [...fact.via, site], ...(flagName ? { flagName } : {}) }, ctx);
      }
    }
    // A helper's plain model calls, made under the caller's tape (or, from a helper outside
    // one, passed on to that helper's callers).
    for (const fact of s.plainCalls) {
      for (const target of resolveSym(fact.obj)) {
        const moved = { ...fact, obj: target, via: [...fact.via, site] };
        if (ctx.tape > 0 && (target.kind === 'sym' || this.isKeras(target))) {
          if (this.trainedUnderTape(target, ctx, st)) this.emitInferenceInTraining(moved, ctx);
        }
        else if (ctx.tape === 0 && target.kind === 'sym' && ctx.summary && !ctx.summary.plainCalls.some((f) => f.obj === target && f.site.span.start === fact.site.span.start)) {
          ctx.summary.plainCalls.push(moved);
        }
      }
    }
    for (const fact of s.steps) {
      for (const target of resolveSym(fact.obj)) {
        if (fact.keras && target.kind !== 'sym' && !this.isKeras(target)) continue;
        const loaders = fact.loaders.flatMap((l) => resolveSym(l));
        for (const l of loaders) this.bindLoaderBatchSize(l, f.def, file, bound);
        const frozen = fact.frozen || [...st.frozen.keys()].some((f) => f === target || this.isDescendant(target, f));
        this.emitStep({ ...fact, obj: target, mode: subst(fact.mode, target), via: [...fact.via, site], loaders, frozen }, ctx);
        own(st, 'trained').add(target);
        own(st, 'weighted').add(target);
      }
    }
    for (const fz of s.freezes) for (const target of resolveSym(fz.obj)) this.freeze(st, target, fz.site);
    for (const d of s.ddp) {
      for (const target of resolveSym(d.obj)) {
        const fact: DdpFact = { ...d, obj: target, converted: d.converted || st.converted.has(target), via: [...(d.via ?? []), site] };
        if (target.kind === 'sym' && ctx.summary) ctx.summary.ddp.push(fact);
        else this.addDdp(fact);
      }
    }
    for (const o of s.converted) for (const target of resolveSym(o)) own(st, 'converted').add(target);
    for (const ft of s.frozenTrains) {
      for (const target of resolveSym(ft.obj)) {
        if (target.kind === 'sym') ctx.summary?.frozenTrains.push({ ...ft, obj: target });
        else this.checkFrozenTrain(target, st, ft.site, ft.stmtSpan, ft.receiver, [site]);
      }
    }
    for (const [o, info] of s.exit) {
      for (const target of resolveSym(o)) own(st, 'modes').set(target, subst(info, target));
    }
    // Returned objects carry the mode the callee left them in.
    for (const r of s.returns) {
      if (r.obj.kind === 'sym') continue;
      for (const v of ret) if (v.t === 'obj' && v.obj.site && r.obj.site && v.obj.site.span.start === r.obj.site.span.start && v.obj.site.file === r.obj.site.file) {
        this.setMode(st, v.obj, r.mode);
      }
    }
    for (const v of ret) if (v.t === 'obj' && !st.modes.has(v.obj) && isModuleLike(v.obj)) this.setMode(st, v.obj, modeInfo('train', v.obj.site ?? site, 'construct'));
    // An optimizer built inside the callee over a parameter.
    return ret;
  }

  // ---------------------------------------------------------------------------------------
  // Statements

  /**
   * Can a body matter to mode analysis? Syntactically: it calls one of the mode-relevant
   * names (`eval`, `train`, `backward`, `no_grad`, `DataLoader`, ...), is an evaluation
   * function by name or decorator, or calls a project function that can. Bodies that cannot
   * get an empty summary without being analyzed (most of a model zoo is construction code).
   */
  private isModeRelevant(body: Stmt[], file: ProjectFile, cls: ClassRef | null, def: FuncDef | null): boolean {
    const key = def ?? body;
    const memo = this.relevantMemo.get(key);
    if (memo === 'pending') return false;
    if (memo !== undefined) return memo;
    this.relevantMemo.set(key, 'pending');
    let result = (!!def && (EVAL_FN_NAME.test(heuristicName(def, file)) || gradOffByDecorators(def.decorators) !== false || callsParameterModel(def, file))) ||
      assignsRequiresGrad(body) || hasForcedTrainingCall(body);
    const callees: CallExpr[] = [];
    if (!result) {
      for (const c of callsIn(body)) {
        const name = c.fn.k === 'attr' ? c.fn.attr : c.fn.k === 'name' ? c.fn.id : '';
        if (MODE_RELEVANT_CALLS.has(name)) {
          result = true;
          break;
        }
        callees.push(c);
      }
    }
    if (!result) {
      for (const c of callees) {
        for (const f of this.calleeOf(c, file, cls, def)) {
          // A project class whose constructor does something mode-relevant (loads weights:
          // `if pretrained: self.load_state_dict(...)`) makes its instantiation relevant.
          const init = f.t === 'cls' ? this.findMethod(f.cls, '__init__') : null;
          const g = f.t === 'fn' ? { def: f.def, cls: f.cls ?? null } : init ? { def: init.def, cls: init.cls } : null;
          if (!g) continue;
          const ff = g.cls?.file ?? this.fileOfFunction(g.def);
          if (ff && this.isModeRelevant(g.def.body, ff, g.cls, g.def)) {
            result = true;
            break;
          }
        }
        if (result) break;
      }
    }
    this.relevantMemo.set(key, result);
    return result;
  }

  /**
   * Can calling this function return something the rules track (a module, layer, loader,
   * optimizer, argparse namespace or config dict)? Syntactic and transitive through project
   * functions; a flow skips evaluating the return value of calls that cannot.
   */
  private mayBuild(def: FuncDef, file: ProjectFile | undefined): boolean {
    if (!file) return false;
    const memo = this.buildMemo.get(def);
    if (memo === 'pending') return false;
    if (memo !== undefined) return memo;
    this.buildMemo.set(def, 'pending');
    const returnsDict = (b: Stmt[]): boolean => b.some((s) => (s.k === 'return' && s.value?.k === 'dict') || (s.k === 'if' && (returnsDict(s.body) || returnsDict(s.orelse))));
    let result = returnsDict(def.body);
    for (const c of callsIn(def.body)) {
      if (result) break;
      const name = exprName(c.fn);
      if (!name) continue;
      const last = name.slice(name.lastIndexOf('.') + 1);
      if (LAYER_NAMES.has(last) || BUILD_CALLS.has(last)) {
        result = true;
        break;
      }
      for (const v of this.calleeOf(c, file, null, def)) {
        if (v.t === 'cls' && this.isModuleClass(v.cls)) result = true;
        else if (v.t === 'ext') result = buildsTracked(v.q);
        else if (v.t === 'fn') result = this.mayBuild(v.def, v.cls?.file ?? this.fileOfFunction(v.def));
        if (result) break;
      }
    }
    this.buildMemo.set(def, result);
    return result;
  }

  private analyzeModuleBody(file: ProjectFile): void {
    if (!this.isModeRelevant(file.ir.body, file, null, null)) return;
    const ctx = this.newCtx(file, 'flow', null, null, 0, `flow:${file.path}`);
    const st = this.newState();
    this.scanSteps(file.ir.body, ctx);
    ctx.kerasTrains = trainsByHand(file.ir.body, false);
    this.execBlock(file.ir.body, ctx, st);
  }

  /**
   * Executes a block. Fix anchor (`ctx.topStmt`): the outermost statement around the current
   * point that contains no training step, so `model.eval()` goes before the whole
   * `with torch.no_grad():` block or evaluation loop, but inside an epoch loop that trains.
   */
  execBlock(body: Stmt[], ctx: Ctx, st: State): boolean {
    for (const s of body) {
      if (++this.steps_ > MAX_STEPS) return false;
      const outer = ctx.topStmt;
      if (!outer || ctx.stepOffsets.some((o) => o >= outer.span.start && o < outer.span.end)) ctx.topStmt = s;
      ctx.stmts.push(s);
      const exited = this.execStmt(s, ctx, st);
      ctx.stmts.pop();
      if (ctx.layerInputs) this.settleLayerInputs(ctx, st);
      ctx.topStmt = outer;
      if (exited) return true;
      if (s.k === 'simple' && (s.kind === 'break' || s.kind === 'continue')) break;
    }
    return false;
  }

  /**
   * Executes one statement; returns true when it leaves the function on every path (`return`,
   * `raise`), so a branch that returned does not flow into the code after an `if`.
   */
  private execStmt(s: Stmt, ctx: Ctx, st: State): boolean {
    switch (s.k) {
      case 'expr':
        this.evalExpr(s.value, ctx, st);
        break;
      case 'assign': {
        if (!s.value) break;
        if (s.op) {
          // `layers += [...]`
          const cur = s.targets[0];
          const add = this.evalExpr(s.value, ctx, st);
          if (cur.k === 'name') {
            const old = this.lookup(cur.id, ctx, st);
            const seqs = old.filter((v): v is SeqVal => v.t === 'seq');
            const addSeqs = add.filter((v): v is SeqVal => v.t === 'seq');
            if (s.op === '+=' && seqs.length === 1 && addSeqs.length === 1) {
              seqs[0].items.push(...addSeqs[0].items);
              this.recordSequence(seqs[0].items.slice(-addSeqs[0].items.length - 1), ctx, null);
            } else {
              const l = constOf(old);
              const r = constOf(add);
              const v = typeof l === 'number' && typeof r === 'number' ? arith(s.op.slice(0, -1), l, r) : undefined;
              st.env.set(cur.id, v === undefined ? [] : [{ t: 'const', v }]);
            }
          }
          break;
        }
        const v = this.evalExpr(s.value, ctx, st);
        for (const t of s.targets) this.assign(t, v, ctx, st);
        break;
      }
      case 'if': {
        const test = hardConstOf(this.evalExpr(s.test, ctx, st));
        if (test !== undefined && !isMainGuard(s.test)) {
          return this.execBlock(truthy(test) ? s.body : s.orelse, ctx, st);
        }
        const a = cloneState(st);
        const b = cloneState(st);
        const ea = this.execBlock(s.body, ctx, a);
        const eb = this.execBlock(s.orelse, ctx, b);
        if (ea && eb) return true;
        assignState(st, ea ? b : eb ? a : joinState(a, b));
        break;
      }
      case 'for':
      case 'while': {
        const iter = s.k === 'for' ? this.evalExpr(s.iter, ctx, st) : (this.evalExpr(s.test, ctx, st), []);
        const loaders = objsOf(iter).filter((o) => o.kind === 'loader' || o.kind === 'sym');
        const first = s.body[0];
        const loop = { span: s.span, bodyAt: first ? first.span : s.span, loaders };
        ctx.loops.push(loop);
        ctx.loopIds.push(++this.loopCounter);
        if (s.k === 'for') this.bindLoopTarget(s.target, iter, ctx, st);
        // modules() loop that sets BatchNorm layers to eval.
        if (s.k === 'for' && ctx.purpose === 'flow') {
          const mods = objsOf(iter).filter((o) => o.q === 'modules-of');
          if (mods.length > 0 && bodyCallsEvalOn(s.body, s.target)) {
            for (const m of mods) for (const o of m.children) this.setMode(st, o, modeInfo('bneval', { file: ctx.file, span: s.span }, 'explicit'));
          }
          const params = objsOf(iter).filter((o) => o.q === 'parameters-of');
          if (params.length > 0 && bodyFreezes(s.body, s.target)) {
            for (const p of params) for (const o of p.children) this.freeze(st, o, { file: ctx.file, span: s.span });
          }
        }
        // `for phase in ["train", "val"]:` (the PyTorch transfer-learning tutorial): each value in
        // turn, so `if phase == "train":` tests decide the same way all through the body.
        const loopVar = s.k === 'for' && s.target.k === 'name' ? s.target.id : null;
        const unrolled = s.k === 'for' && loopVar !== null ? literalItems(s.iter) : null;
        if (unrolled && loopVar !== null && !hasBreak(s.body)) {
          for (const item of unrolled) {
            st.env.set(loopVar, [{ t: 'const', v: item }]);
            this.execBlock(s.body, ctx, st);
          }
          ctx.loops.pop();
          ctx.loopIds.pop();
          this.execBlock(s.orelse, ctx, st);
          break;
        }
        let head = cloneState(st);
        for (let i = 0; i < MAX_LOOP_ITERATIONS; i++) {
          const body = cloneState(head);
          this.execBlock(s.body, ctx, body);
          const next = joinState(head, body);
          if (sameState(next, head)) {
            head = next;
            break;
          }
          head = next;
        }
        // A loop known to run at least once (`range(10)`, a literal list) leaves the state of
        // the end of some iteration, not the state before it: after
        // `for epoch in range(10): model.train(); ...; model.eval()` the model is in eval mode.
        if (s.k === 'for' && runsAtLeastOnce(s.iter) && !hasBreak(s.body)) {
          const last = cloneState(head);
          this.execBlock(s.body, ctx, last);
          head = last;
        }
        ctx.loops.pop();
        ctx.loopIds.pop();
        this.execBlock(s.orelse, ctx, head);
        assignState(st, head);
        break;
      }
      case 'with': {
        const prev = st.noGrad;
        let tape = 0;
        const enclosing = ctx.fn ? ctx.fn.body : ctx.file.ir.body;
        for (const item of s.items) {
          const v = this.evalExpr(item.ctx, ctx, st);
          const off = gradOffContext(item.ctx, v);
          if (off) st.noGrad = off;
          if (item.ctx.k === 'call' && /(^|\.)GradientTape$/.test(exprName(item.ctx.fn) ?? '') && !attributionTape(s, item, enclosing)) {
            tape++;
            ctx.tapeSources.push(tapeSources(item, enclosing, s.span.start));
          }
          if (item.as) this.assign(item.as, v.filter((x) => x.t === 'obj'), ctx, st);
        }
        ctx.tape += tape;
        const exited = this.execBlock(s.body, ctx, st);
        ctx.tape -= tape;
        ctx.tapeSources.length -= tape;
        st.noGrad = prev;
        return exited;
      }
      case 'try': {
        this.execBlock(s.body, ctx, st);
        for (const h of s.handlers) {
          const hs = cloneState(st);
          this.execBlock(h.body, ctx, hs);
          assignState(st, joinState(st, hs));
        }
        this.execBlock(s.orelse, ctx, st);
        this.execBlock(s.finalbody, ctx, st);
        break;
      }
      case 'return':
        if (s.value) {
          // In a flow summary, `return build(...)` needs the callee's effects but not the object
          // it builds: a caller that uses the result evaluates the construction itself.
          const lazy = ctx.purpose === 'flow' && !!ctx.fn && s.value.k === 'call';
          ctx.skipConstruct = lazy;
          ctx.returns = union(ctx.returns, this.evalExpr(s.value, ctx, st));
          ctx.skipConstruct = false;
        }
        ctx.exitStates.push(cloneState(st));
        return true;
      case 'func':
        st.env.set(s.def.name, [{ t: 'fn', file: ctx.file, def: s.def }]);
        break;
      case 'class':
        st.env.set(s.def.name, [{ t: 'cls', cls: { file: ctx.file, def: s.def } }]);
        break;
      case 'import': {
        // Function-local imports bind like module-level ones.
        const imp = s.imp;
        if (ctx.fn && imp.name !== '*') {
          const bound = imp.asname ?? (imp.name !== null ? imp.name : imp.module.split('.')[0]);
          st.env.set(bound, this.resolveBinding(ctx.file, { k: 'import', imp }, new Set()));
        }
        break;
      }
      case 'simple':
        for (const e of s.exprs) this.evalExpr(e, ctx, st);
        return s.kind === 'raise';
      case 'block': {
        for (const e of s.exprs) this.evalExpr(e, ctx, st);
        let acc: State | null = null;
        for (const b of s.bodies) {
          const bs = cloneState(st);
          if (!this.execBlock(b, ctx, bs)) acc = acc ? joinState(acc, bs) : bs;
        }
        if (acc) assignState(st, joinState(st, acc));
        break;
      }
    }
    return false;
  }

  private bindLoopTarget(target: Expr, iter: Val[], ctx: Ctx, st: State): void {
    let elem: Val[] = [];
    for (const v of iter) {
      if (v.t === 'seq') for (const it of v.items) elem = union(elem, it);
      if (v.t === 'obj' && v.obj.kind === 'layer' && v.obj.children.length) elem = union(elem, v.obj.children.map((c) => ({ t: 'obj', obj: c }) as Val));
    }
    this.assign(target, elem, ctx, st);
  }

  private assign(t: Expr, v: Val[], ctx: Ctx, st: State): void {
    switch (t.k) {
      case 'name':
        st.env.set(t.id, v);
        break;
      case 'attr': {
        const owners = objsOf(this.evalExpr(t.obj, ctx, st));
        if (t.attr === 'trainable' && hardConstOf(v) === false) {
          // Keras freezing (`base_model.trainable = False`): NL008 wants `training=False` on its calls.
          for (const o of owners) if (o.kind !== 'sym' && this.isKeras(o) && !this.kerasFrozen.has(o)) this.kerasFrozen.set(o, { site: { file: ctx.file, span: t.span }, fn: ctx.fn });
        }
        for (const o of owners) {
          if (o.kind === 'sym' && ctx.purpose === 'flow') continue;
          this.noteShared(o, 'an object created at module scope is changed by the edited definitions');
          const prev = o.attrs.get(t.attr);
          o.attrs.set(t.attr, ctx.purpose === 'construct' && prev && ctx.fn?.name !== '__init__' ? union(prev, v) : v);
        }
        // `p.requires_grad = False` inside a parameters() loop is handled by the loop.
        break;
      }
      case 'tuple':
      case 'list': {
        const seqs = v.filter((x): x is SeqVal => x.t === 'seq');
        t.elts.forEach((el, i) => {
          let ev: Val[] = [];
          if (seqs.length === 1 && el.k !== 'star') ev = seqs[0].items[i] ?? [];
          else if (v.some((x) => x.t === 'tensor')) ev = v.filter((x) => x.t === 'tensor');
          else if (v.some((x) => x.t === 'obj') && el.k !== 'star') ev = i === 0 ? [] : [];
          this.assign(el.k === 'star' ? el.value : el, ev, ctx, st);
        });
        break;
      }
      case 'subscript': {
        this.evalExpr(t.obj, ctx, st);
        break;
      }
      default:
        break;
    }
  }
}

// -----------------------------------------------------------------------------------------
// Helpers

/** `model.children()`/`modules()` (`modules-of`), or a slice of them (`modules-slice-of`). */
function isSubmodules(o: Obj): boolean {
  return o.q === 'modules-of' || o.q === 'modules-slice-of';
}

/**
 * A slice of a module's submodules that keeps the first ones, where a network's stem is
 * (`[:-2]`, `[:-1]`, `[:6]`, `[:]`; torchvision's classification models keep BatchNorm there and
 * put the classifier last): no start, and a stop that is negative or at least 2.
 */
function keepsStem(index: Expr): boolean {
  if (index.k !== 'other' || index.kind !== 'slice') return false;
  const [first] = index.parts;
  if (!first) return true;
  if (first.span.start === index.span.start) return false;
  const stop = first.k === 'unary' && first.op === '-' && first.operand.k === 'num' ? -first.operand.value : first.k === 'num' ? first.value : null;
  return stop !== null && (stop < 0 || stop >= 2);
}

/**
 * A DataLoader `collate_fn` that does not stack examples into one batch dimension: a project
 * function that merges them into one item (DGL's `dgl.batch` of graphs, PyG's
 * `Batch.from_data_list`, a `torch.cat` of variable-size parts) and stacks nothing, so the rows
 * a BatchNorm sees are nodes or points, not examples. A collate that stacks (`torch.stack`,
 * `default_collate`, `pad_sequence`), a lambda or an unknown one keeps the batch of examples.
 */
function customCollate(vals: Val[] | undefined): boolean {
  if (!vals) return false;
  return vals.some((v) => {
    if (v.t !== 'fn') return false;
    const names = callsIn(v.def.body).map((c) => exprName(c.fn) ?? '');
    const stacks = names.some((n) => /(^|\.)(stack|default_collate|pad_sequence)$/.test(n));
    const merges = names.some((n) => /(^|\.)(batch|from_data_list|cat|concatenate)$/.test(n) && !/^self\./.test(n));
    return merges && !stacks;
  });
}

/** A Keras model's symbolic graph ends, as attributes (`base.output`, `model.inputs`). */
const KERAS_GRAPH_ENDS: ReadonlySet<string> = new Set(['input', 'inputs', 'output', 'outputs']);

/** Call names whose result the rules track (see `mayBuild`). */
const BUILD_CALLS = new Set([
  'DataLoader', 'ArgumentParser', 'parse_args', 'parse_known_args', 'create_model', 'deepcopy', 'load_from_checkpoint', 'Trainer', 'DistributedDataParallel', 'DataParallel', 'convert_sync_batchnorm',
  // Keras datasets
  'batch', 'padded_batch', 'from_tensor_slices', 'image_dataset_from_directory', 'text_dataset_from_directory', 'timeseries_dataset_from_array', 'flow', 'flow_from_directory',
]);

/** What {@link PyTorchModel.batchNormBase} knows of a project BatchNorm subclass. */
interface BatchNormBase {
  /** 1, 2 or 3 from the torch base (`BatchNorm1d`...), null for `_BatchNorm`/`SyncBatchNorm`. */
  dims: number | null;
  synced: boolean;
  tracked: boolean;
  /** Some class of the chain overrides `forward()`. */
  customForward: boolean;
}

/**
 * A BatchNorm subclass's `forward()` that still normalizes with batch statistics in training
 * mode: it calls `super().forward(...)` (or `super(Cls, self).forward(...)`), or a
 * `batch_norm(...)` function while reading `self.training` (timm's `BatchNormAct2d`).
 */
function forwardUsesBatchStats(def: FuncDef): boolean {
  let superForward = false;
  let batchNorm = false;
  let readsTraining = false;
  forEachExprInBody(def.body, (e) => forEachSubExpr(e, (x) => {
    if (x.k === 'attr' && x.attr === 'training' && x.obj.k === 'name' && x.obj.id === 'self') readsTraining = true;
    if (x.k !== 'call') return;
    if (x.fn.k === 'attr' && x.fn.attr === 'forward' && x.fn.obj.k === 'call' && x.fn.obj.fn.k === 'name' && x.fn.obj.fn.id === 'super') superForward = true;
    const name = exprName(x.fn);
    if (name && /(^|\.)batch_norm$/.test(name)) batchNorm = true;
  }));
  return superForward || (batchNorm && readsTraining);
}

/** An `__init__` whose `super().__init__(...)` passes `track_running_stats=False`. */
function passesUntracked(init: FuncDef): boolean {
  return callsIn(init.body).some(
    (c) => c.fn.k === 'attr' && c.fn.attr === '__init__' && c.kwargs.some((k) => k.name === 'track_running_stats' && k.value.k === 'bool' && !k.value.value),
  );
}

/** External callables whose result the rules track (layers, models, loaders, optimizers, argparse, copies, loads). */
function buildsTracked(q: string): boolean {
  return !!torchLayer(q) || /^(torchvision\.models|timm|torch\.optim|torch\.utils\.data|argparse|keras|tensorflow\.data)\b/.test(q) || q === 'copy.deepcopy' || WHOLE_MODULE_LOADERS.has(q);
}

/** Names read by a call's arguments, per call node. */
const ARG_NAMES = new WeakMap<CallExpr, string[]>();

/**
 * The part of an environment a layer's constructor arguments can read: `argOf` evaluates those
 * argument expressions later (for the rules) in the environment of the creation, and an
 * expression only looks up the names it contains (calls into project functions run in their own
 * environments). Copying only those entries keeps layer creation cheap in large `__init__`s.
 */
function argEnv(call: CallExpr, env: Env): Env {
  let names = ARG_NAMES.get(call);
  if (!names) {
    const found = new Set<string>();
    const visit = (v: unknown): void => {
      if (v === null || typeof v !== 'object') return;
      if (Array.isArray(v)) {
        for (const x of v) visit(x);
        return;
      }
      const o = v as { k?: unknown; id?: unknown };
      if (o.k === 'name' && typeof o.id === 'string') found.add(o.id);
      for (const key in o) if (key !== 'span') visit((o as Record<string, unknown>)[key]);
    };
    visit(call.args);
    for (const k of call.kwargs) visit(k.value);
    visit(call.doubleStar);
    names = [...found];
    ARG_NAMES.set(call, names);
  }
  const out: Env = new Map();
  for (const n of names) {
    const v = env.get(n);
    if (v !== undefined) out.set(n, v);
  }
  return out;
}

const LOCAL_IMPORTS = new WeakMap<FuncDef, Map<string, ImportFact>>();

/**
 * Names a function binds with its own absolute imports (`from torchvision.models import
 * resnet18` inside `def main()`), as external values; cached per function.
 */
function localImportsOf(def: FuncDef): Map<string, ImportFact> {
  let out = LOCAL_IMPORTS.get(def);
  if (out) return out;
  const found = new Map<string, ImportFact>();
  const collect = (b: Stmt[]): void => {
    for (const st of b) {
      if (st.k === 'import' && st.imp.name !== '*') {
        found.set(st.imp.asname ?? (st.imp.name ?? st.imp.module.split('.')[0]), st.imp);
      } else if (st.k === 'if' || st.k === 'try' || st.k === 'with') collect(st.k === 'if' ? [...st.body, ...st.orelse] : st.body);
    }
  };
  collect(def.body);
  LOCAL_IMPORTS.set(def, (out = found));
  return out;
}

/** Offset of the last training step of the body being analyzed, or -1 when it has none. */
function lastStep(ctx: Ctx): number {
  let last = -1;
  for (const o of ctx.stepOffsets) if (o > last) last = o;
  return last;
}

/** Call names that can matter to mode analysis (see `isModeRelevant`). */
const MODE_RELEVANT_CALLS = new Set([
  'eval', 'train', 'backward', 'step', 'no_grad', 'inference_mode', 'set_grad_enabled', 'DataLoader', 'DistributedDataParallel', 'DDP',
  'convert_sync_batchnorm', 'convert_syncbn_model', 'requires_grad_', 'load_state_dict', 'load', 'export', 'trace', 'script',
  'dynamo_export', 'Trainer', 'fit', 'deepcopy', 'predict', 'load_from_checkpoint',
  // Keras and TensorFlow.js training steps (custom loops: NL002)
  'GradientTape', 'minimize', 'fitDataset', 'variableGrads', 'grads', 'grad', 'valueAndGrads', 'valueAndGrad',
]);

const LAYER_NAMES = new Set([...Object.keys(TORCH_LAYERS).map((q) => q.slice(q.lastIndexOf('.') + 1)), ...KERAS_LAYER_NAMES, 'Sequential', 'Model', 'Input']);

/** Does a body (syntactically) call a torch layer class or a `norm_layer`-style parameter? */
function constructsLayers(body: Stmt[]): boolean {
  return callsIn(body).some((c) => {
    const name = c.fn.k === 'attr' ? c.fn.attr : c.fn.k === 'name' ? c.fn.id : '';
    return LAYER_NAMES.has(name) || /norm/i.test(name);
  });
}

/** `if (i + 1) % accum_steps == 0: optimizer.step()`: gradient accumulation around the step. */
function hasAccumulation(body: Stmt[]): boolean {
  const hasMod = (e: Expr): boolean => {
    const stack: Expr[] = [e];
    while (stack.length) {
      const x = stack.pop()!;
      if (x.k === 'bin') {
        if (x.op === '%') return true;
        stack.push(x.left, x.right);
      } else if (x.k === 'compare') stack.push(...x.operands);
      else if (x.k === 'boolop') stack.push(x.left, x.right);
      else if (x.k === 'unary') stack.push(x.operand);
    }
    return false;
  };
  // (An optimizer's step: `scheduler.step()` every N iterations is not accumulation.)
  const optimizerStep = (c: CallExpr): boolean => c.fn.k === 'attr' && c.fn.attr === 'step' && !/sched|lr|warmup|swa|ema/i.test(exprName(c.fn.obj) ?? '');
  return someStmt(body, (s) => s.k === 'if' && hasMod(s.test) && callsIn(s.body).some(optimizerStep));
}

/** Does a body assign `x.requires_grad = ...` (freezing parameters)? */
function assignsRequiresGrad(body: Stmt[]): boolean {
  return someStmt(body, (s) => s.k === 'assign' && s.targets.some((t) => t.k === 'attr' && t.attr === 'requires_grad'));
}

function emptySummary(): Summary {
  return { infer: [], steps: [], inferTrain: [], frozenTrains: [], exit: new Map(), freezes: [], weighted: new Set(), converted: new Set(), hasStep: false, returns: [], ddp: [], plainCalls: [], forwards: [] };
}


/**
 * Names a star import from a framework module provides, as far as normlint knows them: layers
 * of the PyTorch and Keras tables, module and model bases, wrappers, `DataLoader`, the no-grad
 * contexts and `keras.Input`.
 */
function isFrameworkExport(q: string): boolean {
  return torchLayer(q) !== undefined || kerasLayer(q) !== undefined || MODULE_BASES.has(q) || KERAS_BASES.has(q) || MODULE_WRAPPERS.has(q) ||
    NO_GRAD_CONTEXTS.has(q) || q === DATALOADER || q === KERAS_INPUT;
}

/** The names of a module's `__all__` when it is one literal list or tuple of strings, else null. Memoized per file. */
const allMemo = new WeakMap<ProjectFile, ReadonlySet<string> | null>();
function literalAll(file: ProjectFile): ReadonlySet<string> | null {
  let names = allMemo.get(file);
  if (names !== undefined) return names;
  names = null;
  const binds = file.bindings.get('__all__');
  if (binds?.length === 1 && binds[0].k === 'assign') {
    const v = binds[0].value;
    if ((v.k === 'list' || v.k === 'tuple') && v.elts.every((e) => e.k === 'str')) names = new Set(v.elts.map((e) => (e as Extract<Expr, { k: 'str' }>).value));
  }
  allMemo.set(file, names);
  return names;
}

/**
 * Standard-library functions that make a type from literals and change nothing else
 * (`collections.namedtuple`, `typing.NamedTuple`, `typing.TypeVar`).
 */
const PLAIN_TYPE_FACTORIES = new Set(['collections.namedtuple', 'typing.NamedTuple', 'typing.TypeVar']);

/** A literal constant, or a list, tuple, set or dict display of them. */
function isLiteralData(e: Expr): boolean {
  if (e.k === 'list' || e.k === 'tuple' || e.k === 'set') return e.elts.every(isLiteralData);
  if (e.k === 'dict') return e.keys.every((k) => k !== null && isLiteralData(k)) && e.values.every(isLiteralData);
  return isLiteralConst(e);
}

/** A number, string, boolean or `None` literal, or a signed number. */
function isLiteralConst(e: Expr): boolean {
  if (e.k === 'unary' && (e.op === '-' || e.op === '+')) e = e.operand;
  return e.k === 'num' || e.k === 'str' || e.k === 'bool' || e.k === 'none';
}

const plainAssignsMemo = new WeakMap<PyFile, ReadonlyMap<string, Expr>>();

/**
 * Module-level names bound by exactly one plain assignment directly in the module body
 * (`BN_MOMENTUM = 0.1`, `_Outputs = Outputs`, `Norm = nn.BatchNorm2d`: one name target, no
 * augmented operator) that no other module-level statement may rebind: name → assigned
 * expression. Memoized per lowered file.
 *
 * Rebinding: targets of assignments (tuple and starred elements included), `for` and `with`
 * targets, `except ... as` names, `del`, definitions and imports in loops and `match` cases (a
 * star import there rebinds anything), and conservatively every name inside a comprehension,
 * walrus or other unmodelled expression, and inside `match` and unknown compound statements.
 * Reads elsewhere (`Alias = Norm`, `f(Norm)`, `Norm.x = 1`) change nothing the model keeps for a
 * constant, a class, a function or a framework name, the only values taken this way (see
 * `settledAssignValue`).
 */
function plainAssigns(ir: PyFile): ReadonlyMap<string, Expr> {
  let out = plainAssignsMemo.get(ir);
  if (out) return out;
  const found = new Map<string, Expr>();
  const rebound = new Set<string>();
  const addAll = (names: Iterable<string>): void => {
    for (const n of names) rebound.add(n);
  };
  const target = (t: Expr): void => {
    if (t.k === 'name') rebound.add(t.id);
    else if (t.k === 'tuple' || t.k === 'list') t.elts.forEach(target);
    else if (t.k === 'star') target(t.value);
    else if (t.k !== 'attr' && t.k !== 'subscript') addAll(namesIn(t));
  };
  /** Names in the unmodelled expressions (`other`) within `e`. */
  const others = (e: Expr): void =>
    forEachSubExpr(e, (x) => {
      if (x.k === 'other' || x.k === 'lambda') addAll(namesIn(x));
    });
  let starBelow = false;
  const visit = (body: readonly Stmt[], top: boolean): void => {
    for (const st of body) {
      switch (st.k) {
        // Definitions and imports directly in the module body, or in its `if`/`try`/`with`
        // blocks, are bindings of their own (see `collectBindings`); in a loop or a `match` they
        // are not, and rebind the name all the same.
        case 'func':
        case 'class':
          if (!top) rebound.add(st.def.name);
          break;
        case 'import':
          if (!top) {
            if (st.imp.name === '*') starBelow = true;
            else rebound.add(st.imp.asname ?? (st.imp.name !== null ? st.imp.name : st.imp.module.split('.')[0]));
          }
          break;
        case 'assign':
          if (top && st.op === null && st.value && st.targets.length === 1 && st.targets[0].k === 'name') {
            const id = st.targets[0].id;
            if (found.has(id)) rebound.add(id);
            else found.set(id, st.value);
          } else st.targets.forEach(target);
          if (st.value) others(st.value);
          st.targets.forEach(others);
          if (st.annotation) others(st.annotation);
          break;
        case 'expr':
          others(st.value);
          break;
        case 'if':
        case 'while':
          others(st.test);
          visit(st.body, false);
          visit(st.orelse, false);
          break;
        case 'for':
          target(st.target);
          others(st.iter);
          visit(st.body, false);
          visit(st.orelse, false);
          break;
        case 'with':
          for (const it of st.items) {
            others(it.ctx);
            if (it.as) target(it.as);
          }
          visit(st.body, false);
          break;
        case 'try':
          visit(st.body, false);
          for (const h of st.handlers) {
            if (h.name !== null) rebound.add(h.name);
            if (h.type) others(h.type);
            visit(h.body, false);
          }
          visit(st.orelse, false);
          visit(st.finalbody, false);
          break;
        case 'simple':
          if (st.kind === 'del' || st.kind === 'other') addAll(namesReadBy(st));
          else st.exprs.forEach(others);
          break;
        case 'block':
          addAll(namesReadBy(st));
          for (const b of st.bodies) visit(b, false);
          break;
        default:
          addAll(namesReadBy(st));
      }
    }
  };
  visit(ir.body, true);
  if (starBelow) found.clear();
  for (const n of rebound) found.delete(n);
  plainAssignsMemo.set(ir, (out = found));
  return out;
}

const BUILTINS = new Set([
  'super', 'isinstance', 'range', 'len', 'int', 'float', 'str', 'bool', 'list', 'dict', 'tuple', 'set', 'enumerate', 'zip', 'iter',
  'next', 'getattr', 'setattr', 'hasattr', 'print', 'max', 'min', 'sum', 'abs', 'round', 'map', 'filter', 'sorted', 'open', 'type', 'object',
]);

/** Attribute names that are methods, not sub-modules, on symbolic objects. */
const METHOD_LIKE = new Set(['eval', 'train', 'parameters', 'named_parameters', 'modules', 'named_modules', 'children', 'to', 'cuda', 'cpu', 'state_dict', 'load_state_dict', 'forward', 'zero_grad', 'step', 'backward', 'apply', 'requires_grad_', 'training']);

function isModuleLike(o: Obj): boolean {
  return o.kind === 'instance' || o.kind === 'factory' || o.kind === 'sym' || (o.kind === 'opaque' && (o.q === undefined || WHOLE_MODULE_LOADERS.has(o.q))) || (o.kind === 'layer' && !!o.spec);
}

function tensor(producer: Obj | null, how: TensorVal['how'], path: Obj[], inModel = false): TensorVal {
  return inModel ? { t: 'tensor', producer, how, path, inModel } : { t: 'tensor', producer, how, path };
}

/**
 * The one input a layer gets: a single tensor, or alternatives from branches that the same
 * layer produced the same way (`x = dense(a)` or `x = dense(x)`, then `bn(x)`: the same
 * adjacency on every path; they differ only in the call site). Else null.
 */
function singleInput(inputs: TensorVal[]): TensorVal | null {
  if (inputs.length === 0) return null;
  const [t] = inputs;
  return inputs.every((u) => u.producer === t.producer && u.how === t.how && (u.inModel ?? false) === (t.inModel ?? false)) ? t : null;
}

/** The tensors of a value set, looking into lists and tuples (`layers.Add()([x, y])`, `mha(query, value)`). */
function tensorsIn(vals: Val[]): TensorVal[] {
  const out: TensorVal[] = [];
  for (const v of vals) {
    if (v.t === 'tensor') out.push(v);
    else if (v.t === 'seq') for (const it of v.items) for (const x of it) if (x.t === 'tensor') out.push(x);
  }
  return out;
}

/** Does a file call `set_image_data_format`/`image_data_format`/`image_dim_ordering` anywhere (functions included)? */
function mentionsDataFormat(body: Stmt[]): boolean {
  return body.some(stmtMentionsDataFormat);
}

/** Per module-level statement (the language server reuses unchanged ones between keystrokes). */
const DATA_FORMAT_MEMO = new WeakMap<Stmt, boolean>();

function stmtMentionsDataFormat(s: Stmt): boolean {
  let hit = DATA_FORMAT_MEMO.get(s);
  if (hit === undefined) {
    const test = (b: Stmt[]): boolean => callsIn(b).some((c) => /(^|\.)(set_)?image_(data_format|dim_ordering)$/.test(exprName(c.fn) ?? ''));
    const visit = (b: Stmt[]): boolean => test(b) || b.some((x) => (x.k === 'func' && visit(x.def.body)) || (x.k === 'class' && visit(x.def.body)));
    hit = visit([s]);
    DATA_FORMAT_MEMO.set(s, hit);
  }
  return hit;
}

/** Does a body call something with a literal `training=True` (a Keras layer or model)? */
function hasForcedTrainingCall(body: Stmt[]): boolean {
  return callsIn(body).some((c) => c.kwargs.some((k) => k.name === 'training' && k.value.k === 'bool' && k.value.value));
}

/**
 * Does a body train a Keras model by hand (`tape.gradient(...)`, `optimizer.apply_gradients(...)`,
 * `model.fit(...)`)? Then `training=True` calls in it are training, not inference. At module
 * level (`fitCounts` false) only the custom-loop calls count: a script may evaluate after `fit`.
 */
function trainsByHand(body: Stmt[], fitCounts = true): boolean {
  return callsIn(body).some((c) => c.fn.k === 'attr' && KERAS_TRAIN_CALLS.has(c.fn.attr) && (fitCounts || c.fn.attr !== 'fit'));
}

/**
 * A 2-D or 3-D convolution: its input is a feature map (an image, a video volume), so a
 * sequence model's output folded back into one (MobileViT, CoAtNet, a ViT decoder) is no
 * longer on the sequence path after it. (`ConvLSTM2D` is recurrent, not a convolution here;
 * `Conv1D` over time keeps the sequence.)
 */
function spatialConv(o: Obj): boolean {
  return (o.spec?.kind === 'conv' || o.spec?.kind === 'convtranspose') && (o.spec.dims ?? 0) >= 2;
}

/** A literal `1` or a tuple/list of `1`s (an output size or kernel size of one). */
function allOnes(e: Expr | undefined): boolean {
  if (!e) return false;
  if (e.k === 'num') return e.value === 1;
  return (e.k === 'tuple' || e.k === 'list') && e.elts.length > 0 && e.elts.every((x) => x.k === 'num' && x.value === 1);
}

/** A PyTorch layer's argument expression, by position or keyword, as written. */
function argExpr(o: Obj, index: number, name: string): Expr | undefined {
  return o.call?.kwargs.find((k) => k.name === name)?.value ?? o.call?.args[index];
}

/**
 * Marks the BatchNorm2d/3d layers of a Sequential that normalize 1×1 maps (see
 * `Obj.onOneByOne`): after `nn.AdaptiveAvgPool2d(1)`/`AdaptiveMaxPool2d((1, 1))` (or 3d), with
 * only convolutions of kernel size 1 without padding, activations and dropout between.
 */
function markOneByOneNorms(objs: Array<Obj | null>): void {
  let pooled = false;
  for (const o of objs) {
    const q = o?.kind === 'layer' ? o.q ?? '' : '';
    const kind = o?.spec?.kind;
    if (/^torch\.nn\.Adaptive(Avg|Max)Pool[23]d$/.test(q)) pooled = allOnes(argExpr(o!, 0, 'output_size'));
    else if (!pooled || !o) pooled = false;
    else if (kind === 'conv' && q.startsWith('torch.nn.')) {
      const padding = argExpr(o, 4, 'padding');
      pooled = allOnes(argExpr(o, 2, 'kernel_size')) && (!padding || (padding.k === 'num' && padding.value === 0));
    }
    else if (kind === 'batchnorm' && (o.spec!.dims ?? 0) >= 2) o.onOneByOne = true;
    else if (kind !== 'activation' && kind !== 'dropout' && kind !== 'identity' && kind !== 'batchnorm') pooled = false;
  }
}

/** A path whose time axis was indexed or reduced away: sequence layers no longer count. */
function dropSequence(path: Obj[]): Obj[] {
  return path.filter((p) => p.spec?.kind !== 'recurrent' && p.spec?.kind !== 'attention');
}

/**
 * The layers of several tensors' paths, each once, in first-seen order. A path can hold every
 * layer upstream of a Keras functional model's tensor (thousands in a deep network with
 * residuals, merged at every `Add`/`Concatenate`): deduplicated with a set, as a linear
 * search made keras-io's MIRNet example take 8 s.
 */
function mergePaths(ts: TensorVal[]): Obj[] {
  if (ts.length === 1) return ts[0].path.slice();
  const out: Obj[] = [];
  const seen = new Set<Obj>();
  for (const t of ts) {
    for (const p of t.path) {
      if (seen.has(p)) continue;
      seen.add(p);
      out.push(p);
    }
  }
  return out;
}

function layersIn(o: Obj): Obj[] {
  if (o.spec?.kind === 'container') return o.children.flatMap(layersIn);
  return [o];
}

/** The first real layer of a (possibly nested) Sequential. */
function firstLayer(o: Obj): Obj | null {
  if (o.spec?.kind === 'container') return o.children.length ? firstLayer(o.children[0]) : null;
  return o.kind === 'layer' ? o : null;
}

function lastLayer(o: Obj): Obj | null {
  if (o.spec?.kind === 'container') return o.children.length ? lastLayer(o.children[o.children.length - 1]) : null;
  return o.kind === 'layer' ? o : null;
}

function parseDefault(src: string): Val[] {
  if (src === 'True' || src === 'False') return [{ t: 'const', v: src === 'True' }];
  if (src === 'None') return [{ t: 'const', v: null }];
  const n = Number(src);
  if (!Number.isNaN(n)) return [{ t: 'const', v: n }];
  const m = /^'(.*)'$/.exec(src);
  return m ? [{ t: 'const', v: m[1] }] : [];
}

function truthy(c: number | string | boolean | null): boolean {
  return !!c;
}

function isSoft(vals: Val[]): boolean {
  return vals.some((v) => v.t === 'const' && v.soft);
}

function arith(op: string, a: number, b: number): number | undefined {
  switch (op) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': return b === 0 ? undefined : a / b;
    case '//': return b === 0 ? undefined : Math.floor(a / b);
    case '%': return b === 0 ? undefined : ((a % b) + b) % b;
    case '**': return a ** b;
    default: return undefined;
  }
}

function compare(op: string, a: unknown, b: unknown): boolean | undefined {
  switch (op) {
    case '==': case 'is': return a === b;
    case '!=': case 'is not': return a !== b;
    case '<': return typeof a === 'number' && typeof b === 'number' ? a < b : undefined;
    case '<=': return typeof a === 'number' && typeof b === 'number' ? a <= b : undefined;
    case '>': return typeof a === 'number' && typeof b === 'number' ? a > b : undefined;
    case '>=': return typeof a === 'number' && typeof b === 'number' ? a >= b : undefined;
    default: return undefined;
  }
}

/** The key of call arguments: each value set's sorted value keys, positional then keyword, `;`-joined. */
function argsKey(pos: Val[][], kw: ReadonlyMap<string, Val[]>): string {
  let out = '';
  let first = true;
  for (const vs of pos) {
    out += first ? valsKey(vs) : `;${valsKey(vs)}`;
    first = false;
  }
  kw.forEach((vs, k) => {
    out += first ? `${k}=${valsKey(vs)}` : `;${k}=${valsKey(vs)}`;
    first = false;
  });
  return out;
}

/** The sorted keys of a value set, `|`-joined. */
function valsKey(vs: Val[]): string {
  if (vs.length === 0) return '';
  if (vs.length === 1) return valKey(vs[0]);
  return vs.map(valKey).sort().join('|');
}

/** A name or a chain of attributes on a name (`nn.Module`, `models.resnet.ResNet`). */
function isNameChain(e: Expr): boolean {
  while (e.k === 'attr') e = e.obj;
  return e.k === 'name';
}

/** Dotted source name of a name/attribute chain (`self.model.module`), or undefined. */
export function exprName(e: Expr): string | undefined {
  if (e.k === 'name') return e.id;
  if (e.k === 'attr') {
    const b = exprName(e.obj);
    return b === undefined ? undefined : `${b}.${e.attr}`;
  }
  if (e.k === 'call') return exprName(e.fn);
  return undefined;
}

/** What a function's decorators turn autograd off with (`@torch.no_grad()`, `@torch.inference_mode()`), or false. */
function gradOffByDecorators(decorators: readonly Expr[]): false | GradOff {
  for (const d of decorators) {
    const m = /(^|\.)(no_grad|inference_mode)$/.exec(exprName(d) ?? '');
    if (m) return m[2] as GradOff;
  }
  return false;
}

/** What a `with` item turns autograd off with, or null (see `GradOff`). */
function gradOffContext(e: Expr, vals: Val[]): GradOff | null {
  if (e.k === 'call') {
    const n = exprName(e.fn) ?? '';
    const m = /(^|\.)(no_grad|inference_mode)$/.exec(n);
    if (m) {
      // `torch.inference_mode(False)` / `set_grad_enabled` are not inference.
      return e.args[0]?.k === 'bool' && e.args[0].value === false ? null : (m[2] as GradOff);
    }
    if (/(^|\.)set_grad_enabled$/.test(n)) return e.args[0]?.k === 'bool' && e.args[0].value === false ? 'set_grad_enabled' : null;
  }
  for (const v of vals) if (v.t === 'ext' && NO_GRAD_CONTEXTS.has(v.q)) return /inference_mode$/.test(v.q) ? 'inference_mode' : 'no_grad';
  return null;
}

/**
 * `torch.onnx.export(..., dynamo=False)` (the legacy TorchScript exporter) defaults to
 * `training=TrainingMode.EVAL`: it switches to eval for the export, unless `training=` asks for
 * TRAINING or PRESERVE. (PyTorch 2.9 docs, torch.onnx.export.)
 */
function legacyOnnxEvalExport(q: string, call: CallExpr): boolean {
  if (q !== 'torch.onnx.export') return false;
  const dynamo = call.kwargs.find((k) => k.name === 'dynamo');
  if (!dynamo || dynamo.value.k !== 'bool' || dynamo.value.value) return false;
  const training = call.kwargs.find((k) => k.name === 'training');
  return !training || /EVAL$/.test(exprName(training.value) ?? '');
}

/** `weights=...` (not None) or `pretrained=True` on a torchvision/timm factory call. */
function pretrainedWeights(kw: ReadonlyMap<string, Val[]>): boolean {
  const w = kw.get('weights');
  if (w && w.length > 0 && !(w.length === 1 && w[0].t === 'const' && w[0].v === null)) return true;
  const p = kw.get('pretrained');
  return !!p && p.length === 1 && p[0].t === 'const' && p[0].v === true;
}

function isMainGuard(e: Expr): boolean {
  return e.k === 'compare' && e.operands.some((o) => o.k === 'name' && o.id === '__name__');
}

/**
 * True when `test` holds for some statement of `body`, searched depth-first through nested
 * blocks (`if`, loops, `with`, `try`, `match`) but not into nested functions or classes.
 */
export function someStmt(body: Stmt[], test: (s: Stmt) => boolean): boolean {
  for (const s of body) {
    if (test(s)) return true;
    switch (s.k) {
      case 'if':
      case 'for':
      case 'while':
        if (someStmt(s.body, test) || someStmt(s.orelse, test)) return true;
        break;
      case 'with':
        if (someStmt(s.body, test)) return true;
        break;
      case 'try':
        if (someStmt(s.body, test) || s.handlers.some((h) => someStmt(h.body, test)) || someStmt(s.orelse, test) || someStmt(s.finalbody, test)) return true;
        break;
      case 'block':
        if (s.bodies.some((b) => someStmt(b, test))) return true;
        break;
      default:
        break;
    }
  }
  return false;
}

function hasReturnValue(body: Stmt[]): boolean {
  return someStmt(body, (s) => s.k === 'return' && s.value !== null);
}

const CALLS_CACHE = new WeakMap<Stmt[], CallExpr[]>();

/** Every call expression in a body (not inside nested defs/classes), cached per body. */
export function callsIn(body: Stmt[]): CallExpr[] {
  let calls = CALLS_CACHE.get(body);
  if (!calls) {
    const out: CallExpr[] = [];
    forEachExprInBody(body, (e) => forEachCall(e, (c) => out.push(c)));
    CALLS_CACHE.set(body, (calls = out));
  }
  return calls;
}

/** Calls `f` on every call expression inside `e` (including nested ones). */
export function forEachCall(e: Expr, f: (c: CallExpr) => void): void {
  forEachSubExpr(e, (x) => {
    if (x.k === 'call') f(x);
  });
}

/** Calls `f` on `e` and every expression inside it (lambda bodies included), outermost first. */
export function forEachSubExpr(e: Expr, f: (x: Expr) => void): void {
  const stack: Expr[] = [e];
  while (stack.length) {
    const x = stack.pop()!;
    f(x);
    switch (x.k) {
      case 'call':
        stack.push(x.fn);
        for (const a of x.args) stack.push(a);
        for (const k of x.kwargs) stack.push(k.value);
        for (const d of x.doubleStar) stack.push(d);
        break;
      case 'attr': stack.push(x.obj); break;
      case 'bin': stack.push(x.left, x.right); break;
      case 'unary': stack.push(x.operand); break;
      case 'boolop': stack.push(x.left, x.right); break;
      case 'compare': for (const o of x.operands) stack.push(o); break;
      case 'list': case 'tuple': case 'set': for (const o of x.elts) stack.push(o); break;
      case 'dict': for (const o of x.values) stack.push(o); for (const k of x.keys) if (k) stack.push(k); break;
      case 'subscript': stack.push(x.obj, x.index); break;
      case 'cond': stack.push(x.test, x.body, x.orelse); break;
      case 'star': stack.push(x.value); break;
      case 'other': for (const o of x.parts) stack.push(o); break;
      case 'lambda': stack.push(x.body); break;
      default: break;
    }
  }
}

/** Calls `f` on every statement of `body`, nested blocks and the bodies of nested functions and classes included. */
export function forEachStmtDeep(body: Stmt[], f: (s: Stmt) => void): void {
  someStmt(body, (s) => {
    f(s);
    if (s.k === 'func' || s.k === 'class') forEachStmtDeep(s.def.body, f);
    return false;
  });
}

/** {@link forEachExprInBody} over `body` and the bodies of its nested functions and classes. */
export function forEachExprDeep(body: Stmt[], f: (e: Expr) => void): void {
  forEachExprInBody(body, f);
  forEachStmtDeep(body, (s) => {
    if (s.k === 'func' || s.k === 'class') forEachExprInBody(s.def.body, f);
  });
}

/**
 * Calls `f` on every expression of a body (not descending into nested defs/classes; not their
 * decorators, parameters, bases nor the targets of `for`/`with`/`except`).
 */
export function forEachExprInBody(body: Stmt[], f: (e: Expr) => void): void {
  for (const s of body) {
    switch (s.k) {
      case 'expr': f(s.value); break;
      case 'assign': if (s.value) f(s.value); s.targets.forEach(f); break;
      case 'if': f(s.test); forEachExprInBody(s.body, f); forEachExprInBody(s.orelse, f); break;
      case 'for': f(s.iter); forEachExprInBody(s.body, f); forEachExprInBody(s.orelse, f); break;
      case 'while': f(s.test); forEachExprInBody(s.body, f); forEachExprInBody(s.orelse, f); break;
      case 'with': s.items.forEach((i) => f(i.ctx)); forEachExprInBody(s.body, f); break;
      case 'try': forEachExprInBody(s.body, f); s.handlers.forEach((h) => forEachExprInBody(h.body, f)); forEachExprInBody(s.orelse, f); forEachExprInBody(s.finalbody, f); break;
      case 'return': if (s.value) f(s.value); break;
      case 'simple': s.exprs.forEach(f); break;
      case 'block': s.exprs.forEach(f); s.bodies.forEach((b) => forEachExprInBody(b, f)); break;
      // A TypeScript/JavaScript closure passed as an argument (hoisted by the lowering as
      // `$fn<offset>`; `$` cannot start a Python name) runs as part of the body that passes it.
      case 'func': if (s.def.name.startsWith('$fn')) forEachExprInBody(s.def.body, f); break;
      default: break;
    }
  }
}

/** Whether a Python file imports TensorFlow or Keras (plain model calls matter to NL002 there). Memoized per file. */
const kerasFiles = new WeakMap<ProjectFile, boolean>();
function mentionsKeras(file: ProjectFile): boolean {
  let v = kerasFiles.get(file);
  if (v === undefined) {
    v = file.ir.body.some((s) => s.k === 'import' && /^(tensorflow|keras|tf_keras)(\.|$)/.test(s.imp.level === 0 ? s.imp.module : ''));
    kerasFiles.set(file, v);
  }
  return v;
}

/**
 * A function of a Keras file that calls a parameter, or an attribute of its first parameter,
 * without a `training` argument (`model(x)`, `self.encoder(x)`): called inside a gradient
 * computation, it trains that model in inference mode (`Summary.plainCalls`), so it is analyzed.
 */
function callsParameterModel(def: FuncDef, file: ProjectFile): boolean {
  if (def.params.length === 0 || file.ir.lang === 'ts') return false;
  // Keras: also `self.model(x)` in a method (a loss helper under a tape).
  const keras = mentionsKeras(file);
  const names = new Set(def.params.map((p) => p.name));
  const first = def.params[0].name;
  return callsIn(def.body).some((c) => {
    if (c.kwargs.some((k) => k.name === 'training')) return false;
    // A parameter called: a model run by a helper (`compute_accuracy(model, loader)`), whose
    // forward passes are inference where the caller runs it under `no_grad` (see `Summary.forwards`).
    if (c.fn.k === 'name') return names.has(c.fn.id) && c.fn.id !== 'self';
    return keras && c.fn.k === 'attr' && c.fn.obj.k === 'name' && c.fn.obj.id === first;
  });
}

/** Attributes that list a model's variables (`tape.gradient(loss, model.trainable_variables)`). */
const VARIABLE_LISTS = /^(trainable_variables|trainable_weights|variables|weights)$/;

/**
 * The models whose variables a tape's `tape.gradient(target, sources)` calls in `enclosing`
 * differentiate, as the expressions before `.trainable_variables` (`student`, `self.encoder`),
 * from sources written as such attributes, their sums (`a.trainable_variables +
 * b.trainable_variables`) and lists of them. Null when the tape's gradients are not taken in
 * `enclosing` or a source is anything else (then every model under the tape counts as trained).
 */
function tapeSources(item: { as: Expr | null }, enclosing: Stmt[], at: number): Expr[] | null {
  if (item.as?.k !== 'name') return null;
  const tape = item.as.id;
  // This tape's `gradient` calls: after its `with`, before the name is bound to another tape
  // (a GAN step's two `with tf.GradientTape() as g:` blocks in a row).
  let until = Infinity;
  someStmt(enclosing, (st) => {
    if (st.k === 'with' && st.span.start > at && st.span.start < until && st.items.some((it) => it.as?.k === 'name' && it.as.id === tape)) until = st.span.start;
    return false;
  });
  const out: Expr[] = [];
  const leaves = (e: Expr): boolean => {
    if (e.k === 'bin' && e.op === '+') return leaves(e.left) && leaves(e.right);
    if (e.k === 'list' || e.k === 'tuple') return e.elts.length > 0 && e.elts.every(leaves);
    if (e.k === 'attr' && VARIABLE_LISTS.test(e.attr) && exprName(e.obj) !== null) {
      out.push(e.obj);
      return true;
    }
    return false;
  };
  let found = false;
  for (const c of callsIn(enclosing)) {
    if (c.fn.k !== 'attr' || c.fn.attr !== 'gradient' || c.fn.obj.k !== 'name' || c.fn.obj.id !== tape) continue;
    if (c.span.start < at || c.span.start >= until) continue;
    const src = c.args[1] ?? c.kwargs.find((k) => k.name === 'sources')?.value;
    if (!src || !leaves(src)) return null;
    found = true;
  }
  return found ? out : null;
}

/** Calls that update weights with gradients (Keras optimizers, a hand-written SGD step). */
const WEIGHT_UPDATES = new Set(['apply_gradients', 'minimize', 'assign_sub', 'assign_add']);

/**
 * A `with tf.GradientTape() as tape:` block that differentiates with respect to inputs or
 * intermediate tensors only: saliency maps, integrated gradients, Grad-CAM, adversarial
 * examples (TensorFlow's FGSM tutorial). Nothing trains there, so a model it runs in inference
 * mode is what the author wants (not NL002). Recognized when the enclosing body updates no
 * weights (`apply_gradients`, `minimize`, `assign_sub`/`assign_add`) and calls
 * `tape.gradient(target, sources)` only with sources that are names watched with
 * `tape.watch(...)` or assigned inside the block (a tensor computed under the tape). Any other
 * source (`model.trainable_variables`, a parameter, an attribute) keeps the block a training
 * computation, as does a tape whose gradients are not taken in the same body.
 */
function attributionTape(w: Extract<Stmt, { k: 'with' }>, item: { as: Expr | null }, enclosing: Stmt[]): boolean {
  if (item.as?.k !== 'name') return false;
  const tape = item.as.id;
  const watched = new Set<string>();
  const sources: Expr[] = [];
  for (const c of callsIn(enclosing)) {
    if (c.fn.k !== 'attr') continue;
    if (WEIGHT_UPDATES.has(c.fn.attr)) return false;
    if (c.fn.obj.k !== 'name' || c.fn.obj.id !== tape) continue;
    if (c.fn.attr === 'watch' && c.args[0]) targetNames(c.args[0], watched);
    else if (c.fn.attr === 'gradient') {
      const src = c.args[1] ?? c.kwargs.find((k) => k.name === 'sources')?.value;
      if (!src) return false;
      sources.push(src);
    }
  }
  if (sources.length === 0) return false;
  const computed = new Set<string>();
  someStmt(w.body, (st) => {
    boundNames(st, computed);
    return false;
  });
  return sources.every((src) => {
    const elts = src.k === 'list' || src.k === 'tuple' ? src.elts : [src];
    return elts.length > 0 && elts.every((e) => e.k === 'name' && (watched.has(e.id) || computed.has(e.id)));
  });
}

/** A function's name as the name heuristics read it: TypeScript/JavaScript camelCase in snake_case (`predictTopK` → `predict_top_k`). */
function heuristicName(def: FuncDef, file: ProjectFile): string {
  return file.ir.lang === 'ts' ? snakeCase(def.name) : def.name;
}

/** The constants of a literal list or tuple of 2 to 8 strings or numbers (`["train", "val"]`), else null. */
function literalItems(e: Expr): Array<string | number> | null {
  if ((e.k !== 'list' && e.k !== 'tuple') || e.elts.length < 2 || e.elts.length > 8) return null;
  const out: Array<string | number> = [];
  for (const x of e.elts) {
    if (x.k === 'str') out.push(x.value);
    else if (x.k === 'num') out.push(x.value);
    else return null;
  }
  return out;
}

/** `range(n)`/`range(a, b)` with literal bounds that run at least once, or a non-empty literal list or tuple. */
function runsAtLeastOnce(e: Expr): boolean {
  if (e.k === 'list' || e.k === 'tuple') return e.elts.length > 0 && !e.elts.some((x) => x.k === 'star');
  if (e.k !== 'call' || e.fn.k !== 'name' || e.fn.id !== 'range' || e.kwargs.length > 0) return false;
  const nums = e.args.map((a) => (a.k === 'num' ? a.value : a.k === 'unary' && a.op === '-' && a.operand.k === 'num' ? -a.operand.value : null));
  if (nums.some((n) => n === null)) return false;
  const [a, b, step] = nums.length === 1 ? [0, nums[0]!, 1] : [nums[0]!, nums[1]!, nums[2] ?? 1];
  return nums.length >= 1 && nums.length <= 3 && (step > 0 ? a < b : step < 0 && a > b);
}

/** A `break` that leaves this loop (not one of a nested loop). */
function hasBreak(body: Stmt[]): boolean {
  return body.some((s) =>
    (s.k === 'simple' && s.kind === 'break') ||
    (s.k === 'if' && (hasBreak(s.body) || hasBreak(s.orelse))) ||
    (s.k === 'with' && hasBreak(s.body)) ||
    (s.k === 'try' && (hasBreak(s.body) || s.handlers.some((h) => hasBreak(h.body)) || hasBreak(s.orelse) || hasBreak(s.finalbody))) ||
    (s.k === 'block' && s.bodies.some(hasBreak)));
}

/**
 * Where the NL001 fix inserts `model.eval()`: before the outermost enclosing statement with no
 * training step (`ctx.topStmt`: the whole `with torch.no_grad():` block or evaluation loop), but
 * not before the statement that binds the receiver (`model = build(...)` inside
 * `if __name__ == "__main__":` makes the fix go inside that block, after the assignment).
 */
function fixAnchor(ctx: Ctx, receiver: string | null | undefined, at: number): Span {
  const top = ctx.topStmt;
  const i = top ? ctx.stmts.indexOf(top) : -1;
  if (!top || i < 0) return top?.span ?? { start: at, end: at };
  const root = receiver?.split('.')[0];
  for (let k = i; k < ctx.stmts.length; k++) {
    const s = ctx.stmts[k];
    if (!root || !bindsBefore([s], root, at)) return s.span;
  }
  return ctx.stmts[ctx.stmts.length - 1].span;
}

/** Whether `body` binds `name` (see {@link boundNames}) in a statement that starts before offset `at`. */
function bindsBefore(body: Stmt[], name: string, at: number): boolean {
  return someStmt(body, (s) => s.span.start < at && boundNames(s).has(name));
}

/**
 * The names one statement binds itself (not in its nested bodies): assignment, loop and `with`
 * targets, imports, `def` and `class` names.
 */
/** Names a statement binds (assignment and loop targets, `with ... as`, imports, defs), not nested ones. */
export function boundNames(s: Stmt, into = new Set<string>()): Set<string> {
  switch (s.k) {
    case 'assign':
      for (const t of s.targets) targetNames(t, into);
      break;
    case 'for':
      targetNames(s.target, into);
      break;
    case 'with':
      for (const it of s.items) if (it.as) targetNames(it.as, into);
      break;
    case 'import':
      if (s.imp.name !== '*') into.add(s.imp.asname ?? s.imp.name ?? s.imp.module.split('.')[0]);
      break;
    case 'func':
    case 'class':
      into.add(s.def.name);
      break;
    default:
      break;
  }
  return into;
}

/**
 * Whether the innermost loop around the current point has a training step and also calls
 * `receiver` outside `no_grad` (`fake = netG(z)` under `no_grad` for the discriminator, then
 * `netD(netG(z))` and `optG.step()` in the same batch loop), and some call outside `no_grad`
 * satisfies `fed` (when given).
 */
/** The innermost `for`/`while` loop around the current statement, or null. */
function innermostLoop(ctx: Ctx): Extract<Stmt, { k: 'for' | 'while' }> | null {
  for (let k = ctx.stmts.length - 1; k >= 0; k--) {
    const s = ctx.stmts[k];
    if (s.k === 'for' || s.k === 'while') return s;
  }
  return null;
}

function trainedInSameLoop(ctx: Ctx, receiver: string | undefined, fed?: (c: CallExpr) => boolean): boolean {
  if (!receiver) return false;
  const loop = innermostLoop(ctx);
  if (!loop) return false;
  const span = loop.span;
  if (!ctx.stepOffsets.some((o) => o >= span.start && o < span.end)) return false;
  let found = false;
  let calledOutside = false;
  let feeds = !fed;
  const check = (e: Expr): void => forEachCall(e, (c) => {
    const n = exprName(c.fn);
    if (n === receiver || n === `${receiver}.forward`) calledOutside = true;
    if (fed && !feeds && fed(c)) feeds = true;
    found = calledOutside && feeds;
  });
  const visit = (body: Stmt[]): void => {
    for (const s of body) {
      switch (s.k) {
        case 'with':
          if (s.items.some((it) => gradOffContext(it.ctx, []) !== null)) break;
          s.items.forEach((it) => check(it.ctx));
          visit(s.body);
          break;
        case 'if':
        case 'while':
          check(s.test);
          visit(s.body);
          visit(s.orelse);
          break;
        case 'for':
          check(s.iter);
          visit(s.body);
          visit(s.orelse);
          break;
        case 'try':
          visit(s.body);
          s.handlers.forEach((h) => visit(h.body));
          visit(s.orelse);
          visit(s.finalbody);
          break;
        case 'block':
          s.exprs.forEach(check);
          s.bodies.forEach(visit);
          break;
        case 'func':
        case 'class':
          break;
        default:
          forEachExprInBody([s], check);
      }
    }
  };
  visit(loop.body);
  return found;
}

/**
 * torchvision's Faster/Mask/Keypoint R-CNN, RetinaNet and FCOS constructors build their
 * backbone with `FrozenBatchNorm2d` (fixed statistics, the same in both modes) when the model is
 * "trained": `weights` given, or `weights_backbone` given, which defaults to ImageNet weights
 * (torchvision ≥ 0.13 `models/detection/*.py`: `is_trained = weights is not None or
 * weights_backbone is not None`; before: `pretrained`, `pretrained_backbone=True`). True when
 * frozen, false for `weights_backbone=None` without weights (trainable BatchNorm2d), null when
 * an argument is not a constant; false for other constructors.
 */
function frozenDetectionBackbone(q: string, kw: ReadonlyMap<string, Val[]>): boolean | null {
  if (!/^torchvision\.models\.detection\.(fasterrcnn|maskrcnn|keypointrcnn|retinanet|fcos)_/.test(q)) return false;
  // undefined: absent; null: not a constant; else whether the argument is set (not None/False).
  const given = (name: string): boolean | null | undefined => {
    const v = kw.get(name);
    if (v === undefined) return undefined;
    if (v.length > 0 && v.every((x) => x.t === 'obj' || x.t === 'ext')) return true;
    const c = constOf(v);
    return c === undefined ? null : c !== null && c !== false;
  };
  const w = given('weights') ?? given('pretrained') ?? false;
  const wb = given('weights_backbone') ?? given('pretrained_backbone') ?? true;
  if (w === true || wb === true) return true;
  if (w === null || wb === null) return null;
  return false;
}

/** The names a `for` target binds (`m`, `name, p`, `(i, (x, y))`). */
function targetNames(target: Expr, into = new Set<string>()): Set<string> {
  if (target.k === 'name') into.add(target.id);
  if (target.k === 'tuple' || target.k === 'list') for (const e of target.elts) targetNames(e, into);
  return into;
}

/** Does a loop body call `.eval()` (or `.train(False)`) on the loop variable? */
function bodyCallsEvalOn(body: Stmt[], target: Expr): boolean {
  const names = targetNames(target);
  let found = false;
  forEachExprInBody(body, (e) => forEachCall(e, (c) => {
    if (c.fn.k === 'attr' && (c.fn.attr === 'eval' || (c.fn.attr === 'train' && c.args[0]?.k === 'bool' && !c.args[0].value))) {
      const r = exprName(c.fn.obj);
      if (r && names.has(r.split('.')[0])) found = true;
    }
  }));
  return found;
}

/**
 * After `offset` in `body`, is there a `for m in X.modules(): ... m.eval()` loop, an
 * `X.apply(fn)`, or `receiver.sub.eval()` (the frozen-BatchNorm idioms)?
 */
function bnEvalFollows(body: Stmt[], offset: number, receiver: string): boolean {
  let found = false;
  const visit = (b: Stmt[]): void => {
    for (const s of b) {
      if (found) return;
      if (s.span.end <= offset && s.k !== 'for' && s.k !== 'while' && s.k !== 'if' && s.k !== 'with' && s.k !== 'try') continue;
      if (s.k === 'for' && s.span.start >= offset && s.iter.k === 'call' && s.iter.fn.k === 'attr' && /^(named_)?modules$|^(named_)?children$/.test(s.iter.fn.attr) && bodyCallsEvalOn(s.body, s.target)) found = true;
      if (s.k === 'expr' && s.span.start >= offset) {
        forEachCall(s.value, (c) => {
          if (c.fn.k === 'attr' && c.fn.attr === 'apply') found = true;
          // `model.backbone.eval()` right after `model.train()`: the frozen part goes back to eval.
          if (c.fn.k === 'attr' && c.fn.attr === 'eval' && exprName(c.fn.obj) !== receiver && (exprName(c.fn.obj) ?? '').startsWith(`${receiver}.`)) found = true;
        });
      }
      if (s.k === 'for' || s.k === 'while' || s.k === 'with') visit(s.body);
      if (s.k === 'if') { visit(s.body); visit(s.orelse); }
      if (s.k === 'try') visit(s.body);
    }
  };
  visit(body);
  return found;
}

/** Does a parameters() loop body set `requires_grad = False` on the loop variable? */
function bodyFreezes(body: Stmt[], target: Expr): boolean {
  const names = targetNames(target);
  const isParam = (e: Expr): boolean => e.k === 'name' && names.has(e.id);
  return someStmt(body, (s) => {
    if (s.k === 'assign' && s.value?.k === 'bool' && !s.value.value) return s.targets.some((t) => t.k === 'attr' && t.attr === 'requires_grad' && isParam(t.obj));
    if (s.k !== 'expr') return false;
    let found = false;
    forEachCall(s.value, (c) => {
      if (c.fn.k === 'attr' && c.fn.attr === 'requires_grad_' && isParam(c.fn.obj) && c.args[0]?.k === 'bool' && !c.args[0].value) found = true;
    });
    return found;
  });
}

/** Does a function put (BatchNorm) modules of its parameter into eval mode (`fn` for `model.apply(fn)`, or a `train()` override)? */
function setsParamEval(def: FuncDef): boolean {
  let found = false;
  forEachExprInBody(def.body, (e) => forEachCall(e, (c) => {
    if (c.fn.k === 'attr' && c.fn.attr === 'eval') found = true;
  }));
  if (!found) {
    const visit = (b: Stmt[]): void => {
      for (const s of b) {
        if (s.k === 'for' && bodyCallsEvalOn(s.body, s.target)) found = true;
        if (s.k === 'if' || s.k === 'for' || s.k === 'with') visit(s.k === 'if' ? [...s.body, ...s.orelse] : s.body);
      }
    };
    visit(def.body);
  }
  return found;
}

function cloneState(st: State): State {
  // The copy shares every collection but `env` with `st`: from now on neither may change them
  // in place (see `own`).
  st.own = 0;
  return {
    env: copyMap(st.env), modes: st.modes, noGrad: st.noGrad,
    forwarded: st.forwarded, frozen: st.frozen, frozenAll: st.frozenAll, weighted: st.weighted, trained: st.trained, converted: st.converted, own: 0,
  };
}

/**
 * The join of two flow states (either path may have been taken). Unchanged collections are
 * shared, not copied: a collection equal to one side's (the same object, or the other side's is
 * empty) is that side's, which then gives up changing it in place.
 */
function joinState(a: State, b: State): State {
  const env = copyMap(a.env);
  b.env.forEach((v, k) => env.set(k, union(env.get(k) ?? [], v)));
  const out: State = {
    env, modes: a.modes, noGrad: a.noGrad,
    forwarded: a.forwarded, frozen: a.frozen, frozenAll: a.frozenAll, weighted: a.weighted, trained: a.trained, converted: a.converted, own: 0,
  };
  const set = <K extends SharedKey>(k: K, v: State[K], owned: boolean): void => {
    (out as unknown as Record<string, unknown>)[k] = v;
    if (owned) out.own |= OWN[k];
  };
  /** `a`'s or `b`'s collection, shared, when the join equals it; undefined otherwise. */
  const shared = <K extends SharedKey>(k: K, intersect = false): State[K] | undefined => {
    const x = a[k] as Map<unknown, unknown> | Set<unknown>;
    const y = b[k] as Map<unknown, unknown> | Set<unknown>;
    const pick = x === y || (intersect ? x.size === 0 : y.size === 0) ? a : (intersect ? y.size === 0 : x.size === 0) ? b : null;
    if (!pick) return undefined;
    pick.own &= ~OWN[k];
    if (x === y) b.own &= ~OWN[k];
    return pick[k];
  };
  for (const k of SHARED_KEYS) {
    const reuse = shared(k, k === 'frozenAll');
    if (reuse !== undefined) {
      set(k, reuse, false);
      continue;
    }
    switch (k) {
      case 'modes': {
        const modes = copyMap(a.modes);
        b.modes.forEach((v, o) => modes.set(o, joinInfo(modes.get(o), v)!));
        set(k, modes, true);
        break;
      }
      case 'frozen':
        set(k, new Map([...a.frozen, ...b.frozen]), true);
        break;
      case 'frozenAll':
        set(k, new Set([...a.frozenAll].filter((o) => b.frozenAll.has(o))), true);
        break;
      default:
        set(k, new Set([...(a[k] as Set<Obj>), ...(b[k] as Set<Obj>)]), true);
    }
  }
  return out;
}

function assignState(dst: State, src: State): void {
  Object.assign(dst, src);
  // `dst` now holds `src`'s collections: only one of them may keep changing them in place.
  src.own = 0;
}

/**
 * Do two states agree on everything the loop fixed point compares: the same bindings (value
 * sets equal by `valKey`), the same modes, the same forwarded objects in the same order, and the
 * same number of frozen, weighted, trained and converted objects. (This used to compare two
 * string keys built from whole states; it is on the language server's keystroke path.)
 */
function sameState(a: State, b: State): boolean {
  if (a.env.size !== b.env.size || a.modes.size !== b.modes.size || a.forwarded.size !== b.forwarded.size) return false;
  if (a.frozen.size !== b.frozen.size || a.frozenAll.size !== b.frozenAll.size || a.weighted.size !== b.weighted.size) return false;
  if (a.trained.size !== b.trained.size || a.converted.size !== b.converted.size) return false;
  for (const [k, va] of a.env) {
    const vb = b.env.get(k);
    if (vb === undefined || !sameVals(va, vb)) return false;
  }
  for (const [o, ia] of a.modes) {
    const ib = b.modes.get(o);
    if (ib === undefined || (ia !== ib && infoKey(ia) !== infoKey(ib))) return false;
  }
  const fb = b.forwarded.values();
  for (const o of a.forwarded) if (fb.next().value !== o) return false;
  return true;
}

/** Equal as multisets of `valKey`s (identical arrays and element-wise identical ones first). */
function sameVals(a: Val[], b: Val[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  let same = true;
  for (let i = 0; i < a.length && same; i++) same = a[i] === b[i];
  if (same) return true;
  const ka = a.map(valKey).sort();
  const kb = b.map(valKey).sort();
  return ka.every((k, i) => k === kb[i]);
}

export type { ParamSpec };
