// Builds normlint's ESLint plugin: dist/eslint-plugin.mjs (an ES module bundle of
// linter/src/eslint/ with the engine; ESLint 9 loads flat-config plugins with import()) and its
// type declarations dist/eslint-plugin.d.mts (exported as `normlint/eslint-plugin`).
//
// The bundle creates the engine with top-level await before exporting the plugin: web-tree-sitter
// loads its WebAssembly asynchronously, ESLint rules run synchronously. It reads the grammars from
// <package root>/grammars/ (linter/src/cli/env.ts: `__dirname/..` when NORMLINT_BUNDLED), so it
// must stay in dist/ next to the other bundles.
//
// Usage: node scripts/eslint-build.mjs [--production]   or   import { buildEslintPlugin } from './eslint-build.mjs'
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// An ES module has no `require`, `__filename` or `__dirname`: the bundled CommonJS dependencies
// and linter/src/cli/env.ts use them, so the banner defines them from `import.meta.url` (which is
// real in this bundle: unlike the CommonJS bundles of build.mjs, no `import.meta.url` define).
const BANNER = [
  "import { createRequire as __normlintCreateRequire } from 'node:module';",
  "import { fileURLToPath as __normlintFileURLToPath } from 'node:url';",
  "import { dirname as __normlintDirname } from 'node:path';",
  'const require = __normlintCreateRequire(import.meta.url);',
  'const __filename = __normlintFileURLToPath(import.meta.url);',
  'const __dirname = __normlintDirname(__filename);',
].join('\n');

// The entry point: awaits the engine, then exports the ready plugin (top-level await keeps the
// TypeScript sources free of it, so they type-check as the rest of linter/src).
const ENTRY = `import { loadPlugin } from './linter/src/eslint/load';
const plugin = await loadPlugin();
export default plugin;
`;

/**
 * Builds dist/eslint-plugin.mjs (+ source map unless production) and dist/eslint-plugin.d.mts.
 *
 * @param {{ production?: boolean, outdir?: string }} [options] production: minify, no source map.
 * @returns {Promise<{ outfile: string, types: string, bytes: number }>}
 */
export async function buildEslintPlugin({ production = false, outdir = path.join(root, 'dist') } = {}) {
  await fs.mkdir(outdir, { recursive: true });
  const outfile = path.join(outdir, 'eslint-plugin.mjs');
  await build({
    absWorkingDir: root,
    stdin: { contents: ENTRY, resolveDir: root, sourcefile: 'eslint-plugin-entry.mjs', loader: 'js' },
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    sourcemap: production ? false : true,
    minify: production,
    logLevel: 'warning',
    banner: { js: BANNER },
    define: { 'process.env.NORMLINT_BUNDLED': '"1"' },
    // ESLint's types only (`import type`): nothing of eslint is bundled; keep it external anyway.
    external: ['eslint'],
    // As in build.mjs: jsonc-parser's `main` is a UMD build esbuild cannot follow.
    alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
  });
  if (production) await fs.rm(`${outfile}.map`, { force: true });
  const types = path.join(outdir, 'eslint-plugin.d.mts');
  await fs.copyFile(path.join(root, 'linter/src/eslint/eslint-plugin.d.mts'), types);
  return { outfile, types, bytes: (await fs.stat(outfile)).size };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { outfile, bytes } = await buildEslintPlugin({ production: process.argv.includes('--production') });
  console.log(`eslint plugin: ${path.relative(root, outfile)} ${(bytes / 1024).toFixed(0)} KiB`);
}
