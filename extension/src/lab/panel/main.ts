/**
 * BN Lab panel entry (browser code, bundled by `scripts/lab-build.mjs` into `dist/lab/panel.js`).
 * Runs the experiments on TensorFlow.js's WebGL backend (CPU as fallback), renders the six views
 * with uPlot, talks to the VS Code host when there is one (`acquireVsCodeApi`), and keeps its state
 * across hide/show. In a plain browser (`normlint lab`) it works standalone with editable fields.
 */
import * as tf from '@tensorflow/tfjs';
import { isHostMessage, type LayerInfo, type LayerSource, type PanelMessage } from '../messages';
import {
  defaultLabConfig,
  frameworkName,
  labConfigFromLayer,
  normalizeLabConfig,
  retargetResult,
  runAll,
  runView,
  VIEW_IDS,
  viewKey,
  type AllResults,
  type LabConfig,
  type ViewId,
} from '../experiments';
import { configureWebGL } from './backend';
import { Chart, readPalette } from './charts';
import { VIEWS, viewModel, type DataTable } from './views';

/** The part of VS Code's webview API the panel uses. */
interface VsCodeApi {
  postMessage(message: PanelMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare const acquireVsCodeApi: (() => VsCodeApi) | undefined;

/** What survives hide/show. */
interface SavedState {
  readonly version: 1;
  readonly config: LabConfig;
  readonly layer: LayerInfo | null;
  readonly source: LayerSource | null;
  readonly openControls: boolean;
}

/** Timing of an update, milliseconds. */
interface UpdateTiming {
  /** Experiments. */
  readonly computeMs: number;
  /** Charts and tables. */
  readonly renderMs: number;
  readonly totalMs: number;
  /** Per recomputed view, milliseconds. */
  readonly perView: Partial<Record<ViewId, number>>;
  /** The views whose inputs changed and were recomputed; the others kept their numbers. */
  readonly recomputed: readonly ViewId[];
}

/** Timing of the panel's start. */
interface StartupTiming {
  /** Choosing and initializing the backend (WebGL context, probe), milliseconds. */
  readonly backendMs: number;
  /** The first update: every shader is compiled here, so later control changes reuse them. */
  readonly firstUpdate: UpdateTiming;
}

/** The test hook on `window.__bnlab` (used by `test/lab-browser/webgl.test.ts`). */
export interface BnLabTestHook {
  /** Resolves when the backend is chosen and the first update is drawn. */
  readonly ready: Promise<void>;
  /** The backend the panel runs on (`webgl` or `cpu`). */
  backend(): string;
  /** Runs every experiment with the current config on `backend`, then switches back. */
  runAll(backend: 'webgl' | 'cpu'): Promise<AllResults>;
  /** Changes the config (as a control would) and resolves with the timing once the charts are redrawn. */
  setConfig(patch: Partial<LabConfig>): Promise<UpdateTiming>;
  /** Resolves with the timing of the last queued update (e.g. after a control's event) once its charts are drawn. */
  settled(): Promise<UpdateTiming>;
  /** The current config. */
  config(): LabConfig;
  /** Sends a host message as VS Code would. */
  receive(message: unknown): Promise<UpdateTiming | null>;
  /** How long the start took (backend, then the first update with the shader compiles). */
  startup(): StartupTiming | null;
  /**
   * Runs the six experiments with the current config one after the other on `backend` (blocking
   * downloads) and returns each one's milliseconds: a per-view cost breakdown. Switches back after.
   */
  profile(backend: 'webgl' | 'cpu'): Promise<Record<ViewId, number>>;
}

const vscode: VsCodeApi | null = typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : null;

function post(message: PanelMessage): void {
  vscode?.postMessage(message);
}

function loadState(): SavedState {
  const saved = vscode?.getState() as Partial<SavedState> | undefined;
  let fromStorage: Partial<SavedState> | undefined;
  if (!vscode) {
    try {
      fromStorage = JSON.parse(sessionStorage.getItem('bnlab') ?? 'null') ?? undefined;
    } catch {
      fromStorage = undefined;
    }
  }
  const s = saved ?? fromStorage;
  return {
    version: 1,
    config: normalizeLabConfig(s?.config ?? defaultLabConfig()),
    layer: s?.layer ?? null,
    source: s?.source ?? null,
    openControls: s?.openControls ?? !vscode,
  };
}

let state = loadState();

function saveState(): void {
  if (vscode) vscode.setState(state);
  else {
    try {
      sessionStorage.setItem('bnlab', JSON.stringify(state));
    } catch {
      // storage unavailable (e.g. file://): the state lives only as long as the page
    }
  }
}

// ---------------------------------------------------------------------------------------------
// DOM helpers

type Attrs = Record<string, string | boolean | number | undefined>;

function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Node | string | null)[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === 'class') el.className = String(v);
    else if (k === 'text') el.textContent = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null) el.append(c);
  return el;
}

