/**
 * What each panel view shows: its title, rule, charts (as {@link ChartSpec}s) and data table
 * (the text alternative), derived from an experiment result. No DOM access.
 */
import { COMPOSITIONS, type AllResults, type LabConfig, type ViewId } from '../experiments';
import { short, type ChartSpec } from './charts';

/** A data table: the accessible text alternative of a view's charts. */
export interface DataTable {
  readonly caption: string;
  readonly head: readonly string[];
  readonly rows: readonly (readonly (string | number | null)[])[];
}

/** One rendered view. */
export interface ViewModel {
  readonly takeaway: string;
  readonly error: boolean;
  readonly charts: readonly { readonly title: string; readonly spec: ChartSpec }[];
  readonly tables: readonly DataTable[];
}

/** Static description of a view. */
export interface ViewMeta {
  readonly id: ViewId;
  readonly title: string;
  /** normlint rule the view illustrates, if any. */
  readonly rule: string | null;
  /** One line under the title: what is simulated. */
  readonly what: string;
}

/** The views in display order. */
export const VIEWS: readonly ViewMeta[] = [
  { id: 'trainEval', title: 'Train vs eval', rule: null, what: 'Train-mode vs eval-mode outputs on a fixed test batch as training steps go by.' },
  { id: 'batchSweep', title: 'Batch-size sweep', rule: 'NL004', what: 'Noise of the batch statistics and the train/eval gap against batch size.' },
  { id: 'momentum', title: 'Momentum', rule: 'NL007', what: "Running statistics under the code's momentum and under the other framework's reading of the same number." },
  { id: 'forgotEval', title: 'Forgot eval()', rule: 'NL001', what: "One example's prediction inside batches of different size and composition." },
  { id: 'alternatives', title: 'Alternatives', rule: 'NL005', what: 'BatchNorm vs LayerNorm vs GroupNorm vs InstanceNorm on the same input at the chosen batch size.' },
  { id: 'folding', title: 'Folding', rule: null, what: 'The eval-mode BatchNorm folded into the layer before it (inference deployment).' },
];

const pick = <T,>(values: readonly T[], max: number): number[] => {
  if (values.length <= max) return values.map((_, i) => i);
  const step = (values.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => Math.round(i * step));
};

/** Stepped-line data for a histogram: left bin edges plus a closing edge, each series ending at its last bin's value. */
function histogramSteps(centers: number[], ...series: number[][]): [number[], ...number[][]] {
  const w = centers.length > 1 ? centers[1]! - centers[0]! : 1;
  const edges = [...centers.map((c) => c - w / 2), centers[centers.length - 1]! + w / 2];
  return [edges, ...series.map((s) => [...s, s[s.length - 1]!])];
}

