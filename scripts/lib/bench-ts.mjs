// TypeScript/JavaScript measurements for `npm run bench`, on a corpus that is already installed:
// the TensorFlow.js packages under node_modules/@tensorflow/ (nothing is downloaded).
//
//   tfjsCorpus(): the selection. Per package: every `dist/**/*.js` module (the per-file ESM
//     output tsc wrote), minus the bundles (`dist/tf.*.js`, `dist/tf-*.js`: UMD/ESM/node builds,
//     minified or not, each a concatenation of the modules already counted, and `dist/miniprogram/`,
//     copies of the minified bundle), plus the TypeScript sources shipped next to them that are
//     not declaration files (`.ts` but not `.d.ts`: @tensorflow/tfjs's `src/` and `tools/`).
//     Nested node_modules/ and dot-directories (a stray `.rollup.cache/` in @tensorflow/tfjs)
//     are skipped.
//   engineBundle(): linter/src bundled by esbuild into a temporary CommonJS file, with the options
//     of scripts/build.mjs, so this process can call `lowerTypeScript`, `Engine.analyze`/`lint`,
//     the pre-filter and the scope exactly as dist/cli.js does.
//   benchTsInProcess(): in this process, one thread, per repeat and interleaved (so a burst of
//     load from other processes hits every stage alike): (1) parse-only with web-tree-sitter (the
//     typescript grammar for .ts, javascript for .js), the baseline; (2) parse + lowerTypeScript;
//     (3) Engine.analyze of every file; (4) Engine.lint of all those facts as one project (model +
//     rules, no pre-filter). Also, once: how many files the pre-filter makes seeds
//     (isSeedText with the path) and how many the CLI's whole-project scope keeps.
//   copyTsCorpus(): the corpus copied into a temporary project (a `.git` marker and a
//     normlint.toml whose `exclude` replaces the defaults, which skip `dist/` directories), for
//     the CLI runs that scripts/bench.mjs times.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

const now = () => Number(process.hrtime.bigint()) / 1e9;
const cpuSeconds = (u) => (u.user + u.system) / 1e6;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** The grammar web-tree-sitter parses a corpus file with (as `sourceLangOf` decides). */
const langOf = (rel) => (/\.d\.[mc]?ts$/.test(rel) ? null : /\.[mc]?ts$/.test(rel) ? 'typescript' : /\.tsx$/.test(rel) ? 'tsx' : /\.([mc]?js|jsx)$/.test(rel) ? 'javascript' : null);

/** dist/tf.js, dist/tf-core.es2017.min.js, dist/miniprogram/index.js ...: bundles, not modules. */
const isBundle = (relInPkg) => /^dist\/tf(?:[.-][^/]*)?\.js$/.test(relInPkg) || relInPkg.startsWith('dist/miniprogram/');

/**
 * The TensorFlow.js corpus: {dir, packages: {name: version}, files: [{path, rel, bytes, lang}],
 * totalBytes, byLang: {lang: count}, bundles: {files, bytes}}. `rel` is `<package>/<path>`.
 * Throws when node_modules/@tensorflow/ holds no files to measure.
 */
export function tfjsCorpus(repoRoot) {
  const dir = path.join(repoRoot, 'node_modules', '@tensorflow');
  if (!fs.existsSync(dir)) throw new Error(`${dir} is missing (run \`npm install\`)`);
  const packages = {};
  const files = [];
  const bundles = { files: 0, bytes: 0 };
  for (const pkg of fs.readdirSync(dir).sort()) {
    const pkgDir = path.join(dir, pkg);
    const manifest = path.join(pkgDir, 'package.json');
    if (!fs.existsSync(manifest)) continue;
    packages[`@tensorflow/${pkg}`] = JSON.parse(fs.readFileSync(manifest, 'utf8')).version;
    const walk = (d, rel) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
        const r = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) walk(path.join(d, e.name), r);
        else if (e.isFile()) {
          const lang = langOf(r);
          if (!lang) continue;
          const bytes = fs.statSync(path.join(d, e.name)).size;
          if (lang === 'javascript') {
            if (!r.startsWith('dist/') || !r.endsWith('.js')) continue;
            if (isBundle(r)) {
              bundles.files++;
              bundles.bytes += bytes;
              continue;
            }
          }
          files.push({ path: path.join(d, e.name), rel: `${pkg}/${r}`, bytes, lang });
        }
      }
    };
    walk(pkgDir, '');
  }
  if (!files.length) throw new Error(`no .js/.ts files found under ${dir}`);
  files.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  const byLang = {};
  for (const f of files) byLang[f.lang] = (byLang[f.lang] ?? 0) + 1;
  return { dir, packages, files, totalBytes: files.reduce((s, f) => s + f.bytes, 0), byLang, bundles };
}

