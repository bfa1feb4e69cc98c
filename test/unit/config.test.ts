import assert from 'node:assert/strict';
import type { RuleMeta } from '../../linter/src/core/rule';
import {
  expandSelector,
  formatConfigError,
  locateKey,
  parseConfig,
  parseSelectorList,
  resolveFileConfig,
  type NormlintConfig,
} from '../../linter/src/core/config';

function meta(code: string, name: string, enabledByDefault = true): RuleMeta {
  return { code, name, summary: '', severity: 'warning', fix: 'never', enabledByDefault, frameworks: ['pytorch'] };
}
const REGISTRY = [
  meta('NL000', 'unused-noqa'),
  meta('NL001', 'missing-eval'),
  meta('NL002', 'missing-train'),
  meta('NL003', 'bias-before-norm'),
  meta('NL012', 'dropout-before-norm'),
  meta('NL013', 'weight-decay-on-norm', false),
];

function ok(text: string, file = 'normlint.toml'): NormlintConfig {
  const r = parseConfig(text, file, REGISTRY);
  if (!r.ok) assert.fail(r.errors.map(formatConfigError).join('\n'));
  assert.ok(r.config);
  return r.config;
}

function errors(text: string, file = 'normlint.toml'): string[] {
  const r = parseConfig(text, file, REGISTRY);
  assert.equal(r.ok, false, 'expected errors');
  return (r as { errors: Parameters<typeof formatConfigError>[0][] }).errors.map(formatConfigError);
}

function enabled(config: NormlintConfig[], flags = {}): string[] {
  return [...resolveFileConfig(config.map((c) => ({ config: c })), flags, REGISTRY).enabled].sort();
}

describe('config: parsing and validation', () => {
  it('reads every key of normlint.toml', () => {
    const c = ok(`select = ["NL0"]
extend-select = ["NL013"]
ignore = ["missing-train"]
min-batch-size = 8
check-drop-last = false
assume-unknown-modules-normalize = true
exclude = ["legacy/"]
extend-exclude = ["gen_*.py"]

[severity]
NL003 = "warning"
missing-eval = "info"

[per-file-ignores]
"tests/*" = ["NL001"]
`);
    assert.deepEqual(c.select, ['NL0']);
    assert.deepEqual(c.extendSelect, ['NL013']);
    assert.deepEqual(c.ignore, ['missing-train']);
    assert.deepEqual(c.options, { minBatchSize: 8, checkDropLast: false, assumeUnknownModulesNormalize: true });
    assert.deepEqual(c.exclude, ['legacy/']);
    assert.deepEqual(c.extendExclude, ['gen_*.py']);
    assert.deepEqual(c.severity, { NL003: 'warning', NL001: 'info' });
    assert.deepEqual(c.perFileIgnores, [{ pattern: 'tests/*', selectors: ['NL001'] }]);
  });

  it('reads [tool.normlint] of pyproject.toml and ignores a pyproject without it', () => {
    const c = ok('[project]\nname = "x"\n\n[tool.normlint]\nignore = ["NL003"]\n', 'pyproject.toml');
    assert.deepEqual(c.ignore, ['NL003']);
    const none = parseConfig('[project]\nname = "x"\n[tool.ruff]\nline-length = 100\n', 'sub/pyproject.toml', REGISTRY);
    assert.deepEqual(none, { ok: true, config: null });
  });

  it('names file, line and key for an unknown key, with a suggestion', () => {
    assert.deepEqual(errors('select = ["NL001"]\n\nmin_batch_size = 8\n'), [
      'normlint.toml:3: unknown key `min_batch_size` (did you mean `min-batch-size`?)',
    ]);
    assert.deepEqual(errors('[tool.normlint]\nselct = ["NL001"]\n', 'pkg/pyproject.toml'), [
      'pkg/pyproject.toml:2: unknown key `selct` (did you mean `select`?)',
    ]);
    assert.deepEqual(errors('frobnicate = 1\n'), ['normlint.toml:1: unknown key `frobnicate`']);
  });

  it('reports bad values with their lines', () => {
    const text = `select = "NL001"
min-batch-size = 0
check-drop-last = "yes"
ignore = ["NL999"]
exclude = [1]

[severity]
NL001 = "fatal"
NL777 = "info"

[per-file-ignores]
"tests/*" = "NL001"
`;
    assert.deepEqual(errors(text), [
      'normlint.toml:1: `select` must be an array of rule selectors (strings), got the string "NL001"',
      'normlint.toml:2: `min-batch-size` must be an integer ≥ 1, got the integer 0',
      'normlint.toml:3: `check-drop-last` must be `true` or `false`, got the string "yes"',
      'normlint.toml:4: unknown rule selector `NL999` in `ignore`',
      'normlint.toml:5: `exclude` must be an array of gitignore-style patterns (strings), got an array',
      'normlint.toml:8: `severity.NL001` must be "error", "warning" or "info", got the string "fatal"',
      'normlint.toml:9: unknown rule selector `NL777` in `severity`',
      'normlint.toml:12: `per-file-ignores.tests/*` must be an array of rule selectors (strings), got the string "NL001"',
    ]);
  });

  it('reports float batch sizes and misspelled rule names', () => {
    assert.deepEqual(errors('min-batch-size = 2.5\n'), ['normlint.toml:1: `min-batch-size` must be an integer ≥ 1, got the float 2.5']);
    assert.deepEqual(errors('select = ["mising-eval"]\n'), [
      'normlint.toml:1: unknown rule selector `mising-eval` in `select` (did you mean `missing-eval`?)',
    ]);
  });

  it('reports TOML syntax errors with line and column', () => {
    const [e] = errors('select = ["NL001"]\nignore = [\n');
    assert.match(e, /^normlint\.toml:3:\d+: invalid TOML: /);
    const [dup] = errors('a = 1\na = 2\n');
    assert.match(dup, /^normlint\.toml:2:1: invalid TOML: /);
  });

  it('rejects a non-table tool.normlint', () => {
    assert.deepEqual(errors('[tool]\nnormlint = 3\n', 'pyproject.toml'), ['pyproject.toml:2: `tool.normlint` must be a table, got the integer 3']);
  });

  it('locates dotted and quoted keys', () => {
    const text = '[tool]\n"normlint".select = []\n[tool.normlint.severity]\nNL001 = "x"\n';
    assert.equal(locateKey(text, ['tool', 'normlint', 'select']), 2);
    assert.equal(locateKey(text, ['tool', 'normlint', 'severity', 'NL001']), 4);
    assert.equal(locateKey(text, ['tool', 'normlint', 'severity', 'NL002']), 3);
    assert.equal(locateKey(text, ['nothing']), null);
  });
});

