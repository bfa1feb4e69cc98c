/**
 * Shared test helpers: the WASM grammars from node_modules, one Python parser per test process,
 * and `parsePy` (parse + lower in one call).
 *
 * Usage in a test file:
 *
 *     before(initParser);
 *     it('...', () => { const ir = parsePy('x = 1\n'); ... });
 */
import fs from 'node:fs';
import { initTreeSitter, type GrammarBytes, type PythonParser } from '../../linter/src/parse/parser';
import { lowerPython } from '../../linter/src/model/python/lower';
import type { PyFile } from '../../linter/src/model/python/ir';

/** The web-tree-sitter runtime and tree-sitter-python grammar bytes, read from node_modules. */
export function loadGrammars(): GrammarBytes {
  return {
    runtime: fs.readFileSync(require.resolve('web-tree-sitter/web-tree-sitter.wasm')),
    python: fs.readFileSync(require.resolve('tree-sitter-python/tree-sitter-python.wasm')),
  };
}

let parser: PythonParser | undefined;

/** Loads the parser (once per process); call it from a `before` hook before `parsePy`. */
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