const ENTRY = `
export { Engine } from './linter/src/core/engine';
export { initTreeSitter } from './linter/src/parse/parser';
export { lowerTypeScript } from './linter/src/model/ts/lower';
export { isSeedText } from './linter/src/model/python/prefilter';
export { projectScope } from './linter/src/project/scope';
export { ProjectIndex } from './linter/src/model/python/project';
export { sourceLangOf } from './linter/src/core/source-kind';
export { resolveFileConfig } from './linter/src/core/config';
export { RULES } from './linter/src/rules/index';
`;

/**
 * Bundles the engine's entry points from linter/src (esbuild, the options of scripts/build.mjs)
 * into `outDir` and loads the bundle. @throws when esbuild is missing or the build fails.
 */
export async function engineBundle(repoRoot, outDir) {
  const { build } = await import('esbuild');
  const outfile = path.join(outDir, 'bench-engine.cjs');
  await build({
    stdin: { contents: ENTRY, resolveDir: repoRoot, loader: 'ts', sourcefile: 'bench-engine-entry.ts' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile,
    logLevel: 'warning',
    define: { 'process.env.NORMLINT_BUNDLED': '"1"', 'import.meta.url': '__normlint_import_meta_url' },
    alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
    banner: { js: '"use strict";\nconst __normlint_import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
  });
  return require(outfile);
}

/** The five WASM files of `wasm` (paths) as the engine's GrammarBytes. */
export function grammarBytes(wasm) {
  const read = (p) => new Uint8Array(fs.readFileSync(p));
  return { runtime: read(wasm.runtime), python: read(wasm.python), typescript: read(wasm.typescript), tsx: read(wasm.tsx), javascript: read(wasm.javascript) };
}

/**
 * The in-process measurements (see the module comment). `mod` is {@link engineBundle}'s module.
 * Returns {parseOnly, parseLower, analyze, lint, analyzeLint: {runs, cpu}, filesWithSyntaxErrors,
 * skipped, findings, findingsByCode, internalErrors, prefilter: {seeds, scope, seconds}}.
 */
export async function benchTsInProcess({ corpus, wasm, mod, repeats, log }) {
  const grammars = grammarBytes(wasm);
  const items = corpus.files.map((f) => ({ rel: f.rel, lang: f.lang, text: fs.readFileSync(f.path, 'utf8') }));
  const textOf = new Map(items.map((i) => [i.rel, i.text]));
  // Every corpus file must be one the engine analyzes, in the grammar the baseline uses.
  for (const i of items) {
    if (mod.sourceLangOf(i.rel) !== i.lang) throw new Error(`${i.rel}: the engine reads it as ${mod.sourceLangOf(i.rel)}, the bench as ${i.lang}`);
  }

  // (1) baseline: web-tree-sitter from node_modules, as the Python baseline.
  const { Parser, Language } = require('web-tree-sitter');
  await Parser.init({ wasmBinary: grammars.runtime });
  const baseParsers = {};
  for (const lang of new Set(items.map((i) => i.lang))) {
    const p = new Parser();
    p.setLanguage(await Language.load(grammars[lang]));
    baseParsers[lang] = p;
  }
  // (2)-(4): the bundled engine (its own copy of web-tree-sitter, loaded once per thread).
  const parser = await mod.initTreeSitter(grammars);
  const engine = await mod.Engine.create(grammars);
  const config = mod.resolveFileConfig([], {}, mod.RULES);

  const stages = { parseOnly: { runs: [], cpu: [] }, parseLower: { runs: [], cpu: [] }, analyze: { runs: [], cpu: [] }, lint: { runs: [], cpu: [] } };
  const timed = (stage, fn) => {
    const c0 = process.cpuUsage();
    const t0 = now();
    const v = fn();
    stages[stage].runs.push(now() - t0);
    stages[stage].cpu.push(cpuSeconds(process.cpuUsage(c0)));
    return v;
  };
  let last = null;
  for (let r = 0; r < repeats; r++) {
    timed('parseOnly', () => {
      for (const i of items) baseParsers[i.lang].parse(i.text).delete();
    });
    timed('parseLower', () => {
      for (const i of items) {
        const tree = parser.parse(i.text, null, i.lang);
        try {
          mod.lowerTypeScript(tree, i.text);
        } finally {
          tree.delete();
        }
      }
    });
    const facts = timed('analyze', () => items.map((i) => engine.analyze({ path: i.rel, text: i.text })));
    const diagnostics = timed('lint', () => engine.lint(facts, { configFor: () => config, textOf: (p) => textOf.get(p) ?? '' }));
    last = { facts, diagnostics, internalErrors: engine.lastErrors.length };
    const s = (st) => `${stages[st].runs.at(-1).toFixed(2)} s`;
    log(`bench:   run ${r + 1}: parse-only ${s('parseOnly')}, parse + lower ${s('parseLower')}, analyze ${s('analyze')}, lint ${s('lint')}`);
  }
  stages.analyzeLint = {
    runs: stages.analyze.runs.map((x, k) => x + stages.lint.runs[k]),
    cpu: stages.analyze.cpu.map((x, k) => x + stages.lint.cpu[k]),
  };

  // Not timed: syntax-error nodes in the baseline's trees.
  let filesWithSyntaxErrors = 0;
  for (const i of items) {
    const tree = baseParsers[i.lang].parse(i.text);
    if (tree.rootNode.hasError) filesWithSyntaxErrors++;
    tree.delete();
  }
  for (const p of Object.values(baseParsers)) p.delete();

  // The pre-filter, as the CLI applies it to a whole project (timed once: it is a text scan).
  const t0 = now();
  const rels = items.map((i) => i.rel);
  const seeds = rels.filter((r) => mod.isSeedText(textOf.get(r), r));
  const index = new mod.ProjectIndex(rels.map((p) => ({ path: p, ir: { body: [], errors: [] } })));
  const scope = mod.projectScope(index, rels, (r) => textOf.get(r));
  const prefilterSeconds = now() - t0;

  const findingsByCode = {};
  for (const d of last.diagnostics) findingsByCode[d.code] = (findingsByCode[d.code] ?? 0) + 1;
  const skipped = {};
  for (const f of last.facts) if (f.skipped) skipped[f.skipped] = (skipped[f.skipped] ?? 0) + 1;
  return {
    ...Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, { ...v, seconds: median(v.runs) }])),
    filesWithSyntaxErrors,
    skipped,
    findings: last.diagnostics.length,
    findingsByCode,
    internalErrors: last.internalErrors,
    prefilter: { seeds: seeds.length, scope: scope.length, seconds: prefilterSeconds, seedFiles: seeds },
  };
}