describe('config: rule selection (Ruff semantics)', () => {
  it('defaults to the rules enabled by default', () => {
    assert.deepEqual(enabled([]), ['NL000', 'NL001', 'NL002', 'NL003', 'NL012']);
  });

  it('select replaces, extend-select adds, ignore removes', () => {
    assert.deepEqual(enabled([ok('select = ["NL001"]')]), ['NL001']);
    assert.deepEqual(enabled([ok('extend-select = ["NL013"]')]), ['NL000', 'NL001', 'NL002', 'NL003', 'NL012', 'NL013']);
    assert.deepEqual(enabled([ok('ignore = ["NL00"]')]), ['NL012']);
    assert.deepEqual(enabled([ok('select = ["ALL"]')]).length, REGISTRY.length);
  });

  it('more specific selectors win; ignore wins at equal specificity', () => {
    assert.deepEqual(enabled([ok('select = ["NL001"]\nignore = ["NL0"]')]), ['NL001']);
    assert.deepEqual(enabled([ok('select = ["NL0"]\nignore = ["NL001"]')]), ['NL000', 'NL002', 'NL003', 'NL012', 'NL013']);
    assert.deepEqual(enabled([ok('select = ["NL001"]\nignore = ["missing-eval"]')]), []);
  });

  it('CLI flags override the config', () => {
    const config = ok('select = ["NL001", "NL002"]\n');
    assert.deepEqual(enabled([config], { select: ['NL003'] }), ['NL003']);
    assert.deepEqual(enabled([config], { ignore: ['NL002'] }), ['NL001']);
    assert.deepEqual(enabled([config], { extendSelect: ['NL013'] }), ['NL001', 'NL002', 'NL013']);
    assert.deepEqual(enabled([ok('ignore = ["NL001"]')], { extendSelect: ['NL001'] }).includes('NL001'), true);
  });

  it('later layers override earlier ones; options and severities merge', () => {
    const a = ok('select = ["NL001"]\nmin-batch-size = 4\n[severity]\nNL001 = "info"\n');
    const b = ok('check-drop-last = false\n[severity]\nNL002 = "info"\n');
    const fc = resolveFileConfig([{ config: a }, { config: b }], {}, REGISTRY);
    assert.deepEqual([...fc.enabled], ['NL001']);
    assert.deepEqual(fc.options, { minBatchSize: 4, checkDropLast: false, assumeUnknownModulesNormalize: false });
    assert.deepEqual(fc.severity, { NL001: 'info', NL002: 'info' });
  });

  it('per-file-ignores match gitignore-style patterns relative to the config', () => {
    const c = ok('[per-file-ignores]\n"tests/*" = ["NL001"]\n"__init__.py" = ["NL00"]\n');
    const forPath = (relPath: string | undefined): string[] =>
      [...resolveFileConfig([{ config: c, relPath }], {}, REGISTRY).enabled].sort();
    assert.deepEqual(forPath('tests/test_a.py'), ['NL000', 'NL002', 'NL003', 'NL012']);
    // A pattern with a slash is anchored to the config's directory (gitignore semantics).
    assert.deepEqual(forPath('src/tests/test_a.py'), ['NL000', 'NL001', 'NL002', 'NL003', 'NL012']);
    assert.deepEqual(forPath('pkg/sub/__init__.py'), ['NL012']);
    assert.deepEqual(forPath('src/model.py'), ['NL000', 'NL001', 'NL002', 'NL003', 'NL012']);
    assert.deepEqual(forPath(undefined), ['NL000', 'NL001', 'NL002', 'NL003', 'NL012']);
  });

  it('validates CLI selector lists', () => {
    assert.deepEqual(parseSelectorList(['NL001,missing-train', ' NL0 '], '--select', REGISTRY), {
      ok: true,
      selectors: ['NL001', 'missing-train', 'NL0'],
    });
    const bad = parseSelectorList(['NL001,NL0099'], '--ignore', REGISTRY);
    assert.equal(bad.ok, false);
    assert.match((bad as { message: string }).message, /'NL0099' for '--ignore'/);
    assert.equal(expandSelector('nl00', REGISTRY)?.length, 4);
    assert.equal(expandSelector('N', REGISTRY), null);
  });
});
