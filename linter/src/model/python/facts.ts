/**
 * Facts the Python model hands to the rules (PyTorch and Keras code become the same facts).
 * Rules never look at the IR or the interpreter's state; they read these.
 */
import type { Span } from '../../core/diagnostic';
import type { CallExpr, FuncDef, Keyword } from './ir';
import type { Obj, Site, TensorVal, Val } from './values';

/** A train/eval mode: `entry` is "whatever the caller passed in" (symbolic), `bneval` is "BatchNorm layers set to eval by a modules() loop or apply()". */
export type Mode = 'train' | 'eval' | 'bneval' | 'entry' | 'unknown';

/** Where an object's current mode came from. */
export interface ModeSource {
  mode: Mode;
  /** The `.train()`/`.eval()` call, the construction, or null for `entry`. */
  site: Site | null;
  /** `explicit`: a `.train()`/`.eval()` call; `construct`: a new module is in training mode. */
  how: 'explicit' | 'construct' | 'load' | 'entry' | 'unknown';
}

/** The possible modes of an object at a program point, with their sources. */
export interface ModeInfo {
  sources: ModeSource[];
  /** A training step ran since the last explicit `.train()`/`.eval()` on this path. */
  stepSinceSet: boolean;
}

/**
 * What turned autograd off around a forward pass: `torch.no_grad()` (a `with` block or the
 * decorator), `torch.inference_mode()` (likewise), or `torch.set_grad_enabled(False)` (a
 * statement or a `with` block).
 */
export type GradOff = 'no_grad' | 'inference_mode' | 'set_grad_enabled';

/** Why a forward call counts as inference. */
export type InferenceKind = 'no_grad' | 'decorator' | 'eval-function' | 'export' | 'after-training' | 'load-and-predict';

/** A forward call (or export) that runs a module for inference. */
export interface InferenceFact {
  site: Site;
  obj: Obj;
  mode: ModeInfo;
  kind: InferenceKind;
  /** Call sites through which the object reached this function (outermost last). */
  via: Site[];
  /** The function containing the inference, for the fix (null at module level). */
  fn: FuncDef | null;
  /** The statement (or loop/with block) before which `model.eval()` belongs. */
  insertBefore: Span;
  /** Source text of the receiver expression (`model`, `self.model`) in that function. */
  receiver: string;
  /** The same body trains again after this point (offer restoring the previous mode). */
  trainsAfter: boolean;
  /** The module has no loaded or trained weights on this path (a smoke test of a fresh model). */
  fresh: boolean;
  /**
   * The forward pass, when the fact is at the call of a function that runs it (`site`:
   * `compute_accuracy(model, loader)` under `torch.no_grad()`; `forwardAt`: its `model(x)`).
   */
  forwardAt?: Site;
  /**
   * Keras: the call forces `training=True` (this keyword) at an inference site. Keras has no
   * train/eval mode on the model: the flag of each call decides, so Keras facts carry it and
   * their `mode` is meaningless.
   */
  trainingFlag?: Keyword;
  /** For the kinds `no_grad` and `decorator`: what turned autograd off. */
  gradOff?: GradOff;
}

/** A training step (`loss.backward()`, `optimizer.step()`) that trains `obj`. */
export interface TrainStepFact {
  site: Site;
  obj: Obj;
  mode: ModeInfo;
  via: Site[];
  fn: FuncDef | null;
  /**
   * Where a `model.train()` fixes it: `start` is the offset of the top of the enclosing loop
   * body or function body (read when the rule runs: an IR object that open documents move with
   * the text, never an offset copied when the model ran).
   */
  insertAt: { readonly start: number } | null;
  receiver: string;
  /** Inside a Lightning `training_step` (modes are managed by the Trainer). */
  lightning: boolean;
  /** Gradient accumulation detected around the optimizer step. */
  accumulation: boolean;
  /** Data loaders iterated by the loops around the step. */
  loaders: Obj[];
  /** The module (or a module containing it) had its parameters frozen on some path: eval mode may be deliberate (linear probing). */
  frozen: boolean;
  /** A Keras `model.fit(...)` (Keras sets the training flag itself: never a mode finding). */
  keras?: boolean;
}

/** `model.train()` on a module with frozen (requires_grad=False) BatchNorm parameters. */
export interface FrozenTrainFact {
  site: Site;
  /** The module put in training mode. */
  obj: Obj;
  /** The frozen module and where it was frozen. */
  frozen: Obj;
  frozenAt: Site;
  via: Site[];
  /** The `.train()` statement, for inserting the BN-eval helper after it. */
  stmtSpan: Span;
  /** The name of the module put in training mode at the site (`net` in `net.train()`). */
  receiver: string;
  /**
   * The attribute path from the trained module to the frozen one (`[]`: the same module;
   * `['backbone']`: `receiver.backbone`), or null when it is not a chain of attributes. The
   * frozen module's name where the freeze is written may not exist where `.train()` is (a
   * helper that trains its parameter `net`).
   */
  frozenPath: string[] | null;
}

