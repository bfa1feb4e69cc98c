/**
 * `linter/src/project/scope.ts` with a long-lived `ScopeMemo` (the language server's): a file
 * re-scanned to the same scan facts keeps its `ScanFacts` object (callers cache by identity),
 * any change to a seed flag, an import or an import's targets gives a new one, and the scope
 * computed through the memo's caches always equals the scope computed from scratch.
 */
import assert from 'node:assert/strict';
import { ProjectIndex } from '../../linter/src/model/python/project';
import { projectScope, sameScan, sameScanFacts, ScopeMemo } from '../../linter/src/project/scope';

const EMPTY = { body: [], errors: [] };
const indexOf = (rels: readonly string[]): ProjectIndex => new ProjectIndex(rels.map((p) => ({ path: p, ir: EMPTY })));

const SEED = 'import torch.nn as nn\n\n\ndef block(c):\n    return nn.Sequential(nn.Conv2d(c, c, 3), nn.BatchNorm2d(c))\n';
const PLAIN = 'import torch.nn as nn\n\n\ndef block(c):\n    return nn.Conv2d(c, c, 3)\n';

describe('ScopeMemo: scan facts kept while a re-scan says the same', () => {
  const rels = ['app.py', 'models.py', 'util.py'];
  const index = indexOf(rels);

  it('keeps the object for an edit that changes no import line and not the seed flag', () => {
    const memo = new ScopeMemo();
    const before = memo.get(index, 'app.py', 'from models import block\n\n\nnet = block(3)\n');
    const after = memo.get(index, 'app.py', 'from models import block\n\n\nnet = block(3)  # edited\nx = 1 + 0\n');
    assert.equal(after, before);
    // Import lines that move (spans change) but say the same: kept too.
    const moved = memo.get(index, 'app.py', '"""Doc."""\n\nfrom models import block\n\n\nnet = block(3)\n');
    assert.equal(moved, before);
  });

  it('gives a new object when an import, an alias, a target or the seed flag changes', () => {
    const memo = new ScopeMemo();
    let prev = memo.get(index, 'app.py', 'from models import block\n');
    const step = (text: string, what: string): void => {
      const next = memo.get(index, 'app.py', text);
      assert.notEqual(next, prev, what);
      assert.equal(sameScanFacts(next, prev), false, what);
      prev = next;
    };
    step('from models import block\nfrom util import helper\n', 'import added');
    step('from models import block as b\nfrom util import helper\n', 'alias added');
    step('from models import block as b\n', 'import removed');
    step('from models import block as b\nimport torch.nn as nn\nbn = nn.BatchNorm2d(8)\n', 'became a seed');
    step('from models import block as b\nimport torch.nn as nn\nbn = nn.Conv2d(8, 8, 3)\n', 'no longer a seed');
    // The same import line with another target: only when the set of files changes, and that
    // clears the memo (a new ProjectIndex); the facts are compared structurally, targets included.
    const a = memo.get(index, 'app.py', 'from helpers import h\n');
    memo.clear();
    const b = memo.get(indexOf([...rels, 'helpers.py']), 'app.py', 'from helpers import h\n');
    assert.deepEqual(a.imports[0].targets, []);
    assert.deepEqual(b.imports[0].targets, ['helpers.py']);
    assert.equal(sameScanFacts(a, b), false);
  });

  it('re-reads uses of imported names for a new text even when the facts are kept', () => {
    const memo = new ScopeMemo();
    const files: Record<string, string> = { 'models.py': SEED, 'app.py': 'from models import block\n\n\nclass X:\n    pass\n', 'util.py': 'x = 1\n' };
    const scope = (): string[] => projectScope(index, rels, (r) => files[r], memo);
    assert.deepEqual(scope(), ['models.py'], 'imports a seed without using it');
    const facts = memo.get(index, 'app.py', files['app.py']);
    files['app.py'] = 'from models import block\n\n\nnet = block(3)\n';
    assert.deepEqual(scope(), ['app.py', 'models.py'], 'now calls what it imports');
    assert.equal(memo.get(index, 'app.py', files['app.py']), facts, 'same scan facts object');
    files['app.py'] = 'from models import block\n\n\nnet = None\n';
    assert.deepEqual(scope(), ['models.py']);
  });

  it('sameScan compares the files and the facts objects', () => {
    const memo = new ScopeMemo();
    const texts: Record<string, string> = { 'app.py': 'from models import block\n', 'models.py': SEED, 'util.py': 'x = 1\n' };
    const facts = memo.factsOf(index, rels, (r) => texts[r]);
    const prev = { rels: [...rels], facts };
    assert.equal(sameScan(prev, rels, memo.factsOf(index, rels, (r) => texts[r])), true);
    texts['util.py'] = 'x = 2\n';
    assert.equal(sameScan(prev, rels, memo.factsOf(index, rels, (r) => texts[r])), true, 'a text change with the same facts');
    texts['util.py'] = 'from models import block\n';
    assert.equal(sameScan(prev, rels, memo.factsOf(index, rels, (r) => texts[r])), false, 'an import added');
    assert.equal(sameScan(prev, ['app.py', 'models.py'], facts.slice(0, 2)), false, 'a file gone');
  });
});

