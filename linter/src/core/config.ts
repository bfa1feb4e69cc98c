/**
 * normlint configuration: validation of one config file's TOML text, rule selection and the
 * resolution of the {@link FileConfig} of one file. Pure (no file system); discovery of config
 * files lives in the CLI (`linter/src/cli/config-files.ts`).
 *
 * Where settings live: `[tool.normlint]` in `pyproject.toml` (a `pyproject.toml` without that
 * table is not a normlint config), or the top level of `normlint.toml`. Keys (kebab-case):
 *
 * | key | type | meaning |
 * |---|---|---|
 * | `select` | rule selectors | replaces the enabled set |
 * | `extend-select` | rule selectors | adds to it |
 * | `ignore` | rule selectors | removes from it |
 * | `severity` | table selector → `"error"`/`"warning"`/`"info"` | severity overrides |
 * | `min-batch-size` | integer ≥ 1 | NL004 threshold |
 * | `check-drop-last` | bool | NL004's `drop_last` check |
 * | `assume-unknown-modules-normalize` | bool | treat unresolved modules as BatchNorm carriers |
 * | `exclude` | gitignore-style patterns | replaces the default excludes (like Ruff) |
 * | `extend-exclude` | gitignore-style patterns | adds to the excludes |
 * | `per-file-ignores` | table pattern → rule selectors | rules ignored for matching files |
 *
 * A rule selector is `ALL`, a code (`NL001`), a code prefix (`NL`, `NL0`, `NL00`) or a rule name
 * (`missing-eval`). Selection follows Ruff: layers apply in order (config file, then CLI flags);
 * a layer with `select` starts from nothing, otherwise from the previous layer's set; inside a
 * layer, selectors apply from the least to the most specific, and at equal specificity `ignore`
 * wins over `select`/`extend-select`.
 */
import { parse as parseToml, TomlError } from 'smol-toml';
import ignore from 'ignore';
import type { Severity } from './diagnostic';
import type { RuleMeta, RuleOptions } from './rule';
import { DEFAULT_RULE_OPTIONS } from './rule';
import type { FileConfig } from './engine';

/** One configuration problem, with the 1-based line (and column for TOML syntax errors). */
export interface ConfigError {
  /** The config file as the user should read it (e.g. `normlint.toml`, `sub/pyproject.toml`). */
  file: string;
  /** 1-based line, when it can be located. */
  line: number | null;
  /** 1-based column (TOML syntax errors only). */
  column?: number;
  message: string;
}

/** `file:line[:column]: message`: the text the CLI prints after `error: `. */
export function formatConfigError(e: ConfigError): string {
  const where = e.line == null ? e.file : e.column != null ? `${e.file}:${e.line}:${e.column}` : `${e.file}:${e.line}`;
  return `${where}: ${e.message}`;
}

/** The validated settings of one config file (selectors kept as written, codes upper-cased). */
export interface NormlintConfig {
  /** The config file (display name). */
  file: string;
  select?: string[];
  extendSelect?: string[];
  ignore?: string[];
  /** Rule code → severity (selectors expanded to codes). */
  severity: Record<string, Severity>;
  /** Only the options the file sets. */
  options: Partial<RuleOptions>;
  /** Replaces the default excludes when set. */
  exclude?: string[];
  extendExclude?: string[];
  /** In file order: a gitignore-style pattern (relative to the config's directory) → selectors. */
  perFileIgnores: Array<{ pattern: string; selectors: string[] }>;
}

/** Result of {@link parseConfig}: a config (or `null`: a pyproject.toml without `[tool.normlint]`) or errors. */
export type ParseConfigResult = { ok: true; config: NormlintConfig | null } | { ok: false; errors: ConfigError[] };

/** The keys a config may hold. */
export const CONFIG_KEYS = [
  'select',
  'extend-select',
  'ignore',
  'severity',
  'min-batch-size',
  'check-drop-last',
  'assume-unknown-modules-normalize',
  'exclude',
  'extend-exclude',
  'per-file-ignores',
] as const;

const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

/**
 * Expand one rule selector to rule codes, or `null` when it selects nothing in `registry`.
 * Codes and prefixes are case-insensitive; names are compared in lower case.
 */
