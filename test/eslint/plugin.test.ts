/**
 * The ESLint plugin (`normlint/eslint-plugin`, dist/eslint-plugin.mjs): its shape and
 * `recommended` config, loading through the package's `exports`, its type declarations, the
 * rules under @typescript-eslint/rule-tester (TensorFlow.js code with @typescript-eslint/parser;
 * the plumbing also on Python code with a trivial parser), one engine run per file, and the real
 * `eslint` CLI against `normlint check` on examples/tfjs/.
 *
 * The built bundle is an ES module with top-level await, so it is loaded with `import()` in a
 * `before` hook; RuleTester suites are declared up front with rules that forward to it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { RuleTester } from '@typescript-eslint/rule-tester';
import { Linter, type Rule } from 'eslint';
import ts from 'typescript';
import * as tsParser from '@typescript-eslint/parser';
import { RULES } from '../../linter/src/rules/index';
import { ruleUrl } from '../../linter/src/core/rule';
import { Engine } from '../../linter/src/core/engine';
import { createPlugin, type NormlintEslintPlugin } from '../../linter/src/eslint/plugin';
import { loadGrammars } from '../helpers/grammars';
import { ensureBuilt, makeProject, REPO, runCli } from '../cli/helpers';

RuleTester.afterAll = after;
RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

const PLUGIN_FILE = path.join(REPO, 'dist', 'eslint-plugin.mjs');
const ESLINT_BIN = path.join(REPO, 'node_modules', 'eslint', 'bin', 'eslint.js');
const PKG = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string };

/**
 * Builds dist/ (once per test process, shared with the CLI tests) and makes sure the plugin
 * bundle is at least as fresh as that build (scripts/eslint-build.mjs, when build.mjs did not).
 */
async function ensurePluginBuilt(): Promise<void> {
  ensureBuilt();
  if (process.env.NORMLINT_TEST_CLI) return;
  const cliTime = fs.statSync(path.join(REPO, 'dist', 'cli.js')).mtimeMs;
  if (fs.existsSync(PLUGIN_FILE) && fs.statSync(PLUGIN_FILE).mtimeMs >= cliTime) return;
  const { buildEslintPlugin } = (await import(pathToFileURL(path.join(REPO, 'scripts', 'eslint-build.mjs')).href)) as {
    buildEslintPlugin(o: { production?: boolean }): Promise<unknown>;
  };
  await buildEslintPlugin({ production: false });
}

let plugin: NormlintEslintPlugin | undefined;

before(async function () {
  this.timeout(300_000);
  await ensurePluginBuilt();
  plugin = ((await import(pathToFileURL(PLUGIN_FILE).href)) as { default: NormlintEslintPlugin }).default;
});

function loaded(): NormlintEslintPlugin {
  if (!plugin) throw new Error('the plugin is loaded in a before hook');
  return plugin;
}

type TesterRule = Parameters<RuleTester['run']>[1];

/** A rule that forwards to the bundle's rule `name` (loaded later, in the `before` hook). */
function bundled(name: string): TesterRule {
  const rule = {
    get meta() {
      return loaded().rules[name].meta;
    },
    create(context: Rule.RuleContext) {
      return loaded().rules[name].create(context);
    },
  };
  return rule as unknown as TesterRule;
}

/** Parses anything into an empty ESTree program: lets ESLint lint Python text. */
const anyTextParser = {
  meta: { name: 'any-text' },
  parseForESLint(text: string) {
    const lines = text.split(/\r\n|\r|\n/);
    return {
      ast: {
        type: 'Program',
        body: [],
        sourceType: 'module',
        range: [0, text.length],
        loc: { start: { line: 1, column: 0 }, end: { line: lines.length, column: lines[lines.length - 1].length } },
        tokens: [],
        comments: [],
      },
      visitorKeys: { Program: [] },
    };
  },
};

/** Every normlint rule at `"warn"`. */
function allRules(p: NormlintEslintPlugin): Linter.RulesRecord {
  return Object.fromEntries(Object.keys(p.rules).map((n) => [`normlint/${n}`, 'warn' as const]));
}

