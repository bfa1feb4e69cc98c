import assert from 'node:assert/strict';
import type { Diagnostic } from '../../linter/src/core/diagnostic';
import { applySuppressions, scanSuppressions, type Suppressions } from '../../linter/src/core/suppression';
import {
  lexScript,
  noqaAddCodesEditFor,
  noqaAddEditFor,
  noqaTextFactsFor,
  scanScriptSuppressions,
  scanSuppressionsFor,
} from '../../linter/src/core/suppression-script';
import { applyEdits } from '../../linter/src/core/apply-fixes';
import { planNoqa } from '../../linter/src/cli/add-noqa';

const RULES = [
  { code: 'NL000', name: 'unused-noqa' },
  { code: 'NL001', name: 'missing-eval' },
  { code: 'NL002', name: 'missing-train' },
  { code: 'NL003', name: 'bias-before-norm' },
];
const ALL = new Set(['NL000', 'NL001', 'NL002', 'NL003']);

/** A diagnostic at the `nth` (0-based) occurrence of `needle` in `text`. */
function diagAt(text: string, needle: string, code = 'NL001', nth = 0): Diagnostic {
  let start = -1;
  for (let k = 0; k <= nth; k++) start = text.indexOf(needle, start + 1);
  assert.ok(start >= 0, `needle ${needle} not found`);
  const name = RULES.find((r) => r.code === code)!.name;
  return { code, name, severity: 'error', message: 'm', file: 'a.ts', span: { start, end: start + needle.length }, related: [], fix: null };
}

function run(text: string, diags: Diagnostic[], enabled: ReadonlySet<string> = ALL): Diagnostic[] {
  return applySuppressions(diags, scanScriptSuppressions(text), text, enabled, { file: 'a.ts', rules: RULES });
}

const codesOf = (c: { text: string }[] | 'all'): string[] | 'all' => (c === 'all' ? 'all' : c.map((x) => x.text));
const comments = (text: string): string[] => lexScript(text).comments.map((c) => text.slice(c.start, c.end));

describe('script suppression: lexing', () => {
  it('finds line and block comments, not comment-like text in strings', () => {
    const text = [
      `const a = '// no', b = "/* no */"; // yes 1`,
      `const c = 'it\\'s // no', d = "say \\"//\\" no"; /* yes 2 */`,
      `const e = 'unterminated // no`,
      `/* multi`,
      `   line */ f(); // yes 4`,
    ].join('\n');
    assert.deepEqual(comments(text), ['// yes 1', '/* yes 2 */', '/* multi\n   line */', '// yes 4']);
  });

  it('follows template literals through nested substitutions and templates', () => {
    const text = [
      'const t = `a // no ${ f({ k: `b /* no */ ${ { x: 1 }.x }` }) } c // no`; // yes 1',
      'const u = `line1',
      '// no: template text',
      '${ /* yes 2 */ x }`;',
    ].join('\n');
    assert.deepEqual(comments(text), ['// yes 1', '/* yes 2 */']);
    const strings = lexScript(text).strings.map((s) => text.slice(s.start, s.end));
    assert.ok(strings.includes('`a // no ${'), 'the first chunk of a template, through `${`');
    assert.ok(strings.includes('} c // no`'), 'the last chunk, from the closing `}`');
  });

  it('skips regular expression literals, and tells them from divisions', () => {
    const text = [
      'const r = /\\/\\/ no [/*] no/g; // yes 1',
      'const q = a / b / c; // yes 2',
      'if (ok) return /\\/* no/.test(s); // yes 3',
      'const z = (a) / 2 /* yes 4 */ / 3;',
      'const w = x.return / 2; // yes 5',
      'const k = typeof /re/ === "object"; // yes 6',
    ].join('\n');
    assert.deepEqual(comments(text), ['// yes 1', '// yes 2', '// yes 3', '/* yes 4 */', '// yes 5', '// yes 6']);
  });

  it('recovers at the end of the line from a `/` that does not close (JSX closing tags)', () => {
    const text = 'const el = <p>it\'s</p>;\nf(); // yes\n';
    assert.deepEqual(comments(text), ['// yes']);
  });

  it('skips a hashbang line', () => {
    assert.deepEqual(comments('#!/usr/bin/env node // no\nf(); // yes\n'), ['// yes']);
  });
});

