/**
 * In-process tests of `server/src/workspace.ts`'s planning across keystrokes: the project scope
 * and the import graph are reused while no file's scan facts change (`ScopeMemo` keeps the
 * `ScanFacts` objects), and any edit that changes what the scope reads (an import of a seed
 * added or removed, a use of an imported name, a file becoming a seed, a new file an import
 * resolves to) re-plans: the affected file is analyzed, or no longer is.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { WorkspaceFolder, type FileResult } from '../../server/src/workspace';
import { nodeHost, pathToUri } from '../../server/src/node-host';
import { ProjectIndex } from '../../linter/src/model/python/project';
import { projectScope, ScopeMemo } from '../../linter/src/project/scope';
import { testEngine } from '../helpers/project';
import { makeProject } from '../cli/helpers';

/** A seed (BatchNorm) that also re-exports `torch.load` and `torch.no_grad`. */
const MODEL = `import torch.nn as nn
from torch import load, no_grad


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm2d(8)

    def forward(self, x):
        return self.bn(x)
`;

/**
 * Inference on a loaded `Net` in training mode (NL001), in a file that is no seed itself (no
 * framework name): it is analyzed only as an importer of a seed that uses what it imports.
 */
const BODY = `

def main(x):
    net = Net()
    net.load_state_dict(load("checkpoint.pt"))
    with no_grad():
        return net(x)
`;
const IMPORT = 'from model import Net, load, no_grad\n';

type Plan = { primary: string[]; covered: Set<string> };

interface Harness {
  folder: WorkspaceFolder;
  root: string;
  /** Replaces the open document's text (opening it first) and re-lints what the change affects. */
  edit(rel: string, text: string): Promise<FileResult[]>;
  plan(changed: ReadonlySet<string>): Plan;
  codes(results: FileResult[], rel: string): string[];
}

async function harness(files: Record<string, string>, folders: WorkspaceFolder[]): Promise<Harness> {
  const engine = await testEngine();
  const root = makeProject({ '.git/HEAD': 'ref: refs/heads/main\n', ...files });
  const folder = new WorkspaceFolder(pathToUri(root), nodeHost, engine, {}, null, true);
  folders.push(folder);
  assert.ok(await folder.lint('all', () => false));
  const versions = new Map<string, number>();
  return {
    folder,
    root,
    async edit(rel, text) {
      const v = (versions.get(rel) ?? 0) + 1;
      versions.set(rel, v);
      if (v === 1) folder.openDocument(pathToUri(path.join(root, rel)), v, text);
      else folder.changeDocument(rel, v, { full: text });
      const out = await folder.lint(new Set([rel]), () => false);
      assert.ok(out);
      return out;
    },
    // `plan` is private: the tests compare it with a plan computed from scratch.
    plan: (changed) => folder['plan'](changed),
    codes: (results, rel) => (results.find((r) => r.rel === rel)?.diagnostics ?? []).map((d) => d.code),
  };
}