export function expandSelector(selector: string, registry: readonly Pick<RuleMeta, 'code' | 'name'>[]): string[] | null {
  const s = selector.trim();
  if (s.toUpperCase() === 'ALL') return registry.map((r) => r.code);
  if (/^NL\d{0,3}$/i.test(s)) {
    const prefix = s.toUpperCase();
    const codes = registry.filter((r) => r.code.startsWith(prefix)).map((r) => r.code);
    return codes.length ? codes : null;
  }
  const byName = registry.find((r) => r.name === s.toLowerCase());
  return byName ? [byName.code] : null;
}

/** How specific a selector is: `ALL` 0, `NL` 1, `NL0` 2, `NL00` 3, a full code or a name 4. */
export function selectorSpecificity(selector: string): number {
  const s = selector.trim().toUpperCase();
  if (s === 'ALL') return 0;
  const m = /^NL(\d{0,3})$/.exec(s);
  return m ? 1 + m[1].length : 4;
}

/** Edit distance (insert/delete/substitute), for "did you mean" suggestions. */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/** The closest candidate to `word` (same spelling modulo case and `_`/`-`, or a small edit distance). */
export function suggest(word: string, candidates: readonly string[]): string | null {
  const norm = (s: string): string => s.toLowerCase().replace(/_/g, '-');
  const exact = candidates.find((c) => norm(c) === norm(word));
  if (exact) return exact;
  let best: string | null = null;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(norm(word), norm(c));
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== null && bestD <= Math.max(1, Math.min(3, Math.floor(word.length / 3))) ? best : null;
}

/** Split a TOML key path (`tool.normlint."per-file-ignores"`) into segments. */
function splitKeyPath(raw: string): string[] | null {
  const segs: string[] = [];
  const re = /\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*(\.|$)/y;
  let p = 0;
  while (p < raw.length) {
    re.lastIndex = p;
    const m = re.exec(raw);
    if (!m) return null;
    segs.push(m[1] ?? m[2] ?? m[3]);
    p = re.lastIndex;
    if (m[4] === '') break;
  }
  return segs;
}

/**
 * The 1-based line that defines the key at `path` (e.g. `['tool', 'normlint', 'select']`), found
 * by reading table headers and `key =` lines; when the key itself cannot be found (inline
 * tables, multi-line values), the line of its nearest located ancestor; `null` if none.
 */