describe('ESLint plugin: shape', () => {
  it('has meta, and one rule per normlint rule with its metadata', () => {
    const p = loaded();
    assert.deepEqual(p.meta, { name: 'normlint', version: PKG.version, namespace: 'normlint' });
    assert.deepEqual(Object.keys(p.rules).sort(), RULES.map((r) => r.name).sort());
    for (const r of RULES) {
      const meta = p.rules[r.name].meta!;
      assert.equal(meta.type, r.severity === 'info' ? 'suggestion' : 'problem', r.name);
      assert.equal(meta.docs?.description, r.summary);
      assert.equal(meta.docs?.url, ruleUrl(r.code));
      assert.match(meta.docs!.url!, new RegExp(`/docs/rules/${r.code}\\.md$`));
      assert.equal(meta.fixable, r.fix === 'never' ? undefined : 'code', r.name);
      assert.equal(meta.hasSuggestions, r.fix === 'never' ? undefined : true, r.name);
      assert.deepEqual(meta.schema, []);
      assert.deepEqual(Object.keys(meta.messages ?? {}).sort(), ['finding', 'fix']);
    }
  });

  it('configs.recommended: TS/JS files, rules on by default that can fire on TensorFlow.js', () => {
    const p = loaded();
    const rec = p.configs.recommended;
    assert.equal(rec.name, 'normlint/recommended');
    assert.deepEqual(rec.files, ['**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}']);
    assert.equal(rec.plugins?.normlint, p);
    const expected: Record<string, string> = {};
    for (const r of RULES) {
      if (r.enabledByDefault && r.frameworks.includes('tfjs')) expected[`normlint/${r.name}`] = r.severity === 'error' ? 'error' : 'warn';
    }
    assert.deepEqual(rec.rules, expected);
    assert.ok(rec.rules!['normlint/unused-noqa'], 'NL000 applies to every framework');
    for (const name of ['missing-sync-batchnorm', 'frozen-bn-still-updating']) {
      assert.equal(rec.rules![`normlint/${name}`], undefined, `${name} reads PyTorch facts only`);
      assert.ok(p.rules[name], `${name} still exists`);
    }
  });

  it('docs/eslint.md lists every rule with its `recommended` severity', () => {
    const doc = fs.readFileSync(path.join(REPO, 'docs', 'eslint.md'), 'utf8');
    const rows = [...doc.matchAll(/^\| \[`normlint\/([a-z-]+)`\]\(rules\/(NL\d{3})\.md\) \| (NL\d{3}) \| ([^|]+) \|$/gm)].map((m) => ({
      name: m[1],
      code: m[2],
      code2: m[3],
      recommended: m[4].trim(),
    }));
    const rec = loaded().configs.recommended.rules!;
    assert.deepEqual(
      rows,
      RULES.map((r) => ({
        name: r.name,
        code: r.code,
        code2: r.code,
        recommended: (rec[`normlint/${r.name}`] as string | undefined) ?? `— (${r.frameworks.includes('pytorch') && !r.frameworks.includes('keras') ? 'PyTorch' : '?'} only)`,
      })),
    );
  });

  it('loads through the package exports (`normlint/eslint-plugin`); `main`, package.json stay reachable', () => {
    const script = [
      "import normlint from 'normlint/eslint-plugin';",
      "import { createRequire } from 'node:module';",
      'const require = createRequire(import.meta.url);',
      "console.log(JSON.stringify({ name: normlint.meta.name, rules: Object.keys(normlint.rules).length, pkg: require('normlint/package.json').name, main: require.resolve('normlint') }));",
    ].join('\n');
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { name: 'normlint', rules: RULES.length, pkg: 'normlint', main: path.join(REPO, 'dist', 'extension.js') });
    const req = spawnSync(process.execPath, ['-e', "require('normlint/eslint-plugin')"], { cwd: REPO, encoding: 'utf8' });
    assert.notEqual(req.status, 0, 'ESM only: no `require` condition');
  });

  it('ships type declarations that type-check a flat config', function () {
    this.timeout(120_000);
    const dir = path.join(REPO, 'test-output', 'eslint-types');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'eslint.config.mts');
    fs.writeFileSync(
      file,
      `import normlint, { type NormlintSettings } from 'normlint/eslint-plugin';
import type { ESLint, Linter } from 'eslint';

const settings: NormlintSettings = { minBatchSize: 8, checkDropLast: false };
const asPlugin: ESLint.Plugin = normlint;
const version: string = normlint.meta.version;
const config: Linter.Config[] = [
  normlint.configs.recommended,
  { plugins: { normlint: asPlugin }, rules: { 'normlint/missing-eval': 'error' }, settings: { normlint: settings } },
];
export default [config, version];
`,
    );
    const program = ts.createProgram([file], {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      strict: true,
      noEmit: true,
      types: [],
    });
    const ours = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => !d.file || d.file.fileName === file.split(path.sep).join('/') || d.file.fileName.endsWith('dist/eslint-plugin.d.mts'));
    assert.deepEqual(
      ours.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')),
      [],
    );
    assert.ok(program.getSourceFiles().some((f) => f.fileName.endsWith('dist/eslint-plugin.d.mts')), 'resolved through exports.types');
  });
});

