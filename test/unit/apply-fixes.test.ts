import assert from 'node:assert/strict';
import type { Diagnostic, Fix } from '../../linter/src/core/diagnostic';
import { applyEdits, detectLineEnding, fixApplies, reparsesAsWell, selectFixes } from '../../linter/src/core/apply-fixes';
import { Engine } from '../../linter/src/core/engine';
import { loadGrammars } from '../helpers/grammars';

function diag(code: string, fix: Fix | null): Diagnostic {
  return { code, name: code, severity: 'error', message: '', file: 'a.py', span: { start: 0, end: 1 }, related: [], fix };
}

describe('apply-fixes', () => {
  it('applies edits in any order', () => {
    const text = 'abcdef';
    assert.equal(
      applyEdits(text, [
        { start: 4, end: 6, content: 'X' },
        { start: 0, end: 1, content: '' },
        { start: 2, end: 2, content: '-' },
      ]),
      'b-cdX',
    );
  });

  it('keeps CRLF line endings when an edit inserts \\n', () => {
    const text = 'a = 1\r\nb = 2\r\n';
    const out = applyEdits(text, [{ start: 7, end: 7, content: 'model.eval()\n' }]);
    assert.equal(out, 'a = 1\r\nmodel.eval()\r\nb = 2\r\n');
    assert.equal(applyEdits('a\nb\n', [{ start: 2, end: 2, content: 'x\r\n' }]), 'a\nx\nb\n');
    assert.equal(detectLineEnding('no newline'), '\n');
  });

  it('throws on overlapping or out-of-range edits', () => {
    assert.throws(() => applyEdits('abc', [{ start: 0, end: 2, content: '' }, { start: 1, end: 3, content: '' }]), RangeError);
    assert.throws(() => applyEdits('abc', [{ start: 2, end: 9, content: '' }]), RangeError);
  });

  it('selects non-overlapping fixes by position, skipping conflicts and respecting applicability', () => {
    const a = diag('NL003', { title: 'a', applicability: 'safe', edits: [{ start: 0, end: 4, content: 'x' }] });
    const b = diag('NL007', { title: 'b', applicability: 'safe', edits: [{ start: 2, end: 6, content: 'y' }] });
    const c = diag('NL001', { title: 'c', applicability: 'unsafe', edits: [{ start: 10, end: 10, content: 'z' }] });
    const d = diag('NL006', { title: 'd', applicability: 'safe', edits: [{ start: 4, end: 4, content: 'w' }] });
    const e = diag('NL003', { title: 'a', applicability: 'safe', edits: [{ start: 0, end: 4, content: 'x' }] });
    const safe = selectFixes([b, c, a, d, e, diag('NL012', null)], (ap) => fixApplies(ap, false));
    assert.deepEqual(safe.applied.map((x) => x.fix!.title), ['a', 'a', 'd']);
    assert.deepEqual(safe.edits.map((x) => x.start), [0, 4]);
    const unsafe = selectFixes([a, c], (ap) => fixApplies(ap, true));
    assert.equal(unsafe.applied.length, 2);
  });

  it('treats two insertions at the same offset as conflicting', () => {
    const a = diag('NL001', { title: 'a', applicability: 'safe', edits: [{ start: 3, end: 3, content: 'x' }] });
    const b = diag('NL002', { title: 'b', applicability: 'safe', edits: [{ start: 3, end: 3, content: 'y' }] });
    assert.equal(selectFixes([a, b], () => true).applied.length, 1);
  });

  it('the re-parse guard refuses a fix that adds syntax errors', () => {
    // A stand-in parser: counts unbalanced parentheses as error spans.
    const errors = (t: string): number => {
      let depth = 0;
      let bad = 0;
      for (const ch of t) {
        if (ch === '(') depth++;
        else if (ch === ')') depth > 0 ? depth-- : bad++;
      }
      return bad + depth;
    };
    const original = 'model = Net()\nmodel.train()\n';
    const broken = applyEdits(original, [{ start: original.indexOf('()'), end: original.indexOf('()') + 2, content: '(' }]);
    assert.equal(reparsesAsWell(original, broken, errors), false);
    const fine = applyEdits(original, [{ start: original.indexOf('train'), end: original.indexOf('train') + 5, content: 'eval' }]);
    assert.equal(reparsesAsWell(original, fine, errors), true);
  });

  it('the re-parse guard with the real parser: a crafted edit that breaks the syntax is refused', async () => {
    const engine = await Engine.create(loadGrammars());
    const count = (t: string): number => engine.countParseErrors(t, 'model.py');
    const original = 'import torch.nn as nn\n\nbn = nn.BatchNorm2d(16, momentum=0.9)\n';
    const at = original.indexOf('0.9');
    const good = applyEdits(original, [{ start: at, end: at + 3, content: '0.1' }]);
    const bad = applyEdits(original, [{ start: at, end: at + 4, content: '0.1, (' }]);
    assert.equal(reparsesAsWell(original, good, count), true);
    assert.equal(reparsesAsWell(original, bad, count), false);
    // A file that already has syntax errors may be fixed as long as it gets no worse.
    const broken = 'def f(:\n    pass\nbn = nn.BatchNorm2d(16, momentum=0.9)\n';
    const b = broken.indexOf('0.9');
    assert.equal(reparsesAsWell(broken, applyEdits(broken, [{ start: b, end: b + 3, content: '0.1' }]), count), true);
  });
});
