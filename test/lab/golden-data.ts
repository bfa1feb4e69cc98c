/**
 * Loader and types for BN Lab's golden files (`../shared/golden/` relative to the repository root):
 * `batchnorm_torch.json` (PyTorch 1.13.1, written by gen_torch_golden.py) and `batchnorm_tfjs.json`
 * (@tensorflow/tfjs 4.22.0). Only the fields the tests read are typed.
 */
import fs from 'node:fs';
import path from 'node:path';

const repoRoot = path.resolve(__dirname, '..', '..');

/** `/work/shared/golden` for a checkout at `/work/main`. */
export const GOLDEN_DIR = path.resolve(repoRoot, '..', 'shared', 'golden');

/** A float32 tensor, row-major, channels-first (PyTorch layout). */
export interface GTensor {
  readonly shape: number[];
  readonly data: number[];
}

export type TorchClass = 'BatchNorm1d' | 'BatchNorm2d' | 'BatchNorm3d';

export interface GTorchConfig {
  readonly class: TorchClass;
  readonly num_features: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly track_running_stats: boolean;
}

export interface GTorchState {
  readonly running_mean: GTensor | null;
  readonly running_var: GTensor | null;
  readonly num_batches_tracked: number | null;
}

export interface GSequenceStep {
  readonly step: number;
  readonly x: GTensor;
  readonly train_output: GTensor;
  readonly batch_mean: GTensor;
  readonly batch_var_biased: GTensor;
  readonly batch_var_unbiased: GTensor;
  readonly count_per_channel: number;
  readonly exponential_average_factor: number | null;
  readonly after: GTorchState;
  readonly eval_output_on_x_eval: GTensor;
}

export interface GSequenceCase {
  readonly name: string;
  readonly kind: 'sequence';
  readonly description: string;
  readonly config: GTorchConfig;
  readonly params: { readonly weight: GTensor | null; readonly bias: GTensor | null };
  readonly initial_state: GTorchState;
  readonly input_shape: number[];
  readonly x_eval: GTensor;
  readonly eval_output_before_training: GTensor;
  readonly steps: GSequenceStep[];
}

export interface GBackwardMode {
  readonly output: GTensor;
  readonly dx: GTensor;
  readonly dweight: GTensor | null;
  readonly dbias: GTensor | null;
  readonly state_after: GTorchState;
}

export interface GBackwardCase {
  readonly name: string;
  readonly kind: 'backward';
  readonly description: string;
  readonly config: GTorchConfig;
  readonly input_shape: number[];
  readonly x: GTensor;
  readonly upstream_grad: GTensor;
  readonly params: { readonly weight: GTensor | null; readonly bias: GTensor | null };
  readonly preset_state: GTorchState | null;
  readonly modes: { readonly train: GBackwardMode; readonly eval: GBackwardMode };
}

export interface GErrorAttempt {
  readonly label: string;
  readonly class: TorchClass;
  readonly num_features: number;
  readonly input_shape: number[];
  readonly mode: 'train' | 'eval';
  readonly raises: boolean;
  readonly exception_type?: string;
  readonly message?: string;
  readonly output?: GTensor;
  readonly state_after: GTorchState;
}

export interface GFrozenRecord {
  readonly label: 'frozen_requires_grad_false_train_mode';
  readonly class: TorchClass;
  readonly num_features: number;
  readonly x: GTensor;
  readonly output: GTensor;
  readonly state_after: GTorchState;
  readonly uses_batch_stats: boolean;
}

export interface GErrorsCase {
  readonly name: string;
  readonly kind: 'errors';
  readonly cases: Array<GErrorAttempt | GFrozenRecord>;
}

export interface GFoldingCase {
  readonly name: string;
  readonly kind: 'folding';
  readonly conv: {
    readonly kernel_size: number;
    readonly stride: number;
    readonly padding: number;
    readonly weight: GTensor;
    readonly bias_value: GTensor | null;
  };
  readonly bn: {
    readonly config: GTorchConfig;
    readonly weight: GTensor;
    readonly bias: GTensor;
    readonly running_mean: GTensor;
    readonly running_var: GTensor;
  };
  readonly x: GTensor;
  readonly output_conv_then_bn_eval: GTensor;
  readonly fused_weight: GTensor;
  readonly fused_bias: GTensor;
  readonly output_fused_conv: GTensor;
  readonly manual_fused_weight: GTensor;
  readonly manual_fused_bias: GTensor;
  readonly max_abs_diff: { readonly train_mode_bn_vs_eval_mode_bn: number };
}