/** A `DataLoader(...)` construction. */
export interface LoaderFact {
  obj: Obj;
  site: Site;
  call: CallExpr;
  /** Possible values of `batch_size` (resolved), empty when unknown. */
  batchSize: Val[];
  /** The keyword or positional argument giving the batch size, or null for the default. */
  batchSizeArg: Keyword | null;
  /** Where to report the batch size (a keyword, or a positional argument such as the `8` of `ds.batch(8)`); null: the call. */
  batchSizeSpan: Span | null;
  /**
   * `pytorch`: a `DataLoader`. `keras`: `model.fit(x, y, batch_size=N)`, a `tf.data` `.batch(N)`,
   * a Keras dataset utility (`image_dataset_from_directory(batch_size=32)`) or an
   * `ImageDataGenerator.flow*(batch_size=32)`.
   */
  framework: 'pytorch' | 'keras';
  dropLast: Val[] | null;
  /** The dataset's length when known (a torchvision dataset of fixed size), else null. */
  datasetLength: number | null;
  /** `batch_sampler=` given: batch size is not this call's. */
  hasBatchSampler: boolean;
  /**
   * A `collate_fn` that merges examples instead of stacking them (graphs batched into one of
   * all their nodes): the rows a BatchNorm sees are not `batch_size` examples.
   */
  customCollate: boolean;
  /** Objects trained with batches from this loader (filled by training-step facts). */
  trains: Set<Obj>;
  /** Gradient accumulation seen around those steps. */
  accumulation: boolean;
}

/** A DistributedDataParallel wrap. */
export interface DdpFact {
  site: Site;
  call: CallExpr;
  obj: Obj;
  /** SyncBatchNorm conversion seen before the wrap on this object. */
  converted: boolean;
  /** Conversion seen after the wrap. */
  convertedAfter: Site | null;
  /** The innermost statement around the wrap (to insert the conversion before it). */
  stmtSpan: Span;
  /** The wrapped expression when it is a name or attribute chain (`model`, `self.net`), else ''. */
  argText: string;
  /** The wrapped expression's span (null when the wrap has no module argument). */
  argSpan: Span | null;
  /** The calls of helpers that led to a wrap inside one (`make_data_parallel(model)`), outermost last. */
  via?: Site[];
}

/** A Lightning `Trainer(...)` that fits a module. */
export interface LightningTrainerFact {
  site: Site;
  call: CallExpr;
  /** Multi-device DDP-like strategy. */
  distributed: boolean;
  syncBatchnorm: boolean | null;
  fits: Obj[];
}

/** `producer` feeds `consumer` directly (or through channel-preserving ops). */
export interface LayerPair {
  producer: Obj;
  consumer: Obj;
  how: 'direct' | 'preserving' | 'reshaped';
  /** Where the adjacency was seen (Sequential call, list display or forward()). */
  where: 'sequential' | 'forward';
  at: Site;
  /** forward(): the tensor the consumer was applied to (`reusedAfterLayer` says whether the producer's output also went elsewhere). */
  input?: TensorVal;
}

/** A BatchNorm call on a tensor that went through a recurrent/attention layer, or inside a time-step loop with one. */
export interface SequenceNormFact {
  norm: Obj;
  /** The recurrent or attention layer on the path. */
  seq: Obj;
  at: Site;
  why: 'after-sequence-layer' | 'time-step-loop';
  /** Keras: the norm is applied per time step by this wrapper (`TimeDistributed(BatchNormalization())`). */
  wrapper?: Obj;
}

/**
 * NL008 (Keras): a call that forces `training=True` inside a model definition (a layer's
 * `call()`, a functional model's construction): the layer or sub-model called uses batch
 * statistics even in `predict()`.
 */
export interface ForcedTrainingFact {
  site: Site;
  call: CallExpr;
  /** The layer, sub-model or application called. */
  obj: Obj;
  /** The `training=True` keyword. */
  flag: Keyword;
  /** The enclosing function (`call`, a model-building function), null at module level. */
  fn: FuncDef | null;
}

/**
 * NL008 (Keras): a model frozen with `model.trainable = False` called inside a model
 * definition without `training=` (the transfer-learning pattern that needs `training=False`).
 */
export interface FrozenBaseCallFact {
  site: Site;
  call: CallExpr;
  obj: Obj;
  /** The `trainable = False` assignment. */
  frozenAt: Site;
}

/**
 * NL002 (Keras, TensorFlow.js): a model or layer called in inference mode inside a gradient
 * computation (`with tf.GradientTape()`, `optimizer.minimize(() => ...)`, `tf.variableGrads`):
 * no `training` argument (both frameworks default to inference; an explicit `training=False`
 * is deliberate), or `model.predict(x)`.
 */
export interface InferenceInTrainingFact {
  site: Site;
  call: CallExpr;
  /** The model or layer called. */
  obj: Obj;
  /** The callee as written (`model`, `self.backbone`). */
  receiver: string;
  fn: FuncDef | null;
  /** Calls into project functions through which the fact was reached (outermost last). */
  via: Site[];
  /** A `model.predict(x)` call (inference by construction: no flag to add). */
  predict?: boolean;
  /** An explicit `training: false` (TensorFlow.js, in a closure that trains every variable). */
  flag?: Keyword;
  /**
   * The call is in a helper that a gradient computation calls (`loss = self._compute_loss(data)`
   * under the tape), not under the tape itself: the helper may also run outside training.
   */
  helper?: boolean;
  /**
   * The model's own training flag when its `call()` takes one but no `training` (`call(self, x,
   * is_training=False)`): the argument to pass, since Keras drops a `training` such a `call()`
   * does not accept.
   */
  flagName?: string;
}
