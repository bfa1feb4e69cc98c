/**
 * The CLI's view of its installation and terminal: package root, version, grammar bytes and
 * whether to use colours.
 */
import fs from 'node:fs';
import path from 'node:path';
import pc from 'picocolors';
import { VERSION } from '../version';
import type { Grammars } from '../core/engine';

export { VERSION };

/**
 * The package root: `dist/cli.js` → `..`; when running from source (`linter/src/cli/*.ts`
 * under tsx) → `../../..`.
 */
export const PACKAGE_ROOT: string = process.env.NORMLINT_BUNDLED
  ? path.resolve(__dirname, '..')
  : path.resolve(__dirname, '../../..');

/** True when running the esbuild bundle (`dist/cli.js`, with `dist/worker.js` beside it). */
export const BUNDLED = Boolean(process.env.NORMLINT_BUNDLED);

/**
 * A cache-busting stamp: the version plus the size and mtime of the running script, so a
 * rebuilt development bundle never reads facts cached by an older build of the same version.
 */
export function buildStamp(): string {
  try {
    const st = fs.statSync(__filename);
    return `${VERSION}+${st.size}.${Math.floor(st.mtimeMs)}`;
  } catch {
    return VERSION;
  }
}

/**
 * Read the WebAssembly grammars from `<package root>/grammars/`.
 * @throws Error (with the path) when a grammar file is missing or unreadable.
 */
export function readGrammars(): Grammars {
  const dir = path.join(PACKAGE_ROOT, 'grammars');
  const read = (name: string): Uint8Array => {
    const file = path.join(dir, name);
    try {
      return new Uint8Array(fs.readFileSync(file));
    } catch (e) {
      throw new Error(`cannot read grammar ${file}: ${(e as Error).message} (run \`npm run build\`)`);
    }
  };
  return {
    runtime: read('web-tree-sitter.wasm'),
    python: read('tree-sitter-python.wasm'),
    typescript: read('tree-sitter-typescript.wasm'),
    tsx: read('tree-sitter-tsx.wasm'),
    javascript: read('tree-sitter-javascript.wasm'),
  };
}

/**
 * Whether to colour output written to `stream`: never when `NO_COLOR` is set to a non-empty
 * value (no-color.org); always when `FORCE_COLOR` is set (except `0`/`false`); otherwise only
 * on a TTY whose `TERM` is not `dumb`.
 */
export function useColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR.toLowerCase() !== 'false';
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

/** picocolors formatters, on or off. */
export type Colors = ReturnType<typeof pc.createColors>;

/** Colours for `stream` according to {@link useColor}. */
export function colorsFor(stream: { isTTY?: boolean }): Colors {
  return pc.createColors(useColor(stream));
}