/** Builds the view model of one view from its result. */
export function viewModel(id: ViewId, r: AllResults, cfg: LabConfig): ViewModel {
  switch (id) {
    case 'trainEval': {
      const t = r.trainEval;
      if (t.error) return { takeaway: t.takeaway, error: true, charts: [], tables: [] };
      return {
        takeaway: t.takeaway,
        error: false,
        charts: [
          {
            title: 'Mean |train − eval| output gap per step',
            spec: { xLabel: 'step', yLabel: 'mean |gap|', series: [{ label: 'gap', color: 0 }], data: [t.steps, t.gap], yZero: true },
          },
          {
            title: `Output distribution after ${cfg.steps} steps (test batch)`,
            spec: {
              xLabel: 'output value',
              yLabel: 'fraction',
              series: [
                { label: 'train mode', color: 0, style: 'step' },
                { label: 'eval mode', color: 1, style: 'step' },
              ],
              data: histogramSteps(t.histogram.centers, t.histogram.train, t.histogram.eval),
              yZero: true,
            },
          },
        ],
        tables: [
          { caption: 'Train/eval gap by step', head: ['step', 'mean |train − eval|'], rows: pick(t.steps, 11).map((i) => [t.steps[i]!, short(t.gap[i])]) },
          {
            caption: 'Output histogram (fraction of values per bin)',
            head: ['bin centre', 'train mode', 'eval mode'],
            rows: pick(t.histogram.centers, 16).map((i) => [short(t.histogram.centers[i]), short(t.histogram.train[i]), short(t.histogram.eval[i])]),
          },
        ],
      };
    }
    case 'batchSweep': {
      const b = r.batchSweep;
      const markers = [{ x: b.batchSize, label: `chosen ${b.batchSize}`, color: 2 }];
      if (b.resolvedBatchSize !== null) markers.unshift({ x: Math.min(256, b.resolvedBatchSize), label: `code ${b.resolvedBatchSize}`, color: 4 });
      return {
        takeaway: b.takeaway,
        error: b.gap.every((g) => g === null),
        charts: [
          {
            title: 'Train/eval gap and batch-statistics noise',
            spec: {
              xLabel: 'batch size',
              yLabel: 'value',
              xLog: 2,
              series: [
                { label: 'mean |train − eval|', color: 0 },
                { label: 'batch-mean error (σ)', color: 1 },
                { label: 'batch-var error (rel.)', color: 3 },
                { label: '1/√n', color: 1, style: 'dash' },
              ],
              data: [b.sizes, b.gap, b.meanSpread, b.varSpread, b.expectedMeanSpread],
              markers,
              yZero: true,
            },
          },
        ],
        tables: [
          {
            caption: `Per batch size (${b.repeats} batches each)`,
            head: ['batch size', 'mean |train − eval|', 'batch-mean error (σ)', 'batch-var error', 'note'],
            rows: b.sizes.map((n, i) => [n, short(b.gap[i]), short(b.meanSpread[i]), short(b.varSpread[i]), b.errors[i] ?? (n === b.resolvedBatchSize ? 'batch size in the code' : '')]),
          },
        ],
      };
    }
    case 'momentum': {
      const m = r.momentum;
      const other = m.other;
      const constant = (v: number): number[] => m.steps.map(() => v);
      const meanSeries = [
        { label: 'true mean', color: 2, style: 'dash' as const },
        { label: 'batch mean', color: 3, style: 'points' as const },
        { label: `code: ${m.code.label}`, color: 0 },
        ...(other ? [{ label: `read as ${other.label}`, color: 1 }] : []),
      ];
      const varSeries = [
        { label: 'true variance', color: 2, style: 'dash' as const },
        { label: 'code', color: 0 },
        ...(other ? [{ label: 'other reading', color: 1 }] : []),
      ];
      return {
        takeaway: m.takeaway,
        error: false,
        charts: [
          {
            title: 'Running mean of channel 0',
            spec: { xLabel: 'step', yLabel: 'mean', series: meanSeries, data: [m.steps, constant(m.trueMean), m.batchMean, m.code.runningMean, ...(other ? [other.runningMean] : [])] },
          },
          {
            title: 'Running variance of channel 0',
            spec: { xLabel: 'step', yLabel: 'variance', series: varSeries, data: [m.steps, constant(m.trueVar), m.code.runningVar, ...(other ? [other.runningVar] : [])], yZero: true },
          },
        ],
        tables: [
          {
            caption: `Channel 0 (true mean ${short(m.trueMean)}, true variance ${short(m.trueVar)})`,
            head: ['step', 'batch mean', 'running mean (code)', ...(other ? ['running mean (other reading)'] : []), 'running var (code)', ...(other ? ['running var (other reading)'] : [])],
            rows: pick(m.steps, 11).map((i) => [
              m.steps[i]!,
              short(m.batchMean[i]),
              short(m.code.runningMean[i]),
              ...(other ? [short(other.runningMean[i])] : []),
              short(m.code.runningVar[i]),
              ...(other ? [short(other.runningVar[i])] : []),
            ]),
          },
        ],
      };
    }
    case 'forgotEval': {
      const f = r.forgotEval;
      const series = [
        ...COMPOSITIONS.map((c, i) => ({ label: `train, ${c.label.replace(/^with /, '')}`, color: i === 0 ? 0 : i === 1 ? 3 : 1 })),
        { label: 'eval (any batch)', color: 2, style: 'dash' as const },
      ];
      return {
        takeaway: f.takeaway,
        error: f.error !== null && Object.values(f.train).flat().every((v) => v === null),
        charts: [
          {
            title: 'Prediction for the same example',
            spec: {
              xLabel: 'batch size',
              yLabel: 'prediction',
              xLog: 2,
              series,
              data: [f.sizes, ...COMPOSITIONS.map((c) => f.train[c.id]), f.eval.typical],
            },
          },
        ],
        tables: [
          {
            caption: 'Prediction for the same example in each batch',
            head: ['batch size', ...COMPOSITIONS.map((c) => `train, ${c.label}`), 'eval (all batches)'],
            rows: f.sizes.map((n, i) => [n, ...COMPOSITIONS.map((c) => short(f.train[c.id][i])), short(f.eval.typical[i])]),
          },
        ],
      };
    }
    case 'alternatives': {
      const a = r.alternatives;
      const names = a.rows.map((row) => row.name);
      const x = names.map((_, i) => i);
      return {
        takeaway: a.takeaway,
        error: false,
        charts: [
          {
            title: `Dependence on the rest of the batch (batch size ${a.batchSize})`,
            spec: { xLabel: 'normalization', yLabel: 'std across batches', xTicks: names, series: [{ label: 'batch dependence', color: 0, style: 'bars' }], data: [x, a.rows.map((row) => row.batchDependence)], yZero: true },
          },
          {
            title: 'Train/eval gap',
            spec: { xLabel: 'normalization', yLabel: 'mean |train − eval|', xTicks: names, series: [{ label: 'train/eval gap', color: 1, style: 'bars' }], data: [x, a.rows.map((row) => row.trainEvalGap)], yZero: true },
          },
        ],
        tables: [
          {
            caption: `One example in ${a.batches} batches of ${a.batchSize}`,
            head: ['normalization', 'batch dependence', 'train/eval gap', 'note'],
            rows: a.rows.map((row) => [row.name, short(row.batchDependence), short(row.trainEvalGap), row.error ?? '']),
          },
        ],
      };
    }
    case 'folding': {
      const f = r.folding;
      if (f.error) return { takeaway: f.takeaway, error: true, charts: [], tables: [] };
      return {
        takeaway: f.takeaway,
        error: false,
        charts: [
          {
            title: `Folded ${f.producer} vs ${f.producer} → BatchNorm`,
            spec: {
              xLabel: 'unfolded eval output',
              yLabel: 'output',
              series: [
                { label: 'folded', color: 0, style: 'points' },
                { label: 'train-mode BN', color: 1, style: 'points' },
                { label: 'y = x', color: 2, style: 'dash' },
              ],
              data: [f.unfolded, f.folded, f.trainMode, f.unfolded],
            },
          },
          {
            title: 'Max |folded − unfolded| per channel',
            spec: {
              xLabel: 'channel',
              yLabel: 'max |diff|',
              xTicks: f.channelMaxDiff.map((_, i) => String(i)),
              series: [{ label: 'max |diff|', color: 0, style: 'bars' }],
              data: [f.channelMaxDiff.map((_, i) => i), f.channelMaxDiff],
              yZero: true,
            },
          },
        ],
        tables: [
          {
            caption: `Folding into ${f.producer}: max difference ${short(f.maxDiff)}`,
            head: ['channel', 'max |folded − unfolded|'],
            rows: f.channelMaxDiff.map((d, i) => [i, short(d)]),
          },
        ],
      };
    }
  }
}
