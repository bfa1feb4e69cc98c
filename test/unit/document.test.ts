/**
 * Incremental re-parsing of open documents (`Engine.openDocument`): after any sequence of
 * edits, the facts equal a from-scratch analysis of the same text.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { allRulesConfig, testEngine } from '../helpers/project';

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

  it('matches a full analysis through edits that leave or remove a dangling `x = ` (read as `x` by the parser)', async () => {
    const engine = await testEngine();
    const next = rng(7);
    const pieces = ['=', ' = ', 'y =', ' += ', '\n', '1', '(', ')', '"', 'z = \n', '# =', '\\\n', 'def g():\n    pass\n', ''];
    const doc = engine.openDocument('model.py', base);
    try {
      for (let i = 0; i < 300; i++) {
        const text = doc.text;
        const lineEnds = [...text.matchAll(/\n/g)].map((m) => m.index!);
        // Mostly at line ends (where `x = ` is typed), sometimes anywhere.
        const a = next() < 0.7 && lineEnds.length ? lineEnds[Math.floor(next() * lineEnds.length)] : Math.floor(next() * (text.length + 1));
        const b = Math.min(text.length, a + (next() < 0.5 ? 0 : Math.floor(next() * 4)));
        const ins = pieces[Math.floor(next() * pieces.length)];
        const start = a > 0 && /[\uDC00-\uDFFF]/.test(text[a] ?? '') ? a - 1 : a;
        const end = b > 0 && /[\uDC00-\uDFFF]/.test(text[b] ?? '') ? b + 1 : b;
        doc.update([{ start, end: Math.max(start, end), text: ins }]);
        assert.deepEqual(doc.facts(), engine.analyze({ path: 'model.py', text: doc.text }), `edit ${i}`);
      }
    } finally {
      doc.dispose();
    }
  });

  it('reuses untouched statements when typing in valid code, with the same result as a full lowering', async () => {
    const engine = await testEngine();
    const text = fs.readFileSync(path.join(__dirname, '../../examples/cifar/train.py'), 'utf8');
    const doc = engine.openDocument('train.py', text);
    try {
      doc.facts();
      // Type an identifier at the end of a line inside a function, then delete it, batching
      // some keystrokes between analyses (as the debounce does).
      const at = text.indexOf('\n', text.indexOf('def ', text.length >> 1)) ;
      let reused = 0;
      const word = ' + 0';
      for (let round = 0; round < 6; round++) {
        for (let i = 0; i < word.length; i++) {
          doc.update([{ start: at + i, end: at + i, text: word[i] }]);
          if ((round + i) % 2 === 0) {
            assert.deepEqual(doc.facts(), engine.analyze({ path: 'train.py', text: doc.text }));
            reused += doc.lastLowering.reused;
          }
        }
        for (let i = word.length - 1; i >= 0; i--) {
          doc.update([{ start: at + i, end: at + i + 1, text: '' }]);
          if (i % 2 === 1) {
            assert.deepEqual(doc.facts(), engine.analyze({ path: 'train.py', text: doc.text }));
            reused += doc.lastLowering.reused;
          }
        }
      }
      assert.equal(doc.text, text);
      assert.ok(reused > 20, `statements were reused (${reused})`);
    } finally {
      doc.dispose();
    }
  });

  it('reuses the untouched statements of a function body (and of its loops) typed in', async () => {
    const engine = await testEngine();
    const body = Array.from({ length: 30 }, (_, i) => `    x${i} = layer${i}(x${i - 1 < 0 ? '' : i - 1})`);
    const text = ['import torch', '', '', 'def main():', ...body.slice(0, 15), '    for epoch in range(3):', ...body.slice(15).map((l) => `    ${l}`), '    return x29', ''].join('\n');
    const doc = engine.openDocument('main.py', text);
    try {
      doc.facts();
      const at = doc.text.indexOf('x7 = layer7(x6)') + 'x7 = layer7(x6)'.length;
      for (const [i, ch] of [...' + 0'].entries()) {
        doc.update([{ start: at + i, end: at + i, text: ch }]);
        assert.deepEqual(doc.facts(), engine.analyze({ path: 'main.py', text: doc.text }));
        // The function is lowered again around its 15 other statements and the loop; typing in the
        // loop's body below reuses the loop's other statements.
        assert.ok(doc.lastLowering.reusedMembers >= 15, `reused ${doc.lastLowering.reusedMembers}`);
      }
      const inLoop = doc.text.indexOf('x20 = layer20(x19)') + 'x20 = layer20(x19)'.length;
      doc.update([{ start: inLoop, end: inLoop, text: '.t' }]);
      assert.deepEqual(doc.facts(), engine.analyze({ path: 'main.py', text: doc.text }));
      assert.ok(doc.lastLowering.reusedMembers >= 15 + 14, `reused ${doc.lastLowering.reusedMembers}`);
    } finally {
      doc.dispose();
    }
  });

  it('reuses the untouched members of a class typed in, also after edits above and inside it move them', async () => {
    const engine = await testEngine();
    // Classes (one decorated, one with a nested class) with methods, as in torchvision's models.
    const text = [
      'import dataclasses',
      'import torch.nn as nn',
      '',
      '',
      '@dataclasses.dataclass',
      'class Cfg:',
      '    width: int = 64',
      '    momentum: float = 0.9',
      '',
      '',
      'class Block(nn.Module):',
      '    expansion = 1',
      '',
      '    class Inner(nn.Module):',
      '        def __init__(self):',
      '            super().__init__()',
      '            self.bn = nn.BatchNorm2d(8)',
      '',
      '    def __init__(self, planes):',
      '        super().__init__()',
      '        self.conv = nn.Conv2d(planes, planes, 3, bias=True)',
      '        self.bn = nn.BatchNorm2d(planes, momentum=0.9)',
      '',
      '    def forward(self, x):',
      '        out = self.conv(x)',
      '        return self.bn(out)',
      '',
      '    @staticmethod',
      '    def make(planes):',
      '        return Block(planes)',
      '',
    ].join('\n');
    const doc = engine.openDocument('block.py', text);
    const check = (what: string): void => assert.deepEqual(doc.facts(), engine.analyze({ path: 'block.py', text: doc.text }), what);
    try {
      doc.facts();
      let reusedMembers = 0;
      /** Types `word` at `at` and deletes it, checking every step; asserts that members were reused. */
      const type = (at: number, word: string, what: string): void => {
        const from = reusedMembers;
        for (let i = 0; i < word.length; i++) {
          doc.update([{ start: at + i, end: at + i, text: word[i] }]);
          check(`${what}: typed ${i + 1}`);
          // Even the first keystroke reuses members lowered before the edits that moved them.
          if (i === 0) assert.ok(doc.lastLowering.reusedMembers > 0, `${what}: members were reused at the first keystroke`);
          reusedMembers += doc.lastLowering.reusedMembers;
        }
        for (let i = word.length - 1; i >= 0; i--) {
          doc.update([{ start: at + i, end: at + i + 1, text: '' }]);
          check(`${what}: deleted ${i + 1}`);
          reusedMembers += doc.lastLowering.reusedMembers;
        }
        assert.ok(reusedMembers > from, `${what}: members were reused`);
      };
      const endOf = (line: string): number => doc.text.indexOf(line) + line.length;
      type(endOf('        out = self.conv(x)'), ' + 0', 'in forward()');
      // A line above the class moves it (module-level reuse shifts it and its members' ranges)...
      doc.update([{ start: 0, end: 0, text: '# header\n\n' }]);
      check('after a line above');
      // ...then typing in another method of the moved class reuses the moved members.
      type(endOf('self.bn = nn.BatchNorm2d(planes, momentum=0.9)'), ' * 1', 'in __init__() after the move');
      type(endOf('            self.bn = nn.BatchNorm2d(8)'), ')(', 'in the nested class');
      type(endOf('    momentum: float = 0.9'), '9', 'in the decorated class');
      // An edit inside the class above a member moves the members after it.
      type(endOf('    expansion = 1'), '\n    extra = 2', 'a new member');
      assert.equal(doc.text, `# header\n\n${text}`);
      assert.ok(reusedMembers > 20, `class members were reused (${reusedMembers})`);
    } finally {
      doc.dispose();
    }
  });

  for (const seed of [7, 1234]) {
    it(`matches a full analysis when several random edits come between analyses (seed ${seed})`, async () => {
      const engine = await testEngine();
      const next = rng(seed);
      const doc = engine.openDocument('blocks.py', fs.readFileSync(path.join(__dirname, '../../examples/cifar/models/blocks.py'), 'utf8'));
      try {
        for (let i = 0; i < 150; i++) {
          const n = 1 + Math.floor(next() * 4);
          for (let k = 0; k < n; k++) {
            const text = doc.text;
            const start = Math.floor(next() * (text.length + 1));
            const end = Math.min(text.length, start + Math.floor(next() * 6));
            const s = start > 0 && /[\uDC00-\uDFFF]/.test(text[start] ?? '') ? start - 1 : start;
            const e = end > 0 && /[\uDC00-\uDFFF]/.test(text[end] ?? '') ? end + 1 : end;
            doc.update([{ start: s, end: Math.max(s, e), text: SNIPPETS[Math.floor(next() * SNIPPETS.length)] }]);
          }
          assert.deepEqual(doc.facts(), engine.analyze({ path: 'blocks.py', text: doc.text }), `round ${i}`);
        }
      } finally {
        doc.dispose();
      }
    });
  }

  it('moves suppression directives along edits that cannot change them, and re-scans otherwise', async () => {
    const engine = await testEngine();
    const text = [
      '# normlint: disable=NL003',
      'import torch.nn as nn  # noqa',
      'URL = "http://x/#not-a-comment"  # noqa: NL001, missing-eval',
      "ESC = 'it\\'s # still a string'",
      'DOC = """',
      '# noqa inside a docstring',
      '"""',
      'bn = nn.BatchNorm2d(8, momentum=0.9)  # noqa:NL007',
      '    # normlint: disable=NL004',
      'x = 1  # NOQA: nl003 trailing words',
      'D2 = """a\\"""',
      '# noqa: NL002 inside a string that an escaped quote keeps open',
      '"""',
      '',
    ].join('\n');
    const next = rng(99);
    const snippets = ['x', 'ab', ' ', 'noqa', ': NL00', ',', '#', '"', "'", '\\', '\n', '', 'é', '😀'];
    const doc = engine.openDocument('supp.py', text);
    try {
      doc.facts();
      let edits = 0;
      for (let i = 0; i < 400; i++) {
        const t = doc.text;
        // Half of the edits land next to a comment or a quote, where the scan must be redone.
        const marks = [...t.matchAll(/[#"'\\]/g)].map((m) => m.index);
        const near = next() < 0.5 && marks.length > 0 ? marks[Math.floor(next() * marks.length)] + Math.floor(next() * 5) - 2 : Math.floor(next() * (t.length + 1));
        const start = Math.max(0, Math.min(t.length, near));
        const end = Math.min(t.length, start + (next() < 0.7 ? 0 : Math.floor(next() * 4)));
        const s = start > 0 && /[\uDC00-\uDFFF]/.test(t[start] ?? '') ? start - 1 : start;
        const e = end > 0 && /[\uDC00-\uDFFF]/.test(t[end] ?? '') ? end + 1 : end;
        doc.update([{ start: s, end: Math.max(s, e), text: snippets[Math.floor(next() * snippets.length)] }]);
        edits++;
        if (next() < 0.6) assert.deepEqual(doc.facts().suppressions, engine.analyze({ path: 'supp.py', text: doc.text }).suppressions, `edit ${i}: ${JSON.stringify(doc.text)}`);
      }
      assert.ok(doc.directiveScans < edits * 0.8, `some edits moved the directives instead of re-scanning (${doc.directiveScans} scans for ${edits} edits)`);
      assert.ok(doc.directiveScans > 20, `edits next to comments and quotes re-scanned (${doc.directiveScans})`);
    } finally {
      doc.dispose();
    }
    // Edits that change what is a comment without touching one: each must be seen.
    const cases: Array<[string, (t: string) => { start: number; end: number; text: string }]> = [
      ['delete the quote that opens a string holding a `#`', (t) => ({ start: t.indexOf('"http'), end: t.indexOf('"http') + 1, text: '' })],
      ['escape the quote that closes a string', (t) => ({ start: t.indexOf('comment"'), end: t.indexOf('comment"'), text: '\\' })],
      ['code before an indented file-level directive', (t) => ({ start: t.indexOf('    # normlint'), end: t.indexOf('    # normlint'), text: 'y =' })],
      ['a letter in a noqa comment', (t) => ({ start: t.indexOf('NL007'), end: t.indexOf('NL007'), text: 'x' })],
      ['close a docstring early', (t) => ({ start: t.indexOf('# noqa inside'), end: t.indexOf('# noqa inside'), text: '"""\n' })],
      ['delete a quote that opens a docstring', (t) => ({ start: t.indexOf('"""'), end: t.indexOf('"""') + 1, text: '' })],
      ['a letter after a backslash', (t) => ({ start: t.indexOf('a\\"""') + 2, end: t.indexOf('a\\"""') + 2, text: 'x' })],
    ];
    for (const [what, edit] of cases) {
      const d = engine.openDocument('supp.py', text);
      try {
        d.facts();
        d.update([edit(text)]);
        assert.deepEqual(d.facts().suppressions, engine.analyze({ path: 'supp.py', text: d.text }).suppressions, what);
        assert.notDeepEqual(d.facts().suppressions, engine.analyze({ path: 'supp.py', text }).suppressions, `${what}: the edit changes the directives`);
      } finally {
        d.dispose();
      }
    }
  });

  it('diagnostics keep their offsets when the document later moves its IR (in-place shifts)', async () => {
    const engine = await testEngine();
    const text = 'import torch.nn as nn\n\nbn = nn.BatchNorm2d(8, momentum=0.9)\n';
    const doc = engine.openDocument('m.py', text);
    try {
      const cfg = allRulesConfig();
      const [d] = engine.lint([doc.facts()], { configFor: () => cfg, textOf: () => doc.text });
      const before = JSON.stringify(d);
      assert.equal(text.slice(d.span.start, d.span.end), '0.9');
      doc.update([{ start: 0, end: 0, text: '# a comment line\n' }]);
      doc.facts();
      assert.ok(doc.lastLowering.reused > 0);
      assert.equal(JSON.stringify(d), before);
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