// ---------------------------------------------------------------------------------------------
// Backend

let backendNote = '';

async function chooseBackend(): Promise<string> {
  try {
    configureWebGL();
    if (await tf.setBackend('webgl')) {
      await tf.ready();
      // A tiny computation proves the context works (SwiftShader or a blocklisted GPU can fail late).
      const probe = tf.tidy(() => tf.sum(tf.mul(tf.tensor1d([1, 2, 3]), 2)));
      const v = (await probe.data())[0];
      probe.dispose();
      if (v === 12) return 'webgl';
      backendNote = `WebGL gave a wrong result (${v})`;
    } else backendNote = 'WebGL is not available';
  } catch (e) {
    backendNote = `WebGL failed: ${e instanceof Error ? e.message : String(e)}`;
  }
  await tf.setBackend('cpu');
  await tf.ready();
  post({ type: 'log', level: 'warn', message: `${backendNote}; BN Lab runs on the CPU backend.` });
  return 'cpu';
}

// ---------------------------------------------------------------------------------------------
// Layer header

function layerTitle(cfg: LabConfig, layer: LayerInfo | null): string {
  if (layer) {
    const args = layer.args.filter((a) => !a.defaulted).map((a) => (a.name && !/^\d+$/.test(a.name) && a.name !== 'num_features' ? `${a.name}=${a.value}` : a.value));
    return `${layer.q}(${args.join(', ')})`;
  }
  if (cfg.framework === 'pytorch') {
    const m = cfg.momentum === null ? 'None' : String(cfg.momentum);
    return `torch.nn.BatchNorm${cfg.dims}d(${cfg.numFeatures}, eps=${cfg.eps}, momentum=${m}, affine=${cfg.affine ? 'True' : 'False'}, track_running_stats=${cfg.trackRunningStats ? 'True' : 'False'})`;
  }
  const cls = cfg.framework === 'tfjs' ? 'tf.layers.batchNormalization' : 'keras.layers.BatchNormalization';
  return `${cls}(momentum=${cfg.momentum ?? 'None'}, epsilon=${cfg.eps}${cfg.affine ? '' : ', center=False, scale=False'})`;
}

// ---------------------------------------------------------------------------------------------
// Controls

interface FieldSpec {
  readonly key: string;
  readonly label: string;
  readonly kind: 'number' | 'select' | 'check' | 'text';
  readonly options?: readonly [string, string][];
  readonly min?: number;
  readonly max?: number;
  readonly step?: string;
  readonly help?: string;
  readonly group: 'layer' | 'data' | 'sim';
}