// TensorFlow.js code through @typescript-eslint/parser (RuleTester's default parser).
const TFJS_IMPORT = "import * as tf from '@tensorflow/tfjs';\n";
const CONV_BN = `${TFJS_IMPORT}const model = tf.sequential({layers: [tf.layers.conv2d({inputShape: [28, 28, 1], filters: 8, kernelSize: 3}), tf.layers.batchNormalization({momentum: 0.1})]});\n`;
const CONV_BN_OK = `${TFJS_IMPORT}const model = tf.sequential({layers: [tf.layers.conv2d({inputShape: [28, 28, 1], filters: 8, kernelSize: 3, useBias: false}), tf.layers.batchNormalization({momentum: 0.9})]});\n`;
const CONV_BN_SUPPRESSED = `${TFJS_IMPORT}const model = tf.sequential({layers: [
  // normlint-disable-next-line NL003
  tf.layers.conv2d({inputShape: [28, 28, 1], filters: 8, kernelSize: 3}),
  tf.layers.batchNormalization({momentum: 0.1}), // normlint-disable-line momentum-convention
]});
`;
const LSTM_BN = `${TFJS_IMPORT}const input = tf.input({shape: [128, 3]});
let x = tf.layers.lstm({units: 64, returnSequences: true}).apply(input) as tf.SymbolicTensor;
x = tf.layers.batchNormalization().apply(x) as tf.SymbolicTensor;
x = tf.layers.lstm({units: 64}).apply(x) as tf.SymbolicTensor;
export const tagger = tf.model({inputs: input, outputs: tf.layers.dense({units: 6}).apply(x) as tf.SymbolicTensor});
`;

describe('ESLint plugin: TensorFlow.js (RuleTester, @typescript-eslint/parser)', () => {
  const tester = new RuleTester();

  it('configs.recommended with @typescript-eslint/parser: findings, eslint-disable, --fix', () => {
    const p = loaded();
    const configs: Linter.Config[] = [p.configs.recommended, { files: ['**/*.ts'], languageOptions: { parser: tsParser as never } }];
    const linter = new Linter();
    const found = linter.verify(CONV_BN, configs, 'src/model.ts');
    assert.deepEqual(
      found.map((m) => [m.ruleId, m.line, m.severity]),
      [
        ['normlint/bias-before-norm', 2, 1],
        ['normlint/momentum-convention', 2, 1],
      ],
    );
    // ESLint's own directives work as for any rule.
    const disabled = CONV_BN.replace('const model', '// eslint-disable-next-line normlint/bias-before-norm\nconst model');
    assert.deepEqual(linter.verify(disabled, configs, 'src/model.ts').map((m) => m.ruleId), ['normlint/momentum-convention']);
    // Files outside `files` (a Python file here) are not linted by the recommended config.
    assert.deepEqual(linter.verify(CONV_BN, configs, 'src/model.py').filter((m) => m.ruleId !== null), []);
    const fixed = linter.verifyAndFix(CONV_BN, configs, { filename: 'src/model.ts' });
    assert.equal(fixed.output, CONV_BN_OK);
    assert.deepEqual(fixed.messages, []);
  });

  tester.run('bias-before-norm', bundled('bias-before-norm'), {
    valid: [
      { code: CONV_BN_OK, filename: 'model.ts' },
      { code: CONV_BN_SUPPRESSED, filename: 'model.ts' },
    ],
    invalid: [
      {
        code: CONV_BN,
        filename: 'model.ts',
        errors: [{ messageId: 'finding', line: 2, column: 39, endLine: 2 }],
        output: CONV_BN.replace('kernelSize: 3}', 'kernelSize: 3, useBias: false}'),
      },
      {
        code: CONV_BN,
        filename: 'model.js',
        errors: [{ messageId: 'finding', line: 2 }],
        output: CONV_BN.replace('kernelSize: 3}', 'kernelSize: 3, useBias: false}'),
      },
    ],
  });

  tester.run('momentum-convention', bundled('momentum-convention'), {
    valid: [{ code: CONV_BN_OK, filename: 'model.ts' }, { code: CONV_BN_SUPPRESSED, filename: 'model.ts' }],
    invalid: [
      {
        code: CONV_BN,
        filename: 'model.ts',
        errors: [{ messageId: 'finding', line: 2 }],
        output: CONV_BN.replace('momentum: 0.1', 'momentum: 0.9'),
      },
    ],
  });

  tester.run('norm-in-sequence-model', bundled('norm-in-sequence-model'), {
    valid: [{ code: LSTM_BN.replace('batchNormalization', 'layerNormalization'), filename: 'tagger.ts' }],
    invalid: [
      {
        code: LSTM_BN,
        filename: 'tagger.ts',
        // An unsafe fix: a suggestion, never applied by --fix.
        output: null,
        errors: [
          {
            messageId: 'finding',
            line: 4,
            suggestions: [
              {
                messageId: 'fix',
                data: {
                  title:
                    'Replace with `tf.layers.layerNormalization` (it normalizes each time step over its features, not each feature over the batch and time steps)',
                },
                output: LSTM_BN.replace('batchNormalization', 'layerNormalization'),
              },
            ],
          },
        ],
      },
    ],
  });

  tester.run('unused-noqa', bundled('unused-noqa'), {
    valid: [{ code: CONV_BN_SUPPRESSED, filename: 'model.ts' }],
    invalid: [
      {
        code: `${TFJS_IMPORT}// normlint-disable-next-line NL003\nconst x = 1;\n`,
        filename: 'model.ts',
        errors: [{ messageId: 'finding', line: 2 }],
        output: `${TFJS_IMPORT}const x = 1;\n`,
      },
    ],
  });
});

