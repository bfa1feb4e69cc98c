import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { LintReuse, type Engine, type ParsedDocument } from '../../linter/src/core/engine';
import type { Diagnostic } from '../../linter/src/core/diagnostic';
import { allRulesConfig, testEngine } from '../helpers/project';

const FIXTURES = path.join(__dirname, 'fixtures/lint-reuse');
const CONFIG = allRulesConfig();

/**
 * A project being edited as the language server edits it: open documents lowered
 * incrementally, linted with a `LintReuse` after each change and compared with a whole lint of
 * the same facts (what `normlint check` finds).
 */
class Project {
  readonly reuse = new LintReuse();
  readonly docs = new Map<string, ParsedDocument>();

  constructor(private readonly engine: Engine, files: Record<string, string>) {
    for (const [p, text] of Object.entries(files)) this.docs.set(p, engine.openDocument(p, text));
  }

  private lintWith(reuse: LintReuse | undefined): Diagnostic[] {
    const docs = [...this.docs.values()];
    return this.engine.lint(docs.map((d) => d.facts()), {
      configFor: () => CONFIG,
      textOf: (p) => this.docs.get(p)!.text,
      reuse,
      collectLayers: 'lazy',
    });
  }

  /** Lints with reuse only (for runs too slow to lint twice). */
  lintReusing(): Diagnostic[] {
    return this.lintWith(this.reuse);
  }

  /**
   * Lints with reuse; asserts the findings, and the layer reports hovers and code lenses show
   * (both sides' after a split), equal a whole lint's.
   */
  lint(): Diagnostic[] {
    const incremental = this.lintWith(this.reuse);
    const layers = this.engine.lastLayersLater?.();
    const whole = this.lintWith(undefined);
    assert.deepEqual(incremental, whole, `findings differ after a ${this.reuse.lastKind} lint`);
    assert.deepEqual(layers, this.engine.lastLayersLater?.(), `layer reports differ after a ${this.reuse.lastKind} lint`);
    return incremental;
  }

  /**
   * Finds `from` in file `p` and replaces what is between its first and last characters with
   * what is between `to`'s, deleting and then typing one character at a time, linting after each.
   */
  type(p: string, from: string, to: string): Array<string | null> {
    const doc = this.docs.get(p)!;
    const found = doc.text.indexOf(from);
    assert.ok(found >= 0, `${from} not in ${p}`);
    assert.ok(from[0] === to[0] && from.at(-1) === to.at(-1));
    const at = found + 1;
    from = from.slice(1, -1);
    to = to.slice(1, -1);
    const kinds: Array<string | null> = [];
    for (let i = from.length - 1; i >= 0; i--) {
      doc.update([{ start: at + i, end: at + i + 1, text: '' }]);
      this.lint();
      kinds.push(this.reuse.lastKind);
    }
    for (let i = 0; i < to.length; i++) {
      doc.update([{ start: at + i, end: at + i, text: to[i] }]);
      this.lint();
      kinds.push(this.reuse.lastKind);
    }
    return kinds;
  }

  /** Types `text` one character at a time right after the first occurrence of `after` in file `p`, linting after each. */
  insert(p: string, after: string, text: string): Array<string | null> {
    const doc = this.docs.get(p)!;
    const at = doc.text.indexOf(after) + after.length;
    assert.ok(at >= after.length, `${after} not in ${p}`);
    const kinds: Array<string | null> = [];
    for (let i = 0; i < text.length; i++) {
      doc.update([{ start: at + i, end: at + i, text: text[i] }]);
      this.lint();
      kinds.push(this.reuse.lastKind);
    }
    return kinds;
  }

  dispose(): void {
    for (const d of this.docs.values()) d.dispose();
  }
}

/** Runs `body` on a new {@link Project} of `files`, disposing of its documents after. */
function withProject(engine: Engine, files: Record<string, string>, body: (p: Project) => void): void {
  const p = new Project(engine, files);
  try {
    body(p);
  } finally {
    p.dispose();
  }
}

const read = (name: string): string => fs.readFileSync(path.join(FIXTURES, name), 'utf8');

