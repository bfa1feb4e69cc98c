/**
 * BN Lab panel in headless Chromium (Debian `chromium`, SwiftShader WebGL): builds dist/lab/,
 * serves it on 127.0.0.1, checks that the panel runs on WebGL, that every experiment gives the
 * same numbers on WebGL and CPU (within 1e-4), that every view renders (chart canvas, takeaway,
 * text alternative), and reports how long an update takes after a control changes (start-up
 * separately; per-view costs on WebGL and CPU). A second page checks the core's own WebGL
 * reduction shaders, stacked batches and gradients against the CPU backend. Screenshots go to
 * test-output/lab/. Skipped when /usr/bin/chromium is absent.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { build, type BuildOptions } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';

// The page.evaluate callbacks below run in the browser. The root tsconfig has no DOM lib (the
// engine and server must not use browser globals by accident), so the two globals they touch
// are declared here, for this file only.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const window: any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const document: any;

const ROOT = path.resolve(__dirname, '../..');
const CHROMIUM = '/usr/bin/chromium';
const OUT = path.join(ROOT, 'test-output', 'lab');
const VIEWS = ['trainEval', 'batchSweep', 'momentum', 'forgotEval', 'alternatives', 'folding'];

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };

/** Serves `dir` (flat, read-only) on 127.0.0.1 with an ephemeral port. */
function serve(dir: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const name = path.basename(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)) || 'index.html';
    const file = path.join(dir, name);
    fs.readFile(file, (err, body) => {
      if (err) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': TYPES[path.extname(name)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(body);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Max |a − b| over two JSON-like values of the same structure (numbers compared, the rest must be equal). */
function maxDiff(a: unknown, b: unknown, where = '$', worst = { value: 0, at: '' }): { value: number; at: string } {
  if (typeof a === 'number' && typeof b === 'number') {
    const d = Number.isNaN(a) && Number.isNaN(b) ? 0 : Math.abs(a - b);
    if (!(d <= worst.value)) {
      worst.value = Number.isNaN(d) ? Infinity : d;
      worst.at = where;
    }
  } else if (Array.isArray(a) && Array.isArray(b)) {
    assert.equal(a.length, b.length, `${where}: lengths differ`);
    a.forEach((v, i) => maxDiff(v, b[i], `${where}[${i}]`, worst));
  } else if (a && b && typeof a === 'object' && typeof b === 'object') {
    for (const k of Object.keys(a)) maxDiff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${where}.${k}`, worst);
  } else if (where.endsWith('.takeaway')) {
    // Sentences quote rounded numbers; they may differ in the last digit between backends.
  } else {
    assert.deepEqual(a, b, `${where} differs`);
  }
  return worst;
}

describe('BN Lab panel in headless Chromium (WebGL vs CPU)', function () {
  this.timeout(60000);
  let server: http.Server | undefined;
  let kernelsServer: http.Server | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let url = '';
  let kernelsUrl = '';
  const consoleErrors: string[] = [];

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) this.skip();
    const { buildLab, labBundleOptions } = (await import(path.join(ROOT, 'scripts/lab-build.mjs'))) as {
      buildLab: (o: { production: boolean }) => Promise<{ outdir: string }>;
      labBundleOptions: (o: { production: boolean }) => BuildOptions;
    };
    const { outdir } = await buildLab({ production: true });
    server = await serve(outdir);
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/index.html`;
    // The kernel checks' page: the core and TensorFlow.js as the panel bundles them.
    const kernelsDir = path.join(OUT, 'kernels');
    fs.mkdirSync(kernelsDir, { recursive: true });
    await build({
      ...labBundleOptions({ production: true }),
      entryPoints: [path.join(ROOT, 'test/lab-browser/kernels-page.ts')],
      outfile: path.join(kernelsDir, 'kernels.js'),
    });
    fs.writeFileSync(path.join(kernelsDir, 'index.html'), '<!DOCTYPE html><meta charset="utf-8"><title>kernels</title><script src="kernels.js"></script>');
    kernelsServer = await serve(kernelsDir);
    kernelsUrl = `http://127.0.0.1:${(kernelsServer.address() as AddressInfo).port}/index.html`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--use-gl=angle', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--no-first-run', '--disable-gpu-sandbox'],
    });
    page = await browser.newPage({ viewport: { width: 900, height: 1000 }, deviceScaleFactor: 1 });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    await page.goto(url);
    await page.waitForFunction(() => (window as unknown as { __bnlab?: { ready: Promise<void> } }).__bnlab !== undefined);
    await page.evaluate(() => (window as unknown as { __bnlab: { ready: Promise<void> } }).__bnlab.ready);
    fs.mkdirSync(OUT, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => (kernelsServer ? kernelsServer.close(() => resolve()) : resolve()));
  });

  it('runs on the WebGL backend and says so', async () => {
    const backend = await page.evaluate(() => (window as unknown as { __bnlab: { backend(): string } }).__bnlab.backend());
    assert.equal(backend, 'webgl');
    const badge = await page.textContent('#backend');
    assert.match(badge ?? '', /WebGL/);
    assert.deepEqual(consoleErrors, []);
  });

  it('gives the same numbers on WebGL and CPU (within 1e-4)', async () => {
    for (const patch of [{}, { framework: 'keras3', momentum: 0.99, eps: 1e-3 }]) {
      const [webgl, cpu] = await page.evaluate(async (p) => {
        const lab = (window as unknown as { __bnlab: { setConfig(p: unknown): Promise<unknown>; runAll(b: string): Promise<unknown> } }).__bnlab;
        await lab.setConfig(p);
        return [await lab.runAll('webgl'), await lab.runAll('cpu')];
      }, patch);
      // Histogram counts are compared too: a value on a bin edge could move by 1/n, which would show here.
      const d = maxDiff(webgl, cpu);
      console.log(`      max |WebGL − CPU| = ${d.value.toExponential(2)} at ${d.at} (config ${JSON.stringify(patch)})`);
      assert.ok(d.value <= 1e-4, `max difference ${d.value} at ${d.at}`);
    }
    await page.evaluate(() => (window as unknown as { __bnlab: { setConfig(p: unknown): Promise<unknown> } }).__bnlab.setConfig({ framework: 'pytorch', dims: 2, spatial: 4, batchSize: 32, momentum: 0.1, eps: 1e-5 }));
  });

  it('renders every view with a chart, a takeaway and a text alternative', async () => {
    for (const id of VIEWS) {
      const info = await page.evaluate((view) => {
        const section = document.querySelector(`[data-view="${view}"]`);
        return {
          canvases: section?.querySelectorAll('canvas').length ?? 0,
          takeaway: section?.querySelector('.takeaway')?.textContent ?? '',
          tables: section?.querySelectorAll('details.data table').length ?? 0,
          rows: section?.querySelectorAll('details.data tbody tr').length ?? 0,
          // eslint-disable-next-line @typescript-eslint/no-explicit-any
          labelled: Array.from(section?.querySelectorAll('figure[role="img"]') ?? []).every((f: any) => (f.getAttribute('aria-label') ?? '').length > 10 && f.getAttribute('aria-describedby') === `takeaway-${view}`),
        };
      }, id);
      assert.ok(info.canvases > 0, `${id}: no chart`);
      assert.ok(info.takeaway.length > 20, `${id}: takeaway "${info.takeaway}"`);
      assert.ok(info.tables > 0 && info.rows > 0, `${id}: no data table`);
      assert.ok(info.labelled, `${id}: chart without aria-label/aria-describedby`);
      await page.locator(`[data-view="${id}"]`).screenshot({ path: path.join(OUT, `view-${id}.png`) });
    }
    await page.screenshot({ path: path.join(OUT, 'panel.png'), fullPage: true });
  });

  // Times are reported, not asserted (a loaded CI machine is no benchmark).
  it('updates the charts after each control change', async () => {
    type Timing = { totalMs: number; computeMs: number; renderMs: number; perView: Record<string, number>; recomputed: string[] };
    type Lab = {
      settled(): Promise<Timing>;
      startup(): { backendMs: number; firstUpdate: Timing } | null;
      profile(b: string): Promise<Record<string, number>>;
    };
    const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
    const startup = await page.evaluate(() => (window as unknown as { __bnlab: Lab }).__bnlab.startup());
    assert.ok(startup, 'startup timing');
    console.log(`      start-up: WebGL backend ${Math.round(startup.backendMs)} ms, first update (compiles every shader) ${Math.round(startup.firstUpdate.totalMs)} ms`);
    /** Changes a control as a user would and returns the update's timing. */
    const change = async (field: string, value: string): Promise<Timing> =>
      (await page.evaluate(
        async ([f, v]) => {
          const input = document.getElementById(f) as unknown as { value: string; dispatchEvent(e: unknown): boolean };
          input.value = v;
          const lab = (window as unknown as { __bnlab: Lab }).__bnlab;
          input.dispatchEvent(new Event('input'));
          return lab.settled(); // resolves after the queued update is drawn
        },
        [field, value] as const,
      )) as Timing;
    const report = (what: string, timings: Timing[]): void => {
      const totals = timings.map((t) => Math.round(t.totalMs));
      const last = timings.at(-1)!;
      console.log(`      ${what}: ${totals.join(', ')} ms (median ${median(totals)}); ${last.recomputed.length} of 6 views recomputed`);
      console.log(`        last: simulation ${Math.round(last.computeMs)} ms (${Object.entries(last.perView).map(([k, v]) => `${k} ${Math.round(v)}`).join(', ')}), charts ${Math.round(last.renderMs)} ms`);
    };
    // The batch size changes four views' numbers (the sweep and forgotten-eval views use their own sizes).
    const batch: Timing[] = [];
    for (const b of ['16', '64', '8', '32']) batch.push(await change('field-batchSize', b));
    report('WebGL, batch size 16/64/8/32', batch);
    assert.equal(await page.inputValue('#field-batchSize'), '32');
    assert.equal(batch.length, 4, 'one drawn update per change');
    for (const t of batch) assert.deepEqual([...t.recomputed].sort(), ['alternatives', 'folding', 'momentum', 'trainEval']);
    // The seed changes every view.
    const seed: Timing[] = [];
    for (const s of ['2', '3', '4', '1']) seed.push(await change('field-seed', s));
    report('WebGL, seed 2/3/4/1 (all six views)', seed);
    for (const t of seed) assert.equal(t.recomputed.length, 6);
    // Per-view costs: the six experiments one after the other, median of five runs per backend.
    for (const backend of ['webgl', 'cpu']) {
      const runs: Record<string, number>[] = [];
      for (let i = 0; i < 5; i++) runs.push(await page.evaluate((b) => (window as unknown as { __bnlab: Lab }).__bnlab.profile(b), backend));
      const views = Object.keys(runs[0]!);
      const total = median(runs.map((r) => views.reduce((a, v) => a + r[v]!, 0)));
      console.log(`      ${backend === 'webgl' ? 'WebGL' : 'CPU'}, six views one after the other (median of 5): ${Math.round(total)} ms = ${views.map((v) => `${v} ${Math.round(median(runs.map((r) => r[v]!)))}`).join(', ')}`);
    }
  });

  it('runs the reductions, stacks and gradients on WebGL as on the CPU (within 1e-4)', async () => {
    const kernelsPage = await browser!.newPage();
    try {
      await kernelsPage.goto(kernelsUrl);
      await kernelsPage.waitForFunction(() => (window as unknown as { __kernels?: unknown }).__kernels !== undefined);
      const worst = await kernelsPage.evaluate(() => (window as unknown as { __kernels: { compare(): Promise<{ worstRel: number; results: number; shaders: boolean; leaked: number }> } }).__kernels.compare());
      assert.ok(worst.shaders, 'the WebGL reduction shaders are not active');
      console.log(`      ${worst.results} results: max |WebGL − CPU| / max(1, |CPU|) = ${worst.worstRel.toExponential(2)}`);
      assert.ok(worst.worstRel <= 1e-4, `difference ${worst.worstRel}`);
      assert.equal(worst.leaked, 0, 'tensors leaked');
    } finally {
      await kernelsPage.close();
    }
  });

  it('shows a layer sent by the host', async () => {
    const layer = {
      file: 'model.py',
      span: { start: 0, end: 10 },
      q: 'torch.nn.BatchNorm2d',
      kind: 'batchnorm',
      dims: 2,
      args: [
        { name: 'num_features', value: '64', constant: 64, defaulted: false },
        { name: 'momentum', value: '0.99', constant: 0.99, defaulted: false },
      ],
      momentum: { torch: 0.99, keras: 0.01, cumulative: false },
      uses: [],
      producer: { q: 'torch.nn.Conv2d', file: 'model.py', span: { start: 0, end: 5 }, bias: false },
      batchSizes: [4],
      framework: 'pytorch',
    };
    await page.evaluate((l) => (window as unknown as { __bnlab: { receive(m: unknown): Promise<unknown> } }).__bnlab.receive({ type: 'layer', layer: l, source: { uri: 'file:///w/model.py', line: 3 } }), layer);
    assert.match((await page.textContent('#layer')) ?? '', /torch\.nn\.BatchNorm2d\(64, momentum=0\.99\)/);
    const sweep = (await page.textContent('#takeaway-batchSweep')) ?? '';
    assert.match(sweep, /batch size in the code \(4\)/);
    const momentum = (await page.textContent('#takeaway-momentum')) ?? '';
    assert.match(momentum, /Keras 3/);
    await page.screenshot({ path: path.join(OUT, 'panel-host-layer.png'), fullPage: true });
    assert.deepEqual(consoleErrors, []);
  });
});
