/**
 * uPlot charts of the BN Lab panel: themed from VS Code's CSS variables, sized to their container,
 * with optional vertical markers (e.g. the batch size normlint resolved from the code).
 */
import uPlot from 'uplot';

/** A colour palette read from the theme. */
export interface Palette {
  readonly fg: string;
  readonly grid: string;
  readonly series: readonly string[];
}

/** Reads chart colours from VS Code's theme variables (`--vscode-charts-*`), with fallbacks. */
export function readPalette(): Palette {
  const css = getComputedStyle(document.body);
  const v = (name: string, fallback: string): string => css.getPropertyValue(name).trim() || fallback;
  const dark = document.body.classList.contains('vscode-dark') || document.body.classList.contains('vscode-high-contrast') || (document.body.classList.contains('standalone') && matchMedia('(prefers-color-scheme: dark)').matches);
  return {
    fg: v('--vscode-charts-foreground', v('--lab-fg', dark ? '#e6edf3' : '#1f2328')),
    grid: v('--vscode-charts-lines', dark ? 'rgba(255,255,255,0.12)' : 'rgba(0,0,0,0.10)'),
    series: [
      v('--vscode-charts-blue', '#3b82f6'),
      v('--vscode-charts-orange', '#e8710a'),
      v('--vscode-charts-green', '#2da44e'),
      v('--vscode-charts-purple', '#8250df'),
      v('--vscode-charts-red', '#cf222e'),
      v('--vscode-charts-yellow', '#bf8700'),
    ],
  };
}

/** One plotted series. */
export interface SeriesSpec {
  readonly label: string;
  /** Index into the palette. */
  readonly color: number;
  /** `'line'` (default), `'points'` (no line), `'step'` (histogram outline; x = left bin edges), `'bars'`, `'dash'` (dashed line). */
  readonly style?: 'line' | 'points' | 'step' | 'bars' | 'dash';
  /** Legend value formatter. */
  readonly format?: (v: number | null) => string;
}

/** A vertical marker line at an x value, labelled. */
export interface Marker {
  readonly x: number;
  readonly label: string;
  readonly color: number;
}

/** Everything needed to (re)draw a chart. */
export interface ChartSpec {
  readonly xLabel: string;
  readonly yLabel: string;
  /** `2`: log₂ x axis. */
  readonly xLog?: 2;
  /** Axis labels for integer x positions (categorical charts). */
  readonly xTicks?: readonly string[];
  readonly series: readonly SeriesSpec[];
  /** `[x, ...ys]`; x ascending. */
  readonly data: [number[], ...(number | null)[][]];
  readonly markers?: readonly Marker[];
  /** Include 0 on the y axis. */
  readonly yZero?: boolean;
}

const HEIGHT = 190;

/** Formats axis/legend numbers compactly. */
export function short(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(1);
  return String(Number(v.toPrecision(3)));
}

/**
 * `new uPlot(…)` with a CPU-backed 2-D canvas (`willReadFrequently`). uPlot creates its canvas
 * itself and calls `getContext('2d')` without attributes, so `getContext` is wrapped for the
 * duration of the (synchronous) constructor. Why: Chromium rasterizes an accelerated 2-D canvas in
 * the GPU process, the same process that runs TensorFlow.js's WebGL shaders. Under software GL
 * (SwiftShader) redrawing the six charts kept that process busy for about 180 ms after each update,
 * so the next update's WebGL work waited behind it; drawn on the CPU these small charts cost a
 * few milliseconds and the GPU process is free again in about 20 ms.
 */
function createPlot(opts: uPlot.Options, data: uPlot.AlignedData, target: HTMLElement): uPlot {
  const proto = HTMLCanvasElement.prototype as unknown as { getContext: (this: HTMLCanvasElement, type: string, attributes?: object) => unknown };
  const original = proto.getContext;
  proto.getContext = function (this: HTMLCanvasElement, type: string, attributes?: object) {
    return original.call(this, type, type === '2d' ? { ...attributes, willReadFrequently: true } : attributes);
  };
  try {
    return new uPlot(opts, data, target);
  } finally {
    proto.getContext = original;
  }
}

/**
 * A chart in a container that keeps its uPlot instance and redraws it with new specs.
 * The container gets `role="img"` and an `aria-label`; the text alternative lives next to it.
 */
export class Chart {
  private plot: uPlot | null = null;
  private key = '';
  private resizeObserver: ResizeObserver | null = null;

  constructor(
    readonly container: HTMLElement,
    private readonly palette: () => Palette,
  ) {
    if (typeof ResizeObserver !== 'undefined') {
      this.resizeObserver = new ResizeObserver(() => {
        const w = this.width();
        if (this.plot && Math.abs(this.plot.width - w) > 2) this.plot.setSize({ width: w, height: HEIGHT });
      });
      this.resizeObserver.observe(container);
    }
  }

