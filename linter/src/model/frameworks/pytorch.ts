/**
 * PyTorch facts as data: layer classes, their constructor signatures and defaults, and the
 * calls that matter to train/eval mode analysis.
 *
 * Source: PyTorch 2.5 documentation, `torch.nn` (https://pytorch.org/docs/2.5/nn.html), class
 * signatures as printed there; unchanged in these parameters since PyTorch 1.x (checked
 * against the Debian python3-torch 1.13 sources).
 */
import { canonicalKerasName } from './keras';

/** What a layer class is, for the rules. */
export type LayerKind =
  | 'batchnorm'
  | 'groupnorm'
  | 'instancenorm'
  | 'layernorm'
  | 'conv'
  | 'convtranspose'
  | 'linear'
  | 'dropout'
  | 'recurrent'
  | 'attention'
  | 'activation'
  | 'pool'
  | 'flatten'
  | 'identity'
  | 'container'
  /** A Keras functional model (`keras.Model(inputs, outputs)`): an opaque block whose children are the layers on its paths. */
  | 'model'
  /** A Keras layer that changes the shape or mixes inputs (Reshape, Embedding, Add, Lambda...), or one normlint does not model: it ends adjacency. */
  | 'other';

/** The frameworks whose layers normlint models in Python. */
export type LayerFramework = 'pytorch' | 'keras';

/** A parameter of a constructor signature; `def` is the default as Python source, absent if required. */
export interface ParamSpec {
  name: string;
  def?: string;
}

export interface LayerSpec {
  kind: LayerKind;
  /** The framework the class belongs to (Keras layers: `../frameworks/keras.ts`). */
  framework: LayerFramework;
  /**
   * Spatial dimensionality the layer expects: BatchNorm1d/Conv1d → 1 (`[N, C, L]`, also
   * `[N, C]` for BatchNorm1d), 2d → 2 (`[N, C, H, W]`), 3d → 3 (`[N, C, D, H, W]`); Linear → 0
   * (`[N, *, F]`); null when it adapts to any input.
   */
  dims: number | null;
  /** Positional-or-keyword parameters in order (keyword-only ones follow a `*` entry). */
  params: ParamSpec[];
  /** BatchNorm family: `Lazy*` variants infer `num_features`. */
  lazy?: boolean;
  /**
   * The constructor parameter that gives the output channels (`out_channels`, `out_features`;
   * Keras `filters`, `units`); absent when the output channels follow the input (Keras
   * `DepthwiseConv2D`).
   */
  outParam?: string;
  /** The constructor parameter that switches the bias (`bias` in PyTorch, `use_bias` in Keras). */
  biasParam?: string;
  /** Keras wrappers (`TimeDistributed`, `Bidirectional`): the wrapped layer is the first argument. */
  wrapper?: boolean;
  /** The layer reduces the time/spatial axes away (global pooling, Flatten): what follows is no longer a sequence. */
  reduces?: boolean;
}

const BN_PARAMS: ParamSpec[] = [
  { name: 'num_features' },
  { name: 'eps', def: '1e-05' },
  { name: 'momentum', def: '0.1' },
  { name: 'affine', def: 'True' },
  { name: 'track_running_stats', def: 'True' },
  { name: 'device', def: 'None' },
  { name: 'dtype', def: 'None' },
];
const LAZY_BN_PARAMS: ParamSpec[] = BN_PARAMS.slice(1);
const IN_PARAMS: ParamSpec[] = [
  { name: 'num_features' },
  { name: 'eps', def: '1e-05' },
  { name: 'momentum', def: '0.1' },
  { name: 'affine', def: 'False' },
  { name: 'track_running_stats', def: 'False' },
  { name: 'device', def: 'None' },
  { name: 'dtype', def: 'None' },
];
const CONV_PARAMS: ParamSpec[] = [
  { name: 'in_channels' },
  { name: 'out_channels' },
  { name: 'kernel_size' },
  { name: 'stride', def: '1' },
  { name: 'padding', def: '0' },
  { name: 'dilation', def: '1' },
  { name: 'groups', def: '1' },
  { name: 'bias', def: 'True' },
  { name: 'padding_mode', def: "'zeros'" },
  { name: 'device', def: 'None' },
  { name: 'dtype', def: 'None' },
];
const CONVT_PARAMS: ParamSpec[] = [
  { name: 'in_channels' },
  { name: 'out_channels' },
  { name: 'kernel_size' },
  { name: 'stride', def: '1' },
  { name: 'padding', def: '0' },
  { name: 'output_padding', def: '0' },
  { name: 'groups', def: '1' },
  { name: 'bias', def: 'True' },
  { name: 'dilation', def: '1' },
  { name: 'padding_mode', def: "'zeros'" },
  { name: 'device', def: 'None' },
  { name: 'dtype', def: 'None' },
];
const LAZY_CONV_PARAMS: ParamSpec[] = CONV_PARAMS.slice(1);
const LINEAR_PARAMS: ParamSpec[] = [
  { name: 'in_features' },
  { name: 'out_features' },
  { name: 'bias', def: 'True' },
  { name: 'device', def: 'None' },
  { name: 'dtype', def: 'None' },
];
const DROPOUT_PARAMS: ParamSpec[] = [{ name: 'p', def: '0.5' }, { name: 'inplace', def: 'False' }];

