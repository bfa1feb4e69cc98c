// Builds normlint: copies the WASM grammars into grammars/ (with a manifest) and bundles the
// CLI (and its analysis worker) with esbuild into dist/.
import { build } from 'esbuild';
import { copyGrammars } from './copy-grammars.mjs';

const production = process.argv.includes('--production');

await copyGrammars();

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  minify: production,
  logLevel: 'warning',
  define: { 'process.env.NORMLINT_BUNDLED': '"1"' },
};

await build({
  ...common,
  entryPoints: { cli: 'linter/src/cli/main.ts', worker: 'linter/src/cli/worker.ts' },
  outdir: 'dist',
  banner: { js: '#!/usr/bin/env node' },
});
