/**
 * Logical lines from the text alone: line breaks after an `=` that Python rejects but
 * tree-sitter-python reads as whitespace, and what stays valid Python.
 */
import assert from 'node:assert/strict';
import { danglingAssignments } from '../../linter/src/parse/logical-lines';
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

  it('is a syntax error of the lowered file, where tree-sitter reports none', async () => {
    const engine = await Engine.create(loadGrammars());
    const text = 'import torch\nmodel = \ncriterion = torch.nn.CrossEntropyLoss()\n';
    assert.equal(engine.countParseErrors(text, 'a.py'), 1);
    assert.equal(engine.countParseErrors('import torch\nmodel = torch.nn.Linear(2, 2)\n', 'a.py'), 0);
  });
});