const T = 'torch.nn.';
type Draft = Omit<LayerSpec, 'framework'>;
const table: Record<string, Draft> = {};
for (const d of [1, 2, 3]) {
  table[`${T}BatchNorm${d}d`] = { kind: 'batchnorm', dims: d, params: BN_PARAMS };
  table[`${T}LazyBatchNorm${d}d`] = { kind: 'batchnorm', dims: d, params: LAZY_BN_PARAMS, lazy: true };
  table[`${T}InstanceNorm${d}d`] = { kind: 'instancenorm', dims: d, params: IN_PARAMS };
  table[`${T}LazyInstanceNorm${d}d`] = { kind: 'instancenorm', dims: d, params: IN_PARAMS.slice(1), lazy: true };
  table[`${T}Conv${d}d`] = { kind: 'conv', dims: d, params: CONV_PARAMS };
  table[`${T}LazyConv${d}d`] = { kind: 'conv', dims: d, params: LAZY_CONV_PARAMS, lazy: true };
  table[`${T}ConvTranspose${d}d`] = { kind: 'convtranspose', dims: d, params: CONVT_PARAMS };
  table[`${T}Dropout${d}d`] = { kind: 'dropout', dims: d, params: DROPOUT_PARAMS };
  for (const p of ['MaxPool', 'AvgPool', 'AdaptiveAvgPool', 'AdaptiveMaxPool']) {
    table[`${T}${p}${d}d`] = { kind: 'pool', dims: d, params: [] };
  }
}
table[`${T}SyncBatchNorm`] = {
  kind: 'batchnorm',
  dims: null,
  params: [...BN_PARAMS.slice(0, 5), { name: 'process_group', def: 'None' }, { name: 'device', def: 'None' }, { name: 'dtype', def: 'None' }],
};
table[`${T}GroupNorm`] = {
  kind: 'groupnorm',
  dims: null,
  params: [{ name: 'num_groups' }, { name: 'num_channels' }, { name: 'eps', def: '1e-05' }, { name: 'affine', def: 'True' }, { name: 'device', def: 'None' }, { name: 'dtype', def: 'None' }],
};
table[`${T}LayerNorm`] = {
  kind: 'layernorm',
  dims: null,
  params: [{ name: 'normalized_shape' }, { name: 'eps', def: '1e-05' }, { name: 'elementwise_affine', def: 'True' }, { name: 'bias', def: 'True' }],
};
table[`${T}RMSNorm`] = { kind: 'layernorm', dims: null, params: [{ name: 'normalized_shape' }, { name: 'eps', def: 'None' }, { name: 'elementwise_affine', def: 'True' }] };
table[`${T}Linear`] = { kind: 'linear', dims: 0, params: LINEAR_PARAMS };
table[`${T}LazyLinear`] = { kind: 'linear', dims: 0, params: LINEAR_PARAMS.slice(1), lazy: true };
table[`${T}Dropout`] = { kind: 'dropout', dims: null, params: DROPOUT_PARAMS };
table[`${T}AlphaDropout`] = { kind: 'dropout', dims: null, params: DROPOUT_PARAMS };
table[`${T}FeatureAlphaDropout`] = { kind: 'dropout', dims: null, params: DROPOUT_PARAMS };
for (const r of ['RNN', 'LSTM', 'GRU', 'RNNCell', 'LSTMCell', 'GRUCell']) {
  table[`${T}${r}`] = { kind: 'recurrent', dims: null, params: [{ name: 'input_size' }, { name: 'hidden_size' }] };
}
for (const a of ['MultiheadAttention', 'Transformer', 'TransformerEncoder', 'TransformerDecoder', 'TransformerEncoderLayer', 'TransformerDecoderLayer']) {
  table[`${T}${a}`] = { kind: 'attention', dims: null, params: [] };
}
for (const a of ['ReLU', 'ReLU6', 'LeakyReLU', 'PReLU', 'ELU', 'SELU', 'CELU', 'GELU', 'SiLU', 'Mish', 'Sigmoid', 'Tanh', 'Hardswish', 'Hardsigmoid', 'Hardtanh', 'Softplus']) {
  table[`${T}${a}`] = { kind: 'activation', dims: null, params: [] };
}
table[`${T}Identity`] = { kind: 'identity', dims: null, params: [] };
table[`${T}Flatten`] = { kind: 'flatten', dims: null, params: [] };
for (const c of ['Sequential', 'ModuleList', 'ModuleDict']) table[`${T}${c}`] = { kind: 'container', dims: null, params: [] };

