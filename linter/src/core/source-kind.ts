/** Which files the engine analyzes, by path. */

/**
 * Whether the engine analyzes a path as Python: `.py`, `.pyi`, and `.ipynb` (whose text the
 * adapter gives as the notebook's program).
 */
export function isPythonPath(path: string): boolean {
  return /\.(?:pyi?|ipynb)$/.test(path);
}

/** Whether a path is a Jupyter notebook (`.ipynb`). */
export function isNotebookPath(path: string): boolean {
  return /\.ipynb$/.test(path);
}