/** A deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('projectScope with a long-lived memo equals a scope computed from scratch', () => {
  // Each file takes one of a few texts; a suffix of blank lines or comments makes a new text
  // with the same scan facts (what most keystrokes are).
  const VARIANTS: Record<string, string[]> = {
    'models.py': [SEED, PLAIN],
    'pkg/__init__.py': ['', 'from .core import Net\n', 'from .core import *\n', 'from . import core\n'],
    'pkg/core.py': [SEED.replace('def block', 'class Net:\n    pass\n\n\ndef block'), 'class Net:\n    pass\n', 'from models import block\n\n\nclass Net:\n    def __init__(self):\n        self.b = block(3)\n'],
    'app.py': [
      'from models import block\n\n\nnet = block(3)\n',
      'from models import block\n\n\nclass X:\n    pass\n',
      'from pkg import Net\n\n\nnet = Net()\n',
      'import pkg.core as core\n\n\nnet = core.Net()\n',
      'from util import helper\n\n\nhelper()\n',
      'x = 1\n',
    ],
    'util.py': ['def helper():\n    return 1\n', 'from pkg.core import Net\n\n\ndef helper():\n    return Net()\n', 'from app import net\n\n\nprint(net.x)\n'],
    'scripts/train.py': ['from models import block\nblock(1)\n', 'import os\n', 'from pkg import *\n'],
  };
  const rels = Object.keys(VARIANTS).sort();
  const index = indexOf(rels);

  for (const seed of [1, 2, 3, 4]) {
    it(`random edit sequence ${seed}`, () => {
      const rand = rng(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
      const texts = new Map(rels.map((r) => [r, VARIANTS[r][0]]));
      const memo = new ScopeMemo();
      for (let step = 0; step < 300; step++) {
        const r = pick(rels);
        const base = rand() < 0.6 ? texts.get(r)!.replace(/(\n# pad \d+)*$/, '') : pick(VARIANTS[r]);
        const text = rand() < 0.7 ? `${base}\n# pad ${step}` : base;
        const before = memo.get(index, r, texts.get(r)!);
        texts.set(r, text);
        const after = memo.get(index, r, text);
        const fresh = new ScopeMemo().get(index, r, text);
        assert.equal(after === before, sameScanFacts(before, fresh), `step ${step}: identity iff the same facts`);
        // Only part of the files readable now and then (an unreadable file leaves the scope).
        const readable = rand() < 0.1 ? rels.filter((x) => x !== pick(rels)) : rels;
        const textOf = (x: string): string => texts.get(x)!;
        assert.deepEqual(projectScope(index, readable, textOf, memo), projectScope(index, readable, textOf), `step ${step}`);
      }
    });
  }
});

describe('ScopeMemo.noteChange: a keystroke outside the import lines keeps them', () => {
  const rels = ['app.py', 'models.py', 'util.py'];
  const index = indexOf(rels);
  const BASE = [
    'import torch.nn as nn', 'from models import (block,', '    Net as N)', 'x = 1  # note', '', '',
    'def f(a):', '    return nn.BatchNorm2d(a)', '', 'from util import helper  # late', 'y = helper(2)', '',
  ].join('\n');

  it('scans again after a `)` typed below an unclosed `from m import (`', () => {
    const memo = new ScopeMemo();
    const text = 'from models import (block,\n    Net\nx = 1\n';
    assert.deepEqual(memo.get(index, 'app.py', text).imports.map((i) => i.imp.name), ['block']);
    const at = text.indexOf('Net') + 3;
    const next = `${text.slice(0, at)})${text.slice(at)}`;
    assert.equal(memo.noteChange('app.py', text, next, at, at, at + 1), false);
    assert.deepEqual(memo.get(index, 'app.py', next).imports.map((i) => i.imp.name), ['block', 'Net']);
  });

  for (const seed of [1, 2, 3]) {
    it(`equals a fresh scan after random single-character edits (sequence ${seed})`, () => {
      const rand = rng(seed);
      const chars = ['a', ' ', '\n', '(', ')', '#', 'i', 'import ', 'from x ', ',', '\\', 'BatchNorm'];
      const memo = new ScopeMemo();
      let text = BASE;
      memo.get(index, 'app.py', text);
      let kept = 0;
      for (let step = 0; step < 600; step++) {
        const at = Math.floor(rand() * (text.length + 1));
        const remove = rand() < 0.4 && at < text.length ? 1 + Math.floor(rand() * 3) : 0;
        const ins = remove ? '' : chars[Math.floor(rand() * chars.length)];
        const end = Math.min(text.length, at + remove);
        const next = text.slice(0, at) + ins + text.slice(end);
        if (memo.noteChange('app.py', text, next, at, end, at + ins.length)) kept++;
        const got = memo.get(index, 'app.py', next);
        assert.ok(sameScanFacts(got, new ScopeMemo().get(index, 'app.py', next)), `step ${step}: ${JSON.stringify(next)}`);
        // A few edits from the base text at a time (random edits soon leave no import intact).
        text = step % 6 === 5 ? BASE : next;
        if (text === BASE) memo.get(index, 'app.py', text);
      }
      assert.ok(kept > 100, `${kept}`);
    });
  }
});
