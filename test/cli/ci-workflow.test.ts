/**
 * The GitHub Actions workflow of `docs/ci/github-actions.yml` (also shown in the README's
 * "Continuous integration" section, and checked to be the same text): its `run:` steps are
 * executed here, in order, with bash as GitHub runs them, in a temporary "checkout" (a copy of
 * examples/). What cannot run here is stood in for:
 *
 * - `actions/checkout`: the copy is the checkout; `actions/setup-node`: this Node.
 * - The "Install normlint" step (a git clone and build of the normlint repository) is NOT run:
 *   a `normlint` shim on PATH runs the `dist/cli.js` built from this checkout instead.
 * - `github/codeql-action/upload-sarif`: the file it would upload is checked against the SARIF
 *   schema and GitHub code scanning's constraints.
 *
 * Step conditions (`if:`) are evaluated for the few status functions the workflow uses.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { CLI, REPO, copyExamples, ensureBuilt, makeProject } from './helpers';
import { assertGithubCodeScanning, assertValidSarif } from '../helpers/sarif';

const WORKFLOW = path.join(REPO, 'docs/ci/github-actions.yml');

interface Step {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}

interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, { 'runs-on': string; permissions: Record<string, string>; env?: Record<string, string>; steps: Step[] }>;
}

/**
 * Evaluate a step's `if:` as GitHub does for the forms this workflow uses: `success()` (the
 * default), `!cancelled()`, `always()`, `failure()`, and `steps.<id>.outcome == '<value>'`,
 * joined with `&&`.
 */
function stepRuns(cond: string | undefined, failed: boolean, outcomes: Map<string, string>): boolean {
  const expr = (cond ?? 'success()').trim().replace(/^\$\{\{\s*|\s*\}\}$/g, '');
  return expr.split('&&').every((part) => {
    const p = part.trim();
    if (p === 'success()') return !failed;
    if (p === 'failure()') return failed;
    if (p === '!cancelled()' || p === 'always()') return true;
    const m = /^steps\.([\w-]+)\.outcome\s*==\s*'(\w+)'$/.exec(p);
    if (m) return outcomes.get(m[1]) === m[2];
    throw new Error(`unsupported condition in the workflow: ${p}`);
  });
}