  private width(): number {
    return Math.max(220, Math.floor(this.container.clientWidth || 300));
  }

  /** Draws `spec`, reusing the uPlot instance when only the data changed. */
  update(spec: ChartSpec): void {
    const key = JSON.stringify([spec.series, spec.xLabel, spec.yLabel, spec.xLog, spec.xTicks, spec.markers, spec.yZero]);
    if (this.plot && key === this.key) {
      this.plot.setData(spec.data as uPlot.AlignedData);
      return;
    }
    this.plot?.destroy();
    this.key = key;
    this.plot = createPlot(this.options(spec), spec.data as uPlot.AlignedData, this.container);
  }

  /** Removes the chart. */
  destroy(): void {
    this.plot?.destroy();
    this.plot = null;
    this.resizeObserver?.disconnect();
  }

  private options(spec: ChartSpec): uPlot.Options {
    const p = this.palette();
    const color = (i: number): string => p.series[i % p.series.length]!;
    const axis = (label: string, values?: uPlot.Axis['values']): uPlot.Axis => ({
      label,
      stroke: p.fg,
      grid: { stroke: p.grid, width: 1 },
      ticks: { stroke: p.grid, width: 1 },
      labelSize: 18,
      size: 44,
      font: '11px system-ui, sans-serif',
      labelFont: '11px system-ui, sans-serif',
      ...(values ? { values } : {}),
    });
    const bars = uPlot.paths.bars?.({ size: [0.6, 48], align: 0 });
    const stepped = uPlot.paths.stepped?.({ align: 1 });
    const series: uPlot.Series[] = [
      { label: spec.xLabel, value: (_u, v) => (spec.xTicks ? (spec.xTicks[v] ?? '') : short(v)) },
      ...spec.series.map((s): uPlot.Series => {
        const c = color(s.color);
        const base: uPlot.Series = { label: s.label, stroke: c, width: 1.5, value: (_u, v) => (s.format ?? short)(v), spanGaps: false };
        switch (s.style) {
          case 'points':
            return { ...base, paths: () => null, points: { show: true, size: 5, stroke: c, fill: c } };
          case 'step':
            return { ...base, paths: stepped, points: { show: false } };
          case 'bars':
            return { ...base, fill: /^#[0-9a-f]{6}$/i.test(c) ? c + '99' : c, paths: bars, points: { show: false } };
          case 'dash':
            return { ...base, dash: [5, 4], width: 1, points: { show: false } };
          default:
            return { ...base, points: { show: spec.data[0].length <= 12, size: 5 } };
        }
      }),
    ];
    const markers = spec.markers ?? [];
    return {
      width: this.width(),
      height: HEIGHT,
      series,
      scales: {
        x: spec.xLog ? { distr: 3, log: 2, time: false } : spec.xTicks ? { time: false, range: [-0.6, spec.xTicks.length - 0.4] } : { time: false },
        y: spec.yZero ? { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.08 : 1] } : {},
      },
      axes: [
        axis(spec.xLabel, spec.xTicks ? (_u, splits) => splits.map((v) => (Number.isInteger(v) ? (spec.xTicks![v] ?? '') : '')) : spec.xLog ? (_u, splits) => splits.map((v) => String(v)) : undefined),
        axis(spec.yLabel, (_u, splits) => splits.map((v) => short(v))),
      ],
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
      hooks: {
        draw: [
          (u) => {
            if (markers.length === 0) return;
            const ctx = u.ctx;
            ctx.save();
            ctx.setLineDash([4, 3]);
            ctx.lineWidth = Math.max(1, devicePixelRatio);
            ctx.font = `${Math.round(11 * devicePixelRatio)}px system-ui, sans-serif`;
            markers.forEach((m, i) => {
              const x = u.valToPos(m.x, 'x', true);
              if (!Number.isFinite(x)) return;
              ctx.strokeStyle = color(m.color);
              ctx.fillStyle = color(m.color);
              ctx.beginPath();
              ctx.moveTo(x, u.bbox.top);
              ctx.lineTo(x, u.bbox.top + u.bbox.height);
              ctx.stroke();
              const text = m.label;
              const tw = ctx.measureText(text).width;
              const tx = x + 4 * devicePixelRatio + tw > u.bbox.left + u.bbox.width ? x - 4 * devicePixelRatio - tw : x + 4 * devicePixelRatio;
              ctx.fillText(text, tx, u.bbox.top + (12 + 13 * i) * devicePixelRatio);
            });
            ctx.restore();
          },
        ],
      },
    };
  }
}