describe('script suppression: scanning directives', () => {
  it('reads next-line and line directives, codes and names, separators, descriptions', () => {
    const text = [
      '// normlint-disable-next-line NL001, bias-before-norm NL002 -- because reasons, NL009',
      'model.predict(x);',
      'y = f(); /* normlint-disable-line NL003 */',
      '  // normlint-disable-next-line',
      '  z();',
      'w(); // normlint-disable-line --- no codes here',
    ].join('\n');
    const s = scanScriptSuppressions(text);
    assert.deepEqual(s.invalid, []);
    assert.deepEqual(
      s.noqa.map((d) => ({ line: d.line, form: d.form, codes: codesOf(d.codes) })),
      [
        { line: 1, form: 'next-line', codes: ['NL001', 'bias-before-norm', 'NL002'] },
        { line: 2, form: 'line', codes: ['NL003'] },
        { line: 4, form: 'next-line', codes: 'all' },
        { line: 5, form: 'line', codes: 'all' },
      ],
    );
    const [first, second] = s.noqa;
    assert.equal(text.slice(first.span.start, first.span.end), '// normlint-disable-next-line NL001, bias-before-norm NL002');
    assert.equal(text.slice(second.commentStart, second.commentEnd), '/* normlint-disable-line NL003 */');
    assert.deepEqual(
      (first.codes as { span: { start: number; end: number } }[]).map((c) => text.slice(c.span.start, c.span.end)),
      ['NL001', 'bias-before-norm', 'NL002'],
    );
  });

  it('ignores directives inside strings, templates and regexes', () => {
    const text = [
      `const a = "// normlint-disable-line NL001";`,
      `const b = '/* normlint-disable */';`,
      'const c = `',
      '// normlint-disable-next-line NL001',
      '${x} /* normlint-disable NL001 */`;',
      'const d = /\\/\\/ normlint-disable-line NL001/;',
      'model(x);',
    ].join('\n');
    const s = scanScriptSuppressions(text);
    assert.deepEqual(s, { noqa: [], file: [], invalid: [] });
    assert.equal(run(text, [diagAt(text, 'model(x)')]).length, 1);
  });

  it('does not scan a text without `normlint`', () => {
    assert.deepEqual(scanScriptSuppressions('// eslint-disable-next-line\nf();\n'), { noqa: [], file: [], invalid: [] });
  });

  it('requires the directive at the start of the comment, and ignores prose', () => {
    const text = '// TODO normlint-disable-line NL001\n// normlint is a linter\nf();\n';
    assert.deepEqual(scanScriptSuppressions(text), { noqa: [], file: [], invalid: [] });
  });

  it('reports malformed directives as invalid and does not apply them', () => {
    const text = [
      '// normlint-disable-next-line NL99x',
      'a();',
      '// normlint-disable-line NL001 oops!',
      '// normlint-disabled NL001',
      '// normlint: disable=NL003',
      '/* normlint-disable-line NL001',
      '   */ b();',
      '// NORMLINT-DISABLE-LINE',
    ].join('\n');
    const s = scanScriptSuppressions(text);
    assert.deepEqual(s.noqa, []);
    assert.deepEqual(s.file, []);
    assert.deepEqual(
      s.invalid.map((i) => i.line),
      [0, 2, 3, 4, 5, 7],
    );
    assert.match(s.invalid[0].message, /`NL99x` is not a rule code or name/);
    assert.match(s.invalid[1].message, /`oops!`/);
    assert.match(s.invalid[2].message, /unknown directive `normlint-disabled`/);
    assert.match(s.invalid[3].message, /Python syntax/);
    assert.match(s.invalid[4].message, /must not span lines/);
    assert.equal(run(text, [diagAt(text, 'a()')]).length, 1, 'an invalid directive is no blanket suppression');
  });

  it('turns disable/enable comments into line ranges', () => {
    const text = [
      'a();', // 0
      '/* normlint-disable NL001, bias-before-norm */', // 1
      'b();', // 2
      '/* normlint-enable NL001 */', // 3
      'c();', // 4
      '// normlint-disable', // 5
      'd();', // 6
      '/* normlint-enable */', // 7
      'e();', // 8
    ].join('\n');
    const s = scanScriptSuppressions(text);
    assert.deepEqual(s.invalid, []);
    assert.deepEqual(
      s.file.map((f) => ({ line: f.line, from: f.fromLine, to: f.toLine, codes: codesOf(f.codes), except: f.except && codesOf(f.except) })),
      [
        { line: 1, from: 1, to: 3, codes: ['NL001', 'bias-before-norm'], except: undefined },
        { line: 1, from: 3, to: 7, codes: ['NL001', 'bias-before-norm'], except: ['NL001'] },
        { line: 5, from: 5, to: 7, codes: 'all', except: undefined },
      ],
    );
  });

  it('leaves a disable without enable open to the end of the file', () => {
    const s = scanScriptSuppressions('a();\n/* normlint-disable NL003 */\nb();\n');
    assert.equal(s.file.length, 1);
    assert.equal(s.file[0].fromLine, 1);
    assert.equal(s.file[0].toLine, undefined);
  });

  it('dispatches by path', () => {
    const py = 'x = f()  # noqa: NL001\n';
    const ts = 'x = f(); // normlint-disable-line NL001\n';
    assert.equal(scanSuppressionsFor('a/b.py', py).noqa.length, 1);
    assert.equal(scanSuppressionsFor('a/b.ipynb', py).noqa.length, 1);
    assert.equal(scanSuppressionsFor('a/b.py', ts).noqa.length, 0);
    for (const ext of ['ts', 'tsx', 'mts', 'cts', 'js', 'mjs', 'cjs', 'jsx']) {
      assert.equal(scanSuppressionsFor(`src/m.${ext}`, ts).noqa.length, 1, ext);
      assert.equal(scanSuppressionsFor(`src/m.${ext}`, py).noqa.length, 0, ext);
    }
    assert.deepEqual(scanSuppressionsFor('file:///w/src/m.ts', ts), scanScriptSuppressions(ts), 'a URI works too');
  });
});