const FIELDS: readonly FieldSpec[] = [
  { key: 'framework', label: 'framework', kind: 'select', options: [['pytorch', 'PyTorch'], ['keras2', 'Keras 2 (tf.keras)'], ['keras3', 'Keras 3'], ['tfjs', 'TensorFlow.js']], group: 'layer' },
  { key: 'dims', label: 'spatial dims', kind: 'select', options: [['1', '1 (BatchNorm1d)'], ['2', '2 (BatchNorm2d)'], ['3', '3 (BatchNorm3d)']], group: 'layer' },
  { key: 'numFeatures', label: 'num_features', kind: 'number', min: 1, max: 65536, step: '1', group: 'layer' },
  { key: 'eps', label: 'eps', kind: 'number', min: 0, max: 1, step: 'any', group: 'layer' },
  { key: 'momentum', label: 'momentum', kind: 'text', help: "framework's own convention; PyTorch: None = cumulative", group: 'layer' },
  { key: 'affine', label: 'affine', kind: 'check', group: 'layer' },
  { key: 'trackRunningStats', label: 'track_running_stats', kind: 'check', group: 'layer' },
  { key: 'batchSize', label: 'batch size', kind: 'number', min: 1, max: 256, step: '1', group: 'sim' },
  { key: 'spatial', label: 'spatial size', kind: 'number', min: 1, max: 8, step: '1', group: 'sim' },
  { key: 'steps', label: 'training steps', kind: 'number', min: 2, max: 200, step: '1', group: 'sim' },
  { key: 'seed', label: 'seed', kind: 'number', min: 0, step: '1', group: 'sim' },
  { key: 'distribution.mean', label: 'data mean', kind: 'number', step: 'any', group: 'data' },
  { key: 'distribution.std', label: 'data std', kind: 'number', min: 0.001, step: 'any', group: 'data' },
  { key: 'distribution.channelSpread', label: 'channel spread', kind: 'number', min: 0, max: 2, step: 'any', group: 'data' },
  { key: 'distribution.shift', label: 'train → test shift (σ)', kind: 'number', min: -10, max: 10, step: 'any', group: 'data' },
];

function fieldValue(cfg: LabConfig, key: string): string | boolean {
  const v = key.startsWith('distribution.') ? cfg.distribution[key.slice(13) as keyof LabConfig['distribution']] : (cfg as unknown as Record<string, unknown>)[key];
  if (typeof v === 'boolean') return v;
  if (v === null) return 'None';
  return String(v);
}

/** Applies a field's text to a config; returns null when the text is not a valid value. */
function applyField(cfg: LabConfig, spec: FieldSpec, raw: string | boolean): LabConfig | null {
  let value: unknown = raw;
  if (spec.kind === 'number') {
    const n = Number(raw);
    if (raw === '' || !Number.isFinite(n)) return null;
    if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) return null;
    value = n;
  } else if (spec.key === 'momentum') {
    const t = String(raw).trim();
    if (/^(none|null)$/i.test(t)) {
      if (cfg.framework === 'keras2' || cfg.framework === 'keras3') return null;
      value = null;
    } else {
      const n = Number(t);
      if (t === '' || !Number.isFinite(n) || n < 0 || n > 1) return null;
      value = n;
    }
  } else if (spec.key === 'dims') value = Number(raw);
  if (spec.key.startsWith('distribution.')) {
    return normalizeLabConfig({ ...cfg, distribution: { ...cfg.distribution, [spec.key.slice(13)]: value } });
  }
  const next: Partial<LabConfig> = { ...cfg, [spec.key]: value };
  if (spec.key === 'framework' && raw !== cfg.framework) {
    // A new framework starts from its own defaults for eps and momentum.
    const d = defaultLabConfig(raw as LabConfig['framework']);
    return normalizeLabConfig({ ...next, eps: d.eps, momentum: d.momentum });
  }
  if (spec.key === 'dims' && value !== cfg.dims) return normalizeLabConfig({ ...next, spatial: value === 1 ? 1 : 4 });
  return normalizeLabConfig(next);
}

// ---------------------------------------------------------------------------------------------
// The page

interface ViewDom {
  readonly section: HTMLElement;
  readonly takeaway: HTMLElement;
  readonly charts: HTMLElement;
  readonly data: HTMLElement;
  chartObjects: Chart[];
}

const root = document.getElementById('bnlab') ?? document.body.appendChild(h('main', { id: 'bnlab' }));
const header = h('header', { class: 'header' });
const controls = h('details', { class: 'controls' });
const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
const viewDoms = new Map<ViewId, ViewDom>();
const fieldInputs = new Map<string, HTMLInputElement | HTMLSelectElement>();
let backend = 'cpu';
let lastResults: AllResults | null = null;