export interface GComparisonOutput {
  readonly output: GTensor;
  readonly input?: 'x_2d';
  readonly normalized_shape?: number[];
  readonly num_groups?: number;
  readonly weight?: GTensor;
  readonly bias?: GTensor;
}

export interface GComparisonCase {
  readonly name: string;
  readonly kind: 'comparison';
  readonly x: GTensor;
  readonly x_2d: GTensor;
  readonly outputs: Record<string, GComparisonOutput>;
  readonly identities_max_abs: Record<string, number>;
}

export interface GProbe {
  readonly batch_size: number;
  readonly x: GTensor;
  readonly eval_output: GTensor;
  readonly eval_bn_output: GTensor;
  readonly train_output: GTensor | null;
  readonly train_bn_output: GTensor | null;
  readonly mean_abs_diff_output: number | null;
  readonly mean_abs_diff_bn_output: number | null;
  readonly train_mode_error: string | null;
}

export interface GDivergenceCase {
  readonly name: string;
  readonly kind: 'divergence';
  readonly hyper: { readonly K: number; readonly lr: number; readonly batch: number; readonly bn: GTorchConfig };
  readonly data: { readonly X_train: GTensor; readonly Y_train: GTensor; readonly X_heldout: GTensor; readonly Y_heldout: GTensor };
  readonly init_params: Record<'fc1.weight' | 'fc1.bias' | 'fc2.weight' | 'fc2.bias' | 'bn.weight' | 'bn.bias', GTensor>;
  readonly loss_per_step: number[];
  readonly final_params: Record<string, GTensor>;
  readonly final_num_batches_tracked: number;
  readonly eval_mse_heldout: number;
  readonly probes: Record<string, GProbe>;
}

export type GTorchCase = GSequenceCase | GBackwardCase | GErrorsCase | GFoldingCase | GComparisonCase | GDivergenceCase;

export interface TorchGolden {
  readonly meta: { readonly torch_version: string };
  readonly cases: GTorchCase[];
}

// ---------------------------------------------------------------- batchnorm_tfjs.json

/** An exception recorded from TensorFlow.js. */
export interface GTfjsError {
  readonly exception_type: string;
  readonly message: string;
  readonly rank?: number;
}

export interface GTfjsLayerConfig {
  readonly momentum?: number;
  readonly epsilon?: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly effective: { readonly momentum?: number; readonly epsilon?: number; readonly axis?: number; readonly center?: boolean; readonly scale?: boolean };
}

export interface GTfjsLayerRun {
  readonly layer_config: GTfjsLayerConfig;
  readonly steps: Array<{
    readonly step: number;
    readonly train_output: GTensor;
    readonly moving_mean: GTensor;
    readonly moving_variance: GTensor;
    readonly eval_output_on_x_eval: GTensor;
  }>;
  readonly eval_output_before_training?: GTensor;
  readonly error?: GTfjsError;
}

export interface GTfjsSequenceCase {
  readonly name: string;
  readonly kind: 'sequence';
  readonly torch_config: GTorchConfig;
  readonly input_shape: number[];
  readonly runs: {
    readonly keras_defaults: GTfjsLayerRun;
    readonly torch_matched_hparams: GTfjsLayerRun;
    readonly axis1_channels_first_layer_cpu?:
      | { readonly max_abs: { readonly train_output_vs_channels_last_run: number; readonly eval_output_vs_channels_last_run: number } }
      | { readonly error: GTfjsError };
  };
}

/** Max-abs differences to torch, or the error the path raised. */
export type GTfjsGradientPath =
  | { readonly error: GTfjsError }
  | { readonly output: number; readonly dx: number; readonly dweight: number | null; readonly dbias: number | null };

export interface GTfjsBackwardCase {
  readonly name: string;
  readonly kind: 'backward';
  readonly torch_config: GTorchConfig;
  readonly modes: Record<
    'train' | 'eval',
    { readonly max_abs_vs_torch: { readonly tfjs_layer_channels_last: GTfjsGradientPath; readonly tfjs_layer_channels_first_axis1: GTfjsGradientPath } }
  >;
}

