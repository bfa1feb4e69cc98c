/**
 * The BN Lab experiment configuration: a normalization layer's hyperparameters (as the language
 * server resolved them, or as typed in the standalone page), a seeded data distribution and the
 * simulation sizes. Pure data and helpers: no DOM, no tensors.
 */
import type { LayerInfo } from '../../../../server/src/protocol';
import { defaultBatchNormConfig, FRAMEWORK_FACTS } from '../core/frameworks';
import type { BatchNormConfig, Framework, SpatialDims } from '../core/types';

/**
 * A seeded per-channel Gaussian data distribution. Channel `c` has mean
 * `mean + channelSpread·std·u_c` and standard deviation `std·exp(channelSpread·v_c/2)`, with
 * `u_c, v_c ∈ [−1, 1]` drawn from the seed. Test data is the same distribution with every channel
 * mean moved by `shift` of its standard deviation.
 */
export interface Distribution {
  /** Average of the per-channel means. */
  readonly mean: number;
  /** Typical per-channel standard deviation (> 0). */
  readonly std: number;
  /** How much the channels differ from each other (0: all alike). */
  readonly channelSpread: number;
  /** Train → test shift of every channel mean, in units of that channel's standard deviation. */
  readonly shift: number;
}

/** What a simulated producer layer (before the BatchNorm) looks like. */
export interface ProducerInfo {
  /** `'conv'` (Conv1d/2d/3d) or `'linear'` (Linear/Dense). */
  readonly kind: 'conv' | 'linear';
  /** Whether it has a bias. */
  readonly bias: boolean;
}

/** Everything an experiment needs. Plain JSON (kept in the webview state). */
export interface LabConfig {
  readonly framework: Framework;
  /** PyTorch `BatchNorm{dims}d`; for Keras/TF.js the number of spatial axes of the input. */
  readonly dims: SpatialDims;
  /** Size of every spatial axis of the simulated input; `dims: 1` with `spatial: 1` is `[N, C]`. */
  readonly spatial: number;
  /** The layer's `num_features` (shown). */
  readonly numFeatures: number;
  /** Channels actually simulated: `min(numFeatures, MAX_SIMULATED_CHANNELS)` (BatchNorm channels are independent). */
  readonly channels: number;
  readonly eps: number;
  /** Momentum in the framework's own convention (`null`: PyTorch cumulative average; TF.js reads it as 0.99). */
  readonly momentum: number | null;
  /** PyTorch `affine`; Keras `center` and `scale`. */
  readonly affine: boolean;
  /** PyTorch `track_running_stats` (always true for Keras/TF.js). */
  readonly trackRunningStats: boolean;
  /** The batch size the experiments use. */
  readonly batchSize: number;
  /** The (smallest) training batch size normlint resolved from the code (NL004), or `null`. */
  readonly resolvedBatchSize: number | null;
  /** Training steps of the train/eval and momentum experiments. */
  readonly steps: number;
  readonly distribution: Distribution;
  /** Seed of every random draw (data, weights). */
  readonly seed: number;
  /** The layer before the BatchNorm (for folding), or `null` (a Conv for dims ≥ 2, a Linear otherwise, with bias). */
  readonly producer: ProducerInfo | null;
  /** The normalization class from the code (e.g. `torch.nn.BatchNorm2d`), shown in the header; `null` when typed in. */
  readonly layerClass: string | null;
}

/** Most channels simulated (more only slow the panel down: BatchNorm treats channels independently). */
export const MAX_SIMULATED_CHANNELS = 8;

/** Batch sizes of the batch-size sweep. */
export const SWEEP_BATCH_SIZES: readonly number[] = [1, 2, 4, 8, 16, 32, 64, 128, 256];

/** Largest accepted batch size. */
export const MAX_BATCH_SIZE = 256;

/** The default configuration: PyTorch `BatchNorm2d(16)` on 4×4 feature maps, batch size 32. */
export function defaultLabConfig(framework: Framework = 'pytorch'): LabConfig {
  const facts = FRAMEWORK_FACTS[framework];
  return {
    framework,
    dims: 2,
    spatial: 4,
    numFeatures: 16,
    channels: 8,
    eps: facts.defaultEps,
    momentum: facts.defaultMomentum,
    affine: true,
    trackRunningStats: true,
    batchSize: 32,
    resolvedBatchSize: null,
    steps: 40,
    distribution: { mean: 1.5, std: 2, channelSpread: 0.5, shift: 0 },
    seed: 1,
    producer: null,
    layerClass: null,
  };
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));
const finiteOr = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);

/**
 * Repairs a configuration typed by a user or restored from an older state: fills missing fields
 * from the defaults, clamps sizes to what the panel can simulate quickly, and keeps `channels`
 * consistent with `numFeatures`. Never throws.
 */
