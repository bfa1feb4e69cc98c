// Builds normlint: copies the WASM grammars into grammars/ (with a manifest) and bundles the
// CLI (and its analysis worker), the language server, the VS Code extension, the ESLint plugin
// and BN Lab's panel page with esbuild into dist/.
import { build } from 'esbuild';
import { copyGrammars } from './copy-grammars.mjs';
import { buildLab } from './lab-build.mjs';
import { buildEslintPlugin } from './eslint-build.mjs';

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
  // web-tree-sitter's ESM build reads `import.meta.url` (for `createRequire`), which is empty in a
  // CJS bundle: point it at the bundle file itself.
  define: { 'process.env.NORMLINT_BUNDLED': '"1"', 'import.meta.url': '__normlint_import_meta_url' },
  // jsonc-parser's `main` is a UMD build whose dynamic `require('./impl/...')` esbuild cannot
  // follow; its ESM build bundles cleanly.
  alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
};

await build({
  ...common,
  entryPoints: { cli: 'linter/src/cli/main.ts', worker: 'linter/src/cli/worker.ts' },
  outdir: 'dist',
  // ("use strict" first, so the bundle stays strict-mode code with the line after it.)
  banner: { js: '#!/usr/bin/env node\n"use strict";\nconst __normlint_import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
});

// The language server (`normlint server`, forked by the extension) and the VS Code extension.
await build({
  ...common,
  entryPoints: { server: 'server/src/main.ts' },
  outdir: 'dist',
  banner: { js: '"use strict";\nconst __normlint_import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
});
await build({
  ...common,
  entryPoints: { extension: 'extension/src/extension.ts' },
  outdir: 'dist',
  external: ['vscode'],
  banner: { js: '"use strict";\nconst __normlint_import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
});

// The ESLint plugin (`normlint/eslint-plugin`: an ES module bundle of the engine).
await buildEslintPlugin({ production });

// BN Lab's panel page (browser bundle: TensorFlow.js core + CPU/WebGL backends, uPlot).
await buildLab({ production });
