/**
 * Loads the ESLint plugin: reads the WebAssembly grammars from the package's `grammars/`
 * directory, creates the engine (asynchronous: web-tree-sitter compiles WebAssembly) and builds
 * the plugin over it. The bundle `dist/eslint-plugin.mjs` awaits {@link loadPlugin} at top
 * level, so `import normlint from 'normlint/eslint-plugin'` yields a ready, synchronous plugin.
 */
import { readGrammars } from '../cli/env';
import { Engine } from '../core/engine';
import { createPlugin, type NormlintEslintPlugin } from './plugin';

/**
 * Creates the engine from `<package root>/grammars/` and the plugin over it.
 * @throws (rejects) when a grammar is missing (run `npm run build`) or cannot be loaded.
 */
export async function loadPlugin(): Promise<NormlintEslintPlugin> {
  const engine = await Engine.create(readGrammars());
  return createPlugin(engine);
}
