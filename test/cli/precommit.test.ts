/**
 * The pre-commit hooks of `.pre-commit-hooks.yaml`, installed and run by the real `pre-commit`
 * (Debian's package; `.ci/run` installs it) from this repository, as a user's config would.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO } from './helpers';

const hasPreCommit = spawnSync('pre-commit', ['--version'], { encoding: 'utf8' }).status === 0;

/** A notebook whose cell 2 builds a conv with a bias in front of BatchNorm (NL003, safe fix). */
const NOTEBOOK = JSON.stringify(
  {
    cells: [
      { cell_type: 'markdown', metadata: {}, source: ['# Model'] },
      { cell_type: 'code', execution_count: 1, metadata: {}, outputs: [], source: ['import torch.nn as nn\n', '\n', 'net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8))'] },
    ],
    metadata: { kernelspec: { language: 'python', name: 'python3' } },
    nbformat: 4,
    nbformat_minor: 5,
  },
  null,
  1,
) + '\n';

/** A TensorFlow.js model with NL003 (dense bias before BatchNorm) and NL007 (PyTorch's momentum), both safely fixable. */
const TFJS_MODEL = "import * as tf from '@tensorflow/tfjs';\n\nexport const model = tf.sequential({layers: [tf.layers.dense({units: 8, inputShape: [4]}), tf.layers.batchNormalization({momentum: 0.1})]});\n";

describe('pre-commit hooks', function () {
  this.timeout(300_000);
  let home: string;
  let work: string;
  let clean: string;

  /** A git repository with `files` staged (what `git commit` would run the hooks on). */
  const repoWith = (files: Record<string, string>): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'normlint-pc-'));
    spawnSync('git', ['init', '-q'], { cwd: dir });
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    spawnSync('git', ['add', ...Object.keys(files)], { cwd: dir });
    return dir;
  };

  before(function () {
    if (!hasPreCommit) this.skip();
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'normlint-pc-home-'));
    work = repoWith({ 'model.py': 'import torch.nn as nn\n\nbn = nn.BatchNorm2d(8, momentum=0.9)\n', 'explore.ipynb': NOTEBOOK, 'web.ts': TFJS_MODEL });
    clean = repoWith({ 'model.py': 'import torch.nn as nn\n\nbn = nn.BatchNorm2d(8, momentum=0.1)\n', 'README.md': '# a project\n' });
  });

  after(() => {
    for (const d of [home, work, clean]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  /** `pre-commit try-repo` on the staged files, as a commit would run the hook. */
  const tryRepo = (hook: string, cwd = work) =>
    spawnSync('pre-commit', ['try-repo', REPO, hook], {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, PRE_COMMIT_HOME: home, NO_COLOR: '1' },
    });

  it('normlint refuses a commit with a bug and prints the findings (Python, notebook, TypeScript)', () => {
    const r = tryRepo('normlint');
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /model\.py:3:\d+: NL007/);
    assert.match(r.stdout, /explore\.ipynb:cell 2:line 3:col \d+: NL003/);
    assert.match(r.stdout, /web\.ts:3:\d+: NL003/);
    assert.match(r.stdout, /web\.ts:3:\d+: NL007/);
  });

  it('normlint passes a clean commit', () => {
    const r = tryRepo('normlint', clean);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /normlint\.+Passed/);
  });

  it('normlint-fix applies the safe fixes, in the notebook cell too, and reports them', () => {
    const r = tryRepo('normlint-fix');
    assert.equal(r.status, 1, 'pre-commit fails a hook that modified files');
    assert.match(r.stdout, /files were modified by this hook/);
    assert.match(r.stdout, /Fixed 4 errors\./);
    assert.equal(fs.readFileSync(path.join(work, 'model.py'), 'utf8'), 'import torch.nn as nn\n\nbn = nn.BatchNorm2d(8, momentum=0.1)\n');
    const nb = fs.readFileSync(path.join(work, 'explore.ipynb'), 'utf8');
    assert.equal(nb, NOTEBOOK.replace('nn.Conv2d(3, 8, 3)', 'nn.Conv2d(3, 8, 3, bias=False)'));
    assert.equal(fs.readFileSync(path.join(work, 'web.ts'), 'utf8'), TFJS_MODEL.replace('inputShape: [4]}', 'inputShape: [4], useBias: false}').replace('momentum: 0.1', 'momentum: 0.9'));
  });
});
