// `npm run package`: a production build (minified bundles) and the VS Code extension package
// normlint-<version>.vsix made by @vscode/vsce from the .vscodeignore allow-list. Prints the
// VSIX's size and the files in it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const out = path.join(root, `normlint-${pkg.version}.vsix`);

execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--production'], { cwd: root, stdio: 'inherit' });
// Everything the extension runs is bundled into dist/: no node_modules in the package.
execFileSync(process.execPath, [path.join(root, 'node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies', '--out', out], {
  cwd: root,
  stdio: ['ignore', 'inherit', 'inherit'],
});
const size = fs.statSync(out).size;
console.log(`package: ${path.relative(root, out)} ${(size / 1024 / 1024).toFixed(2)} MiB (${size} bytes)`);
