/**
 * Loads web-tree-sitter and the grammars (Python, TypeScript, TSX, JavaScript) from bytes and
 * parses source text.
 *
 * Pure: no file system or Node-only API; the adapter reads the WASM files (from `grammars/`)
 * and hands their bytes over.
 *
 * Units: tree offsets (`startIndex`, `endIndex`) of a tree parsed from a JS string are UTF-16
 * code-unit offsets into that string, the single offset unit of normlint.
 */
import { Language, Parser } from 'web-tree-sitter';
import type { Tree } from 'web-tree-sitter';
import type { SourceLang } from '../core/source-kind';
import { maskDangling } from './logical-lines';

/** The source parsers over the loaded grammars. */
export interface SourceParser {
  /** The loaded tree-sitter-python language (to compile queries against). */
  readonly language: Language;
  /** Every loaded language, by source language. */
  readonly languages: Readonly<Record<SourceLang, Language>>;
  /**
   * Parses `text` as `lang` (default Python). Syntax errors never throw: tree-sitter recovers
   * and marks them with ERROR and MISSING nodes. Python: an assignment operator that ends a
   * logical line (`x = ` left empty) is read as spaces (`maskDangling`; the lowering reports it),
   * so an incremental re-parse must also `edit` the old tree where that masking changed.
   *
   * @param oldTree - The previous tree of the same document (same language), already `edit`ed
   *   to match `text`, for an incremental re-parse.
   * @returns A new tree, owned by the caller, who must call `tree.delete()` when done with it.
   */
  parse(text: string, oldTree?: Tree | null, lang?: SourceLang): Tree;
}

/** The same parser, under the name the Python-only call sites use. */
export type PythonParser = SourceParser;

/**
 * WASM bytes of web-tree-sitter's runtime and of the grammars (the files of `grammars/`, see
 * `grammars/MANIFEST.json` for their packages and versions).
 */
export interface GrammarBytes {
  /** `web-tree-sitter.wasm`. */
  runtime: Uint8Array;
  /** `tree-sitter-python.wasm`. */
  python: Uint8Array;
  /** `tree-sitter-typescript.wasm` (from the tree-sitter-typescript package). */
  typescript: Uint8Array;
  /** `tree-sitter-tsx.wasm` (from the tree-sitter-typescript package). */
  tsx: Uint8Array;
  /** `tree-sitter-javascript.wasm` (JavaScript with JSX). */
  javascript: Uint8Array;
}

let loading: Promise<SourceParser> | undefined;

/**
 * Initializes the web-tree-sitter runtime and loads the grammars, once per thread: later calls
 * return the same parser (and ignore their arguments) instead of loading again.
 *
 * @throws (rejects) if the runtime or a grammar cannot be instantiated, e.g. invalid bytes
 *   or a grammar ABI the runtime does not support; a later call then tries again.
 */
export function initTreeSitter(grammars: GrammarBytes): Promise<SourceParser> {
  loading ??= load(grammars).catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

async function load(grammars: GrammarBytes): Promise<SourceParser> {
  await Parser.init({ wasmBinary: grammars.runtime });
  const languages: Record<SourceLang, Language> = {
    python: await Language.load(grammars.python),
    typescript: await Language.load(grammars.typescript),
    tsx: await Language.load(grammars.tsx),
    javascript: await Language.load(grammars.javascript),
  };
  const parsers = new Map<SourceLang, Parser>();
  const parserFor = (lang: SourceLang): Parser => {
    let p = parsers.get(lang);
    if (!p) {
      p = new Parser();
      p.setLanguage(languages[lang]);
      parsers.set(lang, p);
    }
    return p;
  };
  return {
    language: languages.python,
    languages,
    parse(text: string, oldTree?: Tree | null, lang: SourceLang = 'python'): Tree {
      const tree = parserFor(lang).parse(lang === 'python' ? maskDangling(text) : text, oldTree);
      // Only a parser without a language or a cancelled parse returns null; neither can happen.
      if (tree === null) throw new Error('tree-sitter returned no tree');
      return tree;
    },
  };
}