describe('language server: planning reuses the scope and import graph across keystrokes', function () {
  this.timeout(60_000);
  const folders: WorkspaceFolder[] = [];
  afterEach(() => {
    for (const f of folders.splice(0)) f.dispose();
  });

  it('an edit that adds an import of a seed makes the file analyzed; removing it stops that', async () => {
    const h = await harness({ 'model.py': MODEL, 'util.py': `import os\n${BODY}` }, folders);
    let out = await h.edit('util.py', `import os\n${BODY}`);
    assert.deepEqual(h.codes(out, 'util.py'), [], 'not an importer of a seed: not analyzed');
    // (model.py is covered: the whole-folder analysis covered util.py with it.)
    assert.deepEqual(h.plan(new Set(['util.py'])).primary, ['model.py']);
    // A keystroke in the body: the same scan facts, the same graph object.
    const graph = h.folder['graph'];
    out = await h.edit('util.py', `import os\n${BODY}\n# typing`);
    assert.equal(h.folder['graph'], graph, 'graph reused');
    assert.deepEqual(h.codes(out, 'util.py'), []);

    out = await h.edit('util.py', `${IMPORT}${BODY}`);
    assert.notEqual(h.folder['graph'], graph, 'an import added: graph rebuilt');
    assert.deepEqual(h.codes(out, 'util.py'), ['NL001'], 'imports a seed and uses it: analyzed');
    assert.deepEqual(h.plan(new Set(['util.py'])).primary, ['model.py', 'util.py']);

    out = await h.edit('util.py', `${IMPORT}${BODY}\n# typing`);
    assert.deepEqual(h.codes(out, 'util.py'), ['NL001'], 'still analyzed after a keystroke that reuses the plan');

    out = await h.edit('util.py', `import os\n${BODY}`);
    assert.deepEqual(h.codes(out, 'util.py'), [], 'the import removed: no longer analyzed, its findings cleared');
    assert.ok(out.some((r) => r.rel === 'model.py'), 'the previous component is covered (its results refreshed)');
  });

  it('an edit that only starts using an imported name (same imports) makes the file analyzed', async () => {
    const unused = `${IMPORT}\n\ndef main(x):\n    return x\n`;
    const h = await harness({ 'model.py': MODEL, 'util.py': unused }, folders);
    let out = await h.edit('util.py', unused);
    assert.deepEqual(h.codes(out, 'util.py'), []);
    assert.deepEqual(h.plan(new Set(['util.py'])).primary, ['model.py'], 'imports a seed without using it');
    const graph = h.folder['graph'];
    out = await h.edit('util.py', `${IMPORT}${BODY}`);
    assert.equal(h.folder['graph'], graph, 'the imports did not change');
    assert.deepEqual(h.codes(out, 'util.py'), ['NL001'], 'uses what it imports now: analyzed');
    out = await h.edit('util.py', unused);
    assert.deepEqual(h.codes(out, 'util.py'), []);
  });

  it('another file becoming a seed makes its importers analyzed', async () => {
    // No seed: no BatchNorm, no `no_grad`.
    const plain = MODEL.replace('nn.BatchNorm2d(8)', 'nn.Conv2d(8, 8, 3)').replace('load, no_grad', 'load');
    const h = await harness({ 'model.py': plain, 'util.py': `${IMPORT}${BODY}` }, folders);
    let out = await h.edit('model.py', plain);
    assert.deepEqual(h.plan(new Set(['model.py'])).primary, [], 'no seed in the project');
    out = await h.edit('model.py', MODEL);
    assert.deepEqual(h.plan(new Set(['model.py'])).primary, ['model.py', 'util.py']);
    assert.deepEqual(h.codes(out, 'util.py'), ['NL001'], 'util.py re-linted through the import graph');
    out = await h.edit('model.py', plain);
    assert.deepEqual(h.codes(out, 'util.py'), []);
  });

  it('a new file an import resolves to joins the graph (rescan)', async () => {
    const util = `from helpers import Net, load, no_grad\n${BODY}`;
    const h = await harness({ 'util.py': util }, folders);
    let out = await h.edit('util.py', util);
    assert.deepEqual(h.codes(out, 'util.py'), [], 'helpers.py does not exist');
    fs.writeFileSync(path.join(h.root, 'helpers.py'), MODEL);
    h.folder.rescan();
    out = await h.folder.lint(new Set(['helpers.py']), () => false) ?? [];
    assert.deepEqual(h.plan(new Set(['helpers.py'])).primary, ['helpers.py', 'util.py']);
    assert.deepEqual(h.codes(out, 'util.py'), ['NL001']);
  });

  it('plans like a plan computed from scratch over a random sequence of edits', async () => {
    const variants: Record<string, string[]> = {
      'model.py': [MODEL, MODEL.replace('nn.BatchNorm2d(8)', 'nn.Conv2d(8, 8, 3)').replace('load, no_grad', 'load')],
      'util.py': [`${IMPORT}${BODY}`, `import os\n${BODY}`, `${IMPORT}\n\ndef main(x):\n    return x\n`, `from pkg import Net, load, no_grad\n${BODY}`],
      'pkg/__init__.py': ['', 'from model import *\n', 'from .core import Net\n'],
      'pkg/core.py': ['class Net:\n    pass\n', 'from model import Net\n', 'from util import main\n\n\nmain(1)\n'],
      'app.py': ['import os\n', 'from util import main\n\n\nmain(1)\n', 'from pkg.core import Net\n\n\nNet()\n'],
      'other.py': ['x = 1\n', 'import app\n'],
    };
    const rels = Object.keys(variants).sort();
    const h = await harness(Object.fromEntries(rels.map((r) => [r, variants[r][0]])), folders);
    const index = new ProjectIndex(rels.map((p) => ({ path: p, ir: { body: [], errors: [] } })));
    let seed = 7;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
    /** The plan as computed before the caches: a fresh memo, the graph rebuilt. */
    const reference = (changed: ReadonlySet<string>): Plan => {
      const memo = new ScopeMemo();
      const textOf = (r: string): string => h.folder.textOf(r)!;
      const scope = projectScope(index, rels, textOf, memo);
      const adj = new Map<string, string[]>();
      for (const r of rels) {
        for (const imp of memo.get(index, r, textOf(r)).imports) {
          for (const t of imp.targets) if (t !== r) {
            adj.set(r, [...(adj.get(r) ?? []), t]);
            adj.set(t, [...(adj.get(t) ?? []), r]);
          }
        }
      }
      const covered = new Set<string>();
      const stack = [...changed].flatMap((c) => [c, ...(h.folder['groups'].get(c) ?? [])]);
      while (stack.length) {
        const r = stack.pop()!;
        if (covered.has(r)) continue;
        covered.add(r);
        stack.push(...(adj.get(r) ?? []));
      }
      return { primary: scope.filter((r) => covered.has(r)), covered };
    };
    for (let step = 0; step < 40; step++) {
      const rel = pick(rels);
      const text = rand() < 0.5 ? `${pick(variants[rel])}\n# edit ${step}\n` : pick(variants[rel]);
      const changed = new Set([rel]);
      // Compare before the lint (it updates the groups the plan starts from).
      const d = h.folder.document(rel);
      if (d) h.folder.changeDocument(rel, d.version + 1, { full: text });
      else h.folder.openDocument(pathToUri(path.join(h.root, rel)), 1, text);
      const got = h.plan(changed);
      const want = reference(changed);
      assert.deepEqual(got.primary, want.primary, `step ${step}: primary`);
      assert.deepEqual([...got.covered].sort(), [...want.covered].sort(), `step ${step}: covered`);
      assert.ok(await h.folder.lint(changed, () => false));
    }
  });
});
