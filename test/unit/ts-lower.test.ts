import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { initParser, parseTs } from '../helpers/grammars';
import { lowerTypeScript, moduleOf, snakeCase } from '../../linter/src/model/ts/lower';
import type {
  AssignStmt,
  AttrExpr,
  BlockStmt,
  CallExpr,
  ClassStmt,
  Expr,
  ExprStmt,
  ForStmt,
  FuncStmt,
  IfStmt,
  ImportFact,
  LambdaExpr,
  NameExpr,
  NumExpr,
  OtherExpr,
  PyFile,
  ReturnStmt,
  SimpleStmt,
  Stmt,
  TryStmt,
  WhileStmt,
} from '../../linter/src/model/python/ir';
import type { Span } from '../../linter/src/core/diagnostic';

type Lang = 'typescript' | 'tsx' | 'javascript';

/** Parses and lowers `src`, which must parse without errors. */
function lower(src: string, lang: Lang = 'typescript'): PyFile {
  const ir = parseTs(src, lang);
  assert.deepEqual(ir.errors, [], `unexpected syntax errors in ${JSON.stringify(src)}`);
  assert.equal(ir.lang, 'ts');
  return ir;
}

/** The only (or `i`-th) module-level statement of `src`. */
function stmt<T extends Stmt>(src: string, i = 0, lang: Lang = 'typescript'): T {
  return lower(src, lang).body[i] as T;
}

/** The expression of the expression statement `src`. */
function expr<T extends Expr>(src: string, lang: Lang = 'typescript'): T {
  const s = stmt<ExprStmt>(src, 0, lang);
  assert.equal(s.k, 'expr', `not an expression statement: ${JSON.stringify(s)}`);
  return s.value as T;
}

function text(src: string, span: Span): string {
  return src.slice(span.start, span.end);
}

/** A compact rendering of an expression, for readable assertions. */
function show(e: Expr | null): string {
  if (e === null) return 'null';
  switch (e.k) {
    case 'name': return e.id;
    case 'attr': return `${show(e.obj)}.${e.attr}`;
    case 'call': {
      const args = [...e.args.map(show), ...e.kwargs.map((k) => `${k.name}=${show(k.value)}`), ...e.doubleStar.map((d) => `**${show(d)}`)];
      return `${show(e.fn)}(${args.join(', ')})`;
    }
    case 'num': return `${e.value}`;
    case 'str': return JSON.stringify(e.value);
    case 'bool': return e.value ? 'True' : 'False';
    case 'none': return 'None';
    case 'bin': return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case 'unary': return `(${e.op} ${show(e.operand)})`;
    case 'boolop': return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case 'compare': return `(${e.operands.map((o, i) => (i === 0 ? show(o) : `${e.ops[i - 1]} ${show(o)}`)).join(' ')})`;
    case 'list': return `[${e.elts.map(show).join(', ')}]`;
    case 'tuple': return `tuple(${e.elts.map(show).join(', ')})`;
    case 'set': return `{${e.elts.map(show).join(', ')}}`;
    case 'dict': return `{${e.keys.map((k, i) => (k === null ? `**${show(e.values[i])}` : `${show(k)}: ${show(e.values[i])}`)).join(', ')}}`;
    case 'subscript': return `${show(e.obj)}[${show(e.index)}]`;
    case 'lambda': return `lambda ${e.params.map((p) => p.name).join(', ')}: ${show(e.body)}`;
    case 'cond': return `(${show(e.body)} if ${show(e.test)} else ${show(e.orelse)})`;
    case 'star': return `*${show(e.value)}`;
    case 'other': return `<${e.kind}${e.parts.length > 0 ? ' ' + e.parts.map(show).join(' ') : ''}>`;
  }
}

/** A compact rendering of statements, one line each, nested bodies indented. */
function render(body: Stmt[], indent = ''): string[] {
  const out: string[] = [];
  const nested = (b: Stmt[]): void => {
    out.push(...render(b, indent + '  '));
  };
  for (const s of body) {
    switch (s.k) {
      case 'assign': out.push(`${indent}${s.targets.map(show).join(' = ')} ${s.op ?? '='} ${show(s.value)}`); break;
      case 'expr': out.push(`${indent}${show(s.value)}`); break;
      case 'if':
        out.push(`${indent}if ${show(s.test)}:`);
        nested(s.body);
        if (s.orelse.length > 0) {
          out.push(`${indent}else:`);
          nested(s.orelse);
        }
        break;
      case 'for': out.push(`${indent}${s.isAsync ? 'async ' : ''}for ${show(s.target)} in ${show(s.iter)}:`); nested(s.body); break;
      case 'while': out.push(`${indent}while ${show(s.test)}:`); nested(s.body); break;
      case 'with': out.push(`${indent}with ${s.items.map((i) => show(i.ctx)).join(', ')}:`); nested(s.body); break;
      case 'try':
        out.push(`${indent}try:`);
        nested(s.body);
        for (const h of s.handlers) {
          out.push(`${indent}except ${h.name ?? '_'}:`);
          nested(h.body);
        }
        if (s.finalbody.length > 0) {
          out.push(`${indent}finally:`);
          nested(s.finalbody);
        }
        break;
      case 'return': out.push(`${indent}return ${show(s.value)}`); break;
      case 'func': {
        const d = s.def;
        const params = d.params.map((p) => `${p.kind === 'varargs' ? '*' : ''}${p.name}${p.default ? '=' + show(p.default) : ''}`);
        out.push(`${indent}${d.decorators.map((x) => '@' + show(x) + ' ').join('')}${d.isAsync ? 'async ' : ''}def ${d.name}(${params.join(', ')}):`);
        nested(d.body);
        break;
      }
      case 'class':
        out.push(`${indent}${s.def.decorators.map((x) => '@' + show(x) + ' ').join('')}class ${s.def.name}(${s.def.bases.map(show).join(', ')}):`);
        nested(s.def.body);
        break;
      case 'import': {
        const i = s.imp;
        out.push(`${indent}import ${'.'.repeat(i.level)}${i.module}${i.name === null ? '' : ' : ' + i.name}${i.asname === null ? '' : ' as ' + i.asname}`);
        break;
      }
      case 'simple': out.push(`${indent}${s.kind}${s.exprs.length > 0 ? ' ' + s.exprs.map(show).join(', ') : ''}`); break;
      case 'block':
        out.push(`${indent}block ${s.kind}${s.exprs.length > 0 ? ' ' + s.exprs.map(show).join(', ') : ''}:`);
        for (const b of s.bodies) {
          out.push(`${indent}  case:`);
          out.push(...render(b, indent + '    '));
        }
        break;
    }
  }
  return out;
}

function imports(src: string, lang: Lang = 'typescript'): Omit<ImportFact, 'span'>[] {
  return lower(src, lang).body.map((s) => {
    assert.equal(s.k, 'import', `not an import: ${JSON.stringify(s)}`);
    const { span: _span, ...rest } = s.imp;
    return rest;
  });
}

function imp(module: string, name: string | null, asname: string | null, level = 0): Omit<ImportFact, 'span'> {
  return { module, name, asname, level };
}