// The plugin's plumbing on Python code (the engine's first language): fixes, suggestions,
// suppression comments, NL000 and settings, independent of the TypeScript frontend.
const CONV_BN_PY = `import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.bn = nn.BatchNorm2d(8, momentum=0.9)

    def forward(self, x):
        return self.bn(self.conv(x))
`;
const EVAL_PY = `import torch
import torch.nn as nn


def main():
    model = nn.Sequential(nn.Conv2d(3, 8, 3, bias=False), nn.BatchNorm2d(8))
    model.load_state_dict(torch.load("checkpoint.pt"))
    with torch.no_grad():
        return model(torch.randn(2, 3, 8, 8))
`;
const SMALL_BATCH_PY = `import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

net = nn.Sequential(nn.Linear(20, 64, bias=False), nn.BatchNorm1d(64), nn.ReLU(), nn.Linear(64, 1))
opt = torch.optim.Adam(net.parameters())
data = TensorDataset(torch.randn(1000, 20), torch.randn(1000, 1))
net.train()
for x, y in DataLoader(data, batch_size=8, shuffle=True, drop_last=True):
    opt.zero_grad()
    nn.functional.mse_loss(net(x), y).backward()
    opt.step()
`;

describe('ESLint plugin: plumbing on Python code (RuleTester, trivial parser)', () => {
  const tester = new RuleTester({ languageOptions: { parser: anyTextParser as never } });

  tester.run('bias-before-norm', bundled('bias-before-norm'), {
    valid: [
      { code: CONV_BN_PY.replace('nn.Conv2d(3, 8, 3)', 'nn.Conv2d(3, 8, 3)  # noqa: NL003'), filename: 'net.py' },
      { code: `# normlint: disable=bias-before-norm\n${CONV_BN_PY}`, filename: 'net.py' },
      // Not a file the engine analyzes.
      { code: CONV_BN_PY, filename: 'net.txt' },
    ],
    invalid: [
      {
        code: CONV_BN_PY,
        filename: 'net.py',
        errors: [{ messageId: 'finding', line: 7, column: 21, endLine: 7, endColumn: 39 }],
        output: CONV_BN_PY.replace('nn.Conv2d(3, 8, 3)', 'nn.Conv2d(3, 8, 3, bias=False)'),
      },
    ],
  });

  tester.run('missing-eval', bundled('missing-eval'), {
    valid: [{ code: EVAL_PY.replace('    with torch', '    model.eval()\n    with torch'), filename: 'evaluate.py' }],
    invalid: [
      {
        code: EVAL_PY,
        filename: 'evaluate.py',
        // An unsafe fix: a suggestion, never applied by --fix.
        output: null,
        errors: [
          {
            messageId: 'finding',
            line: 9,
            column: 16,
            suggestions: [
              {
                messageId: 'fix',
                data: { title: 'Insert `model.eval()` before the inference' },
                output: EVAL_PY.replace('    with torch', '    model.eval()\n    with torch'),
              },
            ],
          },
        ],
      },
    ],
  });

  tester.run('unused-noqa', bundled('unused-noqa'), {
    valid: [{ code: CONV_BN_PY.replace('nn.Conv2d(3, 8, 3)', 'nn.Conv2d(3, 8, 3)  # noqa: NL003'), filename: 'net.py' }],
    invalid: [
      {
        code: 'import torch.nn as nn\n\nact = nn.ReLU()  # noqa: NL003\n',
        filename: 'act.py',
        errors: [{ messageId: 'finding', line: 3, column: 18 }],
        output: 'import torch.nn as nn\n\nact = nn.ReLU()\n',
      },
    ],
  });

  tester.run('small-batch-norm', bundled('small-batch-norm'), {
    valid: [
      { code: SMALL_BATCH_PY, filename: 'train.py', settings: { normlint: { minBatchSize: 8 } } },
      { code: SMALL_BATCH_PY.replace('batch_size=8', 'batch_size=64'), filename: 'train.py' },
    ],
    invalid: [
      { code: SMALL_BATCH_PY, filename: 'train.py', errors: [{ messageId: 'finding', line: 9 }] },
      { code: SMALL_BATCH_PY, filename: 'train.py', settings: { normlint: { minBatchSize: 9 } }, errors: [{ messageId: 'finding', line: 9 }] },
    ],
  });
});