describe('script suppression: applying', () => {
  it('suppresses on the next line and on the own line, by code or name', () => {
    const text = [
      '// normlint-disable-next-line NL001',
      'model(x); other(y);',
      'model(z); // normlint-disable-line bias-before-norm',
      'model(w);',
    ].join('\n');
    const out = run(text, [
      diagAt(text, 'model(x)'),
      diagAt(text, 'other(y)', 'NL003'),
      diagAt(text, 'model(z)', 'NL003'),
      diagAt(text, 'model(w)'),
    ]);
    assert.deepEqual(
      out.map((d) => [d.code, text.slice(d.span.start, d.span.end)]),
      [
        ['NL003', 'other(y)'],
        ['NL001', 'model(w)'],
      ],
    );
  });

  it('a directive without codes suppresses every rule on its line', () => {
    const text = '/* normlint-disable-next-line */\nmodel(x); bias(y);\n';
    assert.deepEqual(run(text, [diagAt(text, 'model(x)'), diagAt(text, 'bias(y)', 'NL003')]), []);
  });

  it('honors disable/enable ranges, partial enables included', () => {
    const text = [
      'a();', // 0
      '/* normlint-disable NL001, NL003 */', // 1
      'b();', // 2
      '/* normlint-enable missing-eval */', // 3 (re-enables NL001 by name)
      'c();', // 4
      '/* normlint-enable */', // 5
      'd();', // 6
    ].join('\n');
    const diags = ['a()', 'b()', 'c()', 'd()'].flatMap((n) => [diagAt(text, n, 'NL001'), diagAt(text, n, 'NL003')]);
    const out = run(text, diags).map((d) => `${text.slice(d.span.start, d.span.end)} ${d.code}`);
    assert.deepEqual(out, ['a() NL001', 'a() NL003', 'c() NL001', 'd() NL001', 'd() NL003']);
  });

  it('a disable without codes disables everything until a partial enable', () => {
    const text = '/* normlint-disable */\na();\n// normlint-enable NL003\nb();\n';
    const diags = ['a()', 'b()'].flatMap((n) => [diagAt(text, n, 'NL001'), diagAt(text, n, 'NL003')]);
    assert.deepEqual(
      run(text, diags).map((d) => `${text.slice(d.span.start, d.span.end)} ${d.code}`),
      ['b() NL003'],
    );
  });

  it('keeps Python file-level directives for the whole file', () => {
    const text = 'a()\n# normlint: disable=NL001\nb()\n';
    const supp: Suppressions = scanSuppressions(text);
    assert.equal(supp.file[0].fromLine, undefined);
    const out = applySuppressions([diagAt(text, 'a()'), diagAt(text, 'b()')], supp, text, ALL, { file: 'a.py', rules: RULES });
    assert.deepEqual(out, []);
  });
});