export interface GTfjsErrorReplay {
  readonly label: string;
  readonly input_shape: number[];
  readonly mode: 'train' | 'eval';
  readonly rank: number;
  readonly tfjs_layer_config: { readonly axis: number };
  readonly tfjs_raises: boolean;
  readonly exception_type?: string;
  readonly message?: string;
  readonly output?: GTensor;
  readonly moving_mean?: GTensor;
  readonly moving_variance?: GTensor;
}

export interface GTfjsFoldingCase {
  readonly name: string;
  readonly kind: 'folding';
  readonly fused_weight: GTensor;
  readonly fused_bias: GTensor;
  readonly output_unfused: GTensor;
  readonly output_fused: GTensor;
}

export interface GTfjsComparisonCase {
  readonly name: string;
  readonly kind: 'comparison';
  readonly tfjs_layerNormalization: { readonly default_epsilon: number; readonly axis_123_default_eps_output: GTensor };
  readonly tfjs_has_groupNorm_or_instanceNorm_layer: boolean;
}

export interface GTfjsDivergenceCase {
  readonly name: string;
  readonly kind: 'divergence';
  readonly tfjs_layers_model_torch_matched_hparams: {
    readonly loss_per_step: number[];
    readonly moving_variance_over_torch_running_var: number[];
    readonly heldout_bs32_eval_output: GTensor;
  };
}

export type GTfjsCase =
  | GTfjsSequenceCase
  | GTfjsBackwardCase
  | { readonly name: string; readonly kind: 'errors'; readonly cases: GTfjsErrorReplay[] }
  | GTfjsFoldingCase
  | GTfjsComparisonCase
  | GTfjsDivergenceCase;

export interface TfjsBehaviours {
  readonly defaults: {
    readonly axis: number;
    readonly momentum: number;
    readonly epsilon: number;
    readonly center: boolean;
    readonly scale: boolean;
    readonly initializers: Record<'gamma' | 'beta' | 'moving_mean' | 'moving_variance', string>;
  };
  readonly momentum_null_becomes: number;
  readonly trainable_false_with_training_true: { readonly uses_batch_stats: boolean; readonly moving_stats_updated: boolean };
  readonly training_true_with_center_false: { readonly raises: boolean; readonly exception_type: string; readonly message: string };
  readonly training_true_with_scale_false: { readonly raises: boolean; readonly exception_type: string; readonly message: string };
  readonly training_true_with_affine_false: { readonly raises: boolean; readonly exception_type: string; readonly message: string };
  readonly training_batch_of_one: {
    readonly raises: boolean;
    readonly output: GTensor;
    readonly beta: number[];
    readonly moving_mean_after: GTensor;
    readonly moving_variance_after: GTensor;
  };
  readonly rank5_input: { readonly raises: boolean; readonly exception_type: string; readonly message: string };
  readonly rank5_input_inference: { readonly raises: boolean; readonly exception_type: string; readonly message: string };
  readonly epsilon_placement: Record<string, number | string>;
  readonly tf_moments_variance_of_1_2_3_4: { readonly value: number; readonly biased: number; readonly unbiased: number };
}

export interface TfjsGolden {
  readonly meta: { readonly tfjs_version: Record<string, string> };
  readonly tfjs_behaviours: TfjsBehaviours;
  readonly cases: GTfjsCase[];
}

/**
 * Reads a golden JSON file.
 *
 * @throws Error naming the expected location when the file is missing.
 */
export function loadGolden<T>(file: string): T {
  const full = path.join(GOLDEN_DIR, file);
  if (!fs.existsSync(full)) {
    throw new Error(
      `BN Lab golden file not found: ${full}. The goldens are read from ../shared/golden relative to the repository root ` +
        `(${repoRoot}); see shared/golden/SEMANTICS.md §5 to regenerate them.`,
    );
  }
  return JSON.parse(fs.readFileSync(full, 'utf8')) as T;
}

/** The cases of one kind, typed. */
export function casesOfKind<K extends GTorchCase['kind']>(golden: TorchGolden, kind: K): Array<Extract<GTorchCase, { kind: K }>> {
  return golden.cases.filter((c): c is Extract<GTorchCase, { kind: K }> => c.kind === kind);
}

/** The TensorFlow.js cases of one kind, typed. */
export function tfjsCasesOfKind<K extends GTfjsCase['kind']>(golden: TfjsGolden, kind: K): Array<Extract<GTfjsCase, { kind: K }>> {
  return golden.cases.filter((c): c is Extract<GTfjsCase, { kind: K }> => c.kind === kind);
}