describe('incremental lint (LintReuse)', () => {
  let engine: Engine;
  before(async () => {
    engine = await testEngine();
  });

  it('analyzes only the edited definition and its dependents, keeping the rest of the file', () => {
    withProject(engine, { 'models.py': read('models.py'), 'train.py': read('train.py') }, (p) => {
      const before = p.lint();
      assert.equal(p.reuse.lastKind, 'full');
      assert.ok(before.some((d) => d.code === 'NL011'));
      // AuxNet's mismatch fixed character by character: the first edit splits the file, the
      // next ones reuse the other side's model.
      const kinds = p.type('models.py', '(16)', '(32)');
      assert.equal(kinds[0], 'split');
      assert.ok(kinds.slice(1).every((k) => k === 'split-reused'), kinds.join());
      // The conv before it now has a bias the BatchNorm cancels.
      assert.deepEqual(p.lint().map((d) => d.code), ['NL003', 'NL003', 'NL007', 'NL003']);
      // Findings of the kept side move with the text typed before them (in conv3x3: ResNet and
      // VGG below it are kept).
      const now = p.lint();
      // (A space after the last token changes no statement: the models are kept as they are.)
      assert.deepEqual(p.insert('models.py', 'bias=False)', '  + 0'), ['reused', 'reused', 'split', 'split-reused', 'split-reused']);
      assert.deepEqual(p.lint().map((d) => `${d.code}:${d.span.start}`), now.map((d) => `${d.code}:${d.span.start + '  + 0'.length}`));
    });
  });

  it('lints whole when another file uses an edited definition (found while analyzing)', () => {
    withProject(engine, { 'models.py': read('models.py'), 'train.py': read('train.py') }, (p) => {
      p.lint();
      // train.py calls vgg8(): the split of VGG and vgg8 from the rest does not hold.
      const kinds = p.type('models.py', '=0.9)', '=0.1)');
      assert.ok(kinds.every((k) => k === 'full'), kinds.join());
      assert.match(p.reuse.whyWhole ?? '', /vgg8/);
      assert.ok(!p.lint().some((d) => d.code === 'NL007'));
    });
  });

  it('lints whole when a method the rest evaluates alone is called by the edited definitions', () => {
    withProject(engine, { 'models.py': read('models.py') }, (p) => {
      p.lint();
      // BasicBlock calls the plain function conv3x3(), which both sides evaluate alike: split.
      p.type('models.py', 'planes, planes', 'planes, 2 * planes');
      assert.equal(p.reuse.lastKind, 'split-reused');
      // HeadNet calls the inherited make_head(), which the other side analyzed with its
      // defaults: a whole run would not (it analyzes a module's methods only when nothing did).
      p.type('models.py', '(24)', '(32)');
      assert.equal(p.reuse.lastKind, 'full');
      assert.match(p.reuse.whyWhole ?? '', /make_head/);
    });
  });

  it('lints whole after edits of module-level code or of a definition\'s name', () => {
    withProject(engine, { 'models.py': read('models.py') }, (p) => {
      p.lint();
      // (A keystroke inside a syntax error that leaves every statement as it was keeps the models.)
      const notSplit = (kinds: Array<string | null>): boolean => kinds.every((k) => k === 'full' || k === 'reused') && kinds.includes('full');
      assert.ok(notSplit(p.type('models.py', '"aux"])', '"aux", "x"])')));
      assert.ok(notSplit(p.type('models.py', 'def auxnet(', 'def auxnet2(')));
    });
  });

  // Counterexamples found in review, each a way the two sides of a split could disagree with a
  // whole run: they must lint whole (or, for moved offsets, agree).
  it('lints whole when the edited definitions use a layer created at module scope (shared by both sides)', () => {
    const src = [
      'import torch.nn as nn', '', 'shared = nn.Conv2d(3, 16, 3)', '', '',
      'class A(nn.Module):', '    def __init__(self):', '        super().__init__()', '        self.bn = nn.BatchNorm2d(16)', '',
      '    def forward(self, x):', '        return self.bn(shared(x))', '', '',
      'class B(nn.Module):', '    def __init__(self):', '        super().__init__()', '        self.act = nn.ReLU()', '',
      '    def forward(self, x):', '        y = shared(x)', '        return self.act(y)', '', '',
      'def f1():', '    return 1', '', '', 'def f2():', '    return 2', '',
    ].join('\n');
    withProject(engine, { 'm.py': src }, (p) => {
      p.lint();
      // (`shared` also feeds no BatchNorm in B: a whole run keeps NL003 silent for it.)
      p.insert('m.py', 'nn.ReLU(', 'True');
      assert.equal(p.reuse.lastKind, 'full');
      assert.match(p.reuse.whyWhole ?? '', /module scope/);
    });
  });

  it('lints whole when an edit sets or reads Keras\' image data format (read for every Keras layer)', () => {
    const src = [
      'from tensorflow import keras', 'from tensorflow.keras import layers', '', '',
      'def build_a():', '    return keras.Sequential([layers.Conv2D(16, 3), layers.BatchNormalization()])', '', '',
      'def build_b():', '    return keras.Sequential([layers.Dense(32), layers.BatchNormalization()])', '', '',
      'def helper():', '    return 1', '', '',
      'def configure(fmt):', '    keras.backend.set_image_data_format("channels_first")', '    return fmt', '',
    ].join('\n');
    withProject(engine, { 'm.py': src }, (p) => {
      p.lint();
      p.insert('m.py', 'return fmt', '2');
      // Commenting the call out changes what the Conv2D's channel axis is known to be.
      const doc = p.docs.get('m.py')!;
      const at = doc.text.indexOf('keras.backend.set_image');
      doc.update([{ start: at, end: at, text: '#' }]);
      p.lint();
      assert.equal(p.reuse.lastKind, 'full');
    });
  });

  it('lints whole when both sides together spend more than a whole run\'s analysis budget', () => {
    // Two functions of 17 nested loops each: a whole run spends its step budget before `late`.
    const heavy = (name: string, tail: string): string[] => [
      `def ${name}():`,
      ...Array.from({ length: 17 }, (_, i) => `${'    '.repeat(i + 1)}for i${i} in range(10):`),
      `${'    '.repeat(18)}y = nn.ReLU()`,
      `    return ${tail}`, '', '',
    ];
    const src = ['import torch.nn as nn', '', '', ...heavy('heavy_a', 'y'), ...heavy('heavy_b', 'nn.ReLU6()'),
      'def late():', '    return nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8))', '', '', 'def filler():', '    return 0', ''].join('\n');
    // (Each run spends the whole budget, ~2 million steps: this test lints only with reuse, and
    // a split that does not hold is a whole run.)
    withProject(engine, { 'm.py': src }, (p) => {
      const doc = p.docs.get('m.py')!;
      assert.deepEqual(p.lintReusing(), []);
      const at = doc.text.indexOf('nn.ReLU6(') + 'nn.ReLU6('.length;
      doc.update([{ start: at, end: at, text: '1' }]);
      assert.deepEqual(p.lintReusing(), [], 'the whole run reaches no finding in late()');
      assert.equal(p.reuse.lastKind, 'full');
      assert.match(p.reuse.whyWhole ?? '', /budget/);
    });
  });

  it('reads module-level constants and aliases on the edited side without running the module body', () => {
    const src = [
      'import torch.nn as nn', 'from collections import namedtuple', 'from collections import namedtuple', '',
      'Outputs = namedtuple("Outputs", ["y"])', 'KERAS_MOMENTUM = 0.99', 'Norm = nn.BatchNorm2d', 'Alias = Norm',
      'SCALE = 0.1', 'for SCALE in (0.99,):', '    pass', '', '',
      'class A(nn.Module):', '    def __init__(self):', '        super().__init__()',
      '        self.conv = nn.Conv2d(3, 16, 3, bias=False)', '        self.bn = Alias(16, momentum=KERAS_MOMENTUM)', '',
      '    def forward(self, x):', '        return Outputs(self.bn(self.conv(x)))', '', '',
      'class B(nn.Module):', '    def __init__(self):', '        super().__init__()',
      '        self.conv = nn.Conv2d(3, 8, 3, bias=False)', '        self.bn = Norm(8, momentum=SCALE)', '',
      '    def forward(self, x):', '        return self.bn(self.conv(x))', '', '',
      'def f1():', '    return 1', '', '', 'def f2():', '    return 2', '',
    ].join('\n');
    withProject(engine, { 'm.py': src }, (p) => {
      const bodiesRun = (): number => (p.reuse.models[0] as unknown as { moduleBodiesRun: number }).moduleBodiesRun;
      // A's momentum is Keras' (NL007); B's is too, after the loop rebinds SCALE.
      assert.deepEqual(p.lint().map((d) => d.code), ['NL007', 'NL007']);
      // In A, `Alias`, `KERAS_MOMENTUM` and `Outputs` are bound once, to an alias of a framework
      // name, a constant and a namedtuple (of `namedtuple`, imported twice alike).
      p.type('m.py', '16, 3,', '16, 5,');
      assert.equal(p.reuse.lastKind, 'split-reused');
      assert.equal(bodiesRun(), 0);
      // In B, the loop rebinds `SCALE`: the module body runs.
      p.type('m.py', '8, 3,', '8, 5,');
      assert.equal(p.reuse.lastKind, 'split-reused');
      assert.equal(bodiesRun(), 1);
      assert.deepEqual(p.lint().map((d) => d.code), ['NL007', 'NL007']);
    });
  });

  it('runs the module body when a loop rebinds a constant, or an alias names a definition bound twice', () => {
    const withPrefix = (prefix: string[], norm: string): string =>
      [
        'import torch.nn as nn', ...prefix, '', '',
        'class A(nn.Module):', '    def __init__(self):', '        super().__init__()',
        '        self.conv = nn.Conv2d(3, 16, 3, bias=False)', `        self.bn = ${norm}`, '',
        '    def forward(self, x):', '        return self.bn(self.conv(x))', '', '',
        'def f1():', '    return 1', '', '', 'def f2():', '    return 2', '', '', 'def f3():', '    return 3', '',
      ].join('\n');
    const cases = [
      // The loop's def leaves MOM a function: no Keras momentum in A.
      { src: withPrefix(['MOM = 0.99', 'for _ in range(1):', '    def MOM():', '        return 0'], 'nn.BatchNorm2d(16, momentum=MOM)'), nl007: 0 },
      // The module body's flow makes Norm the first make_norm only: A does not build the other's
      // layer (whose Keras momentum is reported once, at its own site).
      {
        src: withPrefix(['if True:', '    def make_norm(c):', '        return nn.BatchNorm2d(c)', 'else:', '    def make_norm(c):',
          '        return nn.BatchNorm2d(c, momentum=0.99)', 'Norm = make_norm'], 'Norm(16)'),
        nl007: 1,
      },
    ];
    for (const { src, nl007 } of cases) {
      withProject(engine, { 'm.py': src }, (p) => {
        assert.equal(p.lint().filter((d) => d.code === 'NL007').length, nl007);
        // (Project.lint compares findings and layer reports with a whole lint's.)
        p.type('m.py', '16, 3,', '16, 5,');
        assert.equal(p.reuse.lastKind, 'split-reused');
      });
    }
  });

  it('moves the NL002 fix of a training step with the text typed above it', () => {
    const src = [
      'import torch', 'import torch.nn as nn', '', '',
      'def train(data):', '    model = nn.Sequential(nn.Conv2d(3, 16, 3, bias=False), nn.BatchNorm2d(16))',
      '    opt = torch.optim.SGD(model.parameters(), lr=0.1)', '    for epoch in range(3):', '        for x in data:',
      '            model(x).sum().backward()', '            opt.step()', '        model.eval()', '',
    ].join('\n');
    withProject(engine, { 'm.py': src }, (p) => {
      assert.ok(p.lint().some((d) => d.code === 'NL002' && d.fix));
      // A comment above keeps every statement: the models are kept and their offsets move.
      const kinds = p.insert('m.py', 'import torch.nn as nn\n', '# training script for the small model\n');
      assert.ok(kinds.includes('reused'), kinds.join());
    });
  });

  it('finds what a whole lint finds after random edits of real model code', () => {
    // Deterministic pseudo-random edits at the ends of lines inside definitions: operators,
    // calls, names, dangling operators (syntax errors) and deletions.
    let seed = 7;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const files = ['models.py', '../../../../examples/cifar/models/resnet.py', '../../../../examples/seq/crnn.py', '../../../../examples/cifar/finetune.py'];
    let split = 0;
    for (const name of files) {
      withProject(engine, { [path.basename(name)]: read(name) }, (p) => {
        const doc = p.docs.get(path.basename(name))!;
        p.lint();
        for (let k = 0; k < 12; k++) {
          const lines = doc.text.split('\n');
          const candidates = lines.flatMap((l, i) => (/^\s{4,}\S.*[\w)\]]$/.test(l) && !/^\s*(#|@|def |class |return\b|if |for |with |else|elif)/.test(l) ? [i] : []));
          const line = candidates[next(candidates.length)];
          const end = lines.slice(0, line + 1).join('\n').length;
          const typed = [' + 0', '.x', ' *', '(1)', ' if a else b'][next(5)];
          for (let i = 0; i < typed.length; i++) {
            doc.update([{ start: end + i, end: end + i, text: typed[i] }]);
            p.lint();
            if (p.reuse.lastKind !== 'full') split++;
          }
          if (next(2) === 0) {
            doc.update([{ start: end, end: end + typed.length, text: '' }]);
            p.lint();
          }
        }
      });
    }
    assert.ok(split > 20, `only ${split} lints were split`);
  });
});