describe('ESLint plugin: one engine run per file', () => {
  let engine: Engine;
  before(async () => {
    engine = await Engine.create(loadGrammars());
  });

  /** The plugin from source over an engine that counts its `analyze` and `lint` calls. */
  function counted(): { plugin: NormlintEslintPlugin; calls: { analyze: number; lint: number } } {
    const calls = { analyze: 0, lint: 0 };
    const spy = Object.create(engine) as Engine;
    spy.analyze = (input) => {
      calls.analyze++;
      return engine.analyze(input);
    };
    spy.lint = (files, opts) => {
      calls.lint++;
      return engine.lint(files, opts);
    };
    return { plugin: createPlugin(spy), calls };
  }

  function config(p: NormlintEslintPlugin, settings: Record<string, unknown> = {}): Linter.Config[] {
    return [{ files: ['**/*.py'], languageOptions: { parser: anyTextParser as never }, plugins: { normlint: p }, rules: allRules(p), settings }];
  }

  it('shares one analysis between all rules, and runs again for new text', () => {
    const { plugin: p, calls } = counted();
    const linter = new Linter();
    const messages = linter.verify(CONV_BN_PY, config(p), 'net.py');
    assert.deepEqual(messages.map((m) => m.ruleId), ['normlint/bias-before-norm', 'normlint/momentum-convention']);
    assert.deepEqual(calls, { analyze: 1, lint: 1 });
    linter.verify(CONV_BN_PY, config(p), 'net.py');
    assert.deepEqual(calls, { analyze: 2, lint: 2 });
  });

  it('--fix: one run per pass, every safe fix applied', () => {
    const { plugin: p, calls } = counted();
    const r = new Linter().verifyAndFix(CONV_BN_PY, config(p), { filename: 'net.py' });
    assert.equal(r.fixed, true);
    assert.equal(r.output, CONV_BN_PY.replace('nn.Conv2d(3, 8, 3)', 'nn.Conv2d(3, 8, 3, bias=False)').replace('momentum=0.9', 'momentum=0.1'));
    assert.deepEqual(r.messages, []);
    // Pass 1 fixes both findings, pass 2 finds nothing more.
    assert.deepEqual(calls, { analyze: 2, lint: 2 });
  });

  it('rejects invalid settings.normlint with the key', () => {
    const { plugin: p } = counted();
    assert.throws(() => new Linter().verify(SMALL_BATCH_PY, config(p, { normlint: { minBatchSize: 0 } }), 'train.py'), /settings\.normlint\.minBatchSize/);
    assert.throws(() => new Linter().verify(SMALL_BATCH_PY, config(p, { normlint: { minBatch: 8 } }), 'train.py'), /unknown key `settings\.normlint\.minBatch`/);
  });

  it('reports columns in UTF-16 code units (characters outside the BMP before the finding)', () => {
    const { plugin: p } = counted();
    const text = CONV_BN_PY.replace('self.conv = ', 'self.tag = "𝔁𝔁"; self.conv = ');
    const m = new Linter().verify(text, config(p), 'net.py').find((x) => x.ruleId === 'normlint/bias-before-norm');
    assert.ok(m);
    const lines = text.split('\n');
    assert.equal(lines[m.line - 1].slice(m.column - 1, m.endColumn! - 1), 'nn.Conv2d(3, 8, 3)');
  });
});

