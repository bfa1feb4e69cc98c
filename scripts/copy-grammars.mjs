// Copies the web-tree-sitter runtime and the grammars (WASM: tree-sitter-python, tree-sitter-typescript's
// typescript and tsx, tree-sitter-javascript) and their licenses
// from node_modules into grammars/, and writes grammars/MANIFEST.json describing them (package,
// version, ABI, sha256, size). Files whose content is unchanged are not rewritten, so their
// modification times stay put. See grammars/README.md.
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Language, LANGUAGE_VERSION, MIN_COMPATIBLE_VERSION, Parser } from 'web-tree-sitter';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'grammars');

/** What to copy: `file` in grammars/ ← `source` inside the package's directory. */
const FILES = [
  { file: 'web-tree-sitter.wasm', pkg: 'web-tree-sitter', source: 'web-tree-sitter.wasm', role: 'runtime' },
  { file: 'tree-sitter-python.wasm', pkg: 'tree-sitter-python', source: 'tree-sitter-python.wasm', role: 'grammar' },
  { file: 'tree-sitter-typescript.wasm', pkg: 'tree-sitter-typescript', source: 'tree-sitter-typescript.wasm', role: 'grammar' },
  { file: 'tree-sitter-tsx.wasm', pkg: 'tree-sitter-typescript', source: 'tree-sitter-tsx.wasm', role: 'grammar' },
  { file: 'tree-sitter-javascript.wasm', pkg: 'tree-sitter-javascript', source: 'tree-sitter-javascript.wasm', role: 'grammar' },
  { file: 'LICENSE.web-tree-sitter', pkg: 'web-tree-sitter', source: 'LICENSE', role: 'license' },
  { file: 'LICENSE.tree-sitter-python', pkg: 'tree-sitter-python', source: 'LICENSE', role: 'license' },
  { file: 'LICENSE.tree-sitter-typescript', pkg: 'tree-sitter-typescript', source: 'LICENSE', role: 'license' },
  { file: 'LICENSE.tree-sitter-javascript', pkg: 'tree-sitter-javascript', source: 'LICENSE', role: 'license' },
];

/**
 * Copies the grammars and writes the manifest. A manifest entry is
 * `{ file, package, version, abi, sha256, bytes }`, where `abi` is the grammar's ABI version
 * (a number), the runtime's supported range `{ min, max }`, or null for a license.
 * @throws if a package file is missing or the grammar's ABI is outside the runtime's range.
 */
export async function copyGrammars() {
  await mkdir(outDir, { recursive: true });
  const runtime = await readFile(packageFile('web-tree-sitter', 'web-tree-sitter.wasm'));
  await Parser.init({ wasmBinary: runtime });
  const abiOf = async (role, file, bytes) => {
    if (role === 'runtime') return { min: MIN_COMPATIBLE_VERSION, max: LANGUAGE_VERSION };
    if (role === 'license') return null;
    const abi = (await Language.load(bytes)).abiVersion;
    if (abi < MIN_COMPATIBLE_VERSION || abi > LANGUAGE_VERSION) {
      throw new Error(`${file} has ABI ${abi}; web-tree-sitter supports ${MIN_COMPATIBLE_VERSION}..${LANGUAGE_VERSION}`);
    }
    return abi;
  };

  const files = [];
  for (const { file, pkg, source, role } of FILES) {
    const bytes = await readFile(packageFile(pkg, source));
    const abi = await abiOf(role, file, bytes);
    await writeIfChanged(path.join(outDir, file), bytes);
    const { version } = JSON.parse(await readFile(packageFile(pkg, 'package.json'), 'utf8'));
    files.push({
      file,
      package: pkg,
      version,
      abi,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      bytes: bytes.length,
    });
  }
  await writeIfChanged(path.join(outDir, 'MANIFEST.json'), Buffer.from(JSON.stringify({ files }, null, 2) + '\n'));
}

function packageFile(pkg, file) {
  return path.join(root, 'node_modules', pkg, file);
}

async function writeIfChanged(file, bytes) {
  const old = await readFile(file).catch(() => null);
  if (old === null || !old.equals(bytes)) await writeFile(file, bytes);
}
