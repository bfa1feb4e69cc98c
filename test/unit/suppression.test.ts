import assert from 'node:assert/strict';
import type { Diagnostic } from '../../linter/src/core/diagnostic';
import { applySuppressions, findComments, lexComments, noqaAddCodesEdit, noqaAddEdit, scanSuppressions } from '../../linter/src/core/suppression';
import { applyEdits } from '../../linter/src/core/apply-fixes';

const RULES = [
  { code: 'NL001', name: 'missing-eval' },
  { code: 'NL002', name: 'missing-train' },
  { code: 'NL003', name: 'bias-before-norm' },
];
const ALL = new Set(['NL000', 'NL001', 'NL002', 'NL003']);

/** A diagnostic at the first occurrence of `needle` in `text`. */
function diagAt(text: string, needle: string, code = 'NL001'): Diagnostic {
  const start = text.indexOf(needle);
  assert.ok(start >= 0, `needle ${needle} not found`);
  const name = RULES.find((r) => r.code === code)!.name;
  return { code, name, severity: 'error', message: 'm', file: 'a.py', span: { start, end: start + needle.length }, related: [], fix: null };
}

function run(text: string, diags: Diagnostic[], enabled: ReadonlySet<string> = ALL): Diagnostic[] {
  return applySuppressions(diags, scanSuppressions(text), text, enabled, { file: 'a.py', rules: RULES });
}

describe('suppression: scanning', () => {
  it('finds comments but not # inside strings', () => {
    const text = `s = "# noqa"  # real\nt = '''\n# not a comment\n'''  # after\nu = 'it\\'s # x'\n`;
    const comments = findComments(text).map((c) => text.slice(c.start, c.end));
    assert.deepEqual(comments, ['# real', '# after']);
  });

  it('parses codes, names, separators and case-insensitive noqa', () => {
    const text = 'a()  # NOQA:NL001, missing-train NL003\nb()  #noqa\nc()  # comment # noqa: E501 because\n';
    const s = scanSuppressions(text);
    assert.equal(s.noqa.length, 3);
    assert.deepEqual(
      (s.noqa[0].codes as { text: string }[]).map((c) => c.text),
      ['NL001', 'missing-train', 'NL003'],
    );
    assert.equal(s.noqa[0].line, 0);
    assert.equal(s.noqa[1].codes, 'all');
    assert.equal(s.noqa[1].line, 1);
    assert.deepEqual((s.noqa[2].codes as { text: string }[]).map((c) => c.text), ['E501']);
    assert.equal(text.slice(s.noqa[2].span.start, s.noqa[2].span.end), '# noqa: E501');
  });

  it('reports `# noqa:` without codes as invalid and does not treat it as blanket', () => {
    const text = 'model(x)  # noqa: \n';
    const s = scanSuppressions(text);
    assert.equal(s.noqa.length, 0);
    assert.equal(s.invalid.length, 1);
    assert.match(s.invalid[0].message, /list of codes/);
    assert.equal(run(text, [diagAt(text, 'model(x)')]).length, 1);
  });

  it('does not take `noqa` inside a word or string for a directive', () => {
    const text = 'x = "# noqa"\ny = 1  # noqanope\n';
    assert.equal(scanSuppressions(text).noqa.length, 0);
  });

  it('reads file-level directives on their own line, anywhere', () => {
    const text = 'import torch\n\n  # normlint: disable=NL003, missing-eval\nx = 1  # normlint: disable=NL002\n';
    const s = scanSuppressions(text);
    assert.equal(s.file.length, 1);
    assert.deepEqual((s.file[0].codes as { text: string }[]).map((c) => c.text), ['NL003', 'missing-eval']);
    assert.equal(s.invalid.length, 1, 'the trailing file-level directive is invalid');
    assert.match(s.invalid[0].message, /own/);
  });

  it('gives spans in file offsets for codes and directives', () => {
    const text = 'x = 1\n# normlint: disable = NL003 , NL004  \ny = 2  #noqa:NL001\n';
    const s = scanSuppressions(text);
    const f = s.file[0];
    assert.equal(text.slice(f.span.start, f.span.end), '# normlint: disable = NL003 , NL004');
    assert.deepEqual((f.codes as { text: string; span: { start: number; end: number } }[]).map((c) => text.slice(c.span.start, c.span.end)), ['NL003', 'NL004']);
    const n = s.noqa[0];
    assert.equal(text.slice(n.span.start, n.span.end), '#noqa:NL001');
    assert.equal(n.line, 2);
    assert.equal(n.commentStart, text.indexOf('#noqa'));
  });

  it('ignores files without any directive keyword quickly', () => {
    assert.deepEqual(scanSuppressions('x = 1\n# just a comment\n'), { noqa: [], file: [], invalid: [] });
  });
});

