/**
 * Loads web-tree-sitter and the tree-sitter-python grammar from bytes and parses Python text.
 *
 * Pure: no file system or Node-only API; the adapter reads the WASM files (from `grammars/`)
 * and hands their bytes over.
 *
 * Units: tree offsets (`startIndex`, `endIndex`) of a tree parsed from a JS string are UTF-16
 * code-unit offsets into that string, the single offset unit of normlint.
 */
import { Language, Parser } from 'web-tree-sitter';
import type { Tree } from 'web-tree-sitter';

/** A Python parser over the loaded tree-sitter-python grammar. */
export interface PythonParser {
  /** The loaded tree-sitter-python language (to compile queries against). */
  readonly language: Language;
  /**
   * Parses `text`. Syntax errors never throw: tree-sitter recovers and marks them with ERROR
   * and MISSING nodes.
   *
   * @param oldTree - The previous tree of the same document, already `edit`ed to match `text`,
   *   for an incremental re-parse.
   * @returns A new tree, owned by the caller, who must call `tree.delete()` when done with it.
   */
  parse(text: string, oldTree?: Tree | null): Tree;
}

/** WASM bytes of web-tree-sitter's runtime and of the tree-sitter-python grammar. */
export interface GrammarBytes {
  /** `web-tree-sitter.wasm`. */
  runtime: Uint8Array;
  /** `tree-sitter-python.wasm`. */
  python: Uint8Array;
}

let loading: Promise<PythonParser> | undefined;

/**
 * Initializes the web-tree-sitter runtime and loads the Python grammar, once per thread: later
 * calls return the same parser (and ignore their arguments) instead of loading again.
 *
 * @throws (rejects) if the runtime or the grammar cannot be instantiated, e.g. invalid bytes
 *   or a grammar ABI the runtime does not support; a later call then tries again.
 */
export function initTreeSitter(grammars: GrammarBytes): Promise<PythonParser> {
  loading ??= load(grammars).catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

async function load(grammars: GrammarBytes): Promise<PythonParser> {
  await Parser.init({ wasmBinary: grammars.runtime });
  const language = await Language.load(grammars.python);
  const parser = new Parser();
  parser.setLanguage(language);
  return {
    language,
    parse(text: string, oldTree?: Tree | null): Tree {
      const tree = parser.parse(text, oldTree);
      // Only a parser without a language or a cancelled parse returns null; neither can happen.
      if (tree === null) throw new Error('tree-sitter returned no tree');
      return tree;
    },
  };
}