describe('ESLint plugin: the eslint CLI agrees with `normlint check` (examples/tfjs)', () => {
  const SRC = path.join(REPO, 'examples', 'tfjs');
  let dir = '';
  let fromEslint: string[] = [];

  /** `file:line:column normlint/<rule>` of `normlint check --select ALL` run in `cwd`, paths relative to `base`. */
  function normlintFindings(args: string[], cwd: string, base: string): string[] {
    const cli = runCli(['check', ...args, '--select', 'ALL', '--no-cache', '--output-format', 'json'], cwd);
    assert.ok(cli.code === 0 || cli.code === 1, `normlint exited ${cli.code}: ${cli.stderr}`);
    return (JSON.parse(cli.stdout) as Array<{ name: string; filename: string; location: { row: number; column: number } }>).map(
      (d) => `${path.relative(base, path.resolve(cwd, d.filename)).split(path.sep).join('/')}:${d.location.row}:${d.location.column} normlint/${d.name}`,
    );
  }

  before(function () {
    this.timeout(120_000);
    assert.ok(fs.existsSync(SRC), 'examples/tfjs exists');
    dir = makeProject({});
    fs.cpSync(SRC, path.join(dir, 'tfjs'), { recursive: true, filter: (s) => path.basename(s) !== '.normlint_cache' });
    const parserUrl = pathToFileURL(require.resolve('@typescript-eslint/parser')).href;
    fs.writeFileSync(
      path.join(dir, 'eslint.config.mjs'),
      `import normlint from ${JSON.stringify(pathToFileURL(PLUGIN_FILE).href)};
import tsParser from ${JSON.stringify(parserUrl)};

export default [
  normlint.configs.recommended,
  {
    files: ['**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}'],
    languageOptions: { parser: tsParser },
    // Every rule, as \`normlint check --select ALL\`.
    rules: Object.fromEntries(Object.keys(normlint.rules).map((name) => ['normlint/' + name, 'warn'])),
  },
];
`,
    );
    const es = spawnSync(process.execPath, [ESLINT_BIN, '--format', 'json', 'tfjs'], { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 });
    assert.ok(es.status === 0 || es.status === 1, `eslint exited ${es.status}: ${es.stderr}`);
    const results = JSON.parse(es.stdout) as Array<{
      filePath: string;
      messages: Array<{ ruleId: string | null; line: number; column: number; fatal?: boolean; message: string }>;
    }>;
    const fatal = results.flatMap((r) => r.messages.filter((m) => m.fatal || m.ruleId === null).map((m) => `${r.filePath}: ${m.message}`));
    assert.deepEqual(fatal, [], 'every file parses');
    assert.equal(results.length, fs.readdirSync(SRC).filter((f) => /\.[cm]?[jt]sx?$/.test(f)).length, 'every example file is linted');
    fromEslint = results
      .flatMap((r) => r.messages.map((m) => `${path.relative(dir, r.filePath).split(path.sep).join('/')}:${m.line}:${m.column} ${m.ruleId}`))
      .sort();
  });

  it('reports what `normlint check` reports for each file on its own (same rule, line, column)', function () {
    this.timeout(120_000);
    assert.ok(fromEslint.length > 0, 'the examples have findings');
    const fromCli: string[] = [];
    for (const name of fs.readdirSync(path.join(dir, 'tfjs')).sort()) {
      // The file alone in a project of its own: nothing it imports can be resolved, as in ESLint.
      const alone = makeProject({ [name]: fs.readFileSync(path.join(dir, 'tfjs', name)) });
      fromCli.push(...normlintFindings([name], alone, alone).map((f) => `tfjs/${f}`));
    }
    assert.deepEqual(fromEslint, fromCli.sort());
  });

  it('reports a subset of the whole-project run (which adds the findings that need other files)', function () {
    this.timeout(120_000);
    const project = normlintFindings(['tfjs'], dir, dir);
    assert.deepEqual(
      fromEslint.filter((f) => !project.includes(f)),
      [],
    );
    assert.ok(project.length > fromEslint.length, 'examples/tfjs has cross-file findings');
  });
});