describe('suppression: applying', () => {
  it('suppresses by code and by name on the line of span.start only', () => {
    const text = 'model(x)  # noqa: NL001\nmodel(y)  # noqa: missing-eval\nmodel(z)\n';
    const out = run(text, [diagAt(text, 'model(x)'), diagAt(text, 'model(y)'), diagAt(text, 'model(z)')]);
    assert.deepEqual(out.map((d) => text.slice(d.span.start, d.span.end)), ['model(z)']);
  });

  it('uses the start line of a multi-line span', () => {
    const text = 'model(  # noqa: NL001\n  x)\nother(\n  y)  # noqa: NL001\n';
    const a = diagAt(text, 'model(  # noqa: NL001\n  x)');
    const b = diagAt(text, 'other(\n  y)');
    const out = run(text, [a, b]).filter((d) => d.code !== 'NL000');
    assert.deepEqual(out, [b]);
  });

  it('a blanket noqa suppresses everything and is never reported unused', () => {
    const text = 'model(x)  # noqa\nfoo()  # noqa\n';
    const out = run(text, [diagAt(text, 'model(x)'), diagAt(text, 'model(x)', 'NL003')]);
    assert.deepEqual(out, []);
  });

  it('keeps findings of other codes', () => {
    const text = 'model(x)  # noqa: NL003\n';
    const out = run(text, [diagAt(text, 'model(x)')]);
    assert.deepEqual(out.map((d) => d.code), ['NL001', 'NL000']);
  });

  it('file-level disable drops the listed rules everywhere (codes and names), blanket drops all', () => {
    const text = '# normlint: disable=NL003,missing-eval\nmodel(x)\nconv()\ntrain()\n';
    const out = run(text, [diagAt(text, 'model(x)'), diagAt(text, 'conv()', 'NL003'), diagAt(text, 'train()', 'NL002')]);
    assert.deepEqual(out.map((d) => d.code), ['NL002']);
    const blanket = '# normlint: disable\nmodel(x)\n';
    assert.deepEqual(run(blanket, [diagAt(blanket, 'model(x)')]), []);
  });

  it('reports unused codes of enabled rules as NL000 with a fix that removes just them', () => {
    const text = 'model(x)  # noqa: NL001, NL002, E501\n';
    const out = run(text, [diagAt(text, 'model(x)')]);
    assert.equal(out.length, 1);
    const [d] = out;
    assert.equal(d.code, 'NL000');
    assert.equal(d.name, 'unused-noqa');
    assert.equal(d.severity, 'info');
    assert.match(d.message, /unused: `NL002`/);
    assert.equal(d.fix?.applicability, 'safe');
    assert.equal(applyEdits(text, d.fix!.edits), 'model(x)  # noqa: NL001, E501\n');
  });

  it('removes the whole directive when every code is unused (RUF100 shapes)', () => {
    const cases: Array<[string, string]> = [
      ['x = 1  # noqa: NL001\n', 'x = 1\n'],
      ['x = 1  # noqa: NL001 because reasons\n', 'x = 1  # because reasons\n'],
      ['x = 1  # note  # noqa: NL001\n', 'x = 1  # note\n'],
      ['x = 1\n# noqa: NL001\ny = 2\n', 'x = 1\ny = 2\n'],
      ['x = 1  # noqa: NL001, NL001\r\n', 'x = 1\r\n'],
    ];
    for (const [input, expected] of cases) {
      const out = run(input, []);
      assert.equal(out.length, 1, input);
      assert.equal(applyEdits(input, out[0].fix!.edits), expected, input);
    }
  });

  it('reports duplicated codes', () => {
    const text = 'model(x)  # noqa: NL001, NL001\n';
    const out = run(text, [diagAt(text, 'model(x)')]);
    assert.equal(out.length, 1);
    assert.match(out[0].message, /duplicated: `NL001`/);
    assert.equal(applyEdits(text, out[0].fix!.edits), 'model(x)  # noqa: NL001\n');
  });

  it('does not report codes of disabled rules, unknown codes, or when NL000 is off or named', () => {
    const text = 'x = 1  # noqa: NL002, E501, XYZ123\n';
    assert.deepEqual(run(text, [], new Set(['NL000', 'NL001'])), []);
    assert.deepEqual(run('x = 1  # noqa: NL002\n', [], new Set(['NL001', 'NL002'])), []);
    assert.deepEqual(run('x = 1  # noqa: NL002, NL000\n', []), []);
    assert.deepEqual(run('# normlint: disable=NL000\nx = 1  # noqa: NL002\n', []), []);
    assert.deepEqual(run('# normlint: disable=NL002\nx = 1  # noqa: NL002\n', []), []);
  });

  it('reports an unused rule name', () => {
    const out = run('x = 1  # noqa: missing-train\n', []);
    assert.equal(out.length, 1);
    assert.match(out[0].message, /`missing-train`/);
  });

  it('applies severity overrides to NL000', () => {
    const text = 'x = 1  # noqa: NL001\n';
    const out = applySuppressions([], scanSuppressions(text), text, ALL, { file: 'a.py', rules: RULES, severity: { NL000: 'error' } });
    assert.equal(out[0].severity, 'error');
  });
});