/** Every expression in the IR (depth-first), to look for a node anywhere. */
function allExprs(ir: PyFile): Expr[] {
  const out: Expr[] = [];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.k === 'string' && 'span' in o && !('def' in o) && !('imp' in o) && !isStmt(o)) out.push(o as unknown as Expr);
      Object.values(o).forEach(visit);
    }
  };
  visit(ir.body);
  return out;
}

function isStmt(o: Record<string, unknown>): boolean {
  return ['assign', 'expr', 'if', 'for', 'while', 'with', 'try', 'return', 'func', 'class', 'import', 'simple', 'block'].includes(o.k as string);
}

/** Every span in the IR (and whether it lies within the text). */
function allSpans(v: unknown, out: Span[] = []): Span[] {
  if (Array.isArray(v)) v.forEach((x) => allSpans(x, out));
  else if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.start === 'number' && typeof o.end === 'number' && Object.keys(o).length === 2) out.push(o as unknown as Span);
    else Object.values(o).forEach((x) => allSpans(x, out));
  }
  return out;
}

describe('lowerTypeScript', () => {
  before(initParser);

  describe('imports', () => {
    it('maps the tfjs packages to `tfjs` and tfjs-data to `tfjs.data`', () => {
      const src = [
        "import * as tf from '@tensorflow/tfjs';",
        "import tfn from '@tensorflow/tfjs-node';",
        "import * as gpu from '@tensorflow/tfjs-node-gpu';",
        "import {layers, sequential as seq} from '@tensorflow/tfjs-layers';",
        "import * as tfc from '@tensorflow/tfjs-core';",
        "import {array, generator as gen} from '@tensorflow/tfjs-data';",
        '',
      ].join('\n');
      assert.deepEqual(imports(src), [
        imp('tfjs', null, 'tf'),
        imp('tfjs', null, 'tfn'),
        imp('tfjs', null, 'gpu'),
        imp('tfjs', 'layers', null),
        imp('tfjs', 'sequential', 'seq'),
        imp('tfjs', null, 'tfc'),
        imp('tfjs.data', 'array', null),
        imp('tfjs.data', 'generator', 'gen'),
      ]);
    });

    it('lowers a default import together with named ones, one stmt per binding with the statement span', () => {
      const src = "import tf, {layers as L} from '@tensorflow/tfjs';\n";
      const body = lower(src).body;
      assert.deepEqual(body.map((s) => (s.k === 'import' ? { ...s.imp, span: text(src, s.imp.span) } : null)), [
        { module: 'tfjs', name: null, asname: 'tf', level: 0, span: 'tf' },
        { module: 'tfjs', name: 'layers', asname: 'L', level: 0, span: 'layers as L' },
      ]);
      assert.ok(body.every((s) => text(src, s.span) === src.trim()));
    });

    it('lowers require() like the namespace and named imports', () => {
      const src = [
        "const tf = require('@tensorflow/tfjs-node');",
        "const {layers, sequential: seq} = require('@tensorflow/tfjs');",
        "var data = require('@tensorflow/tfjs-data');",
        "const dense = require('@tensorflow/tfjs').layers;",
        "const net = require('./net');",
        '',
      ].join('\n');
      assert.deepEqual(imports(src, 'javascript'), [
        imp('tfjs', null, 'tf'),
        imp('tfjs', 'layers', null),
        imp('tfjs', 'sequential', 'seq'),
        imp('tfjs.data', null, 'data'),
        imp('tfjs', 'layers', 'dense'),
        imp('net', null, 'net', 1),
      ]);
      const ir = lower(src, 'javascript');
      assert.equal(text(src, ir.body[0].span), "const tf = require('@tensorflow/tfjs-node');");
      assert.equal(text(src, (ir.body[0] as { imp: ImportFact }).imp.span), 'tf');
      assert.equal(text(src, (ir.body[2] as { imp: ImportFact }).imp.span), 'sequential: seq');
    });

    it('lowers TypeScript `import x = require(...)`', () => {
      assert.deepEqual(imports("import tf = require('@tensorflow/tfjs');\n"), [imp('tfjs', null, 'tf')]);
    });

    it('computes relative module names and levels', () => {
      assert.deepEqual(imports("import {Model} from './model';\n"), [imp('model', 'Model', null, 1)]);
      assert.deepEqual(imports("import {Net} from '../lib/net.js';\n"), [imp('lib.net', 'Net', null, 2)]);
      assert.deepEqual(imports("import * as u from '../../utils/generic_utils.mjs';\n"), [imp('utils.generic_utils', null, 'u', 3)]);
      assert.deepEqual(imports("import {a} from '.';\nimport {b} from './';\nimport {c} from '..';\n"), [
        imp('', 'a', null, 1),
        imp('', 'b', null, 1),
        imp('', 'c', null, 2),
      ]);
      assert.deepEqual(imports("import _ from 'lodash';\nimport {x} from '@foo/bar-baz';\n"), [imp('lodash', null, '_'), imp('@foo/bar-baz', 'x', null)]);
      for (const ext of ['js', 'ts', 'mjs', 'cjs', 'jsx', 'tsx', 'mts', 'cts']) assert.deepEqual(moduleOf(`./a/b.${ext}`), { module: 'a.b', level: 1 });
      assert.deepEqual(moduleOf('./a/b.json'), { module: 'a.b.json', level: 1 });
    });

    it('lowers re-exports from other modules as imports', () => {
      const src = "export {a, b as c} from './x';\nexport * from '../y';\nexport * as ns from './z';\n";
      assert.deepEqual(imports(src), [imp('x', 'a', null, 1), imp('x', 'b', 'c', 1), imp('y', '*', null, 2), imp('z', null, 'ns', 1)]);
    });

    it('drops type-only and side-effect imports', () => {
      const src = "import type {Tensor} from '@tensorflow/tfjs';\nimport {type Rank, tensor} from '@tensorflow/tfjs';\nimport './polyfill';\nexport type {T} from './t';\n";
      assert.deepEqual(imports(src), [imp('tfjs', 'tensor', null)]);
    });
  });

  describe('the config-object rule', () => {
    it('lowers tf.sequential with nested layers and camelCase options as keywords', () => {
      const src = 'const model = tf.sequential({layers: [tf.layers.dense({units: 8, inputShape: [4], useBias: true}), tf.layers.batchNormalization()]});\n';
      const a = stmt<AssignStmt>(src);
      assert.equal(a.k, 'assign');
      assert.equal(show(a.targets[0]), 'model');
      assert.equal(show(a.value), 'tf.sequential(layers=[tf.layers.dense(units=8, input_shape=[4], use_bias=True), tf.layers.batchNormalization()])');
      assert.equal(text(src, a.span), src.trim());
      const seq = a.value as CallExpr;
      assert.deepEqual(seq.args, []);
      assert.equal(text(src, seq.config!), src.slice(src.indexOf('{layers'), src.lastIndexOf('}') + 1));
      assert.equal(text(src, seq.argsSpan), src.slice(src.indexOf('({layers'), src.lastIndexOf(')') + 1));
      assert.deepEqual([seq.kwargs[0].name, seq.kwargs[0].raw], ['layers', 'layers']);
      const dense = (seq.kwargs[0].value as { elts: Expr[] }).elts[0] as CallExpr;
      assert.deepEqual(dense.kwargs.map((k) => [k.name, k.raw, text(src, k.span), text(src, k.value.span)]), [
        ['units', 'units', 'units: 8', '8'],
        ['input_shape', 'inputShape', 'inputShape: [4]', '[4]'],
        ['use_bias', 'useBias', 'useBias: true', 'true'],
      ]);
      assert.equal(text(src, dense.config!), '{units: 8, inputShape: [4], useBias: true}');
      assert.equal(text(src, dense.span), 'tf.layers.dense({units: 8, inputShape: [4], useBias: true})');
      assert.equal(text(src, (dense.fn as AttrExpr).attrSpan), 'dense');
      const bn = (seq.kwargs[0].value as { elts: Expr[] }).elts[1] as CallExpr;
      assert.equal(bn.config, undefined);
      assert.equal(text(src, bn.argsSpan), '()');
    });

    it('lowers model.add and shorthand properties', () => {
      const src = 'model.add(tf.layers.conv2d({filters, kernelSize: 3, returnSequences: false}));\n';
      const call = expr<CallExpr>(src);
      assert.equal(show(call), 'model.add(tf.layers.conv2d(filters=filters, kernel_size=3, return_sequences=False))');
      const inner = call.args[0] as CallExpr;
      assert.equal(text(src, inner.kwargs[0].span), 'filters');
      assert.equal(text(src, inner.kwargs[0].value.span), 'filters');
      assert.equal(inner.kwargs[0].raw, 'filters');
      const m = expr<CallExpr>('tf.model({inputs, outputs: out});\n');
      assert.equal(show(m), 'tf.model(inputs=inputs, outputs=out)');
      assert.equal(m.kwargs[0].value.k, 'name');
    });

    it('uses string-literal keys, keeps spreads as **, skips computed keys into ** and hoists methods', () => {
      const src = "f(x, {'useBias': false, \"epsilon\": 1e-3, ...rest, [key]: 1, onX(a) { return g(a); }},);\n";
      const ir = lower(src);
      assert.deepEqual(render(ir.body), [
        'def $fn' + src.indexOf('onX') + '(a):',
        '  return g(a)',
        'f(x, use_bias=False, epsilon=0.001, on_x=$fn' + src.indexOf('onX') + ', **rest, **<computed_property_name key 1>)',
      ]);
      const call = (ir.body[1] as ExprStmt).value as CallExpr;
      assert.deepEqual(call.kwargs.map((k) => k.raw), ['useBias', 'epsilon', 'onX']);
      assert.equal(text(src, call.kwargs[0].span), "'useBias': false");
      assert.equal(text(src, call.config!), src.slice(src.indexOf('{'), src.lastIndexOf('}') + 1));
      assert.equal(text(src, call.argsSpan), src.slice(1, src.lastIndexOf(')') + 1));
    });

    it('makes other object literals dicts with string keys', () => {
      assert.equal(show(expr('f({a: 1}, x);\n')), 'f({"a": 1}, x)');
      assert.equal(show(expr('g({a: 1, b, ...c, "d-e": 2, 3: 4, [k]: v}, 0);\n')), 'g({"a": 1, "b": b, **c, "d-e": 2, 3: 4, k: v}, 0)');
      const a = stmt<AssignStmt>('const o = {units: 4, useBias};\n');
      assert.equal(show(a.value), '{"units": 4, "useBias": useBias}');
      assert.equal(show(expr('f({a: 1}, {b: 2});\n')), 'f({"a": 1}, b=2)');
      assert.equal(show(expr('f(({a: 1}));\n')), 'f({"a": 1})');
    });

    it('converts camelCase to snake_case the Keras way', () => {
      const cases: [string, string][] = [
        ['useBias', 'use_bias'], ['batchSize', 'batch_size'], ['inputShape', 'input_shape'],
        ['returnSequences', 'return_sequences'], ['kernelSize', 'kernel_size'], ['epsilon', 'epsilon'],
        ['batchInputShape', 'batch_input_shape'], ['movingMeanInitializer', 'moving_mean_initializer'],
        ['dataFormat', 'data_format'], ['already_snake', 'already_snake'], ['inputDType', 'input_d_type'],
      ];
      for (const [camel, snake] of cases) assert.equal(snakeCase(camel), snake, camel);
    });
  });

  describe('the apply rule', () => {
    it('calls the layer itself for X.apply(...)', () => {
      const src = 'const outputs = tf.layers.dense({units: 4}).apply(input);\n';
      const a = stmt<AssignStmt>(src);
      assert.equal(show(a.value), 'tf.layers.dense(units=4)(input)');
      const call = a.value as CallExpr;
      assert.equal(call.fn.k, 'call');
      assert.equal(text(src, call.span), 'tf.layers.dense({units: 4}).apply(input)');
      assert.equal(text(src, call.argsSpan), '(input)');
      assert.equal(text(src, call.fn.span), 'tf.layers.dense({units: 4})');
    });

    it('turns the kwargs object of apply into keywords', () => {
      const src = 'const y = model.apply(x, {training: true});\n';
      const call = stmt<AssignStmt>(src).value as CallExpr;
      assert.equal(show(call), 'model(x, training=True)');
      assert.equal(call.fn.k, 'name');
      assert.deepEqual(call.kwargs.map((k) => [k.name, k.raw]), [['training', 'training']]);
      assert.equal(text(src, call.span), 'model.apply(x, {training: true})');
      assert.equal(text(src, call.config!), '{training: true}');
    });

    it('passes a non-literal second argument as **kwargs and leaves apply() without arguments alone', () => {
      assert.equal(show(expr('this.bn.apply(inputs, kwargs);\n')), 'self.bn(inputs, **kwargs)');
      assert.equal(show(expr('layer.apply();\n')), 'layer.apply()');
      assert.equal(show(expr('f.apply(null, [1, 2], x);\n')), 'f(None, [1, 2], x)');
    });
  });

  describe('model training calls', () => {
    it('lowers model.fit with its config and unwraps await', () => {
      const src = 'await model.fit(xs, ys, {batchSize: 4, epochs: 3});\n';
      const s = stmt<ExprStmt>(src);
      assert.equal(show(s.value), 'model.fit(xs, ys, batch_size=4, epochs=3)');
      assert.equal(text(src, s.span), src.trim());
      assert.equal(text(src, s.value.span), 'model.fit(xs, ys, {batchSize: 4, epochs: 3})');
      const h = stmt<AssignStmt>('const h = await model.fitDataset(ds, {epochs: 5});\n');
      assert.equal(show(h.value), 'model.fitDataset(ds, epochs=5)');
    });

    it('hoists fit callbacks written as async arrows', () => {
      const src = 'await model.fit(xs, ys, {epochs: 3, callbacks: {onEpochEnd: async (epoch, logs) => { console.log(logs.loss); }}});\n';
      const ir = lower(src);
      const at = src.indexOf('async (');
      assert.deepEqual(render(ir.body), [
        `async def $fn${at}(epoch, logs):`,
        '  console.log(logs.loss)',
        `model.fit(xs, ys, epochs=3, callbacks={"onEpochEnd": $fn${at}})`,
      ]);
      const fn = ir.body[0] as FuncStmt;
      assert.equal(fn.def.isAsync, true);
      assert.equal(text(src, fn.span), src.slice(at, src.indexOf('}}}') + 1));
    });
  });

  describe('hoisted functions', () => {
    it('hoists a callback before its statement and names it after its offset', () => {
      const src = 'optimizer.minimize(() => {\n  const y = model.apply(x, {training: false});\n  return loss(y);\n});\n';
      const ir = lower(src);
      const at = src.indexOf('() =>');
      assert.deepEqual(render(ir.body), [
        `def $fn${at}():`,
        '  y = model(x, training=False)',
        '  return loss(y)',
        `optimizer.minimize($fn${at})`,
      ]);
      const f = ir.body[0] as FuncStmt;
      assert.equal(f.def.name, `$fn${at}`);
      assert.equal(text(src, f.span), src.slice(at, src.lastIndexOf('}') + 1));
      assert.equal(text(src, f.def.headerSpan), '() => {');
      assert.equal(text(src, { start: f.def.bodyStart, end: f.def.bodyStart + 5 }), 'const');
      assert.equal(f.def.bodyIndent, '  ');
      const arg = ((ir.body[1] as ExprStmt).value as CallExpr).args[0] as NameExpr;
      assert.deepEqual(arg, { k: 'name', id: `$fn${at}`, span: f.span });
    });

    it('hoists inner callbacks inside the hoisted body, in source order', () => {
      const src = 'xs.forEach(x => { f(() => { g(x); }); });\ntf.tidy(() => { a(); }, () => { b(); });\n';
      const ir = lower(src);
      const o = src.indexOf('x =>');
      const i = src.indexOf('() => { g');
      const a = src.indexOf('() => { a');
      const b = src.indexOf('() => { b');
      assert.deepEqual(render(ir.body), [
        `def $fn${o}(x):`,
        `  def $fn${i}():`,
        '    g(x)',
        `  f($fn${i})`,
        `xs.forEach($fn${o})`,
        `def $fn${a}():`,
        '  a()',
        `def $fn${b}():`,
        '  b()',
        `tf.tidy($fn${a}, $fn${b})`,
      ]);
    });

    it('lowers expression-bodied arrows in expression position as lambdas', () => {
      const l = (expr<CallExpr>('tf.tidy(() => xs.map(x => x * 2));\n')).args[0] as LambdaExpr;
      assert.equal(show(l), 'lambda : xs.map(lambda x: (x * 2))');
      const two = expr<CallExpr>('f((a, b = 1, ...c) => a);\n').args[0] as LambdaExpr;
      assert.deepEqual(two.params.map((p) => [p.name, p.kind, show(p.default)]), [['a', 'plain', 'null'], ['b', 'plain', '1'], ['c', 'varargs', 'null']]);
    });

    it('hoists an expression-bodied arrow whose body needs hoisting itself', () => {
      const src = 'ys = xs.map(x => f(() => { g(x); }));\n';
      const o = src.indexOf('x =>');
      const i = src.indexOf('() =>');
      assert.deepEqual(render(lower(src).body), [
        `def $fn${o}(x):`,
        `  def $fn${i}():`,
        '    g(x)',
        `  return f($fn${i})`,
        `ys = xs.map($fn${o})`,
      ]);
    });

    it('hoists function expressions, object-literal methods and class expressions', () => {
      const src = 'x.onload = function () { run(); };\nconst cbs = {onTrainEnd() { done(); }};\nregister(class extends Base {});\n';
      const ir = lower(src);
      const f = src.indexOf('function');
      const m = src.indexOf('onTrainEnd');
      const k = src.indexOf('class');
      assert.deepEqual(render(ir.body), [
        `def $fn${f}():`,
        '  run()',
        `x.onload = $fn${f}`,
        `def $fn${m}():`,
        '  done()',
        `cbs = {"onTrainEnd": $fn${m}}`,
        `class $cls${k}(Base):`,
        `register($cls${k})`,
      ]);
    });

    it('hoists callbacks in compound statement headers before the statement, and in bodies before theirs', () => {
      const src = 'if (check(() => { a(); })) { run(() => { b(); }); }\n';
      const a = src.indexOf('() => { a');
      const b = src.indexOf('() => { b');
      assert.deepEqual(render(lower(src).body), [
        `def $fn${a}():`,
        '  a()',
        `if check($fn${a}):`,
        `  def $fn${b}():`,
        '    b()',
        `  run($fn${b})`,
      ]);
    });
  });

  describe('variables and assignments', () => {
    it('lowers each initialized declarator; the only one spans the statement', () => {
      const src = 'let a = 1, b, c = f();\nconst x: number = 2;\nvar y;\n';
      const ir = lower(src);
      assert.deepEqual(render(ir.body), ['a = 1', 'c = f()', 'x = 2']);
      assert.equal(text(src, ir.body[0].span), 'a = 1');
      assert.equal(text(src, ir.body[1].span), 'c = f()');
      assert.equal(text(src, ir.body[2].span), 'const x: number = 2;');
      assert.equal((ir.body[2] as AssignStmt).op, null);
    });

    it('lowers array and object destructuring', () => {
      const src = 'const [a, , ...b] = e;\nconst {c, d: e2, f = 1, g: {h}, ...rest} = obj;\n';
      const ir = lower(src);
      assert.deepEqual(render(ir.body), ['tuple(a, <hole>, *b) = e', 'c = obj.c', 'e2 = obj.d', 'f = (obj.f or 1)']);
      const c = ir.body[1] as AssignStmt;
      const attr = c.value as AttrExpr;
      assert.equal(text(src, attr.span), 'c');
      assert.equal(text(src, attr.attrSpan), 'c');
      assert.equal(text(src, ((ir.body[2] as AssignStmt).value as AttrExpr).span), 'd');
      assert.equal(text(src, c.span), src.split('\n')[1]);
    });

    it('lowers assignment statements, augmented assignments and updates', () => {
      const src = 'x = e;\nthis.x = e;\na.b += 2;\na.c **= 3;\nq ??= r;\ni++;\n--j;\nx = y = 3;\n[p, q] = [q, p];\n({u, v: w} = o);\n';
      const ir = lower(src);
      assert.deepEqual(render(ir.body), [
        'x = e', 'self.x = e', 'a.b += 2', 'a.c **= 3', 'q ??= r', 'i += 1', 'j -= 1', 'x = y = 3', 'tuple(p, q) = [q, p]', 'u = o.u', 'w = o.v',
      ]);
      const inc = ir.body[5] as AssignStmt;
      assert.deepEqual(inc.value, { k: 'num', value: 1, raw: '1', span: { start: src.indexOf('++'), end: src.indexOf('++') + 2 } });
      assert.equal(text(src, inc.span), 'i++;');
      assert.equal(text(src, ir.body[0].span), 'x = e;');
    });

    it('keeps assignments nested in expressions as `other`, and splits statement-level sequences', () => {
      assert.equal(show(expr('f(a = g());\n')), 'f(<assignment_expression a g()>)');
      assert.deepEqual(render(lower('a = 1, f(), i++;\n').body), ['a = 1', 'f()', 'i += 1']);
      assert.equal(show(expr('f((a, b));\n')), 'f(<sequence_expression a b>)');
    });
  });

  describe('functions', () => {
    it('lowers declarations, async and generator functions and their parameters', () => {
      const src = 'export async function train(model: tf.LayersModel, epochs = 2, opt?: string, ...rest: number[]): Promise<void> {\n    await model.fit(x, y, {epochs});\n}\nfunction* gen() { yield 1; }\n';
      const ir = lower(src);
      assert.deepEqual(render(ir.body), [
        'async def train(model, epochs=2, opt, *rest):',
        '  model.fit(x, y, epochs=epochs)',
        'def gen():',
        '  <yield_expression 1>',
      ]);
      const f = (ir.body[0] as FuncStmt).def;
      assert.equal(text(src, f.span), src.slice(0, src.indexOf('}\n') + 1));
      assert.equal(text(src, f.nameSpan), 'train');
      assert.equal(text(src, f.headerSpan), src.slice(src.indexOf('async'), src.indexOf('{\n') + 1));
      assert.equal(f.bodyStart, src.indexOf('await'));
      assert.equal(f.bodyIndent, '    ');
      assert.deepEqual(f.params.map((p) => [p.name, p.kind, p.annotation, text(src, p.span)]), [
        ['model', 'plain', null, 'model: tf.LayersModel'],
        ['epochs', 'plain', null, 'epochs = 2'],
        ['opt', 'plain', null, 'opt?: string'],
        ['rest', 'varargs', null, '...rest: number[]'],
      ]);
      assert.deepEqual(f.decorators, []);
      assert.equal((ir.body[1] as FuncStmt).def.isAsync, false);
    });

    it('lowers functions bound by const, with the const statement as span', () => {
      const src = 'const build = (units) => {\n  return tf.layers.dense({units});\n};\nconst twice = x => x * 2;\nexport const make = async function (a) { return a; };\n';
      const ir = lower(src);
      assert.deepEqual(render(ir.body), [
        'def build(units):',
        '  return tf.layers.dense(units=units)',
        'def twice(x):',
        '  return (x * 2)',
        'async def make(a):',
        '  return a',
      ]);
      const build = (ir.body[0] as FuncStmt).def;
      assert.equal(text(src, build.span), 'const build = (units) => {\n  return tf.layers.dense({units});\n};');
      assert.equal(text(src, ir.body[0].span), text(src, build.span));
      assert.equal(text(src, build.nameSpan), 'build');
      assert.equal(text(src, build.headerSpan), 'const build = (units) => {');
      assert.equal(build.bodyStart, src.indexOf('return'));
      assert.equal(build.bodyIndent, '  ');
      const twice = (ir.body[1] as FuncStmt).def;
      assert.equal(text(src, twice.span), 'const twice = x => x * 2;');
      assert.equal(text(src, twice.headerSpan), 'const twice = x =>');
      assert.equal(twice.bodyStart, src.indexOf('x * 2'));
      assert.equal(twice.bodyIndent, '');
      assert.equal(text(src, (twice.body[0] as ReturnStmt).span), 'x * 2');
      const make = (ir.body[2] as FuncStmt).def;
      assert.equal(text(src, make.span), src.split('\n')[4]);
      assert.equal(text(src, make.headerSpan), 'const make = async function (a) {');
      assert.equal(make.isAsync, true);
    });

    it('binds destructured parameters at the top of the body', () => {
      const src = 'function train({epochs, batchSize: bs = 32}, [a, b]) {\n  fit(epochs, bs, a);\n}\n';
      const f = stmt<FuncStmt>(src).def;
      assert.deepEqual(render([stmt<FuncStmt>(src)]), [
        'def train($0, $1):',
        '  epochs = $0.epochs',
        '  bs = ($0.batchSize or 32)',
        '  tuple(a, b) = $1',
        '  fit(epochs, bs, a)',
      ]);
      assert.equal(text(src, f.params[0].span), '{epochs, batchSize: bs = 32}');
      assert.equal(text(src, ((f.body[0] as AssignStmt).value as AttrExpr).span), 'epochs');
      assert.equal(f.bodyStart, src.indexOf('fit('));
    });

    it('lowers export default forms', () => {
      const src = 'export default function f() {}\nexport default model;\nexport {a as b, c};\n';
      assert.deepEqual(render(lower(src).body), ['def f():', 'model', 'b = a']);
      const e = stmt<FuncStmt>('export default function f() { g(); }\n');
      assert.equal(e.def.span.start, 0);
      assert.equal(e.def.headerSpan.start, 'export default '.length);
    });
  });

  describe('classes', () => {
    it('lowers a tfjs custom layer', () => {
      const src = [
        'class Net extends tf.layers.Layer {',
        '  static className = "Net";',
        '  dense = tf.layers.dense({units: 4});',
        '  constructor(config) {',
        '    super(config);',
        '    this.bn = tf.layers.batchNormalization({axis: -1});',
        '  }',
        '  call(inputs, kwargs) {',
        '    return tf.tidy(() => this.bn.apply(super.call(inputs), kwargs));',
        '  }',
        '  get units() { return 4; }',
        '  static fromConfig(cls, c) { return new cls(c); }',
        '}',
        '',
      ].join('\n');
      const c = stmt<ClassStmt>(src);
      assert.deepEqual(render([c]), [
        'class Net(tf.layers.Layer):',
        '  className = "Net"',
        '  dense = tf.layers.dense(units=4)',
        '  def __init__(self, config):',
        '    super().__init__(config)',
        '    self.bn = tf.layers.batchNormalization(axis=(- 1))',
        '  def call(self, inputs, kwargs):',
        '    return tf.tidy(lambda : self.bn(super().call(inputs), **kwargs))',
        '  def units(self):',
        '    return 4',
        '  @classmethod def fromConfig(self, cls, c):',
        '    return cls(c)',
      ]);
      assert.equal(text(src, c.span), src.trim());
      assert.equal(text(src, c.def.nameSpan), 'Net');
      const init = c.def.body[2] as FuncStmt;
      assert.equal(init.def.name, '__init__');
      assert.equal(text(src, init.def.nameSpan), 'constructor');
      assert.deepEqual(init.def.params[0], { name: 'self', kind: 'plain', default: null, annotation: null, span: { start: src.indexOf('(config') + 1, end: src.indexOf('(config') + 1 } });
      const superCall = (init.def.body[0] as ExprStmt).value as CallExpr;
      assert.equal(text(src, superCall.span), 'super(config)');
      const selfName = ((init.def.body[1] as AssignStmt).targets[0] as AttrExpr).obj as NameExpr;
      assert.equal(text(src, selfName.span), 'this');
    });

    it('lowers TS parameter properties, arrow fields, decorators, and skips signatures', () => {
      const src = [
        '@register abstract class M extends Base<T> implements I {',
        '  abstract build(): void;',
        '  private units: number;',
        '  constructor(private readonly size: number, public name?: string) { super(); }',
        '  call = (x) => { return this.dense.apply(x); };',
        '  @memo() forward(x: Tensor): Tensor { return x; }',
        '  run(): void;',
        '}',
        '',
      ].join('\n');
      assert.deepEqual(render([stmt<ClassStmt>(src)]), [
        '@register class M(Base):',
        '  def __init__(self, size, name):',
        '    super().__init__()',
        '    self.size = size',
        '    self.name = name',
        '  def call(self, x):',
        '    return self.dense(x)',
        '  @memo() def forward(self, x):',
        '    return x',
      ]);
    });

    it('lowers class expressions bound by const, and JavaScript fields and decorators', () => {
      const src = 'const A = class B extends C { #p = 1; y; static s = 2; @dec m() { return this.#p; } };\n';
      assert.deepEqual(render(lower(src, 'javascript').body), [
        'class A(C):',
        '  #p = 1',
        '  s = 2',
        '  @dec def m(self):',
        '    return self.#p',
      ]);
    });
  });

  describe('statements', () => {
    it('lowers if / else if / else', () => {
      const src = 'if (a) b(); else if (c) { d(); } else { e(); }\n';
      const s = stmt<IfStmt>(src);
      assert.deepEqual(render([s]), ['if a:', '  b()', 'else:', '  if c:', '    d()', '  else:', '    e()']);
      assert.equal(text(src, s.span), src.trim());
      assert.equal(text(src, s.test.span), 'a');
    });

    it('lowers for-of, for-in, for await and destructuring targets', () => {
      const src = 'for (const x of xs) f(x);\nfor (const k in o) {}\nfor await (const [a, b] of ys) { g(a); }\nfor (const {loss, acc} of hist) { h(loss); }\n';
      const ir = lower(src);
      const hist = src.indexOf('{loss');
      assert.deepEqual(render(ir.body), [
        'for x in xs:',
        '  f(x)',
        'for k in o:',
        'async for tuple(a, b) in ys:',
        '  g(a)',
        `for $for${hist} in hist:`,
        `  loss = $for${hist}.loss`,
        `  acc = $for${hist}.acc`,
        '  h(loss)',
      ]);
      assert.equal((ir.body[0] as ForStmt).isAsync, false);
      assert.equal((ir.body[2] as ForStmt).isAsync, true);
    });

    it('lowers a C-style for loop as its initializer then a while loop', () => {
      const src = 'for (let i = 0, j = 1; i < n; i++, j--) { step(i); }\nfor (;;) { break; }\nfor (i = 0; i < 3; i += 1) g();\n';
      const ir = lower(src);
      assert.deepEqual(render(ir.body), [
        'i = 0',
        'j = 1',
        'while (i < n):',
        '  step(i)',
        '  i += 1',
        '  j -= 1',
        'while True:',
        '  break',
        'i = 0',
        'while (i < 3):',
        '  g()',
        '  i += 1',
      ]);
      const w = ir.body[2] as WhileStmt;
      assert.equal(text(src, w.span), src.split('\n')[0]);
    });

    it('lowers while and do-while (body once, then `if not test: break`)', () => {
      const src = 'while (c) { f(); }\ndo { x++; } while (y < 3);\n';
      assert.deepEqual(render(lower(src).body), ['while c:', '  f()', 'while True:', '  x += 1', '  if (not (y < 3)):', '    break']);
    });

    it('lowers try / catch / finally', () => {
      const src = 'try { a(); } catch (e) { b(e); } finally { c(); }\ntry { a(); } catch { }\ntry { a(); } catch ({message}) { }\n';
      const ir = lower(src);
      assert.deepEqual(render(ir.body), ['try:', '  a()', 'except e:', '  b(e)', 'finally:', '  c()', 'try:', '  a()', 'except _:', 'try:', '  a()', 'except _:']);
      const t = ir.body[0] as TryStmt;
      assert.equal(t.handlers[0].type, null);
      assert.equal(text(src, t.handlers[0].span), 'catch (e) { b(e); }');
    });

    it('lowers return, throw, break, continue, labels, blocks and switch', () => {
      const src = [
        'function f(v) {',
        '  outer: for (const x of xs) { if (x) continue outer; else break; }',
        '  { inner(); }',
        '  ;',
        '  debugger;',
        '  switch (v) { case 1: case 2: g(); break; default: h(); }',
        "  throw new Error('bad');",
        '  return;',
        '}',
        '',
      ].join('\n');
      const f = stmt<FuncStmt>(src);
      assert.deepEqual(render(f.def.body), [
        'for x in xs:',
        '  if x:',
        '    continue',
        '  else:',
        '    break',
        'inner()',
        'block switch v, 1, 2:',
        '  case:',
        '  case:',
        '    g()',
        '    break',
        '  case:',
        '    h()',
        'raise Error("bad")',
        'return null',
      ]);
      const sw = f.def.body[2] as BlockStmt;
      assert.equal(sw.bodies.length, 3);
      assert.equal((f.def.body[3] as SimpleStmt).kind, 'raise');
    });

    it('skips TypeScript-only declarations and lowers namespace bodies', () => {
      const src = 'interface I { a: number }\ntype T = number;\nenum E { A }\ndeclare const q: number;\ndeclare function d(): void;\nfunction over(a: string): void;\nfunction over(a: any) { go(); }\nnamespace N { export const z = f(); }\n';
      assert.deepEqual(render(lower(src).body), ['def over(a):', '  go()', 'block internal_module:', '  case:', '    z = f()']);
    });
  });

  describe('expressions', () => {
    it('lowers literals', () => {
      assert.equal(show(expr('f(this, null, undefined, true, false);\n')), 'f(self, None, None, True, False)');
      const nums = expr<CallExpr>('f(1_000, 0x1F, 1e-3, .5, 0b11, 0o17, 3.25, 017);\n').args as NumExpr[];
      assert.deepEqual(nums.map((n) => [n.value, n.raw]), [[1000, '1_000'], [31, '0x1F'], [0.001, '1e-3'], [0.5, '.5'], [3, '0b11'], [15, '0o17'], [3.25, '3.25'], [15, '017']]);
      assert.equal(show(expr('f(10n);\n')), 'f(<number>)');
      const strs = expr<CallExpr>(String.raw`f('a\'b', "c\"d\n", 'e\x41\u0042\u{1F600}', '\0', ` + '`t\\`x`' + ', `line\\\nnext`);\n');
      assert.deepEqual(strs.args.map((s) => (s.k === 'str' ? s.value : s.k)), ["a'b", 'c"d\n', 'eAB\u{1F600}', '\0', 't`x', 'linenext']);
      assert.equal(show(expr('f(`a${b}c${d()}`);\n')), 'f(<template_string b d()>)');
      assert.equal(show(expr('f(/re+/g);\n')), 'f(<regex>)');
    });

    it('lowers member, optional, private and subscript accesses', () => {
      const src = 'f(a?.b, a.#p, a[0], a?.[i], a.b.c, this.x, g().h, a\n  .b);\n';
      const call = expr<CallExpr>(src);
      assert.equal(show(call), 'f(a.b, a.#p, a[0], a[i], a.b.c, self.x, g().h, a.b)');
      const attrs = call.args.filter((e): e is AttrExpr => e.k === 'attr');
      assert.deepEqual(attrs.map((a) => [text(src, a.span), text(src, a.attrSpan)]), [
        ['a?.b', 'b'], ['a.#p', '#p'], ['a.b.c', 'c'], ['this.x', 'x'], ['g().h', 'h'], ['a\n  .b', 'b'],
      ]);
      assert.equal(text(src, (attrs[2].obj as AttrExpr).span), 'a.b');
      assert.equal(text(src, call.args[2].span), 'a[0]');
    });

    it('lowers calls, optional calls, spreads and new', () => {
      const src = 'f(a, ...b); g?.(1); new X(1, {units: 2}); new Y; new tf.layers.Dense({units: 1});\n';
      const ir = lower(src);
      assert.deepEqual(render(ir.body), ['f(a, *b)', 'g(1)', 'X(1, units=2)', 'Y()', 'tf.layers.Dense(units=1)']);
      const f = (ir.body[0] as ExprStmt).value as CallExpr;
      assert.equal(f.args[1].k, 'star');
      assert.equal(text(src, f.args[1].span), '...b');
      assert.equal(text(src, f.argsSpan), '(a, ...b)');
      const y = (ir.body[3] as ExprStmt).value as CallExpr;
      assert.deepEqual([text(src, y.span), y.argsSpan.start, y.argsSpan.end], ['new Y', y.span.end, y.span.end]);
      const x = (ir.body[2] as ExprStmt).value as CallExpr;
      assert.equal(text(src, x.span), 'new X(1, {units: 2})');
      assert.equal(text(src, x.config!), '{units: 2}');
    });

    it('lowers operators', () => {
      const cases: [string, string][] = [
        ['a + b * c - d / e % f ** g', '((a + (b * c)) - ((d / e) % (f ** g)))'],
        ['a & b | c ^ d << 1 >> 2 >>> 3', '((a & b) | (c ^ (((d << 1) >> 2) >> 3)))'],
        ['a && b || c ?? d', '(((a and b) or c) or d)'],
        ['a === b', '(a == b)'], ['a == b', '(a == b)'], ['a !== b', '(a != b)'], ['a != b', '(a != b)'],
        ['a < b', '(a < b)'], ['a >= b', '(a >= b)'], ['a instanceof B', '(a instanceof B)'], ["'k' in o", '("k" in o)'],
        ['!a', '(not a)'], ['-a', '(- a)'], ['+a', '(+ a)'], ['~a', '(~ a)'],
        ['typeof a', '<unary_expression a>'], ['void 0', '<unary_expression 0>'], ['delete a.b', '<unary_expression a.b>'],
        ['c ? d : e', '(d if c else e)'], ['[1, ...r]', '[1, *r]'], ['(a)', 'a'], ['await p', 'p'],
      ];
      for (const [src, want] of cases) assert.equal(show(expr<CallExpr>(`x(${src});\n`).args[0]), want, src);
      const y = lower('function* g() { yield* h(); }\n').body[0] as FuncStmt;
      assert.equal(show((y.def.body[0] as ExprStmt).value), '<yield_expression h()>');
    });

    it('looks through TypeScript assertions', () => {
      assert.equal(show(expr('f(e as T, e!, e satisfies T, <T>e, g<T>(x));\n')), 'f(e, e, e, e, g(x))');
      const src = 'const o = tf.layers.dense({units: 1}).apply(x) as tf.SymbolicTensor;\n';
      assert.equal(show(stmt<AssignStmt>(src).value), 'tf.layers.dense(units=1)(x)');
    });

    it('reads `v as a.b.C` as a cast, though tree-sitter-typescript parses it as `(v as a.b).C`', () => {
      const src = 'await model.evaluateDataset(ds.batch(1) as tf.data.Dataset<{}>, {});\n';
      const call = expr<CallExpr>(src);
      assert.equal(show(call), 'model.evaluateDataset(ds.batch(1))');
      assert.equal(text(src, call.config!), '{}');
      assert.equal(show(expr('f(v as tf.layers.Layer, (w satisfies a.b.c.D).k, (x as T).m, y!.n);\n')), 'f(v, w.k, x.m, y.n)');
      assert.equal(show(stmt<AssignStmt>('const base = model.getLayer("b") as tf.layers.Layer;\n').value), 'model.getLayer("b")');
    });

    it('keeps nested calls inside other expressions', () => {
      const ir = lower('x = `${f()}`;\ny = g(...[h()]);\nz = {[k()]: m()};\n');
      const calls = allExprs(ir).filter((e) => e.k === 'call').map((e) => show((e as CallExpr).fn));
      assert.deepEqual(calls.sort(), ['f', 'g', 'h', 'k', 'm']);
    });
  });

  describe('offsets', () => {
    it('gives UTF-16 offsets after non-ASCII text', () => {
      const src = '// 日本語のコメント 😀🎉 naïve\nconst 模型 = tf.sequential({layers: [tf.layers.dense({units: 1})]});\nmodel.add(tf.layers.batchNormalization({epsilon: 1e-3}))\n';
      const ir = lower(src);
      const a = ir.body[0] as AssignStmt;
      assert.equal(text(src, a.span), src.split('\n')[1]);
      assert.equal(show(a.targets[0]), '模型');
      assert.equal(text(src, a.targets[0].span), '模型');
      const seq = a.value as CallExpr;
      assert.equal(text(src, seq.kwargs[0].span), 'layers: [tf.layers.dense({units: 1})]');
      const add = (ir.body[1] as ExprStmt).value as CallExpr;
      assert.equal(text(src, add.span), 'model.add(tf.layers.batchNormalization({epsilon: 1e-3}))');
      assert.equal(text(src, ir.body[1].span), 'model.add(tf.layers.batchNormalization({epsilon: 1e-3}))');
      assert.equal(text(src, (add.args[0] as CallExpr).kwargs[0].span), 'epsilon: 1e-3');
      for (const s of allSpans(ir)) assert.ok(s.start >= 0 && s.start <= s.end && s.end <= src.length, JSON.stringify(s));
    });

    it('reads offsets from the text exactly as tree-sitter gives them', async () => {
      // A sample of everything, plus tfjs-layers' own (compiled) BatchNormalization source.
      const samples: [string, Lang][] = [[SAMPLE + 'g(<T>c);\n', 'typescript'], [SAMPLE, 'tsx']];
      try {
        const pkg = path.dirname(require.resolve('@tensorflow/tfjs-layers/package.json'));
        samples.push([fs.readFileSync(path.join(pkg, 'dist/layers/normalization.js'), 'utf8'), 'javascript']);
      } catch {
        // not installed: the inline sample only
      }
      const parser = await initParser();
      for (const [src, lang] of samples) {
        const tree = parser.parse(src, null, lang);
        try {
          assert.equal(tree.rootNode.hasError, false);
          const fast = lowerTypeScript(tree, src);
          const slow = lowerTypeScript(tree, src, { readText: false });
          assert.deepEqual(fast, slow);
          assert.ok(fast.body.length > 0);
        } finally {
          tree.delete();
        }
      }
    });
  });

  describe('grammars', () => {
    it('lowers a JavaScript file with the javascript grammar', () => {
      const src = [
        "const tf = require('@tensorflow/tfjs');",
        'function build(units = 8, {act}) {',
        '  const model = tf.sequential();',
        '  model.add(tf.layers.dense({units, activation: act, inputShape: [4]}));',
        '  model.add(tf.layers.batchNormalization());',
        '  return model;',
        '}',
        'class Net extends tf.layers.Layer { constructor(c) { super(c); this.n = 0; } }',
        'module.exports = {build};',
        '',
      ].join('\n');
      assert.deepEqual(render(lower(src, 'javascript').body), [
        'import tfjs as tf',
        'def build(units=8, $1):',
        '  act = $1.act',
        '  model = tf.sequential()',
        '  model.add(tf.layers.dense(units=units, activation=act, input_shape=[4]))',
        '  model.add(tf.layers.batchNormalization())',
        '  return model',
        'class Net(tf.layers.Layer):',
        '  def __init__(self, c):',
        '    super().__init__(c)',
        '    self.n = 0',
        'module.exports = {"build": build}',
      ]);
    });

    it('lowers a TSX file with JSX, keeping the expressions inside it', () => {
      const src = [
        "import * as tf from '@tensorflow/tfjs';",
        'export function View({model}: Props) {',
        '  const out = model.predict(x) as tf.Tensor;',
        '  return <div className="v" onClick={() => { model.fit(x, y, {epochs: 1}); }}>{out.dataSync()}<b>{f()}</b></div>;',
        '}',
        'const g = <T,>(v: T) => <Foo {...p} />;',
        '',
      ].join('\n');
      const ir = lower(src, 'tsx');
      const click = src.indexOf('() =>');
      assert.deepEqual(render(ir.body), [
        'import tfjs as tf',
        'def View($0):',
        '  model = $0.model',
        '  out = model.predict(x)',
        `  def $fn${click}():`,
        '    model.fit(x, y, epochs=1)',
        `  return <jsx_element $fn${click} out.dataSync() <jsx_element f()>>`,
        'def g(v):',
        '  return <jsx_self_closing_element *p>',
      ]);
      // The same JSX through the JavaScript grammar.
      const js = 'const e = <div onClick={() => { go(); }}>{x}</div>;\n';
      const at = js.indexOf('() =>');
      assert.deepEqual(render(lower(js, 'javascript').body), [`def $fn${at}():`, '  go()', `e = <jsx_element $fn${at} x>`]);
    });
  });

  describe('syntax errors', () => {
    it('records ERROR and MISSING spans and lowers the valid statements', () => {
      const src = 'const a = f(1,;\nmodel.fit(x, {epochs: 3});\nif (x { y(); }\nclass {\n';
      const ir = parseTs(src);
      assert.equal(ir.lang, 'ts');
      assert.ok(ir.errors.length > 0);
      assert.ok(ir.errors.some((e) => e.start === e.end), 'a MISSING node is zero-width');
      const fit = ir.body.find((s) => s.k === 'expr' && s.value.k === 'call' && show(s.value) === 'model.fit(x, epochs=3)');
      assert.ok(fit, render(ir.body).join('\n'));
      assert.equal(text(src, fit.span), 'model.fit(x, {epochs: 3});');
      for (const s of allSpans(ir)) assert.ok(s.start >= 0 && s.start <= s.end && s.end <= src.length, JSON.stringify(s));
    });

    it('never throws on garbage or deep nesting', () => {
      for (const src of ['}}}{{{', '((((', 'class class class', '`${', 'import {', 'const {a, = b;', '<div>{</div>', '@@@', '']) {
        for (const lang of ['typescript', 'tsx', 'javascript'] as const) parseTs(src, lang);
      }
      const deep = [
        'x = ' + 'a + '.repeat(20000) + '1;\n',
        'x = ' + '['.repeat(3000) + ']'.repeat(3000) + ';\n',
        'f(' + '() => { g('.repeat(1000) + ')}'.repeat(1000) + ');\n',
        'x = a' + '.b'.repeat(5000) + ';\n',
        'x = p' + '.then(f)'.repeat(3000) + ';\n',
        'if (a) {}' + ' else if (a) {}'.repeat(3000) + '\n',
      ];
      for (const src of deep) {
        const ir = lower(src);
        assert.ok(ir.body.length >= 1);
      }
    });
  });
});