export function normalizeLabConfig(input: Partial<LabConfig> | null | undefined): LabConfig {
  const framework: Framework = input?.framework && input.framework in FRAMEWORK_FACTS ? input.framework : 'pytorch';
  const d = defaultLabConfig(framework);
  const c = { ...d, ...(input ?? {}) };
  const numFeatures = Math.round(clamp(finiteOr(c.numFeatures, d.numFeatures), 1, 1 << 16));
  const dims = (c.dims === 1 || c.dims === 2 || c.dims === 3 ? c.dims : d.dims) as SpatialDims;
  let momentum = c.momentum === null ? null : finiteOr(c.momentum, d.momentum ?? 0.1);
  if (momentum === null && (framework === 'keras2' || framework === 'keras3')) momentum = FRAMEWORK_FACTS[framework].defaultMomentum;
  const dist = { ...d.distribution, ...(c.distribution ?? {}) };
  const resolved = c.resolvedBatchSize === null || c.resolvedBatchSize === undefined ? null : Math.round(clamp(finiteOr(c.resolvedBatchSize, 1), 1, 1 << 20));
  return {
    framework,
    dims,
    spatial: Math.round(clamp(finiteOr(c.spatial, dims === 1 ? 1 : 4), 1, dims === 3 ? 4 : 8)),
    numFeatures,
    channels: Math.min(numFeatures, MAX_SIMULATED_CHANNELS),
    eps: clamp(finiteOr(c.eps, d.eps), 0, 1),
    momentum,
    affine: c.affine !== false,
    trackRunningStats: framework === 'pytorch' ? c.trackRunningStats !== false : true,
    batchSize: Math.round(clamp(finiteOr(c.batchSize, d.batchSize), 1, MAX_BATCH_SIZE)),
    resolvedBatchSize: resolved,
    steps: Math.round(clamp(finiteOr(c.steps, d.steps), 2, 200)),
    distribution: {
      mean: clamp(finiteOr(dist.mean, 0), -100, 100),
      std: clamp(finiteOr(dist.std, 1), 1e-3, 100),
      channelSpread: clamp(finiteOr(dist.channelSpread, 0), 0, 2),
      shift: clamp(finiteOr(dist.shift, 0), -10, 10),
    },
    seed: Math.round(finiteOr(c.seed, 1)) >>> 0,
    producer: c.producer ?? null,
    layerClass: c.layerClass ?? null,
  };
}

/**
 * The core BatchNorm configuration of a lab configuration, on the SIMULATED channel count.
 * Keras/TF.js use their default channels-last layout; `affine` maps to `center` and `scale`.
 */
export function batchNormConfigOf(cfg: LabConfig): BatchNormConfig {
  if (cfg.framework === 'pytorch') {
    return { ...defaultBatchNormConfig('pytorch', cfg.channels, cfg.dims), eps: cfg.eps, momentum: cfg.momentum, affine: cfg.affine, trackRunningStats: cfg.trackRunningStats };
  }
  return { ...defaultBatchNormConfig(cfg.framework, cfg.channels), eps: cfg.eps, momentum: cfg.momentum, center: cfg.affine, scale: cfg.affine };
}

/** Channels-first input shape `[N, C, …spatial]` of the simulated layer for a batch of `n`. */
export function inputShape(cfg: LabConfig, n: number): number[] {
  if (cfg.dims === 1 && cfg.spatial <= 1) return [n, cfg.channels];
  return [n, cfg.channels, ...Array.from({ length: cfg.dims }, () => cfg.spatial)];
}

/** Values per channel and sample (∏ spatial). */
export function spatialSize(cfg: LabConfig): number {
  return cfg.dims === 1 && cfg.spatial <= 1 ? 1 : cfg.spatial ** cfg.dims;
}

/** A framework's display name ("PyTorch", "Keras 3", …). */
export function frameworkName(framework: Framework): string {
  return { pytorch: 'PyTorch', keras2: 'Keras 2', keras3: 'Keras 3', tfjs: 'TensorFlow.js' }[framework];
}

/**
 * A lab configuration for a layer the language server resolved under the cursor. Values the
 * server could not resolve (non-constant arguments) keep the framework defaults; the data
 * distribution, seed and sizes of `base` are kept.
 */
export function labConfigFromLayer(layer: LayerInfo, base: LabConfig = defaultLabConfig()): LabConfig {
  const framework: Framework = layer.framework === 'pytorch' ? 'pytorch' : layer.framework === 'tfjs' ? 'tfjs' : 'keras3';
  const facts = FRAMEWORK_FACTS[framework];
  const arg = (...names: string[]): number | string | boolean | null | undefined => {
    for (const name of names) {
      const a = layer.args.find((x) => x.name === name);
      if (a && a.constant !== undefined) return a.constant;
    }
    return undefined;
  };
  const num = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
  const bool = (v: unknown, fallback: boolean): boolean => (typeof v === 'boolean' ? v : fallback);
  let momentum: number | null = facts.defaultMomentum;
  if (layer.momentum) {
    if (framework === 'pytorch') momentum = layer.momentum.cumulative ? null : (layer.momentum.torch ?? facts.defaultMomentum);
    else momentum = layer.momentum.keras ?? facts.defaultMomentum;
  } else {
    const m = arg('momentum');
    if (m === null && framework === 'pytorch') momentum = null;
    else momentum = num(m, facts.defaultMomentum);
  }
  const dims = (layer.dims === 1 || layer.dims === 2 || layer.dims === 3 ? layer.dims : base.dims) as SpatialDims;
  const producerQ = layer.producer?.q ?? '';
  const producer: ProducerInfo | null = layer.producer
    ? { kind: /conv/i.test(producerQ) ? 'conv' : 'linear', bias: layer.producer.bias ?? true }
    : null;
  const resolved = layer.batchSizes.length > 0 ? Math.min(...layer.batchSizes) : null;
  const affine = framework === 'pytorch' ? bool(arg('affine'), true) : bool(arg('scale'), true) && bool(arg('center'), true);
  return normalizeLabConfig({
    ...base,
    framework,
    dims,
    spatial: dims === base.dims ? base.spatial : dims === 1 ? (producer?.kind === 'conv' ? 8 : 1) : 4,
    numFeatures: Math.round(num(arg('num_features', 'num_channels', 'normalized_shape'), base.numFeatures)),
    eps: num(arg('eps', 'epsilon'), facts.defaultEps),
    momentum,
    affine,
    trackRunningStats: bool(arg('track_running_stats'), true),
    batchSize: resolved !== null ? Math.min(resolved, MAX_BATCH_SIZE) : base.batchSize,
    resolvedBatchSize: resolved,
    producer,
    layerClass: layer.q,
  });
}