describe('suppression: adding a noqa (the editor\'s "Disable NLxxx for this line")', () => {
  const add = (text: string, line: number, code: string): string | null => {
    const edit = noqaAddEdit(text, line, code);
    return edit && applyEdits(text, [edit]);
  };

  it('appends a directive to a code line, after trailing spaces are trimmed', () => {
    assert.equal(add('x = 1\nbn = f()   \n', 1, 'NL007'), 'x = 1\nbn = f()  # noqa: NL007\n');
  });

  it('extends an existing list of codes, and leaves a line that already suppresses the code alone', () => {
    assert.equal(add('bn = f()  # noqa: E501\n', 0, 'NL007'), 'bn = f()  # noqa: E501, NL007\n');
    assert.equal(noqaAddEdit('bn = f()  # noqa: nl007\n', 0, 'NL007'), null);
    assert.equal(noqaAddEdit('bn = f()  # noqa\n', 0, 'NL007'), null, 'a bare noqa suppresses everything');
  });

  it('puts the directive before an existing comment (Ruff\'s placement) and the result suppresses', () => {
    const text = 'bn = f()  # ported from Keras\n';
    const out = add(text, 0, 'NL007')!;
    assert.equal(out, 'bn = f()  # noqa: NL007 # ported from Keras\n');
    const [d] = scanSuppressions(out).noqa;
    assert.deepEqual(d.codes === 'all' ? 'all' : d.codes.map((c) => c.text), ['NL007']);
  });

  it('does not add a comment after a line continuation', () => {
    assert.equal(noqaAddEdit('x = a + \\\n    b\n', 0, 'NL007'), null);
  });

  it('keeps CRLF line endings', () => {
    assert.equal(add('a = 1\r\nbn = f()\r\n', 1, 'NL007'), 'a = 1\r\nbn = f()  # noqa: NL007\r\n');
  });
});

describe('suppression: adding several codes on a line (`--add-noqa`)', () => {
  const addAll = (text: string, line: number, codes: string[]): string | null => {
    const edit = noqaAddCodesEdit(text, line, codes);
    return edit && applyEdits(text, [edit]);
  };
  const codesOn = (text: string, line: number): string[] | 'all' | undefined => {
    const d = scanSuppressions(text).noqa.find((n) => n.line === line);
    return d && (d.codes === 'all' ? 'all' : d.codes.map((c) => c.text));
  };

  it('writes the codes sorted and deduplicated in one directive', () => {
    assert.equal(addAll('x = 1\nbn = f()\n', 1, ['NL007', 'NL003', 'NL007']), 'x = 1\nbn = f()  # noqa: NL003, NL007\n');
  });

  it("merges into an existing directive, keeping other tools' codes, sorted and deduplicated", () => {
    const out = addAll('bn = f()  # noqa: NL007, E501\n', 0, ['NL003', 'NL007'])!;
    assert.equal(out, 'bn = f()  # noqa: E501, NL003, NL007\n');
    assert.deepEqual(codesOn(out, 0), ['E501', 'NL003', 'NL007']);
    assert.equal(noqaAddCodesEdit('bn = f()  # noqa: nl003, NL007\n', 0, ['NL003', 'NL007']), null, 'nothing to add');
    assert.equal(noqaAddCodesEdit('bn = f()  # noqa\n', 0, ['NL003']), null, 'a bare noqa covers everything');
  });

  it('goes before an existing comment, and the result suppresses every code', () => {
    const out = addAll('bn = f()  # type: ignore\n', 0, ['NL007', 'NL003'])!;
    assert.equal(out, 'bn = f()  # noqa: NL003, NL007 # type: ignore\n');
    assert.deepEqual(codesOn(out, 0), ['NL003', 'NL007']);
  });

  it('never writes into a multi-line string: a line that ends inside one gets no directive', () => {
    const text = 'y = model(x, """first\nsecond\n""")\nz = 1\n';
    assert.equal(noqaAddCodesEdit(text, 0, ['NL001']), null);
    assert.equal(noqaAddCodesEdit(text, 1, ['NL001']), null, 'a line inside the string');
    assert.equal(addAll(text, 2, ['NL001']), 'y = model(x, """first\nsecond\n""")  # noqa: NL001\nz = 1\n', 'the line where the string ends');
    // A `#` inside a string is not a comment; a string that ends on its line is fine.
    assert.equal(addAll('s = "# not a comment"\n', 0, ['NL003']), 's = "# not a comment"  # noqa: NL003\n');
    assert.equal(noqaAddEdit(text, 0, 'NL001'), null, "the editor's action follows the same rule");
  });

  it('lexes string literals as well as comments', () => {
    const text = "a = 'x'  # c\nb = '''\n#'''\n";
    const lex = lexComments(text);
    assert.deepEqual(lex.comments.map((c) => text.slice(c.start, c.end)), ['# c']);
    assert.deepEqual(lex.strings.map((c) => text.slice(c.start, c.end)), ["'x'", "'''\n#'''"]);
  });
});
