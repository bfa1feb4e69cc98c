/**
 * Shared test helpers: the WASM grammars from node_modules, one parser per test process,
 * `parsePy` (parse + lower Python in one call) and `parseTs` (parse + lower TypeScript, TSX or
 * JavaScript in one call).
 *
 * Usage in a test file:
 *
 *     before(initParser);
 *     it('...', () => { const ir = parsePy('x = 1\n'); ... });
 *     it('...', () => { const ir = parseTs('const x = 1;\n'); ... });
 */
import fs from 'node:fs';
import { initTreeSitter, type GrammarBytes, type PythonParser } from '../../linter/src/parse/parser';
import { lowerPython } from '../../linter/src/model/python/lower';
import { lowerTypeScript } from '../../linter/src/model/ts/lower';
import type { PyFile } from '../../linter/src/model/python/ir';

/** The web-tree-sitter runtime and the grammar bytes, read from node_modules. */
export function loadGrammars(): GrammarBytes {
  return {
    runtime: fs.readFileSync(require.resolve('web-tree-sitter/web-tree-sitter.wasm')),
    python: fs.readFileSync(require.resolve('tree-sitter-python/tree-sitter-python.wasm')),
    typescript: fs.readFileSync(require.resolve('tree-sitter-typescript/tree-sitter-typescript.wasm')),
    tsx: fs.readFileSync(require.resolve('tree-sitter-typescript/tree-sitter-tsx.wasm')),
    javascript: fs.readFileSync(require.resolve('tree-sitter-javascript/tree-sitter-javascript.wasm')),
  };
}

let parser: PythonParser | undefined;

/** Loads the parser (once per process); call it from a `before` hook before `parsePy`/`parseTs`. */
export async function initParser(): Promise<PythonParser> {
  parser ??= await initTreeSitter(loadGrammars());
  return parser;
}

/** Parses and lowers `text` (the tree is deleted). Requires {@link initParser} to have run. */
export function parsePy(text: string): PyFile {
  if (parser === undefined) throw new Error('parsePy: call `before(initParser)` first');
  const tree = parser.parse(text);
  try {
    return lowerPython(tree, text);
  } finally {
    tree.delete();
  }
}

/**
 * Parses `text` with the TypeScript (default), TSX or JavaScript grammar and lowers it to the IR
 * (the tree is deleted). Requires {@link initParser} to have run.
 */
export function parseTs(text: string, lang: 'typescript' | 'tsx' | 'javascript' = 'typescript'): PyFile {
  if (parser === undefined) throw new Error('parseTs: call `before(initParser)` first');
  const tree = parser.parse(text, null, lang);
  try {
    return lowerTypeScript(tree, text);
  } finally {
    tree.delete();
  }
}
