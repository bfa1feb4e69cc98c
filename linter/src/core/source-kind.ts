/** Which files the engine analyzes, by path, and in which language. */

/**
 * The grammars a source file is parsed with: `python` (`.py`, `.pyi`, and `.ipynb`, whose text
 * the adapter gives as the notebook's program), `typescript` (`.ts`, `.mts`, `.cts`), `tsx`
 * (`.tsx`), `javascript` (`.js`, `.mjs`, `.cjs`, `.jsx`; tree-sitter-javascript parses JSX).
 */
export type SourceLang = 'python' | 'typescript' | 'tsx' | 'javascript';

/**
 * The language the engine analyzes a path as, or null when it does not analyze it. TypeScript
 * declaration files (`.d.ts`, `.d.mts`, `.d.cts`) hold no code to lint: null.
 */
export function sourceLangOf(path: string): SourceLang | null {
  const m = /\.([a-z]+)$/i.exec(path);
  if (!m) return null;
  switch (m[1].toLowerCase()) {
    case 'py':
    case 'pyi':
    case 'ipynb':
      return 'python';
    case 'ts':
    case 'mts':
    case 'cts':
      return /\.d\.[mc]?ts$/i.test(path) ? null : 'typescript';
    case 'tsx':
      return 'tsx';
    case 'js':
    case 'mjs':
    case 'cjs':
    case 'jsx':
      return 'javascript';
    default:
      return null;
  }
}

/**
 * Whether the engine analyzes a path as Python: `.py`, `.pyi`, and `.ipynb` (whose text the
 * adapter gives as the notebook's program).
 */
export function isPythonPath(path: string): boolean {
  return /\.(?:pyi?|ipynb)$/.test(path);
}

/**
 * The extension of a TypeScript or JavaScript file, for taking it off a path or an import
 * specifier (`./model.js` → `./model`). Declaration files end in `.ts` too; case-sensitive
 * (module names and specifiers are).
 */
export const SCRIPT_EXTENSION = /\.(?:[cm]?ts|tsx|[cm]?js|jsx)$/;

/** Whether the engine analyzes a path as TypeScript or JavaScript (TensorFlow.js code). */
export function isScriptPath(path: string): boolean {
  const lang = sourceLangOf(path);
  return lang !== null && lang !== 'python';
}

/** Whether the engine analyzes a path at all (Python, notebooks, TypeScript, JavaScript). */
export function isSourcePath(path: string): boolean {
  return sourceLangOf(path) !== null;
}

/** Whether a path is a Jupyter notebook (`.ipynb`). */
export function isNotebookPath(path: string): boolean {
  return /\.ipynb$/.test(path);
}