describe('ci: the GitHub Actions workflow example', function () {
  before(ensureBuilt);

  it('is the same text in docs/ci/github-actions.yml and in the README', () => {
    const file = fs.readFileSync(WORKFLOW, 'utf8');
    const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('\n## Continuous integration\n'));
    assert.ok(section.length > 30, 'README has a "Continuous integration" section');
    const blocks = [...section.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
    assert.ok(blocks.includes(file), 'the README shows docs/ci/github-actions.yml verbatim');
  });

  it('runs its steps: annotations for every finding, a valid SARIF file for code scanning', () => {
    const wf = parse(fs.readFileSync(WORKFLOW, 'utf8')) as Workflow;
    assert.ok('pull_request' in wf.on && 'push' in wf.on);
    const [job] = Object.values(wf.jobs);
    assert.equal(job['runs-on'], 'ubuntu-latest');
    assert.equal(job.permissions['security-events'], 'write', 'upload-sarif needs security-events: write');
    assert.equal(job.permissions.contents, 'read');

    const checkout = copyExamples();
    const expected = JSON.parse(spawnSync(process.execPath, [CLI, 'check', '--output-format', 'json', '--no-cache'], { cwd: checkout, encoding: 'utf8' }).stdout) as Array<{
      code: string;
      filename: string;
      location: { row: number };
    }>;
    assert.ok(expected.length > 0);
    // The stand-in for the install step: `normlint` on PATH runs this checkout's build.
    const bin = makeProject({ normlint: `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n` });
    fs.chmodSync(path.join(bin, 'normlint'), 0o755);
    const runnerTemp = makeProject({});
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      ...(job.env ?? {}),
      PATH: `${bin}${path.delimiter}${process.env.PATH}`,
      RUNNER_TEMP: runnerTemp,
      GITHUB_WORKSPACE: checkout,
      GITHUB_ACTIONS: 'true',
      CI: 'true',
    };
    delete env.FORCE_COLOR;
    delete env.NO_COLOR;

    let failed = false;
    const outcomes = new Map<string, string>();
    const ran: Array<{ step: string; code: number | null; stdout: string; stderr: string }> = [];
    let uploaded: string | null = null;
    for (const step of job.steps) {
      const label = step.name ?? step.uses ?? step.run ?? '?';
      if (!stepRuns(step.if, failed, outcomes)) {
        if (step.id) outcomes.set(step.id, 'skipped');
        continue;
      }
      let ok = true;
      if (step.uses) {
        if (step.uses.startsWith('actions/checkout@')) assert.ok(fs.existsSync(path.join(checkout, 'pyproject.toml')));
        else if (step.uses.startsWith('actions/setup-node@')) assert.ok(Number(process.versions.node.split('.')[0]) >= 20);
        else if (step.uses.startsWith('github/codeql-action/upload-sarif@')) {
          const file = path.join(checkout, String(step.with?.sarif_file));
          assert.ok(fs.existsSync(file), `upload-sarif: ${file} exists`);
          uploaded = fs.readFileSync(file, 'utf8');
        } else assert.fail(`unexpected action ${step.uses}`);
      } else if (step.name === 'Install normlint') {
        // Not run (see the module comment): it clones and builds normlint from its repository.
        assert.match(step.run!, /git clone .*https:\/\/github\.com\/normlint\/normlint\.git/);
        assert.match(step.run!, /npm ci && npm install --global \./);
      } else {
        const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run!], { cwd: checkout, env, encoding: 'utf8' });
        ran.push({ step: label, code: r.status, stdout: r.stdout, stderr: r.stderr });
        ok = r.status === 0;
      }
      if (step.id) outcomes.set(step.id, ok ? 'success' : 'failure');
      failed ||= !ok;
    }

    // The check step fails the job (the examples have findings) and annotates each of them.
    const check = ran.find((r) => r.step === 'Check')!;
    assert.equal(check.code, 1, check.stderr);
    const annotations = check.stdout.trim().split('\n');
    assert.equal(annotations.length, expected.length);
    for (const d of expected) {
      const file = path.relative(checkout, d.filename);
      // (In a notebook the annotation's line is in the .ipynb JSON, not the cell's row.)
      const at = file.endsWith('.ipynb') ? `file=${file},line=` : `file=${file},line=${d.location.row},`;
      const kind = annotations.find((a) => a.includes(at) && a.includes(`title=${d.code} `));
      assert.ok(kind && /^::(error|warning|notice) /.test(kind), `an annotation for ${file}:${d.location.row} ${d.code}`);
    }
    // The SARIF step succeeds despite the findings, and its file is what code scanning accepts.
    const sarifStep = ran.find((r) => r.step === 'Check (SARIF for code scanning)')!;
    assert.equal(sarifStep.code, 0, sarifStep.stderr);
    assert.equal(outcomes.get('sarif'), 'success');
    assert.ok(uploaded, 'the upload step ran after the failed check');
    const log = JSON.parse(uploaded);
    assertValidSarif(log);
    assertGithubCodeScanning(uploaded);
    assert.equal(log.runs[0].results.length, expected.length);
    assert.equal(log.runs[0].originalUriBaseIds['%SRCROOT%'].uri, `file://${checkout}/`, 'paths relative to the checkout root');
  });

  it('its SARIF step fails on an error (exit 2) instead of uploading an empty file', () => {
    const wf = parse(fs.readFileSync(WORKFLOW, 'utf8')) as Workflow;
    const step = Object.values(wf.jobs)[0].steps.find((s) => s.id === 'sarif')!;
    const dir = makeProject({ 'pyproject.toml': '[tool.normlint]\nselect = ["NL999"]\n', 'm.py': 'x = 1\n' });
    const bin = makeProject({ normlint: `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n` });
    fs.chmodSync(path.join(bin, 'normlint'), 0o755);
    const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run!], {
      cwd: dir,
      env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` },
      encoding: 'utf8',
    });
    assert.notEqual(r.status, 0, 'a configuration error fails the step');
    assert.match(r.stderr, /NL999/);
  });
});