describe('script suppression: NL000 on unused directives', () => {
  const fixed = (text: string, d: Diagnostic): string => applyEdits(text, d.fix!.edits);

  it('reports unused codes of a next-line directive and removes them', () => {
    const text = 'const a = 1;\n  // normlint-disable-next-line NL001, NL003 -- legacy\n  model(x);\n';
    const out = run(text, [diagAt(text, 'model(x)')]);
    assert.equal(out.length, 1);
    const [d] = out;
    assert.equal(d.code, 'NL000');
    assert.equal(d.message, 'Unused `normlint-disable-next-line` directive (unused: `NL003`)');
    assert.equal(d.fix!.title, 'Remove unused codes from the `normlint-disable-next-line` directive');
    assert.equal(d.fix!.applicability, 'safe');
    assert.equal(text.slice(d.span.start, d.span.end), '// normlint-disable-next-line NL001, NL003');
    const after = fixed(text, d);
    assert.equal(after, 'const a = 1;\n  // normlint-disable-next-line NL001 -- legacy\n  model(x);\n');
    assert.deepEqual(run(after, [diagAt(after, 'model(x)')]), [], 'the fixed text is clean');
  });

  it('removes a whole unused next-line comment with its line', () => {
    const text = 'a();\n  // normlint-disable-next-line NL003\n  model(x);\n';
    const [d] = run(text, []);
    assert.equal(d.message, 'Unused `normlint-disable-next-line` directive (unused: `NL003`)');
    assert.equal(d.fix!.title, 'Remove unused `normlint-disable-next-line` directive');
    assert.equal(fixed(text, d), 'a();\n  model(x);\n');
  });

  it('removes a trailing or leading disable-line comment, keeping the code', () => {
    const t1 = 'model(x); // normlint-disable-line NL001\n';
    const [d1] = run(t1, []);
    assert.equal(d1.message, 'Unused `normlint-disable-line` directive (unused: `NL001`)');
    assert.equal(fixed(t1, d1), 'model(x);\n');
    const t2 = '  /* normlint-disable-line NL001 */ model(x);\n';
    assert.equal(fixed(t2, run(t2, [])[0]), '  model(x);\n');
    const t3 = 'f(a, /* normlint-disable-line NL001 */ b);\n';
    assert.equal(fixed(t3, run(t3, [])[0]), 'f(a, b);\n');
  });

  it('reports a directive without codes that suppresses nothing', () => {
    const text = '// normlint-disable-next-line\nf();\ng(); /* normlint-disable-line */\n';
    const out = run(text, []);
    assert.deepEqual(out.map((d) => d.message), [
      'Unused `normlint-disable-next-line` directive (no finding to suppress on the next line)',
      'Unused `normlint-disable-line` directive (no finding to suppress on its line)',
    ]);
    assert.equal(applyEdits(text, out.map((d) => d.fix!.edits).flat()), 'f();\ng();\n');
    assert.deepEqual(run(text, [diagAt(text, 'f()')]).map((d) => d.span.start), [text.indexOf('/*')], 'a used one is fine');
  });

  it('reports duplicated codes, skips disabled rules and codes of other tools', () => {
    const text = '// normlint-disable-next-line NL001, missing-eval, NL002, no-console\nmodel(x);\n';
    const out = run(text, [diagAt(text, 'model(x)')], new Set(['NL000', 'NL001']));
    assert.equal(out.length, 1);
    assert.equal(out[0].message, 'Unused `normlint-disable-next-line` directive (duplicated: `missing-eval`)');
    assert.equal(applyEdits(text, out[0].fix!.edits), '// normlint-disable-next-line NL001, NL002, no-console\nmodel(x);\n');
  });

  it('does not report a code a range already disables, nor when NL000 is disabled there', () => {
    const t1 = '/* normlint-disable NL003 */\n// normlint-disable-next-line NL003\nmodel(x);\n';
    assert.deepEqual(run(t1, []), []);
    const t2 = '/* normlint-disable NL000 */\n// normlint-disable-next-line NL001\nmodel(x);\n/* normlint-enable */\n// normlint-disable-next-line NL001\nmodel(y);\n';
    const out = run(t2, []);
    assert.equal(out.length, 1);
    assert.equal(out[0].span.start, t2.lastIndexOf('// normlint-disable-next-line'));
  });

  it('still says `noqa` for Python directives', () => {
    const text = 'x = 1  # noqa: NL001\n';
    const [d] = applySuppressions([], scanSuppressions(text), text, ALL, { file: 'a.py', rules: RULES });
    assert.equal(d.message, 'Unused `noqa` directive (unused: `NL001`)');
    assert.equal(d.fix!.title, 'Remove unused `noqa` directive');
  });
});

