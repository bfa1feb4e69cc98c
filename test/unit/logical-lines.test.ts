/**
 * Logical lines from the text alone: line breaks after an `=` that Python rejects but
 * tree-sitter-python reads as whitespace, and what stays valid Python.
 */
import assert from 'node:assert/strict';
import { danglingAfterChange, danglingAssignments } from '../../linter/src/parse/logical-lines';
import { Engine } from '../../linter/src/core/engine';
import { loadGrammars } from '../helpers/grammars';

const at = (text: string): number[] => danglingAssignments(text).map((s) => s.start);

describe('logical lines: dangling assignments', () => {
  it('finds an = that ends a logical line, with or without a comment after it', () => {
    const text = 'batch_size =\nIMG_SHAPE = # TODO\nx += \r\ny = 1\n';
    assert.deepEqual(at(text), [text.indexOf('='), text.indexOf('= #'), text.indexOf('+=')]);
  });

  it('leaves valid Python alone: brackets, backslashes, strings, comments, comparisons inside brackets', () => {
    for (const text of [
      'f(a=\n  1)\n',
      'x = \\\n    1\n',
      's = """\nk =\n"""\n',
      "t = 'a =' # b =\n",
      'd = {\n    "k":\n        1,\n}\n',
      'ok = (a ==\n      b)\n',
      'y = 1  # total =\n',
    ]) assert.deepEqual(at(text), [], text);
  });

  it('answers after a change from the changed lines when no line could dangle before (as a whole scan does)', () => {
    let seed = 11;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const chars = ['=', ' ', '#', '\n', 'x', '1', '(', ')', '"', '\\', '\r'];
    let text = 'import torch\nx = f(1)\n# note\ny = [2, 3]\n';
    let incremental = 0;
    for (let i = 0; i < 3000; i++) {
      const before = danglingAssignments(text);
      const couldDangle = /=[ \t]*(?:#[^\n]*)?\r?$/m.test(text);
      const at = rnd(text.length + 1);
      const remove = rnd(3) === 0 && at < text.length;
      const ins = remove ? '' : chars[rnd(chars.length)];
      const next = text.slice(0, at) + ins + text.slice(remove ? at + 1 : at);
      danglingAfterChange(text, next, at, at + ins.length);
      const told = danglingAssignments(next);
      // A whole scan of the same text (the memo holds another one first).
      danglingAssignments('other');
      assert.deepEqual(told, danglingAssignments(next), JSON.stringify(next));
      if (!couldDangle) incremental++;
      assert.ok(before);
      // Keep texts short and mostly free of dangling lines.
      text = next.length > 200 || told.length > 0 ? 'import torch\nx = f(1)\n' : next;
    }
    assert.ok(incremental > 1000, `${incremental}`);
  });

  it('is a syntax error of the lowered file, where tree-sitter reports none', async () => {
    const engine = await Engine.create(loadGrammars());
    const text = 'import torch\nmodel = \ncriterion = torch.nn.CrossEntropyLoss()\n';
    assert.equal(engine.countParseErrors(text, 'a.py'), 1);
    assert.equal(engine.countParseErrors('import torch\nmodel = torch.nn.Linear(2, 2)\n', 'a.py'), 0);
  });
});