/** A file using every construct, for the text-versus-tree offset check. */
const SAMPLE = `// 日本語 😀
import * as tf from '@tensorflow/tfjs';
import {layers as L, sequential} from '@tensorflow/tfjs-layers';
export * from './x';
const {a, b: c, d = 1, ...r} = require('./y');
const [p, , ...q] = arr;
export const model = tf.sequential({layers: [L.dense({units: 8, inputShape: [4], useBias: false, ...extra, [key]: 1,}), tf.layers.batchNormalization()]});
model.add(tf.layers.dense({units: 1, activation: 'relu', 'kernelSize': 3, onX() { return 1; }}));
const y = model.apply(x, {training: true}) as tf.Tensor;
const ds = f(v as tf.data.Dataset<{}>, {}) + (w satisfies a.b.C).k;
const out = (tf.layers.dense({units: 4})).apply(input)!;
f(a /* c1 */, b, /* c2 */ c,
  // c3
  d,);
g(( a ), (b as any), -1, !x, typeof y, void 0, a ? b : c, [1, , 2, ...z], {}, [], \`t\${u}v\`, \`w\`, /re/g, 10n, 0x1F, 1_000, .5, 1e-3);
h(a?.b, a?.(1), a?.[2], a.#p, this.x, super.y, a
  .b
  .c, a . d, 'str\\'s', "dq\\"s");
await model.fit(xs, ys, {batchSize: 32, epochs: 5, callbacks: {onEpochEnd: async (e, logs) => { console.log(e, logs); }}});
optimizer.minimize(() => { const l = loss(model.apply(x, {training: false})); return l; });
xs.forEach(x => { f(() => { g(x); }); });
tf.tidy(() => xs.map(x => x * 2));
for (let i = 0, j = 1; i < n; i++, j--) { step(i); }
for (const {loss, acc} of hist) { log(loss); }
for await (const [k, v] of entries) {}
while (c) { break; } do { x++; } while (y);
try { a(); } catch (e) { b(); } finally { c(); }
switch (v) { case 1: case 2: f(); break; default: g(); }
lbl: for (;;) { continue lbl; }
x = y = 3; a.b += 2; i++; --j; a ??= b; [p, q] = [q, p];
function train({epochs, batchSize: bs = 32}, [m, n], ...rest) { return epochs; }
async function* gen(a = 1) { yield* other(); }
class Net extends tf.layers.Layer {
  static className = 'Net';
  #p = 1;
  dense = tf.layers.dense({units: 4});
  constructor(private readonly size: number, config?: any) { super(config); this.bn = tf.layers.batchNormalization({axis: -1}); }
  call(inputs: tf.Tensor, kwargs: any): tf.Tensor { return tf.tidy(() => this.bn.apply(inputs, kwargs)); }
  get units() { return 4; }
  static fromConfig(cls, c) { return new cls(c); }
  arrow = (x) => x + this.#p;
}
export default class extends Net {}
export {a as b2, c};
namespace N { export const z = f(); }
interface I { a: number }
type T = number;
const e = x => x, ff = function () { return 1; }, gg = async () => { await h(); };
`;