function buildPage(): void {
  root.replaceChildren();
  root.setAttribute('aria-busy', 'true');
  root.append(header, controls, status);
  buildControls();
  for (const meta of VIEWS) {
    const takeawayId = `takeaway-${meta.id}`;
    const title = h('h2', { id: `title-${meta.id}` }, meta.title, meta.rule ? h('span', { class: 'badge', text: meta.rule, title: `normlint rule ${meta.rule}` }) : null);
    if (meta.rule) title.insertBefore(document.createTextNode(' '), title.lastChild);
    const takeaway = h('p', { class: 'takeaway', id: takeawayId });
    const charts = h('div', { class: 'charts' });
    const data = h('details', { class: 'data' }, h('summary', { text: 'Data (text alternative)' }));
    const section = h('section', { class: 'view', id: `view-${meta.id}`, 'aria-labelledby': `title-${meta.id}`, 'data-view': meta.id }, title, h('p', { class: 'muted', text: meta.what }), takeaway, charts, data);
    root.append(section);
    viewDoms.set(meta.id, { section, takeaway, charts, data, chartObjects: [] });
  }
}

function renderHeader(): void {
  const cfg = state.config;
  const meta = h('div', { class: 'meta' });
  const backendBadge = h('span', { class: backend === 'webgl' ? 'badge' : 'badge warn', id: 'backend', title: backendNote || 'TensorFlow.js backend', text: `backend: ${backend === 'webgl' ? 'WebGL' : 'CPU'}` });
  meta.append(backendBadge);
  if (backendNote) meta.append(h('span', { text: backendNote }));
  meta.append(h('span', { text: frameworkName(cfg.framework) }));
  if (cfg.channels < cfg.numFeatures) meta.append(h('span', { text: `simulating ${cfg.channels} of ${cfg.numFeatures} channels (BatchNorm channels are independent)` }));
  if (cfg.resolvedBatchSize !== null) meta.append(h('span', { text: `batch size in the code: ${cfg.resolvedBatchSize}` }));
  if (state.source) {
    const file = state.layer?.file ?? state.source.uri.replace(/^.*\//, '');
    meta.append(h('span', { class: 'mono', text: `${file}:${state.source.line + 1}` }));
    if (vscode) {
      const source = state.source;
      const go = h('button', { type: 'button', id: 'reveal', text: 'Go to code' });
      go.addEventListener('click', () => post({ type: 'reveal', source }));
      meta.append(go);
    }
  }
  if (state.layer) {
    const reset = h('button', { type: 'button', id: 'reset', text: 'Reset to code' });
    reset.addEventListener('click', () => {
      if (state.layer) void setConfig(labConfigFromLayer(state.layer, state.config));
    });
    meta.append(reset);
  }
  header.replaceChildren(h('h1', { text: 'BN Lab' }), h('div', { class: 'layer', id: 'layer', text: layerTitle(cfg, state.layer) }), meta);
}

function buildControls(): void {
  controls.open = state.openControls;
  controls.addEventListener('toggle', () => {
    state = { ...state, openControls: controls.open };
    saveState();
  });
  const grid = h('div', { class: 'fields' });
  const groups: [FieldSpec['group'], string][] = [
    ['layer', 'Layer'],
    ['sim', 'Simulation'],
    ['data', 'Data distribution (seeded)'],
  ];
  for (const [group, legend] of groups) {
    const fs = h('fieldset', {}, h('legend', { text: legend }));
    for (const spec of FIELDS.filter((f) => f.group === group)) {
      const id = `field-${spec.key.replace('.', '-')}`;
      let input: HTMLInputElement | HTMLSelectElement;
      if (spec.kind === 'select') {
        input = h('select', { id, name: spec.key });
        for (const [value, text] of spec.options ?? []) input.append(h('option', { value, text }));
      } else if (spec.kind === 'check') input = h('input', { id, name: spec.key, type: 'checkbox' });
      else input = h('input', { id, name: spec.key, type: spec.kind === 'number' ? 'number' : 'text', min: spec.min, max: spec.max, step: spec.step, inputmode: spec.kind === 'text' ? 'decimal' : undefined, title: spec.help });
      const label = h('label', { for: id, text: spec.label });
      const wrap = h('div', { class: spec.kind === 'check' ? 'field check' : 'field' }, ...(spec.kind === 'check' ? [input, label] : [label, input]));
      const onChange = (): void => {
        const raw = input instanceof HTMLInputElement && input.type === 'checkbox' ? input.checked : input.value;
        const next = applyField(state.config, spec, raw);
        input.setAttribute('aria-invalid', next ? 'false' : 'true');
        if (next) void setConfig(next);
      };
      input.addEventListener(spec.kind === 'number' || spec.kind === 'text' ? 'input' : 'change', onChange);
      fieldInputs.set(spec.key, input);
      fs.append(wrap);
    }
    grid.append(fs);
  }
  controls.replaceChildren(h('summary', { text: 'Layer, data and simulation settings' }), grid);
}

function syncControls(): void {
  for (const spec of FIELDS) {
    const input = fieldInputs.get(spec.key);
    if (!input || document.activeElement === input) continue;
    const v = fieldValue(state.config, spec.key);
    if (input instanceof HTMLInputElement && input.type === 'checkbox') input.checked = v === true;
    else input.value = String(v);
    input.setAttribute('aria-invalid', 'false');
    if (spec.key === 'trackRunningStats') (input as HTMLInputElement).disabled = state.config.framework !== 'pytorch';
  }
}

function renderTable(t: DataTable): HTMLTableElement {
  const table = h('table', {}, h('caption', { text: t.caption }));
  table.append(h('thead', {}, h('tr', {}, ...t.head.map((c) => h('th', { scope: 'col', text: c })))));
  const body = h('tbody');
  for (const row of t.rows) body.append(h('tr', {}, ...row.map((c, i) => (i === 0 ? h('th', { scope: 'row', text: String(c ?? '–') }) : h('td', { text: String(c ?? '–') })))));
  table.append(body);
  return table;
}

function renderView(id: ViewId, results: AllResults): void {
  const dom = viewDoms.get(id)!;
  const model = viewModel(id, results, state.config);
  dom.takeaway.textContent = model.takeaway;
  dom.takeaway.classList.toggle('error', model.error);
  if (dom.chartObjects.length !== model.charts.length) {
    dom.chartObjects.forEach((c) => c.destroy());
    dom.charts.replaceChildren();
    dom.chartObjects = model.charts.map((c, i) => {
      const wrap = h('figure', { class: 'chart', role: 'img', 'aria-describedby': `takeaway-${id}`, style: undefined });
      wrap.style.margin = '0';
      const caption = h('figcaption', { class: 'chart-title', id: `chart-${id}-${i}` });
      const plot = h('div', { class: 'plot' });
      wrap.append(caption, plot);
      dom.charts.append(wrap);
      return new Chart(plot, readPalette);
    });
  }
  model.charts.forEach((c, i) => {
    const chart = dom.chartObjects[i]!;
    const figure = chart.container.parentElement!;
    figure.setAttribute('aria-label', `${c.title}. ${model.takeaway}`);
    figure.querySelector('figcaption')!.textContent = c.title;
    chart.update(c.spec);
  });
  dom.data.replaceChildren(h('summary', { text: 'Data (text alternative)' }), ...model.tables.map(renderTable));
}

let pending: Promise<UpdateTiming> = Promise.resolve(null as unknown as UpdateTiming);
let queued: LabConfig | null = null;

/** Recomputes and redraws every view for `cfg` (coalescing rapid changes). */
function setConfig(cfg: LabConfig): Promise<UpdateTiming> {
  const first = queued === null;
  queued = cfg;
  if (!first) return pending;
  pending = pending.then(
    () =>
      new Promise<UpdateTiming>((resolve) => {
        requestAnimationFrame(() => {
          const next = queued!;
          queued = null;
          resolve(update(next));
        });
      }),
  );
  return pending;
}

/** The last numbers of each view, with the {@link viewKey} they were computed for. */
const computed = new Map<ViewId, { readonly key: string; readonly result: unknown }>();

function update(cfg: LabConfig): UpdateTiming {
  const t0 = performance.now();
  state = { ...state, config: cfg };
  saveState();
  renderHeader();
  syncControls();
  // Only the views whose inputs changed are recomputed (e.g. the batch size does not change the
  // batch-size sweep's or the forgotten-eval() view's numbers).
  const keys = new Map(VIEW_IDS.map((id) => [id, viewKey(id, cfg)] as const));
  const stale = VIEW_IDS.filter((id) => computed.get(id)?.key !== keys.get(id));
  const perView: Partial<Record<ViewId, number>> = {};
  const partial: Partial<Record<ViewId, unknown>> = {};
  for (const id of VIEW_IDS) {
    if (!stale.includes(id)) {
      partial[id] = retargetResult(id, computed.get(id)!.result as AllResults[typeof id], cfg);
      continue;
    }
    const s = performance.now();
    try {
      const result = runView(id, cfg);
      partial[id] = result;
      computed.set(id, { key: keys.get(id)!, result });
    } catch (e) {
      post({ type: 'log', level: 'error', message: `view ${id}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}` });
      partial[id] = null;
      computed.delete(id);
    }
    perView[id] = performance.now() - s;
  }
  const t1 = performance.now();
  const results = partial as AllResults;
  lastResults = results;
  for (const id of VIEW_IDS) {
    const dom = viewDoms.get(id)!;
    if (results[id] === null) {
      dom.takeaway.textContent = 'This view failed to compute (see the normlint output).';
      dom.takeaway.classList.add('error');
      continue;
    }
    renderView(id, results);
  }
  const t2 = performance.now();
  const timing: UpdateTiming = { computeMs: t1 - t0, renderMs: t2 - t1, totalMs: t2 - t0, perView, recomputed: stale };
  const views = stale.length === VIEW_IDS.length ? 'all views' : `${stale.length} of ${VIEW_IDS.length} views`;
  status.textContent = `Updated ${views} in ${Math.round(timing.totalMs)} ms on ${backend === 'webgl' ? 'WebGL' : 'CPU'} (simulation ${Math.round(timing.computeMs)} ms, charts ${Math.round(timing.renderMs)} ms).`;
  root.setAttribute('aria-busy', 'false');
  return timing;
}

async function onHostMessage(data: unknown): Promise<UpdateTiming | null> {
  if (!isHostMessage(data)) return null;
  if (data.layer === null) return null; // no layer under the cursor: keep the current one
  state = { ...state, layer: data.layer, source: data.source };
  return setConfig(labConfigFromLayer(data.layer, state.config));
}

let startupTiming: StartupTiming | null = null;

async function main(): Promise<void> {
  buildPage();
  const t0 = performance.now();
  backend = await chooseBackend();
  const backendMs = performance.now() - t0;
  window.addEventListener('message', (e: MessageEvent) => void onHostMessage(e.data));
  // The first update compiles every shader the experiments use (their sizes are uniforms, so other
  // batch sizes reuse them); its time is reported on its own.
  const firstUpdate = await setConfig(state.config);
  startupTiming = { backendMs, firstUpdate };
  post({ type: 'ready' });
}

const ready = main();
ready.catch((e: unknown) => {
  const message = e instanceof Error ? e.message : String(e);
  root.replaceChildren(h('p', { class: 'takeaway error', text: `BN Lab failed to start: ${message}` }));
  post({ type: 'log', level: 'error', message: `BN Lab failed to start: ${message}` });
});

const hook: BnLabTestHook = {
  ready,
  backend: () => tf.getBackend(),
  async runAll(which) {
    const previous = tf.getBackend();
    if (!(await tf.setBackend(which))) throw new Error(`backend ${which} unavailable`);
    await tf.ready();
    try {
      return runAll(state.config);
    } finally {
      await tf.setBackend(previous);
      await tf.ready();
    }
  },
  setConfig: (patch) => setConfig(normalizeLabConfig({ ...state.config, ...patch })),
  settled: () => pending,
  config: () => state.config,
  receive: (m) => onHostMessage(m),
  startup: () => startupTiming,
  async profile(which) {
    const previous = tf.getBackend();
    if (!(await tf.setBackend(which))) throw new Error(`backend ${which} unavailable`);
    await tf.ready();
    try {
      const perView = {} as Record<ViewId, number>;
      for (const id of VIEW_IDS) {
        const t = performance.now();
        runView(id, state.config);
        perView[id] = performance.now() - t;
      }
      return perView;
    } finally {
      await tf.setBackend(previous);
      await tf.ready();
    }
  },
};
(window as unknown as { __bnlab: BnLabTestHook }).__bnlab = hook;
void lastResults;
