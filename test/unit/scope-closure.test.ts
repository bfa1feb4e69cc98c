/**
 * `importClosure` (`linter/src/project/scope.ts`): the files the model may load on demand while
 * linting a set of files, which the CLI analyzes ahead of need on its workers. It must use the
 * scope's own import resolution (`importTargets`), follow imports transitively, nearest first,
 * and leave out framework packages, unreadable files and the starting files themselves.
 */
import assert from 'node:assert/strict';
import { ProjectIndex } from '../../linter/src/model/python/project';
import { importClosure, importTargets, ScopeMemo } from '../../linter/src/project/scope';
import { scanImportLines } from '../../linter/src/model/python/prefilter';

const EMPTY = { body: [], errors: [] };
const indexOf = (rels: readonly string[]): ProjectIndex => new ProjectIndex(rels.map((p) => ({ path: p, ir: EMPTY })));

describe('importClosure: what a lint may load on demand', () => {
  it('follows imports transitively, breadth first, without the starting files', () => {
    const files: Record<string, string> = {
      'train.py': 'import torch\nfrom models.net import Net\nfrom data import loader\nimport util\n',
      'models/__init__.py': 'from .net import Net\n',
      'models/net.py': 'import torch.nn as nn\nfrom .blocks import conv_bn\nfrom util import WIDTH\n',
      'models/blocks.py': 'import torch.nn as nn\nfrom ..consts import EPS\n',
      'data.py': 'from train import main\n',
      'util.py': 'WIDTH = 16\n',
      'consts.py': 'EPS = 1e-5\n',
      'unrelated.py': 'import os\n',
    };
    const index = indexOf(Object.keys(files));
    const closure = importClosure(index, ['train.py', 'data.py'], (r) => files[r]);
    // Distance 1 in import-line order (`from models.net import Net` reads models/net.py only),
    // then what those import; train.py and data.py are where it starts.
    assert.deepEqual(closure, ['models/net.py', 'util.py', 'models/blocks.py', 'consts.py']);
  });

  it('reads `import a.b` through its packages, and `from pkg import sub` submodules', () => {
    const files: Record<string, string> = {
      'main.py': 'import pkg.sub.leaf\nfrom other import helpers\n',
      'pkg/__init__.py': '',
      'pkg/sub/__init__.py': '',
      'pkg/sub/leaf.py': '',
      'other/__init__.py': '',
      'other/helpers.py': '',
    };
    const index = indexOf(Object.keys(files));
    assert.deepEqual(importClosure(index, ['main.py'], (r) => files[r]), ['pkg/__init__.py', 'pkg/sub/__init__.py', 'pkg/sub/leaf.py', 'other/__init__.py', 'other/helpers.py']);
  });

  it('uses the scope resolution: framework packages stay external, even when their sources are in the project', () => {
    const files: Record<string, string> = {
      'app.py': 'import torch\nfrom torch import nn\nfrom tools import fit\n',
      'torch/__init__.py': 'from .nn import Module\n',
      'torch/nn.py': '',
      'tools.py': '',
    };
    const index = indexOf(Object.keys(files));
    const closure = importClosure(index, ['app.py'], (r) => files[r]);
    assert.deepEqual(closure, ['tools.py']);
    const targets = scanImportLines(files['app.py']).flatMap((imp) => importTargets(index, 'app.py', imp));
    assert.deepEqual(targets, closure, 'the same targets as the scope computes');
  });

  it('leaves out and does not follow files it cannot read', () => {
    const files: Record<string, string | undefined> = {
      'main.py': 'from a import x\nfrom b import y\n',
      'a.py': 'from c import z\n',
      'b.py': undefined, // unreadable (binary, too large...)
      'c.py': '',
    };
    const index = indexOf(Object.keys(files));
    assert.deepEqual(importClosure(index, ['main.py'], (r) => files[r]), ['a.py', 'c.py']);
  });

  it('resolves TypeScript/JavaScript relative imports with their extensions and index files', () => {
    const files: Record<string, string> = {
      'src/train.ts': "import * as tf from '@tensorflow/tfjs';\nimport { build } from './model';\nimport { load } from './data/index.js';\n",
      'src/model.ts': "import { conv } from './layers';\n",
      'src/layers/index.ts': "export { conv } from './conv';\n",
      'src/layers/conv.ts': '',
      'src/data/index.js': '',
    };
    const index = indexOf(Object.keys(files));
    assert.deepEqual(importClosure(index, ['src/train.ts'], (r) => files[r]), ['src/model.ts', 'src/data/index.js', 'src/layers/index.ts', 'src/layers/conv.ts']);
  });

  it('resolves the same module name from a Python file and a script in one directory as ProjectIndex.module does', () => {
    // Both name `src.b`: the Python file finds the module `src.b` (src/b.py), the script the path
    // src/b with a script extension first (src/b.ts). Resolutions are memoized per importing
    // directory and kind: one must not answer for the other.
    const files: Record<string, string> = {
      'src/x.py': 'import src.b\n',
      'src/y.ts': "import { b } from '../src/b';\n",
      'src/b.py': '',
      'src/b.ts': '',
    };
    const index = indexOf(Object.keys(files));
    for (const from of ['src/x.py', 'src/y.ts', 'src/x.py']) {
      const expected = index.module('src.b', index.file(from))!.path;
      assert.deepEqual(importClosure(index, [from], (r) => files[r]).at(-1), expected, from);
    }
    assert.equal(index.module('src.b', index.file('src/x.py'))!.path, 'src/b.py');
    assert.equal(index.module('src.b', index.file('src/y.ts'))!.path, 'src/b.ts');
  });

  it('reuses the scan facts of a memo and gives the same result as without it', () => {
    const files: Record<string, string> = { 'a.py': 'from b import f\n', 'b.py': 'from c import g\n', 'c.py': '' };
    const index = indexOf(Object.keys(files));
    const memo = new ScopeMemo();
    const facts = memo.get(index, 'a.py', files['a.py']);
    const withMemo = importClosure(index, ['a.py'], (r) => files[r], memo);
    assert.equal(memo.get(index, 'a.py', files['a.py']), facts);
    assert.deepEqual(withMemo, importClosure(index, ['a.py'], (r) => files[r]));
    assert.deepEqual(withMemo, ['b.py', 'c.py']);
  });
});