const specs: Record<string, LayerSpec> = {};
for (const [q, spec] of Object.entries(table)) {
  specs[q] = { ...spec, framework: 'pytorch' };
  if (spec.kind === 'conv' || spec.kind === 'convtranspose') specs[q] = { ...specs[q], outParam: 'out_channels', biasParam: 'bias' };
  if (spec.kind === 'linear') specs[q] = { ...specs[q], outParam: 'out_features', biasParam: 'bias' };
}

/** Layer classes by canonical qualified name (`torch.nn.BatchNorm2d`). */
export const TORCH_LAYERS: Readonly<Record<string, LayerSpec>> = specs;

/**
 * Canonicalize a qualified name: `torch.nn.modules.batchnorm.BatchNorm2d` and
 * `torch.nn.modules.BatchNorm2d` → `torch.nn.BatchNorm2d`; `torch.nn.parallel.distributed.X` →
 * `torch.nn.parallel.X`. Keras names (`tensorflow.keras.layers.Dense`, `tf_keras.…`) are
 * canonicalized by {@link canonicalKerasName} (`keras.layers.Dense`).
 */
export function canonicalTorchName(q: string): string {
  // Most names start with neither `k` nor `t` (`builtins.`, `self`-less project names...): one
  // character test before any prefix comparison (this runs for every external call).
  const c = q.charCodeAt(0);
  if (c !== 107 && c !== 116) return q;
  if (q.startsWith('keras') || q.startsWith('tensorflow') || q.startsWith('tf_keras') || q.startsWith('tfjs')) return canonicalKerasName(q);
  if (q.startsWith('torch.nn.modules.')) return T + q.slice(q.lastIndexOf('.') + 1);
  if (q.startsWith('torch.nn.parallel.distributed.') || q.startsWith('torch.nn.parallel.data_parallel.')) {
    return 'torch.nn.parallel.' + q.slice(q.lastIndexOf('.') + 1);
  }
  if (q === 'torch.nn.parallel.DistributedDataParallel') return 'torch.nn.parallel.DistributedDataParallel';
  return q;
}

/** The spec of a layer class, or undefined. */
export function torchLayer(q: string): LayerSpec | undefined {
  return TORCH_LAYERS[canonicalTorchName(q)];
}

/** `nn.Module` base classes (a class deriving from one of these is a module). */
export const MODULE_BASES: ReadonlySet<string> = new Set([
  'torch.nn.Module',
  'torch.nn.Sequential',
  'torch.nn.ModuleList',
  'torch.nn.ModuleDict',
  'pytorch_lightning.LightningModule',
  'lightning.LightningModule',
  'lightning.pytorch.LightningModule',
  'pytorch_lightning.core.LightningModule',
  'pytorch_lightning.core.lightning.LightningModule',
]);

/** Lightning base classes: modes are managed by the Trainer (NL002 exempt in `training_step`). */
export const LIGHTNING_BASES: ReadonlySet<string> = new Set([
  'pytorch_lightning.LightningModule',
  'lightning.LightningModule',
  'lightning.pytorch.LightningModule',
  'pytorch_lightning.core.LightningModule',
  'pytorch_lightning.core.lightning.LightningModule',
]);

/** Wrappers whose result runs the wrapped module (same BatchNorm layers, same mode). */
export const DDP_WRAPPERS: ReadonlySet<string> = new Set([
  'torch.nn.parallel.DistributedDataParallel',
  'torch.nn.DistributedDataParallel',
]);
export const MODULE_WRAPPERS: ReadonlySet<string> = new Set([
  ...DDP_WRAPPERS,
  'torch.nn.DataParallel',
  'torch.nn.parallel.DataParallel',
  'torch.compile',
  'apex.parallel.DistributedDataParallel',
  'torch.distributed.fsdp.FullyShardedDataParallel',
]);