export function locateKey(text: string, path: readonly string[]): number | null {
  const lines = text.split(/\r\n|\n|\r/);
  let table: string[] = [];
  let best: { line: number; depth: number } | null = null;
  const consider = (full: string[], line: number): void => {
    let depth = 0;
    while (depth < full.length && depth < path.length && full[depth] === path[depth]) depth++;
    if (depth === full.length && depth > 0 && (!best || depth > best.depth)) best = { line, depth };
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const header = /^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$/.exec(line);
    if (header) {
      table = splitKeyPath(header[1]) ?? [];
      consider(table, i + 1);
      continue;
    }
    const kv = /^\s*((?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_.\s'"-])+?)\s*=/.exec(line);
    if (kv) {
      const key = splitKeyPath(kv[1]);
      if (key) consider([...table, ...key], i + 1);
    }
  }
  return (best as { line: number } | null)?.line ?? null;
}

function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function typeName(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v === null || v === undefined) return 'nothing';
  if (isTable(v)) return 'a table';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  if (typeof v === 'number') return Number.isInteger(v) ? `the integer ${v}` : `the float ${v}`;
  if (typeof v === 'boolean') return `the boolean ${v}`;
  return 'a date';
}

/**
 * Parse and validate one config file.
 *
 * @param text the file's TOML text.
 * @param fileName how to name the file in errors; its base name decides the layout:
 *   `pyproject.toml` reads `[tool.normlint]` (absent → `{ok: true, config: null}`), anything
 *   else (`normlint.toml`) reads the top level.
 * @param registry the known rules (to validate selectors and severity keys).
 * @returns the validated config, or every error found (TOML syntax errors stop validation).
 */
export function parseConfig(text: string, fileName: string, registry: readonly RuleMeta[]): ParseConfigResult {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof TomlError) {
      const msg = e.message.split('\n')[0].replace(/^Invalid TOML document:\s*/, '');
      return { ok: false, errors: [{ file: fileName, line: e.line, column: e.column, message: `invalid TOML: ${msg}` }] };
    }
    return { ok: false, errors: [{ file: fileName, line: null, message: `invalid TOML: ${String(e)}` }] };
  }
  const isPyproject = /(^|[\\/])pyproject\.toml$/.test(fileName);
  const base: string[] = isPyproject ? ['tool', 'normlint'] : [];
  let table: unknown = doc;
  for (const seg of base) table = isTable(table) ? table[seg] : undefined;
  if (table === undefined) return { ok: true, config: isPyproject ? null : emptyConfig(fileName) };

  const errors: ConfigError[] = [];
  const err = (keyPath: string[], message: string): void => {
    errors.push({ file: fileName, line: locateKey(text, [...base, ...keyPath]), message });
  };
  if (!isTable(table)) {
    err([], `\`${base.join('.')}\` must be a table, got ${typeName(table)}`);
    return { ok: false, errors };
  }

  const config = emptyConfig(fileName);
  const selectors = (key: string, value: unknown, keyPath: string[] = [key]): string[] | undefined => {
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
      err(keyPath, `\`${keyPath.join('.')}\` must be an array of rule selectors (strings), got ${typeName(value)}`);
      return undefined;
    }
    const out: string[] = [];
    for (const s of value as string[]) {
      if (expandSelector(s, registry) === null) {
        const hint = suggest(s, registry.flatMap((r) => [r.code, r.name]));
        err(keyPath, `unknown rule selector \`${s}\` in \`${keyPath.join('.')}\`${hint ? ` (did you mean \`${hint}\`?)` : ''}`);
      } else out.push(/^(all|nl\d{0,3})$/i.test(s.trim()) ? s.trim().toUpperCase() : s.trim().toLowerCase());
    }
    return out;
  };
  const patterns = (key: string, value: unknown): string[] | undefined => {
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
      err([key], `\`${key}\` must be an array of gitignore-style patterns (strings), got ${typeName(value)}`);
      return undefined;
    }
    return value as string[];
  };
  const bool = (key: string, value: unknown): boolean | undefined => {
    if (typeof value !== 'boolean') {
      err([key], `\`${key}\` must be \`true\` or \`false\`, got ${typeName(value)}`);
      return undefined;
    }
    return value;
  };

  for (const [key, value] of Object.entries(table)) {
    switch (key) {
      case 'select':
        config.select = selectors(key, value);
        break;
      case 'extend-select':
        config.extendSelect = selectors(key, value);
        break;
      case 'ignore':
        config.ignore = selectors(key, value);
        break;
      case 'exclude':
        config.exclude = patterns(key, value);
        break;
      case 'extend-exclude':
        config.extendExclude = patterns(key, value);
        break;
      case 'min-batch-size':
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
          err([key], `\`${key}\` must be an integer ≥ 1, got ${typeName(value)}`);
        } else config.options.minBatchSize = value;
        break;
      case 'check-drop-last': {
        const b = bool(key, value);
        if (b !== undefined) config.options.checkDropLast = b;
        break;
      }
      case 'assume-unknown-modules-normalize': {
        const b = bool(key, value);
        if (b !== undefined) config.options.assumeUnknownModulesNormalize = b;
        break;
      }
      case 'severity':
        if (!isTable(value)) {
          err([key], `\`severity\` must be a table of rule → "error" | "warning" | "info", got ${typeName(value)}`);
          break;
        }
        for (const [sel, level] of Object.entries(value)) {
          const codes = expandSelector(sel, registry);
          if (codes === null) {
            const hint = suggest(sel, registry.flatMap((r) => [r.code, r.name]));
            err([key, sel], `unknown rule selector \`${sel}\` in \`severity\`${hint ? ` (did you mean \`${hint}\`?)` : ''}`);
          } else if (typeof level !== 'string' || !(SEVERITIES as string[]).includes(level)) {
            err([key, sel], `\`severity.${sel}\` must be "error", "warning" or "info", got ${typeName(level)}`);
          } else for (const c of codes) config.severity[c] = level as Severity;
        }
        break;
      case 'per-file-ignores':
        if (!isTable(value)) {
          err([key], `\`per-file-ignores\` must be a table of pattern → rule selectors, got ${typeName(value)}`);
          break;
        }
        for (const [pattern, sels] of Object.entries(value)) {
          const list = selectors(pattern, sels, [key, pattern]);
          if (list) config.perFileIgnores.push({ pattern, selectors: list });
        }
        break;
      default: {
        const hint = suggest(key, CONFIG_KEYS);
        err([key], `unknown key \`${key}\`${hint ? ` (did you mean \`${hint}\`?)` : ''}`);
      }
    }
  }
  if (errors.length) return { ok: false, errors: errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)) };
  return { ok: true, config };
}

function emptyConfig(file: string): NormlintConfig {
  return { file, severity: {}, options: {}, perFileIgnores: [] };
}

/** Rule selection given on the command line (`--select`, `--extend-select`, `--ignore`). */
export interface SelectionFlags {
  select?: readonly string[];
  extendSelect?: readonly string[];
  ignore?: readonly string[];
}

/** A config that applies to a file, with the file's path relative to the config's directory. */
export interface ConfigLayer {
  config: NormlintConfig;
  /**
   * The file's path relative to the directory `per-file-ignores` patterns are relative to,
   * with `/` separators; `undefined` when the file is outside it (patterns do not apply).
   */
  relPath?: string;
}

/** Apply one layer of selectors (Ruff's `RuleSelection`) to `current`. */
function applySelection(current: ReadonlySet<string>, layer: SelectionFlags, registry: readonly RuleMeta[]): Set<string> {
  const next = layer.select !== undefined ? new Set<string>() : new Set(current);
  const adds = [...(layer.select ?? []), ...(layer.extendSelect ?? [])];
  const removes = layer.ignore ?? [];
  for (let spec = 0; spec <= 4; spec++) {
    for (const s of adds) if (selectorSpecificity(s) === spec) for (const c of expandSelector(s, registry) ?? []) next.add(c);
    for (const s of removes) if (selectorSpecificity(s) === spec) for (const c of expandSelector(s, registry) ?? []) next.delete(c);
  }
  return next;
}

const matchers = new Map<string, ReturnType<typeof ignore>>();
/** A compiled gitignore-style matcher for one pattern (memoized). */
function patternMatcher(pattern: string): ReturnType<typeof ignore> {
  let m = matchers.get(pattern);
  if (!m) matchers.set(pattern, (m = ignore().add(pattern)));
  return m;
}

/**
 * The configuration of one file.
 *
 * @param layers the configs that apply, outermost first (the CLI passes the nearest config
 *   only, like Ruff, or the `--config` file); later layers override earlier ones.
 * @param flags CLI selection flags, applied after every config layer.
 * @param registry all rules; the default set is those with `enabledByDefault`.
 */
export function resolveFileConfig(layers: readonly ConfigLayer[], flags: SelectionFlags, registry: readonly RuleMeta[]): FileConfig {
  let enabled: Set<string> = new Set(registry.filter((r) => r.enabledByDefault).map((r) => r.code));
  const severity: Record<string, Severity> = {};
  const options: RuleOptions = { ...DEFAULT_RULE_OPTIONS };
  for (const { config } of layers) {
    enabled = applySelection(enabled, config, registry);
    Object.assign(severity, config.severity);
    Object.assign(options, config.options);
  }
  enabled = applySelection(enabled, flags, registry);
  for (const { config, relPath } of layers) {
    if (relPath === undefined || relPath === '' || relPath.startsWith('..')) continue;
    for (const { pattern, selectors } of config.perFileIgnores) {
      if (!patternMatcher(pattern).ignores(relPath)) continue;
      for (const s of selectors) for (const c of expandSelector(s, registry) ?? []) enabled.delete(c);
    }
  }
  return { enabled, severity, options };
}

/**
 * Validate CLI selectors (`--select NL001,missing-train`): split on commas, trim, expand.
 * @returns the selectors, or an error message naming the first unknown one.
 */
export function parseSelectorList(values: readonly string[], flag: string, registry: readonly RuleMeta[]): { ok: true; selectors: string[] } | { ok: false; message: string } {
  const out: string[] = [];
  for (const v of values.flatMap((x) => x.split(','))) {
    const s = v.trim();
    if (!s) continue;
    if (expandSelector(s, registry) === null) {
      const hint = suggest(s, registry.flatMap((r) => [r.code, r.name]));
      return { ok: false, message: `invalid value '${s}' for '${flag}': unknown rule selector${hint ? ` (did you mean \`${hint}\`?)` : ''}` };
    }
    out.push(s);
  }
  return { ok: true, selectors: out };
}
