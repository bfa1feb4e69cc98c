/**
 * Incremental re-parsing of open documents (`Engine.openDocument`): after any sequence of
 * edits, the facts equal a from-scratch analysis of the same text.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { testEngine } from '../helpers/project';

/** A small deterministic PRNG (mulberry32) so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SNIPPETS = ['x', '(', ')', ':', '\n', '    ', 'self.bn = nn.BatchNorm2d(64)\n', '中文', '😀', 'é', 'e\u0301', '\u0915\u094D', 'model.eval()', '#', '"', 'def f(a):\n    return a\n', ''];

describe('ParsedDocument (incremental re-parse)', () => {
  const base = fs.readFileSync(path.join(__dirname, '../../examples/cifar/models/resnet.py'), 'utf8');

  it('matches a full analysis after each of 300 random edits (ASCII, CJK, emoji, combining marks)', async () => {
    const engine = await testEngine();
    const next = rng(42);
    const doc = engine.openDocument('model.py', base);
    try {
      for (let i = 0; i < 300; i++) {
        const text = doc.text;
        const a = Math.floor(next() * (text.length + 1));
        const b = Math.min(text.length, a + Math.floor(next() * 12));
        const ins = SNIPPETS[Math.floor(next() * SNIPPETS.length)];
        // Never split a surrogate pair (editors do not either).
        const start = a > 0 && /[\uDC00-\uDFFF]/.test(text[a] ?? '') ? a - 1 : a;
        const end = b > 0 && /[\uDC00-\uDFFF]/.test(text[b] ?? '') ? b + 1 : b;
        doc.update([{ start, end: Math.max(start, end), text: ins }]);
        assert.equal(doc.text, text.slice(0, start) + ins + text.slice(Math.max(start, end)));
        assert.deepEqual(doc.facts(), engine.analyze({ path: 'model.py', text: doc.text }), `edit ${i}`);
      }
    } finally {
      doc.dispose();
    }
  });

  it('applies several changes of one notification in order', async () => {
    const engine = await testEngine();
    const doc = engine.openDocument('a.py', 'import torch\nx = 1\n');
    try {
      doc.update([
        { start: 13, end: 14, text: 'y' },
        { start: 0, end: 0, text: '# é😀\n' },
      ]);
      assert.equal(doc.text, '# é😀\nimport torch\ny = 1\n');
      assert.deepEqual(doc.facts(), engine.analyze({ path: 'a.py', text: doc.text }));
    } finally {
      doc.dispose();
    }
  });

  it('rejects a change outside the text and keeps the document intact', async () => {
    const engine = await testEngine();
    const doc = engine.openDocument('a.py', 'x = 1\n');
    try {
      assert.throws(() => doc.update([{ start: 3, end: 99, text: '' }]), RangeError);
      assert.equal(doc.text, 'x = 1\n');
      assert.deepEqual(doc.facts(), engine.analyze({ path: 'a.py', text: 'x = 1\n' }));
    } finally {
      doc.dispose();
    }
  });
});