/**
 * Copies the corpus into a fresh temporary project (see the module comment); returns its root.
 * The caller removes it.
 */
export function copyTsCorpus(corpus) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'normlint-bench-tfjs-'));
  for (const f of corpus.files) {
    const to = path.join(root, f.rel);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(f.path, to);
  }
  fs.mkdirSync(path.join(root, '.git')); // project marker
  // Replaces the default excludes, which contain `dist` (every module of this corpus is in one).
  fs.writeFileSync(path.join(root, 'normlint.toml'), 'exclude = [".git", ".normlint_cache", "node_modules"]\n');
  return root;
}

/**
 * The files whose facts a run wrote to the project's cache, i.e. the files the CLI parsed (in
 * scope, or loaded on demand through an import): {files, bytes} (one entry per distinct content).
 */
export function cachedFacts(root) {
  const dir = path.join(root, '.normlint_cache', 'facts');
  const out = { files: 0, bytes: 0 };
  if (!fs.existsSync(dir)) return out;
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (e.name.endsWith('.json')) {
        out.files++;
        const rel = JSON.parse(fs.readFileSync(path.join(d, e.name), 'utf8')).path;
        if (typeof rel === 'string' && fs.existsSync(path.join(root, rel))) out.bytes += fs.statSync(path.join(root, rel)).size;
      }
    }
  };
  walk(dir);
  return out;
}