/** Methods of `nn.Module` that return the module itself (`model = model.to(device)`). */
export const SELF_RETURNING_METHODS: ReadonlySet<string> = new Set([
  'to', 'cuda', 'cpu', 'float', 'half', 'double', 'bfloat16', 'train', 'eval', 'requires_grad_', 'apply', 'to_empty', 'type', 'share_memory', 'xpu', 'mps',
]);

/** Functions that convert BatchNorm to SyncBatchNorm and return the converted module. */
export const SYNC_BN_CONVERTERS: ReadonlySet<string> = new Set([
  'torch.nn.SyncBatchNorm.convert_sync_batchnorm',
  'apex.parallel.convert_syncbn_model',
  // timm 1.0 timm/layers/norm_act.py (re-exported from timm.layers and timm.models.layers)
  'timm.layers.convert_sync_batchnorm',
  'timm.layers.norm_act.convert_sync_batchnorm',
  'timm.models.layers.convert_sync_batchnorm',
]);

/** Context managers under which a forward call is inference (no autograd graph). */
export const NO_GRAD_CONTEXTS: ReadonlySet<string> = new Set([
  'torch.no_grad',
  'torch.inference_mode',
  'torch.autograd.no_grad',
  'torch.autograd.grad_mode.no_grad',
  'torch.autograd.grad_mode.inference_mode',
]);

/** Calls that freeze the module's current mode into an exported artifact. */
export const EXPORT_CALLS: ReadonlySet<string> = new Set([
  // PyTorch ≥ 2.9 exports the current mode (dynamo=True is the default); with `dynamo=False`
  // the legacy exporter switches to eval unless `training=` says otherwise (handled in interp).
  'torch.onnx.export',
  'torch.jit.trace',
  'torch.export.export',
  'torch.onnx.dynamo_export',
  // `torch.jit.script` is not here: it keeps the `training` flag and honours a later `.eval()`.
]);

/** `torch.load` and friends: loading a whole pickled module gives a module in the mode it was saved in. */
export const WHOLE_MODULE_LOADERS: ReadonlySet<string> = new Set(['torch.load', 'torch.jit.load', 'torch.hub.load']);

/** The DataLoader class (batch sizes for NL004). */
export const DATALOADER = 'torch.utils.data.DataLoader';
export const DATALOADER_PARAMS: ParamSpec[] = [
  { name: 'dataset' },
  { name: 'batch_size', def: '1' },
  { name: 'shuffle', def: 'None' },
  { name: 'sampler', def: 'None' },
  { name: 'batch_sampler', def: 'None' },
  { name: 'num_workers', def: '0' },
  { name: 'collate_fn', def: 'None' },
  { name: 'pin_memory', def: 'False' },
  { name: 'drop_last', def: 'False' },
];

/** Lightning Trainer classes (NL006 `sync_batchnorm`). */
export const LIGHTNING_TRAINERS: ReadonlySet<string> = new Set([
  'pytorch_lightning.Trainer',
  'lightning.Trainer',
  'lightning.pytorch.Trainer',
  'pytorch_lightning.trainer.Trainer',
]);

/**
 * Packages always resolved as external, even when their sources are part of the project (a
 * checkout of torchvision): their facts come from these tables.
 */
export const EXTERNAL_PACKAGES: ReadonlySet<string> = new Set(['torch', 'torchvision', 'timm', 'tensorflow', 'keras', 'tf_keras', 'pytorch_lightning', 'lightning', 'apex', 'accelerate', 'tfjs']);

/**
 * Sizes of torchvision datasets whose length is fixed, by split: `train=True/False` (or
 * `split=`). Source: torchvision 0.20 dataset docs and the datasets' own papers (MNIST family:
 * 60,000/10,000; CIFAR: 50,000/10,000; SVHN: 73,257 train, 26,032 test, 531,131 extra;
 * STL10: 5,000 train, 8,000 test, 100,000 unlabeled).
 */
export const DATASET_SIZES: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  'torchvision.datasets.MNIST': { train: 60000, test: 10000 },
  'torchvision.datasets.FashionMNIST': { train: 60000, test: 10000 },
  'torchvision.datasets.KMNIST': { train: 60000, test: 10000 },
  'torchvision.datasets.CIFAR10': { train: 50000, test: 10000 },
  'torchvision.datasets.CIFAR100': { train: 50000, test: 10000 },
  'torchvision.datasets.SVHN': { train: 73257, test: 26032, extra: 531131 },
  'torchvision.datasets.STL10': { train: 5000, test: 8000, unlabeled: 100000 },
};