describe('script suppression: adding directives', () => {
  const add = (text: string, line: number, codes: string[], path = 'src/m.ts'): string | null => {
    const edit = noqaAddCodesEditFor(path, text, line, codes);
    return edit && applyEdits(text, [edit]);
  };

  it('inserts a next-line directive above the line, indented like it, codes sorted and deduplicated', () => {
    const text = 'function f() {\n    model(x);\n}\n';
    const out = add(text, 1, ['NL003', 'NL001', 'nl003'])!;
    assert.equal(out, 'function f() {\n    // normlint-disable-next-line NL001, NL003\n    model(x);\n}\n');
    assert.deepEqual(run(out, [diagAt(out, 'model(x)', 'NL001'), diagAt(out, 'model(x)', 'NL003')]), []);
  });

  it('extends an existing next-line directive on the line above (or a disable-line on the line)', () => {
    const t1 = '  // normlint-disable-next-line NL003 -- legacy\n  model(x);\n';
    assert.equal(add(t1, 1, ['NL001', 'NL003']), '  // normlint-disable-next-line NL001, NL003 -- legacy\n  model(x);\n');
    const t2 = 'model(x); /* normlint-disable-line NL003 */\n';
    assert.equal(add(t2, 0, ['NL001']), 'model(x); /* normlint-disable-line NL001, NL003 */\n');
  });

  it('returns null when the line already suppresses every code', () => {
    const path = 'src/m.ts';
    assert.equal(noqaAddCodesEditFor(path, '// normlint-disable-next-line nl001\nmodel(x);\n', 1, ['NL001']), null);
    assert.equal(noqaAddCodesEditFor(path, '// normlint-disable-next-line\nmodel(x);\n', 1, ['NL001', 'NL003']), null);
    assert.equal(noqaAddCodesEditFor(path, 'model(x); // normlint-disable-line\n', 0, ['NL001']), null);
    assert.equal(noqaAddCodesEditFor(path, '/* normlint-disable NL001 */\na();\nmodel(x);\n', 2, ['NL001']), null);
    assert.notEqual(noqaAddCodesEditFor(path, '/* normlint-disable NL001 */\n/* normlint-enable */\nmodel(x);\n', 2, ['NL001']), null);
  });

  it('keeps CRLF line endings', () => {
    assert.equal(add('a();\r\n  model(x);\r\n', 1, ['NL001']), 'a();\r\n  // normlint-disable-next-line NL001\r\n  model(x);\r\n');
    // The edit itself carries the terminator (the language server sends it as is).
    const edit = noqaAddEditFor('m.js', 'a();\r\nmodel(x);', 1, 'NL001')!;
    assert.equal(edit.content, '// normlint-disable-next-line NL001\r\n');
  });

  it('works on the first line of the file, after a BOM, and without a trailing newline', () => {
    assert.equal(add('model(x);', 0, ['NL001']), '// normlint-disable-next-line NL001\nmodel(x);');
    assert.equal(add('\uFEFFmodel(x);\n', 0, ['NL001']), '\uFEFF// normlint-disable-next-line NL001\nmodel(x);\n');
    assert.equal(add('a();\n\tmodel(x);', 1, ['NL003']), 'a();\n\t// normlint-disable-next-line NL003\n\tmodel(x);');
  });

  it('refuses lines that start inside a template literal, string or block comment', () => {
    const text = 'const s = `a\n${model(x)}`;\nconst t = "a\\\nb" + model(y);\n/* c\n*/ model(z);\n';
    assert.equal(add(text, 1, ['NL001']), null);
    assert.equal(add(text, 3, ['NL001']), null);
    assert.equal(add(text, 5, ['NL001']), null);
    const sub = 'const s = `${\n  model(x)\n}`;\n';
    assert.equal(add(sub, 1, ['NL001']), 'const s = `${\n  // normlint-disable-next-line NL001\n  model(x)\n}`;\n', 'inside a substitution is code');
  });

  it('refuses what looks like JSX children in .tsx/.jsx files', () => {
    const text = 'return (\n  <div>\n    {model.predict(x)}\n    text {model(y)}\n  </div>\n);\n';
    assert.equal(add(text, 2, ['NL001'], 'a.tsx'), null);
    assert.equal(add(text, 3, ['NL001'], 'a.jsx'), null);
    assert.notEqual(add('const f = () =>\n  model(x);\n', 1, ['NL001'], 'a.tsx'), null);
  });

  it('keeps Python paths on `# noqa`', () => {
    assert.equal(add('bn = f()\n', 0, ['NL007'], 'a.py'), 'bn = f()  # noqa: NL007\n');
    const facts = noqaTextFactsFor('a.py', 'bn = f()\n');
    assert.equal(noqaAddCodesEditFor('a.py', 'bn = f()\n', 0, ['NL007'], facts)!.content, '  # noqa: NL007');
  });

  it('plans directives for consecutive lines that apply together (`--add-noqa`)', () => {
    const text = 'function f() {\n  // normlint-disable-next-line NL003\n  a(x);\n  b(x);\n  c(x);\n}\n';
    const diags = [diagAt(text, 'a(x)', 'NL001'), diagAt(text, 'b(x)', 'NL001'), diagAt(text, 'c(x)', 'NL003'), diagAt(text, 'c(x)', 'NL001')];
    const plan = planNoqa(text, diags, 'src/f.ts');
    assert.deepEqual(plan.impossible, []);
    const out = applyEdits(text, plan.edits);
    assert.equal(
      out,
      [
        'function f() {',
        '  // normlint-disable-next-line NL001, NL003',
        '  a(x);',
        '  // normlint-disable-next-line NL001',
        '  b(x);',
        '  // normlint-disable-next-line NL001, NL003',
        '  c(x);',
        '}',
        '',
      ].join('\n'),
    );
    // (the original directive already suppressed an NL003 on `a(x)`)
    const again = ['a(x)', 'b(x)', 'c(x)'].map((n) => diagAt(out, n, 'NL001')).concat(diagAt(out, 'a(x)', 'NL003'), diagAt(out, 'c(x)', 'NL003'));
    assert.deepEqual(run(out, again), [], 'every finding is suppressed and no directive is unused');
  });
});
