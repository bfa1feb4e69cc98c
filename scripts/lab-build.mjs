// Builds the BN Lab panel into dist/lab/: panel.js (browser IIFE bundle of extension/src/lab/panel/main.ts
// with TensorFlow.js core + CPU/WebGL backends and uPlot), panel.css (uPlot's stylesheet + the panel's),
// and index.html (the standalone page, for `normlint lab` and the headless-browser test).
//
// Usage: node scripts/lab-build.mjs [--production]    or    import { buildLab } from './lab-build.mjs'
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The esbuild options of a browser bundle with BN Lab's TensorFlow.js (core + CPU/WebGL backends
 * only, through `panel/tfjs-lite.ts`), as the panel is built: for the panel and for test pages
 * that must run the same TensorFlow.js.
 *
 * @param {{ production?: boolean }} [options]
 * @returns {import('esbuild').BuildOptions}
 */
export function labBundleOptions({ production = false } = {}) {
  return {
    absWorkingDir: root,
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: ['chrome114', 'firefox115', 'safari16'],
    logLevel: 'warning',
    // The simulation core imports '@tensorflow/tfjs'; the panel needs only core + two backends.
    alias: { '@tensorflow/tfjs': path.join(root, 'extension/src/lab/panel/tfjs-lite.ts') },
    define: { 'process.env.NODE_ENV': production ? '"production"' : '"development"' },
  };
}

/**
 * Builds dist/lab/. Returns the output files and their sizes in bytes.
 *
 * @param {{ production?: boolean, outdir?: string }} [options] production: minify, no source map.
 * @returns {Promise<{ outdir: string, files: Record<string, number> }>}
 */
export async function buildLab({ production = false, outdir = path.join(root, 'dist', 'lab') } = {}) {
  await fs.mkdir(outdir, { recursive: true });
  await build({
    ...labBundleOptions({ production }),
    entryPoints: [path.join(root, 'extension/src/lab/panel/main.ts')],
    outfile: path.join(outdir, 'panel.js'),
    minify: production,
    sourcemap: production ? false : 'linked',
    legalComments: 'none',
  });
  if (production) await fs.rm(path.join(outdir, 'panel.js.map'), { force: true });
  const uplotCss = await fs.readFile(path.join(root, 'node_modules/uplot/dist/uPlot.min.css'), 'utf8');
  const panelCss = await fs.readFile(path.join(root, 'extension/src/lab/panel/panel.css'), 'utf8');
  await fs.writeFile(path.join(outdir, 'panel.css'), `/* uPlot 1.6.32 (MIT) */\n${uplotCss}\n/* BN Lab */\n${panelCss}`);
  // The standalone page: labHtml from the (dependency-free) panel module, via esbuild so that no
  // TypeScript loader is needed.
  const html = await build({
    absWorkingDir: root,
    entryPoints: [path.join(root, 'extension/src/lab/panel/html.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
    logLevel: 'warning',
  });
  const mod = await import(`data:text/javascript;base64,${Buffer.from(html.outputFiles[0].text).toString('base64')}`);
  const page = mod.labHtml({ scriptUri: 'panel.js', styleUri: 'panel.css', cspSource: "'self'", nonce: 'bnlab-standalone', standalone: true });
  await fs.writeFile(path.join(outdir, 'index.html'), page);
  const files = {};
  for (const name of ['panel.js', 'panel.css', 'index.html']) files[name] = (await fs.stat(path.join(outdir, name))).size;
  return { outdir, files };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { outdir, files } = await buildLab({ production: process.argv.includes('--production') });
  for (const [name, size] of Object.entries(files)) console.log(`${path.relative(root, path.join(outdir, name))}  ${(size / 1024).toFixed(1)} KiB`);
}
