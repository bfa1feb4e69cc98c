/**
 * Helpers for CLI tests: build `dist/` once, write fixture projects into temp directories and
 * run `node dist/cli.js` as a real process.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const REPO = path.resolve(__dirname, '../..');
/** The CLI under test: `dist/cli.js`, or another build named by `NORMLINT_TEST_CLI` (then nothing is built). */
export const CLI = process.env.NORMLINT_TEST_CLI ?? path.join(REPO, 'dist', 'cli.js');

let built: Error | true | null = null;

/** Build `dist/` (once per test process; a failed build fails every caller without retrying). */
export function ensureBuilt(): void {
  if (process.env.NORMLINT_TEST_CLI) return;
  if (built === null) {
    const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO, encoding: 'utf8' });
    built = r.status === 0 ? true : new Error(`build failed:\n${r.stdout}\n${r.stderr}`);
  }
  if (built !== true) throw built;
}

const created: string[] = [];
process.on('exit', () => {
  for (const dir of created) fs.rmSync(dir, { recursive: true, force: true });
});

/** Create a temp directory holding `files` (path → text or bytes); returns its real path. Removed when the test process exits. */
export function makeProject(files: Record<string, string | Uint8Array>): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'normlint-cli-')));
  created.push(dir);
  writeFiles(dir, files);
  return dir;
}

/** A copy of the bundled `examples/` project (without its cache) in a temp directory (see {@link makeProject}); returns its path. */
export function copyExamples(): string {
  const dir = makeProject({});
  fs.cpSync(path.join(REPO, 'examples'), dir, { recursive: true, filter: (src) => path.basename(src) !== '.normlint_cache' });
  return dir;
}

/** Write `files` under `dir`, creating directories. */
export function writeFiles(dir: string, files: Record<string, string | Uint8Array>): void {
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(dir, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, content);
  }
}

/** Result of {@link runCli}. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `node dist/cli.js ...args` in `cwd` with colours unset unless `env` sets them. */
export function runCli(args: string[], cwd: string, env: Record<string, string | undefined> = {}): CliResult {
  const base = { ...process.env };
  delete base.NO_COLOR;
  delete base.FORCE_COLOR;
  delete base.CI;
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, env: { ...base, ...env }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A BatchNorm model in its own module (for cross-file tests). */
export const MODELS_PY = `import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, bias=False)
        self.bn = nn.BatchNorm2d(16)

    def forward(self, x):
        return self.bn(self.conv(x))
`;

/** Runs the imported BatchNorm model for inference without `.eval()` (NL001 across files). */
export const EVALUATE_PY = `import torch
from models import Net

model = Net()
model.load_state_dict(torch.load("weights.pt"))
with torch.no_grad():
    out = model(torch.zeros(1, 3, 8, 8))
`;

/** One NL007 finding with a safe fix (`momentum=0.9` → `momentum=0.1`). */
export const MOMENTUM_PY = `import torch.nn as nn

bn = nn.BatchNorm2d(16, momentum=0.9)
`;

/** No findings. */
export const CLEAN_PY = `import torch.nn as nn

bn = nn.BatchNorm2d(16, momentum=0.1)
`;
