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

describe('pre-commit hooks', function () {
  this.timeout(300_000);
  let home: string;
  let work: string;

  before(function () {
    if (!hasPreCommit) this.skip();
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'normlint-pc-home-'));
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'normlint-pc-'));
    spawnSync('git', ['init', '-q'], { cwd: work });
    fs.writeFileSync(path.join(work, 'model.py'), 'import torch.nn as nn\n\nbn = nn.BatchNorm2d(8, momentum=0.9)\n');
    spawnSync('git', ['add', 'model.py'], { cwd: work });
  });

  after(() => {
    for (const d of [home, work]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  const tryRepo = (hook: string) =>
    spawnSync('pre-commit', ['try-repo', REPO, hook, '--files', 'model.py'], {
      cwd: work,
      encoding: 'utf8',
      env: { ...process.env, PRE_COMMIT_HOME: home, NO_COLOR: '1' },
    });

  it('normlint fails the commit and prints the finding', () => {
    const r = tryRepo('normlint');
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /model\.py:3:\d+: NL007/);
  });

  it('normlint-fix applies the safe fix', () => {
    const r = tryRepo('normlint-fix');
    assert.equal(r.status, 1, 'pre-commit fails a hook that modified files');
    assert.match(r.stdout, /files were modified by this hook/);
    assert.equal(fs.readFileSync(path.join(work, 'model.py'), 'utf8'), 'import torch.nn as nn\n\nbn = nn.BatchNorm2d(8, momentum=0.1)\n');
  });
});
